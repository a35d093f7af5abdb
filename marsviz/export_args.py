"""Command-line options of ``marsviz export`` (shared by the CLI and the GUI's export dialog)."""

from __future__ import annotations

import argparse
import math
import os
import re

from marsviz.errors import UsageError

CAMERAS = ("overview", "follow", "earth", "mars", "venus", "inner", "venus-flyby", "mars-arrival", "mars-stay",
           "earth-approach", "ship")
DEFAULT_SIZE = (1280, 720)
#: Documented ranges of the numeric options.
FPS_MAX = 240.0
HOLD_MAX_S = 60.0
DURATION_MAX_S = 24 * 3600.0
DPS_MAX = 100_000.0
MAX_FRAMES = 500_000
#: x264's speed presets, fastest first (``--preset``).
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow")


def check_range(flag: str, value, lo: float, hi: float, low_open: bool = False, what: str | None = None) -> float:
    """``value`` if it is a finite number in [lo, hi] (or (lo, hi]), else a one-line UsageError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{flag}: {value!r} is not a number") from None
    if not math.isfinite(v):
        raise UsageError(f"{flag}: {value!r} is not a finite number")
    if v < lo or (low_open and v == lo):
        if what:
            raise UsageError(f"{flag}: {v:g} {what}")
        raise UsageError(f"{flag}: {v:g} is outside {lo:g} to {hi:g}")
    if v > hi:
        raise UsageError(f"{flag}: {v:g} is more than {hi:g}")
    return v


def max_workers() -> int:
    """The most parallel render processes: one per processor core."""
    return max(1, os.cpu_count() or 1)


def check_workers(n: int) -> int:
    cap = max_workers()
    if n < 1:
        raise UsageError(f"--workers: {n} must be at least 1")
    if n > cap:
        raise UsageError(f"--workers: {n} is more than the {cap} processor cores of this machine "
                         f"(use 1 to {cap})")
    return n


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text or "")
    if not m:
        raise UsageError(f"--size: expected WIDTHxHEIGHT such as 1920x1080, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise UsageError(f"--size: {w}x{h} is outside 16x16 to 8192x8192")
    return w, h


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR|FILE.mp4|FILE.gif",
                   help="a directory of PNG frames, or a video file (.mp4 H.264, .gif)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument("--size", default="1280x720", metavar="WxH",
                   help="frame size in pixels, independent of any window (default 1280x720)")
    p.add_argument("--from", dest="start", metavar="DATE|EVENT",
                   help="first instant: a UTC date (2030-01-19), or an event id (default: mission start)")
    p.add_argument("--to", dest="end", metavar="DATE|EVENT",
                   help="last instant (default: mission end)")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--days-per-second", type=float, metavar="D",
                       help="simulated days per second of video (default 20)")
    speed.add_argument("--duration", type=float, metavar="SECONDS",
                       help="length of the video without holds, in seconds")
    p.add_argument("--pace", choices=("story", "constant"), default=None,
                   help="story: ease into and hold on every event, moving the camera to each "
                        "(the default without --days-per-second or --duration); constant: a "
                        "steady rate with one camera")
    p.add_argument("--camera", choices=CAMERAS, default=None,
                   help="a fixed camera preset (default: overview at constant pace; at story pace "
                        "the story's own camera, which moves to each event)")
    p.add_argument("--hold", type=float, default=0.0, metavar="SECONDS",
                   help="pause this long on each event (default 0)")
    cap = p.add_mutually_exclusive_group()
    cap.add_argument("--captions", dest="captions", action="store_true", default=True,
                     help="burn in date, MET and event captions (the default)")
    cap.add_argument("--no-captions", dest="captions", action="store_false",
                     help="frames without burned-in text")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="render in N parallel processes, at most one per core (default 1)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted export into the same destination (only an export "
                        "whose state file is there)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing video, manifest, subtitles or frames at the "
                        "destination (without it, marsviz never replaces a file)")
    p.add_argument("--keep-frames", action="store_true",
                   help="for a video, keep the PNG frames beside it")
    p.add_argument("--progress", choices=("bar", "json", "none"), default="bar",
                   help=argparse.SUPPRESS)
    add_video_maker_arguments(p)


def add_video_maker_arguments(p: argparse.ArgumentParser) -> None:
    """Options for video makers and for rendering on several machines."""
    p.add_argument("--clean", action="store_true",
                   help="no burned-in text at all (no captions, clock or labels); subtitles are still written")
    p.add_argument("--transparent", action="store_true",
                   help="PNG frames with a transparent background (RGBA); only with --out DIR")
    p.add_argument("--crf", type=int, metavar="N",
                   help="MP4 quality: 0 (best) to 51 (worst), default 18")
    p.add_argument("--lossless", action="store_true",
                   help="lossless MP4 (H.264 in RGB, every pixel exact; large, for editing)")
    p.add_argument("--preset", choices=X264_PRESETS, metavar="PRESET",
                   help="MP4 encoder speed, x264's presets from ultrafast to veryslow (default "
                        "superfast: the least CPU taken from rendering at the same quality; slower "
                        "presets make smaller files)")
    p.add_argument("--segment-frames", type=int, metavar="N",
                   help="frames per resumable segment and per chunk of work (default: 2 s of video)")
    p.add_argument("--cluster", metavar="ADDRESS|local",
                   help="render on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' "
                        "for a cluster of this machine's processes (--workers of them)")
