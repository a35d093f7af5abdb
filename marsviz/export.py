"""Headless export of the mission: PNG frames, H.264 MP4 or GIF, with a manifest and subtitles.

The exporter renders with an off-screen ``pyvista.Plotter`` and the same
:class:`~marsviz.scene.scene.MissionScene` the window uses. A video is rendered in segments of
frames, each streamed as raw pixels straight into ffmpeg and kept as a finished segment file;
the segments are joined at the end without re-encoding (MP4) or turned into the GIF. Every file
is written through :mod:`marsviz.safeio` (a temporary that gets its final name only when
complete), so an interrupted or failed export never leaves a half-written frame, segment or
video; ``--resume`` continues at the first unfinished segment. Segments can be rendered in
worker processes or on a Dask cluster (:mod:`marsviz.cluster`); they come back to this process,
which writes them. No Qt here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import math
import os
import re
import signal
import stat
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from marsviz import __version__, safeio
from marsviz.errors import MarsvizError, OutputError, UsageError
from marsviz.export_args import (DPS_MAX, DURATION_MAX_S, FPS_MAX, HOLD_MAX_S, MAX_FRAMES, check_range,
                                 check_workers, parse_size)
from marsviz.textsafe import safe_text

STATE_FILE = "export-state.json"
MANIFEST = "manifest.json"
FRAME_PATTERN = "frame_{:06d}.png"
CAPTION_SECONDS = 3.0
MIN_CARD_DAYS = 3.0


@dataclass(frozen=True)
class Settings:
    """Everything that determines the frames of an export."""

    kind: str  # "frames", "mp4" or "gif"
    width: int
    height: int
    fps: float
    t_from: float
    t_to: float
    days_per_second: float
    camera: str
    hold: float
    captions: bool
    scenario_sha256: str
    ephemeris: str
    pace: str = "constant"  # "story": the storyboard paces time and moves the camera
    clean: bool = False  # no burned-in text at all (subtitles are still written)
    transparent: bool = False  # PNG frames with an alpha channel
    crf: int = 18  # H.264 quality (0 best, 51 worst)
    lossless: bool = False  # lossless H.264 (RGB, exact pixels)
    preset: str = "superfast"  # x264 speed preset: how much CPU the encoder spends per frame
    segment_frames: int = 60  # frames per resumable segment (and per work chunk)

    @property
    def card_days(self) -> float:
        return max(MIN_CARD_DAYS, CAPTION_SECONDS * self.days_per_second)


@dataclass
class Frame:
    index: int
    t: float
    event: str | None
    hold: bool = False
    tau: float | None = None       # presentation seconds (story pace)
    card: str | None = None        # the event whose card is up
    card_kind: str | None = None   # "event", "question" or "title"
    shot: str | None = None
    camera: dict | None = None     # the camera pose (heliocentric km)

    @property
    def file(self) -> str:
        return FRAME_PATTERN.format(self.index)


# ---------------------------------------------------------------------------------------------
# The schedule: which instant each frame shows
# ---------------------------------------------------------------------------------------------
def storyboard(plan, s: Settings):
    """The storyboard of an export: at story pace it paces time and moves the camera; at
    constant pace a steady ``days_per_second`` with ``hold`` seconds on each event."""
    from marsviz.story import Storyboard

    if s.pace == "story":
        return Storyboard.build(plan, pace="story", t_from=s.t_from, t_to=s.t_to,
                                camera=None if s.camera == "story" else s.camera)
    return Storyboard.build(plan, pace="constant", days_per_second=s.days_per_second, t_from=s.t_from,
                            t_to=s.t_to, camera=s.camera, hold_s=s.hold)


def schedule(plan, s: Settings) -> list[Frame]:
    """Which instant, card and camera each frame shows: a frame every 1/fps presentation
    seconds of the export's storyboard.

    At story pace the storyboard decides everything, and the last frame is exactly at the end
    instant. At constant pace it gives the instants (a steady ``days_per_second``, holding
    ``hold`` seconds on each event, frames on the steady grid); the card of a frame is the
    event the scene shows at that instant (``card_days``) and the camera the preset.
    """
    sb = storyboard(plan, s)
    if s.pace == "story":
        taus = sb.frame_times(s.fps)  # the last exactly at the end
    else:  # frames on the steady grid only (--duration S at --fps F: S x F frames)
        taus = np.arange(int(math.floor(sb.duration_s * s.fps + 1e-9)) + 1) / s.fps
    frames = []
    for i, tau in enumerate(taus):
        tau = float(tau)
        if s.pace == "story":
            st = sb.at(tau)
            frames.append(Frame(i, st.t, st.card if s.captions else None, hold=False,
                                tau=st.tau_s, card=st.card, card_kind=st.card_kind, shot=st.shot,
                                camera=st.camera.to_dict()))
            continue
        held = sb.hold_at(tau)
        t = held[2] if held is not None else float(sb.time_at(tau))
        ev = plan.active_event(t, s.card_days) if s.captions else None
        frames.append(Frame(i, t, ev.id if ev is not None else None, hold=held is not None))
    return frames


def settings_digest(s: Settings) -> str:
    return hashlib.sha256(json.dumps(asdict(s), sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Files (all through marsviz.safeio)
# ---------------------------------------------------------------------------------------------
def _write_file(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Frames and segments go through here, to :mod:`marsviz.safeio` (never over a file)."""
    safeio.write_bytes(path, data, overwrite, sync=False)


def png_bytes(img: np.ndarray) -> bytes:
    """A PNG of an RGB or RGBA image (alpha kept)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def write_png(path: Path, img: np.ndarray, overwrite: bool = False) -> None:
    """Write a frame as PNG through :mod:`marsviz.safeio` (never over a file it did not make)."""
    _write_file(path, png_bytes(img if img.shape[-1] == 4 else img[..., :3]), overwrite)


def _io_error(path: Path, exc: OSError, done: int | None = None, unit: str = "frames") -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "disk full (no space left on device)"
    extra = "" if done is None else f"; {done} finished {unit} kept, continue with --resume"
    return OutputError(f"{path}: cannot write: {reason}{extra}")


def check_writable(directory: Path) -> None:
    """Create ``directory`` and prove a file can be written there, or raise a clear error."""
    try:
        safeio.ensure_directory(directory)
    except OSError as exc:
        raise _io_error(directory, exc) from None


def sweep_temporaries(directory: Path) -> None:
    safeio.sweep_temporaries(directory)


def png_ok(path: Path, size: tuple[int, int]) -> bool:
    """Whether ``path`` is a complete PNG of ``size`` (a truncated one is rendered again)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.size != size:
                return False
            im.load()
        return True
    except Exception:  # noqa: BLE001 - any failure to decode means "render it again"
        return False


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
def _offscreen_env() -> None:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


_RENDERING = {"now": False, "stop": False}


def _on_sigint(signum, frame) -> None:
    """Ctrl-C during an export: stop at once, or right after the render under way.

    A KeyboardInterrupt raised inside a Python callback that VTK calls while rendering (the
    scene's label layout) makes VTK end the whole program; so during a render it waits. One
    raised inside any other callback VTK runs (a Python algorithm updating while the scene is
    set to the next frame) is caught and logged by VTK, so the request is also kept, and the
    next frame's render stops the export.
    """
    _RENDERING["stop"] = True
    if _RENDERING["now"]:
        return
    raise KeyboardInterrupt


def _stop_if_asked() -> None:
    if _RENDERING["stop"]:
        _RENDERING["stop"] = False
        raise KeyboardInterrupt


@contextlib.contextmanager
def _interruptible():
    """Ctrl-C handled by :func:`_on_sigint` for the duration (main thread only)."""
    try:
        old = signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread: leave the handler as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        _RENDERING.update(now=False, stop=False)


def render_image(plotter, alpha: bool = False) -> np.ndarray:
    """Render an off-screen plotter now and return its RGB (or RGBA) image, top row first.

    ``Plotter.render`` does nothing before ``show``; an off-screen export never shows, so the
    render window is rendered directly, once, and the finished picture read (``Plotter.screenshot``
    would render the scene a second time through ``vtkWindowToImageFilter``).
    """
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkUnsignedCharArray

    rw = plotter.ren_win
    _stop_if_asked()
    _RENDERING["now"] = True
    try:
        rw.Render()
    finally:
        _RENDERING["now"] = False
    _stop_if_asked()
    w, h = rw.GetSize()
    arr = vtkUnsignedCharArray()
    # The finished picture is in the front buffer once Render has swapped (the back buffer then
    # holds a copy that differs on anti-aliased edges); it is exactly what a screenshot reads.
    if alpha:
        rw.GetRGBACharPixelData(0, 0, w - 1, h - 1, 1, arr, 0)
    else:
        rw.GetPixelData(0, 0, w - 1, h - 1, 1, arr, 0)
    img = vtk_to_numpy(arr).reshape(h, w, 4 if alpha else 3)
    return np.ascontiguousarray(img[::-1])


def scene_options(s: Settings, hud: bool = True):
    """What the scene of an export shows (the benchmark's bare loop draws the same)."""
    from marsviz.scene.scene import SceneOptions

    text = s.captions and not s.clean
    return SceneOptions(captions=text, hud=hud and not s.clean, labels=not s.clean,
                        card_days=s.card_days, card_mode="off" if s.pace == "story" else "auto")


class FrameRenderer:
    """An off-screen plotter with the mission scene, rendering frames at one size."""

    def __init__(self, plan, s: Settings, hud: bool = True):
        _offscreen_env()
        import pyvista as pv

        from marsviz.scene.scene import MissionScene

        self.plan = plan
        self.s = s
        self.p = pv.Plotter(off_screen=True, window_size=(s.width, s.height))
        if s.transparent:
            self.p.ren_win.SetAlphaBitPlanes(1)
        self.scene = MissionScene(self.p, plan, scene_options(s, hud))
        self.story = storyboard(plan, s) if s.pace == "story" else None
        self.scene.layout(s.width, s.height)
        self.scene.apply_options()
        if s.transparent:
            self.p.renderer.SetBackgroundAlpha(0.0)

    def render(self, t: float) -> np.ndarray:
        sc = self.scene
        sc.set_time(t)
        sc.set_camera(self.s.camera)  # from scratch each frame: frames do not depend on order
        return render_image(self.p, alpha=self.s.transparent)

    def render_state(self, st) -> np.ndarray:
        """Render a storyboard frame state (mission time, card, signal, camera pose)."""
        self.scene.apply(st)
        return render_image(self.p, alpha=self.s.transparent)

    def render_job(self, t: float, tau: float | None) -> np.ndarray:
        """One frame of a schedule: at constant pace its instant, at story pace its story time."""
        return self.render(t) if tau is None else self.render_state(self.story.at(tau))

    def close(self) -> None:
        self.scene.close()
        self.p.close()


# ---------------------------------------------------------------------------------------------
# Segments: raw frames streamed into ffmpeg
# ---------------------------------------------------------------------------------------------
SEGMENT_PATTERN = "segment_{:05d}{}"
X264_THREADS = 1  # fixed, so that a segment's bytes do not depend on the machine that made it
# One encoder thread: it keeps up with the renderer (the encoder runs in its own process beside
# it) and has no thread hand-over cost. The default x264 speed preset (``--preset``, from
# ``export_args.X264_PRESETS``) spends the least CPU that keeps the picture: on 2 cores every CPU
# millisecond ffmpeg takes is one the software renderer (Mesa llvmpipe) does not get. Measured at
# 3840x2160 on 40 exported frames at CRF 18 (CPU per frame, PSNR, size): "fast" 158 ms, 55.5 dB,
# 465 KiB; "veryfast" 103 ms, 52.7 dB, 426 KiB; "superfast" 71 ms, 55.1 dB, 660 KiB; "ultrafast"
# 61 ms, 60.2 dB, 1267 KiB. "superfast" keeps "fast"'s quality for less than half its CPU, in
# files about 40 % larger; ``--preset`` trades CPU for smaller files.
X264_PRESET = "superfast"


def segment_ext(kind: str) -> str:
    return ".mp4" if kind == "mp4" else ".mkv"


def segment_name(kind: str, n: int) -> str:
    return SEGMENT_PATTERN.format(n, segment_ext(kind))


def _rate(fps: float) -> str:
    from fractions import Fraction

    f = Fraction(fps).limit_denominator(1001)
    return f"{f.numerator}/{f.denominator}"


def gif_rate(fps: float) -> tuple[float, str | None]:
    """(rate the GIF is written at, a note for the user or None).

    GIF frame delays are whole hundredths of a second and players show delays under 2/100 s as
    10/100 s, so a GIF plays at most 50 frames per second. Below that, ffmpeg mixes delays (3,
    4, 3 hundredths for 30 fps) so that the average rate is the one asked for.
    """
    if fps > 50.0:
        return 50.0, (f"a GIF plays at most 50 fps; this one plays at 50 fps (asked {fps:g}), "
                      f"{fps / 50.0:.2f}x longer than the schedule")
    cs = 100.0 / fps
    if abs(cs - round(cs)) > 1e-9:
        lo = int(np.floor(cs))
        return fps, (f"GIF delays are whole 1/100 s: frames last {lo} or {lo + 1} hundredths, "
                     f"averaging {fps:g} fps")
    return fps, None


def segment_command(s: Settings, width: int, height: int, path: str) -> list[str]:
    """ffmpeg reading raw RGB frames on stdin and writing one segment to ``path``."""
    import imageio_ffmpeg

    rate = _rate(gif_rate(s.fps)[0] if s.kind == "gif" else s.fps)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostats", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", rate,
           "-i", "pipe:0", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]
    if s.kind == "mp4":
        if s.lossless:
            cmd += ["-c:v", "libx264rgb", "-qp", "0", "-pix_fmt", "rgb24"]
        else:
            cmd += ["-vf", "scale=out_color_matrix=bt709:out_range=tv", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-crf", str(s.crf)]
        # no B-frames: segments then join with continuous timestamps (no reordering delay)
        cmd += ["-preset", s.preset, "-bf", "0", "-x264-params", f"threads={X264_THREADS}",
                "-color_primaries", "bt709", "-color_trc", "bt709"]
        if not s.lossless:
            cmd += ["-colorspace", "bt709", "-color_range", "tv"]
        cmd += ["-f", "mp4", path]
    else:  # GIF: lossless intermediate segments, the palette is made from the whole video
        cmd += ["-c:v", "ffv1", "-pix_fmt", "bgr0", "-f", "matroska", path]
    return cmd


def _even(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    if h % 2 or w % 2:
        img = np.pad(img, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return img


class FFmpegError(OSError):
    pass


def _ffmpeg_failure(what: str, err: bytes | str) -> OSError:
    text = err.decode("utf-8", "replace") if isinstance(err, bytes) else err
    if "No space left" in text:
        return OSError(errno.ENOSPC, "No space left on device")
    last = (text.strip().splitlines() or ["no message"])[-1]
    return FFmpegError(f"ffmpeg failed while {what}: {last}")


class SegmentEncoder:
    """One ffmpeg process fed raw frames on a pipe; :meth:`close` waits for a finished file.

    Frames are written to the pipe by a thread (the write releases the GIL), so the next frame
    renders while ffmpeg takes this one. The process runs in its own session (a Ctrl-C in the
    terminal reaches marsviz, which stops it); :meth:`abort` kills it and waits, so no ffmpeg
    outlives an interrupted export.
    """

    def __init__(self, s: Settings, path: Path):
        import subprocess

        self.s = s
        self.path = Path(path)
        self.proc = None
        self.size = None
        self._subprocess = subprocess
        self._queue = None
        self._thread = None
        self._error: BaseException | None = None

    def _start(self, img: np.ndarray) -> None:
        import queue
        import threading

        h, w = img.shape[:2]
        self.size = (w, h)
        self.proc = self._subprocess.Popen(
            segment_command(self.s, w, h, str(self.path)), stdin=self._subprocess.PIPE,
            stdout=self._subprocess.DEVNULL, stderr=self._subprocess.PIPE, start_new_session=True)
        _FFMPEG.add(self.proc)
        if sys.platform.startswith("linux"):  # a 1 MiB pipe: a frame crosses in fewer wake-ups
            with contextlib.suppress(OSError):
                import fcntl

                fcntl.fcntl(self.proc.stdin.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
        self._queue = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._pump, daemon=True, name="marsviz-ffmpeg-pipe")
        self._thread.start()

    def _pump(self) -> None:
        stdin = self.proc.stdin
        while True:
            buf = self._queue.get()
            if buf is None:
                return
            if self._error is not None:
                continue  # drain after a failure
            try:
                stdin.write(buf)
            except (OSError, ValueError) as exc:
                self._error = exc

    def _failed(self) -> None:
        err = b""
        try:
            err = self.proc.stderr.read()
        except (OSError, ValueError):
            pass
        self.abort()
        raise _ffmpeg_failure("encoding a segment", err) from None

    def send(self, img: np.ndarray) -> None:
        img = img[..., :3]
        if self.s.kind == "mp4":
            img = _even(img)
        if self.proc is None:
            self._start(img)
        if self._error is not None:
            self._failed()
        self._queue.put(np.ascontiguousarray(img))

    def close(self) -> None:
        p = self.proc
        if p is None:
            raise ValueError("an empty segment")
        try:
            self._queue.put(None)
            self._thread.join()
            if self._error is not None:
                self._failed()
            p.stdin.close()
            err = p.stderr.read()
            rc = p.wait()
        except BaseException:
            self.abort()
            raise
        _FFMPEG.discard(p)
        if rc != 0:
            raise _ffmpeg_failure("encoding a segment", err)

    def abort(self) -> None:
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            p.kill()
        if self._thread is not None and self._thread.is_alive():
            self._error = self._error or OSError("aborted")
            while True:  # unblock the pump: it drains the queue once it sees the error
                try:
                    self._queue.put_nowait(None)
                    break
                except Exception:  # noqa: BLE001 - queue.Full: drop a pending frame
                    try:
                        self._queue.get_nowait()
                    except Exception:  # noqa: BLE001
                        pass
            self._thread.join(timeout=10)
        for fh in (p.stdin, p.stderr):
            try:
                fh.close()
            except (OSError, ValueError):
                pass
        p.wait()
        _FFMPEG.discard(p)


_FFMPEG: set = set()  # live ffmpeg processes of this process (stopped on interrupt)


def _stop_all_ffmpeg() -> None:
    for p in list(_FFMPEG):
        if p.poll() is None:
            p.kill()
        p.wait()
        _FFMPEG.discard(p)


def run_ffmpeg(args: list[str], what: str) -> None:
    """Run ffmpeg to completion; on any failure or interrupt it is killed and waited for."""
    import subprocess

    import imageio_ffmpeg

    p = subprocess.Popen([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
                          "-nostdin", "-nostats", *args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    _FFMPEG.add(p)
    try:
        err = p.stderr.read()
        rc = p.wait()
    except BaseException:
        if p.poll() is None:
            p.kill()
        p.wait()
        raise
    finally:
        p.stderr.close()
        _FFMPEG.discard(p)
    if rc != 0:
        raise _ffmpeg_failure(what, err)


def segment_ok(path: Path, frames: int) -> bool:
    """Whether ``path`` is a complete segment of ``frames`` frames (else it is rendered again)."""
    import imageio_ffmpeg

    try:
        n, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    except Exception:  # noqa: BLE001 - unreadable means "render it again"
        return False
    return n == frames


# ---------------------------------------------------------------------------------------------
# Chunks of frames: the unit of work of a worker process or a cluster
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """Frames rendered together: a segment of a video, or a run of PNG frames."""

    number: int
    jobs: tuple  # ((index, t, tau), ...): tau is the story time (None at constant pace)
    segment: bool  # encode a video segment
    pngs: bool  # and/or return PNG frames


_LOCAL: dict = {}


def _renderer_for(plan_data, settings_dict) -> FrameRenderer:
    """This process's renderer for these settings (built once, reused for every chunk)."""
    key = json.dumps(settings_dict, sort_keys=True)
    if _LOCAL.get("key") != key:
        old = _LOCAL.pop("renderer", None)
        if old is not None:
            old.close()
        from marsviz.mission.plan import Plan

        plan = plan_data if not isinstance(plan_data, dict) else Plan(plan_data)
        _LOCAL["renderer"] = FrameRenderer(plan, Settings(**settings_dict))
        _LOCAL["key"] = key
    return _LOCAL["renderer"]


def render_chunk(plan_data, settings_dict: dict, chunk: Chunk) -> dict:
    """Render a chunk where this runs (a worker) and return its files as bytes.

    Nothing is written where the worker runs but a private temporary segment, removed before
    returning: the caller writes the results.
    """
    import tempfile

    r = _renderer_for(plan_data, settings_dict)
    s = r.s
    pngs = []
    seg = None
    with tempfile.TemporaryDirectory(prefix="marsviz-chunk-") as tmp:
        path = Path(tmp) / segment_name(s.kind, chunk.number)
        enc = SegmentEncoder(s, path) if chunk.segment else None
        try:
            for index, t, tau in chunk.jobs:
                img = r.render_job(t, tau)
                if enc is not None:
                    enc.send(img)
                if chunk.pngs:
                    pngs.append((index, png_bytes(img if s.transparent else img[..., :3])))
            if enc is not None:
                enc.close()
                seg = path.read_bytes()
        except BaseException:
            if enc is not None:
                enc.abort()
            raise
    return {"number": chunk.number, "segment": seg, "pngs": pngs}


def _watch_parent() -> None:
    """Stop this worker process when its parent dies (Linux: at once; elsewhere: within 1 s)."""
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="marsviz-parent-watch").start()


def _worker_init(plan_data, settings_dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _watch_parent()
    from marsviz.mission.plan import Plan

    _LOCAL["plan"] = Plan(plan_data)
    _LOCAL["settings"] = settings_dict


def _worker_chunk(chunk: Chunk) -> dict:
    return render_chunk(_LOCAL["plan"], _LOCAL["settings"], chunk)


# ---------------------------------------------------------------------------------------------
# Subtitles and manifest
# ---------------------------------------------------------------------------------------------
def _ts(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def cue_line(text: str) -> str:
    """Scenario text as one line of a subtitle cue: no blank line or timing arrow can forge a cue."""
    return safe_text(" ".join(str(text).split())).replace("-->", "->")


def card_cues(plan, cards) -> list[tuple[float, float, str]]:
    """(start s, end s, text) of each card of a storyboard (its spans are screen time)."""
    cues = []
    for c in cards:
        ev = plan.event(c.event_id)
        if c.kind == "question":
            text = f"Before we see what happens...\n{cue_line(ev.question)}"
        else:
            text = f"{cue_line(ev.title)}\n{plan.clock.day(ev.t)}, {plan.clock.met(ev.t)}"
        cues.append((c.start_s, c.end_s, text))
    return cues


def subtitle_cues(plan, frames: list[Frame], fps: float) -> list[tuple[float, float, str]]:
    """(start s, end s, text) for each run of frames showing the same event card."""
    cues = []
    run_start = None
    current = None
    for f in frames + [Frame(len(frames), 0.0, None)]:
        if f.event != current:
            if current is not None:
                ev = plan.event(current)
                text = f"{cue_line(ev.title)}\n{plan.clock.day(ev.t)}, {plan.clock.met(ev.t)}"
                cues.append((run_start / fps, f.index / fps, text))
            current = f.event
            run_start = f.index
    return cues


def srt_text(cues) -> str:
    return "".join(f"{i}\n{_ts(a, ',')} --> {_ts(b, ',')}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1))


def vtt_text(cues) -> str:
    import html

    # WebVTT cue text is markup: '&' and '<' are written as entities.
    return "WEBVTT\n\n" + "".join(f"{_ts(a, '.')} --> {_ts(b, '.')}\n{html.escape(text, quote=False)}\n\n"
                                    for a, b, text in cues)


def manifest_dict(plan, s: Settings, frames: list[Frame], video: str | None) -> dict:
    return {
        "marsviz": __version__,
        "scenario": {"name": plan.name, "sha256": plan.scenario_digest},
        "ephemeris": plan.ephemeris,
        "versions": plan.versions,
        "settings": asdict(s),
        "video": video,
        "frames": [{"index": f.index, "file": f.file, "t_tdb_days_j2000": f.t,
                    "utc": plan.clock.date(f.t, seconds=True), "met_days": round(f.t - plan.epoch, 6),
                    "event": f.event, "hold": f.hold,
                    **({"tau_s": round(f.tau, 6), "card": f.card, "card_kind": f.card_kind,
                        "shot": f.shot, "camera": f.camera} if f.tau is not None else {})}
                   for f in frames],
    }


# ---------------------------------------------------------------------------------------------
# Video: chapters, joining the segments
# ---------------------------------------------------------------------------------------------
def manifest_path(out: Path) -> Path:
    """Where the manifest of an export to ``out`` goes (``olympus.mp4.manifest.json``)."""
    if out.suffix.lower() in (".mp4", ".gif"):
        return out.with_name(out.name + ".manifest.json")
    return out / MANIFEST


def with_card_events(plan, frames: list[Frame], s: Settings) -> list[Frame]:
    """The frames with the event card each would show: subtitles are written even when no
    text is burned into the pictures (``--no-captions``, ``--clean``)."""
    if s.captions:
        return frames
    out = []
    for f in frames:
        ev = plan.active_event(f.t, s.card_days)
        out.append(Frame(f.index, f.t, ev.id if ev is not None else None, f.hold))
    return out


def export_cues(plan, s: Settings, frames: list[Frame]) -> list[tuple[float, float, str]]:
    """The subtitle cues of an export, in seconds of the video as it plays.

    At story pace, the storyboard's card spans; at constant pace, the runs of frames showing
    an event card (written even when no text is burned in). A GIF above 50 fps plays slower
    than its schedule (:func:`gif_rate`), and its cues follow the frames.
    """
    play_fps = gif_rate(s.fps)[0] if s.kind == "gif" else s.fps
    if s.pace == "story":
        k = s.fps / play_fps
        return [(a * k, b * k, text) for a, b, text in card_cues(plan, storyboard(plan, s).cards)]
    return subtitle_cues(plan, with_card_events(plan, frames, s), play_fps)


def chapters(plan, frames: list[Frame], fps: float, cards=None) -> list[tuple[float, float, str]]:
    """(start s, end s, title): a chapter at each event in the export (events on the same
    frame share one), and "Start" before the first one.

    With a storyboard's ``cards`` (story pace) a chapter starts on the frame where the event's
    first card comes up; otherwise on the first frame at or after the event's instant.
    """
    total = len(frames) / fps
    starts: list[tuple[int, str]] = []
    if cards is not None:
        taus = np.array([f.tau for f in frames], dtype=float)
        marks, seen = [], set()
        for c in cards:
            if c.event_id in seen:
                continue
            seen.add(c.event_id)
            marks.append((int(np.searchsorted(taus, c.start_s - 1e-9)), plan.event(c.event_id).title))
    else:
        ts = np.array([f.t for f in frames])
        marks = [(int(np.searchsorted(ts, e.t - 1e-9)), e.title) for e in plan.mission_events
                 if frames[0].t - 1e-9 <= e.t <= frames[-1].t + 1e-9]
    for i, title in marks:
        if i >= len(frames):
            continue
        if starts and starts[-1][0] == i:
            starts[-1] = (i, f"{starts[-1][1]}; {title}")
        else:
            starts.append((i, title))
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, "Start"))
    out = []
    for k, (i, title) in enumerate(starts):
        end = starts[k + 1][0] / fps if k + 1 < len(starts) else total
        out.append((i / fps, end, title))
    return out


def ffmetadata(chaps) -> str:
    def esc(x: str) -> str:
        for ch in ("\\", "=", ";", "#", "\n"):
            x = x.replace(ch, "\\" + ch)
        return x

    lines = [";FFMETADATA1"]
    for a, b, title in chaps:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(a * 1000))}",
                  f"END={int(round(b * 1000))}", f"title={esc(title)}"]
    return "\n".join(lines) + "\n"


def _scratch(final: Path, text: str) -> Path:
    """An exclusive temporary file holding ``text`` (ffmpeg's inputs; removed by the caller,
    or swept as marsviz's own temporary)."""
    fd, path = safeio.create_temp(final)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return Path(path)


def encode(work: Path, s: Settings, n_segments: int, out: Path, chaps=None, overwrite: bool = False) -> None:
    """Join the finished segments in ``work`` into ``out`` (an exclusive temporary until
    complete, then given its name: never over a file unless ``overwrite``).

    MP4: stream copy (no re-encoding) with BT.709 colour tags and a chapter per event. GIF: one
    palette for the whole video, at the rate :func:`gif_rate` says.
    """
    names = [segment_name(s.kind, n) for n in range(n_segments)]
    scratch: list[Path] = []
    try:
        listing = _scratch(work / "segments.txt", "".join(f"file '{n}'\n" for n in names))
        scratch.append(listing)
        args = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        if s.kind == "mp4":
            meta = _scratch(work / "chapters.txt", ffmetadata(chaps or []))
            scratch.append(meta)
            args += ["-i", str(meta), "-map", "0:v", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy",
                     "-color_primaries", "bt709", "-color_trc", "bt709"]
            if not s.lossless:
                args += ["-colorspace", "bt709", "-color_range", "tv"]
            args += ["-movflags", "+faststart", "-fflags", "+bitexact", "-f", "mp4"]
        else:
            args += ["-filter_complex", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse",
                     "-loop", "0", "-fflags", "+bitexact", "-f", "gif"]
        with safeio.atomic_path(out, overwrite) as tmp:
            run_ffmpeg([*args, "-y", str(tmp)], f"writing {out.name}")
    finally:
        for p in scratch:
            p.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------
def _parse_instant(plan, text: str | None, default: float, flag: str) -> float:
    if text is None:
        return default
    for e in plan.events:
        if e.id == text:
            return float(plan.clamp(e.t))
    try:
        when = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{flag}: {safe_text(repr(text))} is neither a date (2030-07-11) nor an event id") from None
    lo, hi = plan.span
    try:
        if when.tzinfo is not None:  # 2030-02-01T12:00+02:00: the same instant in UTC
            when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        t = plan.clock.from_utc(when)
    except OverflowError:  # beyond year 9999 in UTC
        t = math.inf
    if not (lo - 1e-6 <= t <= hi + 1e-6):
        raise UsageError(f"{flag}: {safe_text(text)} is outside the mission ({plan.clock.day(lo)} to {plan.clock.day(hi)})")
    return t


def make_settings(plan, args) -> tuple[Settings, Path]:
    out = Path(args.out)
    suffix = out.suffix.lower()
    kind = {"": "frames", ".mp4": "mp4", ".gif": "gif"}.get(suffix)
    if kind is None:
        raise UsageError(f"--out: {safe_text(args.out)}: use a directory, a .mp4 or a .gif file")
    if kind == "frames" and out.exists() and not out.is_dir():
        raise UsageError(f"--out: {safe_text(args.out)} exists and is not a directory")
    w, h = parse_size(args.size)
    check_range("--fps", args.fps, 0, FPS_MAX, low_open=True)
    check_range("--hold", args.hold, 0, HOLD_MAX_S, what="must not be negative")
    cluster = getattr(args, "cluster", None)
    if cluster is None or cluster == "local":
        check_workers(args.workers)  # processes of this machine
    elif args.workers < 1:
        raise UsageError(f"--workers: {args.workers} must be at least 1")
    clean = bool(getattr(args, "clean", False))
    transparent = bool(getattr(args, "transparent", False))
    crf = getattr(args, "crf", None)
    lossless = bool(getattr(args, "lossless", False))
    if transparent and kind != "frames":
        raise UsageError(f"--transparent: {safe_text(out.name)}: MP4 and GIF have no alpha; "
                         "use --out DIR for PNG frames")
    if crf is not None and kind != "mp4":
        raise UsageError("--crf: only for an MP4")
    if crf is not None and not (0 <= crf <= 51):
        raise UsageError(f"--crf: {crf} is outside 0 (best) to 51 (worst)")
    if lossless and kind != "mp4":
        raise UsageError("--lossless: only for an MP4 (PNG frames are always lossless)")
    if lossless and crf is not None:
        raise UsageError("--lossless: cannot be combined with --crf")
    preset = getattr(args, "preset", None)
    if preset is not None and kind != "mp4":
        raise UsageError("--preset: only for an MP4")
    seg = getattr(args, "segment_frames", None)
    if seg is None:
        seg = max(1, int(round(2.0 * args.fps)))  # about two seconds of video
    if seg < 1:
        raise UsageError(f"--segment-frames: {seg} must be at least 1")
    if seg > MAX_FRAMES:
        raise UsageError(f"--segment-frames: {seg} is more than {MAX_FRAMES}")
    t_from = _parse_instant(plan, args.start, plan.span[0], "--from")
    t_to = _parse_instant(plan, args.end, plan.span[1], "--to")
    if t_to <= t_from:
        raise UsageError("--to must come after --from")
    pace = getattr(args, "pace", None)
    if pace is None:
        pace = "constant" if (args.duration is not None or args.days_per_second is not None) else "story"
    if pace == "story" and (args.duration is not None or args.days_per_second is not None):
        flag = "--duration" if args.duration is not None else "--days-per-second"
        raise UsageError(f"{flag}: the story pace sets its own speed; use --pace constant with {flag}")
    if pace == "story" and args.hold:
        raise UsageError("--hold: the story pace holds on every event by itself; use --pace constant with --hold")
    if args.duration is not None:
        check_range("--duration", args.duration, 0, DURATION_MAX_S, low_open=True, what="must be positive")
        n = int(round(args.duration * args.fps))
        if n < 2:
            raise UsageError(f"--duration: {args.duration:g} s at {args.fps:g} fps is fewer than 2 frames")
        # n frames from the first instant to the last, both included: S x F frames in all
        dps = (t_to - t_from) * args.fps / (n - 1)
        flag, value = "--duration", args.duration
    else:
        dps = args.days_per_second if args.days_per_second is not None else 20.0
        check_range("--days-per-second", dps, 0, DPS_MAX, low_open=True, what="must be positive")
        flag, value = "--days-per-second", dps
    # A camera preset: fixed at constant pace (overview unless given); at story pace, the
    # storyboard's own moving camera ("story") unless a preset is given.
    camera = getattr(args, "camera", None) or ("story" if pace == "story" else "overview")
    n_events = sum(1 for e in plan.mission_events if t_from <= e.t <= t_to)
    n_frames = (t_to - t_from) / dps * args.fps + args.hold * args.fps * n_events
    if n_frames > MAX_FRAMES:
        raise UsageError(f"{flag}: {value:g} would make about {n_frames:,.0f} frames; the limit is "
                         f"{MAX_FRAMES:,}")
    s = Settings(kind=kind, width=w, height=h, fps=float(args.fps), t_from=t_from, t_to=t_to,
                 days_per_second=float(dps), camera=camera, hold=float(args.hold),
                 captions=bool(args.captions) and not clean, scenario_sha256=plan.scenario_digest,
                 ephemeris=plan.ephemeris, pace=pace, clean=clean, transparent=transparent,
                 crf=18 if crf is None else int(crf), lossless=lossless,
                 preset=preset or X264_PRESET, segment_frames=int(seg))
    return s, out


class Progress:
    """A tqdm bar with ETA, or JSON lines for the window's export dialog, or nothing."""

    def __init__(self, mode: str, total: int, done: int, label: str):
        self.mode = mode
        self.total = total
        self.bar = None
        self.start = time.time()
        self.done0 = done
        self.label = label
        if mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=label, unit="frame", file=sys.stderr,
                            dynamic_ncols=True)
        self.update(done)

    def update(self, done: int, stage: str | None = None) -> None:
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()
        elif self.mode == "json":
            el = time.time() - self.start
            rate = (done - self.done0) / el if el > 0 and done > self.done0 else 0
            eta = (self.total - done) / rate if rate > 0 else None
            print(json.dumps({"stage": stage or self.label, "done": done, "total": self.total,
                              "eta_s": None if eta is None else round(eta, 1)}), flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_export(args) -> int:
    from marsviz.loading import load_plan, say

    _, plan = load_plan(args, None if args.progress != "bar" else say)
    s, out = make_settings(plan, args)
    return export(plan, s, out, workers=args.workers, resume=args.resume,
                  keep_frames=args.keep_frames, progress=args.progress,
                  cluster=getattr(args, "cluster", None), overwrite=getattr(args, "overwrite", False))


def output_files(s: Settings, out: Path, frames_dir: Path) -> list[Path]:
    """The files an export writes besides its frames and segments: video, manifest and subtitles."""
    if s.kind == "frames":
        return [frames_dir / MANIFEST, frames_dir / "captions.srt", frames_dir / "captions.vtt"]
    stem = out.with_suffix("")
    return [out, manifest_path(out), Path(f"{stem}.srt"), Path(f"{stem}.vtt")]


_FRAME_RE = re.compile(r"frame_\d{6}\.png")
_WORK_RE = re.compile(r"frame_\d{6}\.png|segment_\d{5}\.(mp4|mkv)")


class ExportState:
    """The state file of an export: its settings and the outputs it has written.

    It is what proves an earlier export: ``--resume`` continues only the export its state file
    describes, and replaces only the outputs the state file names with the content it recorded
    (a file changed or put there by anyone else is never replaced).
    """

    def __init__(self, path: Path, data: dict):
        self.path = path
        self.data = data

    @classmethod
    def read(cls, path: Path) -> "ExportState | None":
        """The state at ``path``; None if there is none; a damaged one has no settings digest."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError:
            return cls(path, {})
        data: dict = {}
        if stat.S_ISREG(st.st_mode):
            try:
                loaded = json.loads(safeio.read_limited(path, 1 << 20, "state file"))
            except (MarsvizError, ValueError):
                loaded = None
            if isinstance(loaded, dict) and isinstance(loaded.get("outputs", {}), dict):
                data = loaded
        return cls(path, data)

    @property
    def digest(self):
        return self.data.get("settings_sha256")

    @staticmethod
    def _key(p: Path) -> str:
        return os.path.abspath(p)

    def owns(self, p: Path) -> bool:
        """Whether ``p`` is, byte for byte, the file this export wrote there."""
        want = self.data.get("outputs", {}).get(self._key(p))
        return isinstance(want, str) and safeio.file_sha256(p) == want

    def record(self, p: Path) -> None:
        self.data.setdefault("outputs", {})[self._key(p)] = safeio.file_sha256(p)
        self.save(replace=True)

    def save(self, replace: bool) -> None:
        safeio.write_text(self.path, json.dumps(self.data, indent=1), overwrite=replace)


def _frame_files(directory: Path, pattern=_FRAME_RE) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return []


def text_outputs(plan, s: Settings, frames: list[Frame], out: Path, frames_dir: Path) -> dict[Path, str]:
    """The manifest and subtitles of an export, by file (known before any frame is rendered)."""
    cues = export_cues(plan, s, frames)
    if s.kind == "frames":
        return {frames_dir / MANIFEST: json.dumps(manifest_dict(plan, s, frames, None), indent=1),
                frames_dir / "captions.srt": srt_text(cues), frames_dir / "captions.vtt": vtt_text(cues)}
    stem = out.with_suffix("")
    return {manifest_path(out): json.dumps(manifest_dict(plan, s, frames, out.name), indent=1),
            Path(f"{stem}.srt"): srt_text(cues), Path(f"{stem}.vtt"): vtt_text(cues)}


def _same_content(path: Path, text: str | None) -> bool:
    return text is not None and safeio.file_sha256(path) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prepare(frames: list[Frame], s: Settings, out: Path, frames_dir: Path, resume: bool, overwrite: bool,
             texts: dict[Path, str]):
    """Decide, before anything is rendered, what this export may write and replace.

    A file may be replaced if the user said ``--overwrite``, or on ``--resume`` if the state file
    proves this export wrote it. A file that already holds exactly the bytes to be written (the
    subtitles an MP4 and a GIF of the same settings share) is left as it is. Frames and video
    segments are only ever written under new names; on ``--resume`` the ones the export's own
    directory holds are kept (incomplete ones are rendered again).
    Returns (state, {output: may be replaced}, the earlier state or None).
    """
    digest = settings_digest(s)
    existing: list[Path] = []
    state_path = frames_dir / STATE_FILE
    prior = ExportState.read(state_path)
    if resume:
        if prior is None:
            raise UsageError(f"--resume: {frames_dir} holds no earlier export to continue "
                             f"(no {STATE_FILE}); run without --resume")
        if prior.digest is None:
            raise OutputError(f"{state_path}: is damaged, so the earlier export cannot be continued; "
                              "run without --resume and with --overwrite to start it again")
        if prior.digest != digest:
            raise OutputError(f"{frames_dir}: was exported with different settings; use another "
                              "destination, or the same options with --resume")
        state = prior
    else:
        if prior is not None and not overwrite:
            raise OutputError(f"{frames_dir}: holds an earlier export; add --resume to continue it, "
                              "--overwrite to replace it, or choose an empty destination")
        existing = _frame_files(frames_dir, _WORK_RE)
        if existing and not overwrite:
            raise OutputError(f"{frames_dir}: already holds frames from elsewhere; choose an empty "
                              "destination, or add --overwrite to replace them")
        state = ExportState(state_path, {"settings_sha256": digest, "settings": asdict(s),
                                         "frames": len(frames), "outputs": {}})
    # Every output is checked before the first frame is rendered, so that an export never runs
    # for minutes only to find it may not write its result.
    may_replace = {p: overwrite or (resume and state.owns(p)) or _same_content(p, texts.get(p))
                   for p in output_files(s, out, frames_dir)}
    for p, allowed in may_replace.items():
        safeio.check_destination(p, allowed)
    if resume:  # the kept frames and segments must be files (never a link planted in their place)
        for p in _frame_files(frames_dir, _WORK_RE):
            try:
                regular = stat.S_ISREG(os.lstat(p).st_mode)
            except OSError as exc:
                raise _io_error(p, exc) from None
            if not regular:
                raise OutputError(f"{p}: is not a regular file, so the earlier export cannot be "
                                  "continued; remove it or export to another destination")
    for p in existing:  # --overwrite: the frames and segments of another export go (regular files only)
        try:
            if stat.S_ISREG(os.lstat(p).st_mode):
                p.unlink()
        except OSError as exc:
            raise _io_error(p, exc) from None
    return state, may_replace, prior


def _duration_text(seconds: float) -> str:
    seconds = max(1.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _say(progress: str, text: str) -> None:
    if progress != "json":
        print(f"marsviz: {text}", file=sys.stderr, flush=True)


def _chunks(frames: list[Frame], s: Settings, video: bool, pngs: bool) -> list[Chunk]:
    n = s.segment_frames
    return [Chunk(k, tuple((f.index, f.t, f.tau) for f in frames[i:i + n]), video, pngs)
            for k, i in enumerate(range(0, len(frames), n))]


def _png_complete(path: Path, size: tuple[int, int]) -> bool:
    """A kept PNG frame is complete: its header has the right size and it ends with IEND."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
            fh.seek(-12, os.SEEK_END)
            tail = fh.read(12)
    except OSError:
        return False
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR" or tail[4:8] != b"IEND":
        return False
    return (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == size


def _pending(work: Path, s: Settings, chunks: list[Chunk]) -> list[Chunk]:
    """The chunks still to render; kept files that are incomplete are removed and redone."""
    todo = []
    size = (s.width, s.height)
    for c in chunks:
        pngs_ok = True
        if c.pngs:
            missing = []
            for job in c.jobs:
                p = work / FRAME_PATTERN.format(job[0])
                if p.exists() and not _png_complete(p, size):
                    p.unlink()
                if not p.exists():
                    missing.append(job)
            pngs_ok = not missing
            if not c.segment:
                if missing:
                    todo.append(Chunk(c.number, tuple(missing), False, True))
                continue
        seg = work / segment_name(s.kind, c.number)
        if seg.exists() and not segment_ok(seg, len(c.jobs)):
            seg.unlink()
        if not seg.exists() or not pngs_ok:
            seg.unlink(missing_ok=True)
            for index, *_ in c.jobs:
                if c.pngs:
                    (work / FRAME_PATTERN.format(index)).unlink(missing_ok=True)
            todo.append(c)
    return todo


def export(plan, s: Settings, out: Path, workers: int = 1, resume: bool = False,
           keep_frames: bool = False, progress: str = "bar", cluster: str | None = None,
           overwrite: bool = False) -> int:
    """Render (and encode) an export; returns the process exit code.

    Nothing already on disk is replaced unless ``overwrite`` (the user asked), or ``resume`` and
    the export's own state file proves the file is one this export wrote.
    """
    with _interruptible():
        return _export(plan, s, out, workers, resume, keep_frames, progress, cluster, overwrite)


def _export(plan, s: Settings, out: Path, workers: int, resume: bool, keep_frames: bool, progress: str,
            cluster: str | None, overwrite: bool) -> int:
    video = s.kind != "frames"
    work = out if not video else out.with_name(out.name + ".frames")
    created = not os.path.lexists(work)
    if video:
        check_writable(out.parent)
    check_writable(work)
    frames = schedule(plan, s)
    chunks = _chunks(frames, s, video, keep_frames or not video)
    texts = text_outputs(plan, s, frames, out, work)
    try:
        state, may_replace, prior = _prepare(frames, s, out, work, resume, overwrite, texts)
    except BaseException:
        if created:  # refused before anything was written: leave no empty directory behind
            with contextlib.suppress(OSError):
                work.rmdir()
        raise
    state_path = work / STATE_FILE
    if state is not prior:
        try:
            state.save(replace=prior is not None)
        except OSError as exc:
            raise _io_error(state_path, exc) from None
    sweep_temporaries(work)
    todo = _pending(work, s, chunks)
    n_todo = sum(len(c.jobs) for c in todo)
    done = len(frames) - n_todo
    unit = "segments" if video else "frames"

    def kept() -> int:
        if video:
            return sum(1 for c in chunks if (work / segment_name(s.kind, c.number)).is_file())
        return sum(1 for f in frames if (work / f.file).is_file())

    gif_note = gif_rate(s.fps)[1] if s.kind == "gif" else None
    interrupted = False
    bar = None
    try:
        renderer = None
        if todo:
            renderer, spf = _calibrate(plan, s, frames)
            parallel = workers if cluster is None else max(1, workers)
            what = out if video else work
            _say(progress, f"{len(frames)} frames ({len(frames) / s.fps:.1f} s at {s.fps:g} fps, "
                           f"{s.width}x{s.height}) for {safe_text(what)}"
                           + (f", {done} already done" if done else "")
                           + f"; rendering {n_todo} takes roughly {_duration_text(n_todo * spf / parallel)}")
            if gif_note:
                _say(progress, gif_note)
            if cluster is not None or workers > 1:
                renderer.close()
                renderer = None
        bar = Progress(progress, len(frames), done, "Rendering")
        done = _render_all(plan, s, work, todo, workers, bar, done, renderer=renderer, cluster=cluster)
    except KeyboardInterrupt:
        interrupted = True
    except OSError as exc:
        _stop_all_ffmpeg()
        if bar is not None:
            bar.close()
        sweep_temporaries(work)
        raise _io_error(work, exc, kept(), unit) from None
    finally:
        if bar is not None:
            bar.close()
    if interrupted:
        _stop_all_ffmpeg()
        sweep_temporaries(work)
        print(f"marsviz: interrupted: {kept()} of {len(chunks) if video else len(frames)} {unit} kept "
              f"in {safe_text(work)}; run the same command with --resume to continue", file=sys.stderr)
        return 130

    def put(path: Path) -> None:
        if not _same_content(path, texts[path]):
            safeio.write_text(path, texts[path], overwrite=may_replace[path])
        state.record(path)

    play_fps = gif_rate(s.fps)[0] if s.kind == "gif" else s.fps
    written: list[Path] = []
    try:
        if not video:
            for path in texts:
                put(path)
            written = [work / MANIFEST, work / "captions.srt", work / "captions.vtt"]
        else:
            if progress == "json":
                print(json.dumps({"stage": f"Encoding {s.kind.upper()}", "done": 0, "total": 1,
                                  "eta_s": None}), flush=True)
            else:
                _say(progress, f"joining {len(chunks)} segments into {safe_text(out)}")
            cards = storyboard(plan, s).cards if s.pace == "story" else None
            encode(work, s, len(chunks), out, chapters(plan, frames, play_fps, cards),
                   overwrite=may_replace[out])
            state.record(out)
            for path in texts:
                put(path)
            stem = out.with_suffix("")
            written = [out, Path(f"{stem}.srt"), Path(f"{stem}.vtt"), manifest_path(out)]
            if not keep_frames:
                for c in chunks:
                    (work / segment_name(s.kind, c.number)).unlink(missing_ok=True)
                state_path.unlink(missing_ok=True)
                try:
                    work.rmdir()
                except OSError:
                    pass
            else:
                written.append(work)
    except KeyboardInterrupt:
        _stop_all_ffmpeg()
        print(f"marsviz: interrupted while encoding; the finished segments are kept in {safe_text(work)}; "
              "run the same command with --resume to finish", file=sys.stderr)
        return 130
    except OSError as exc:
        _stop_all_ffmpeg()
        raise _io_error(out, exc, kept() if video else None, unit) from None
    if progress != "json":
        if video:
            length = len(frames) / play_fps
            names = ", ".join(safe_text(p) for p in written[1:])
            print(f"marsviz: wrote {safe_text(out)} ({len(frames)} frames, {length:.1f} s at {play_fps:g} fps), "
                  f"{names}", file=sys.stderr)
        else:
            names = ", ".join(safe_text(p.name) for p in written)
            print(f"marsviz: wrote {len(frames)} frames ({frames[0].file} to {frames[-1].file}), {names} "
                  f"in {safe_text(work)}", file=sys.stderr)
    else:
        print(json.dumps({"stage": "done", "done": len(frames), "total": len(frames), "out": str(out),
                          "files": [str(p) for p in written]}), flush=True)
    return 0


def _calibrate(plan, s: Settings, frames: list[Frame]):
    """A renderer for this process and its seconds per frame (the second render is timed)."""
    r = FrameRenderer(plan, s)
    try:
        f = frames[len(frames) // 2]
        r.render_job(f.t, f.tau)
        t0 = time.perf_counter()
        r.render_job(f.t, f.tau)
        return r, time.perf_counter() - t0
    except BaseException:
        r.close()
        raise


def _store(work: Path, s: Settings, res: dict) -> int:
    """Write a chunk's results (in this process, through safeio); returns frames stored."""
    for index, data in res["pngs"]:
        _write_file(work / FRAME_PATTERN.format(index), data)
    if res["segment"] is not None:
        _write_file(work / segment_name(s.kind, res["number"]), res["segment"])
    return res.get("frames", len(res["pngs"]))


def _render_all(plan, s: Settings, work: Path, todo: list[Chunk], workers: int, bar, done: int,
                renderer=None, cluster: str | None = None) -> int:
    if not todo:
        if renderer is not None:
            renderer.close()
        return done
    if cluster is not None:
        from marsviz.cluster import render_on_cluster

        for c, res in render_on_cluster(cluster, plan, s, todo, workers):
            _store(work, s, res)
            done += len(c.jobs)
            bar.update(done)
        return done
    if workers <= 1:
        return _render_here(plan, s, work, todo, bar, done, renderer)
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    pool = ctx.Pool(workers, initializer=_worker_init, initargs=(plan.to_dict(), asdict(s)))
    try:
        sizes = {c.number: len(c.jobs) for c in todo}
        for res in pool.imap_unordered(_worker_chunk, todo):
            _store(work, s, res)
            done += sizes[res["number"]]
            bar.update(done)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


def _finish_segment(enc: SegmentEncoder, commit) -> None:
    """Wait for a segment's encoder, then give the file its final name (or remove it)."""
    try:
        enc.close()
    except BaseException:
        enc.abort()
        commit.__exit__(*sys.exc_info())
        raise
    commit.__exit__(None, None, None)


def _render_here(plan, s: Settings, work: Path, todo: list[Chunk], bar, done: int, renderer=None) -> int:
    """One process: frames stream into ffmpeg (its own process) while the next one renders;
    PNG frames are compressed and written by a thread (Pillow and zlib release the GIL)."""
    r = renderer or FrameRenderer(plan, s)
    try:
        return render_segments(r, work, todo, bar, done)
    finally:
        r.close()


def render_segments(r: FrameRenderer, work: Path, todo: list[Chunk], bar, done: int) -> int:
    """Render ``todo`` with the renderer ``r`` into segments (and/or PNG frames) in ``work``.

    A segment's encoder finishes (x264 encodes the frames its look-ahead still holds, the file
    gets its final name) on a thread while the next segment renders: the renderer never waits
    for a whole segment's encoding. At most one segment finishes at a time.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    s = r.s
    pending: deque = deque()
    finishing: list = []  # [(future, encoder)] of the segment being finished

    def drain(limit: int) -> None:
        nonlocal done
        while len(pending) > limit or (pending and pending[0].done()):
            pending.popleft().result()
            done += 1
            bar.update(done)

    def wait_finish() -> None:
        if finishing:
            fut, _ = finishing.pop()
            fut.result()

    def save_png(index: int, img: np.ndarray) -> None:
        _write_file(work / FRAME_PATTERN.format(index), png_bytes(img if s.transparent else img[..., :3]))

    with ThreadPoolExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=1) as finisher:
        try:
            for c in todo:
                if c.segment:
                    commit = safeio.atomic_path(work / segment_name(s.kind, c.number))
                    tmp = commit.__enter__()
                    enc = SegmentEncoder(s, tmp)
                    try:
                        for index, t, tau in c.jobs:
                            img = r.render_job(t, tau)
                            enc.send(img)
                            if c.pngs:
                                pending.append(pool.submit(save_png, index, img))
                                drain(2)
                            else:
                                done += 1
                                bar.update(done)
                        wait_finish()  # the previous segment, encoded while this one rendered
                    except BaseException:
                        enc.abort()
                        commit.__exit__(*sys.exc_info())
                        raise
                    finishing.append((finisher.submit(_finish_segment, enc, commit), enc))
                else:
                    for index, t, tau in c.jobs:
                        pending.append(pool.submit(save_png, index, r.render_job(t, tau)))
                        drain(2)
            wait_finish()
            drain(0)
        except BaseException:
            for fut in pending:
                fut.cancel()
            for fut, enc in finishing:  # stop the segment being finished; it removes its file
                if enc.proc is not None and enc.proc.poll() is None:
                    enc.proc.kill()
                with contextlib.suppress(BaseException):
                    fut.result()
            raise
    return done


__all__ = ["Settings", "Frame", "Chunk", "schedule", "storyboard", "card_cues", "export", "run_export",
           "FrameRenderer", "render_chunk", "MarsvizError"]


# ---------------------------------------------------------------------------------------------
# What renders: for `marsviz --info` and the benchmark
# ---------------------------------------------------------------------------------------------
def gl_info() -> dict:
    """The OpenGL renderer and off-screen backend an export uses on this machine.

    Opens a 16x16 off-screen render window the way :class:`FrameRenderer` does, renders once and
    reads the driver's strings. ``kind`` is "software" for Mesa's llvmpipe/softpipe (or any
    software rasteriser), "GPU" otherwise.
    """
    _offscreen_env()
    import pyvista as pv

    p = pv.Plotter(off_screen=True, window_size=(16, 16))
    try:
        p.ren_win.Render()
        caps = p.ren_win.ReportCapabilities() or ""
        backend = p.ren_win.GetClassName()
    finally:
        p.close()

    def field(name):
        m = next((ln.split(":", 1)[1].strip() for ln in caps.splitlines()
                  if ln.strip().lower().startswith(name)), "unknown")
        return m

    renderer = field("opengl renderer string")
    soft = any(k in renderer.lower() for k in ("llvmpipe", "softpipe", "software", "swr", "swiftshader"))
    return {"backend": backend, "vendor": field("opengl vendor string"), "renderer": renderer,
            "version": field("opengl version string"), "kind": "software" if soft else "GPU"}
