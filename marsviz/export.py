"""Headless export of the mission: PNG frames, H.264 MP4 or GIF, with a manifest and subtitles.

The exporter renders with an off-screen ``pyvista.Plotter`` and the same
:class:`~marsviz.scene.scene.MissionScene` the window uses. Every file is written under a
temporary name and renamed when complete, so an interrupted or failed export never leaves a
half-written frame or video; ``--resume`` continues where it stopped. No Qt here.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from marsviz import __version__
from marsviz.errors import MarsvizError, OutputError, UsageError
from marsviz.export_args import parse_size

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
    """The storyboard of a story-paced export."""
    from marsviz.story import Storyboard

    return Storyboard.build(plan, pace="story", t_from=s.t_from, t_to=s.t_to)


def schedule(plan, s: Settings) -> list[Frame]:
    """Which instant, card and camera each frame shows.

    At story pace the storyboard decides everything: a frame every 1/fps presentation seconds,
    the last one exactly at the end instant. At constant pace, frames at a steady
    ``days_per_second``, holding ``hold`` seconds on each event.
    """
    if s.pace == "story":
        sb = storyboard(plan, s)
        frames = []
        for i, tau in enumerate(sb.frame_times(s.fps)):
            st = sb.at(float(tau))
            frames.append(Frame(i, st.t, st.card if s.captions else None, hold=False,
                                tau=st.tau_s, card=st.card, card_kind=st.card_kind, shot=st.shot,
                                camera=st.camera.to_dict()))
        return frames
    step = s.days_per_second / s.fps
    n = max(1, int(np.floor((s.t_to - s.t_from) / step + 1e-9)) + 1)
    times = s.t_from + step * np.arange(n)
    events = [e for e in plan.mission_events if s.t_from <= e.t <= s.t_to] if s.hold > 0 else []
    hold_n = int(round(s.hold * s.fps))
    frames: list[Frame] = []
    ei = 0
    for t in times:
        while ei < len(events) and events[ei].t <= t + 1e-12:
            for _ in range(hold_n):
                frames.append(Frame(len(frames), events[ei].t, None, hold=True))
            ei += 1
        frames.append(Frame(len(frames), float(t), None))
    while ei < len(events):
        for _ in range(hold_n):
            frames.append(Frame(len(frames), events[ei].t, None, hold=True))
        ei += 1
    for f in frames:
        ev = plan.active_event(f.t, s.card_days) if s.captions else None
        f.event = ev.id if ev is not None else None
    return frames


def settings_digest(s: Settings) -> str:
    return hashlib.sha256(json.dumps(asdict(s), sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_png(path: Path, img: np.ndarray) -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[..., :3])).save(buf, format="PNG", compress_level=3)
    atomic_write_bytes(path, buf.getvalue())


def _io_error(path: Path, exc: OSError, done: int | None = None) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "disk full (no space left on device)"
    extra = "" if done is None else f"; {done} finished frames kept, continue with --resume"
    return OutputError(f"{path}: cannot write: {reason}{extra}")


def check_writable(directory: Path) -> None:
    """Create ``directory`` and prove a file can be written there, or raise a clear error."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".marsviz-probe-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise _io_error(directory, exc) from None


def sweep_temporaries(directory: Path) -> None:
    for p in directory.glob(".*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
def _offscreen_env() -> None:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def render_image(plotter) -> np.ndarray:
    """Render an off-screen plotter now and return its RGB image.

    ``Plotter.render`` does nothing before ``show``; an off-screen export never shows, so the
    render window is rendered directly.
    """
    plotter.ren_win.Render()
    return np.asarray(plotter.screenshot(return_img=True))


class FrameRenderer:
    """An off-screen plotter with the mission scene, rendering frames at one size."""

    def __init__(self, plan, s: Settings, hud: bool = True):
        _offscreen_env()
        import pyvista as pv

        from marsviz.scene.scene import MissionScene, SceneOptions

        self.plan = plan
        self.s = s
        self.p = pv.Plotter(off_screen=True, window_size=(s.width, s.height))
        opt = SceneOptions(captions=s.captions, hud=hud, card_days=s.card_days,
                           card_mode="off" if s.pace == "story" else "auto")
        self.scene = MissionScene(self.p, plan, opt)
        self.story = storyboard(plan, s) if s.pace == "story" else None
        self.scene.layout(s.width, s.height)
        self.scene.apply_options()

    def render_state(self, st) -> np.ndarray:
        """Render a storyboard frame state (mission time, card, signal, camera pose)."""
        sc = self.scene
        if hasattr(sc, "apply"):
            sc.apply(st)
        else:
            apply_state(sc, self.plan, st)
        return render_image(self.p)

    def render(self, t: float) -> np.ndarray:
        sc = self.scene
        sc.set_time(t)
        sc.set_camera(self.s.camera)  # from scratch each frame: frames do not depend on order
        return render_image(self.p)

    def close(self) -> None:
        self.scene.close()
        self.p.close()


#: Nearest a camera comes to what it looks at in today's scene, where planets are drawn
#: enlarged (AU): a pose closer than this is pulled back along its own line of sight.
_MIN_VIEW_AU = 0.3


def apply_state(scene, plan, st) -> None:
    """Show a frame state with the scene's own calls (until the scene applies states itself)."""
    from marsviz.mission.plan import AU_KM
    from marsviz.story.shots import shot_name

    scene._camera_target = None  # the pose is absolute: no preset tracking
    scene.camera_preset = shot_name(plan, st.shot)
    scene.set_time(st.t)
    ev = plan.event(st.card) if st.card else None
    scene.show_event_card(ev if st.card_kind in ("event", "title") else None)
    if st.card_kind == "question":
        scene.show_question(ev)
    scene.set_signal(ev if st.signal is not None else None)
    pose = st.camera
    focal = np.asarray(pose.focal_km) / AU_KM
    off = (np.asarray(pose.position_km) - np.asarray(pose.focal_km)) / AU_KM
    n = float(np.linalg.norm(off))
    if n < _MIN_VIEW_AU:
        off = off / n * _MIN_VIEW_AU
    cam = scene.p.camera
    cam.view_angle = pose.view_angle_deg
    cam.focal_point = tuple(focal)
    cam.position = tuple(focal + off)
    cam.up = tuple(pose.up)
    scene.p.renderer.ResetCameraClippingRange()


_WORKER: dict = {}


def _worker_init(plan_data, settings_dict, directory) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    from marsviz.mission.plan import Plan

    s = Settings(**settings_dict)
    _WORKER["renderer"] = FrameRenderer(Plan(plan_data), s)
    _WORKER["dir"] = Path(directory)


def _worker_render(job) -> int:
    index, t, tau = job
    r = _WORKER["renderer"]
    img = r.render(t) if tau is None else r.render_state(r.story.at(tau))
    write_png(_WORKER["dir"] / FRAME_PATTERN.format(index), img)
    return index


# ---------------------------------------------------------------------------------------------
# Subtitles and manifest
# ---------------------------------------------------------------------------------------------
def _ts(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def card_cues(plan, cards) -> list[tuple[float, float, str]]:
    """(start s, end s, text) of each card of a storyboard (its spans are screen time)."""
    cues = []
    for c in cards:
        ev = plan.event(c.event_id)
        if c.kind == "question":
            text = f"Before we see what happens...\n{ev.question}"
        else:
            text = f"{ev.title}\n{plan.clock.day(ev.t)}, {plan.clock.met(ev.t)}"
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
                text = f"{ev.title}\n{plan.clock.day(ev.t)}, {plan.clock.met(ev.t)}"
                cues.append((run_start / fps, f.index / fps, text))
            current = f.event
            run_start = f.index
    return cues


def srt_text(cues) -> str:
    return "".join(f"{i}\n{_ts(a, ',')} --> {_ts(b, ',')}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1))


def vtt_text(cues) -> str:
    return "WEBVTT\n\n" + "".join(f"{_ts(a, '.')} --> {_ts(b, '.')}\n{text}\n\n" for a, b, text in cues)


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
# Video encoding
# ---------------------------------------------------------------------------------------------
def manifest_path(out: Path) -> Path:
    """Where the manifest of an export to ``out`` goes (``olympus.mp4.manifest.json``)."""
    if out.suffix.lower() in (".mp4", ".gif"):
        return out.with_name(out.name + ".manifest.json")
    return out / MANIFEST


def _even(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    if h % 2 or w % 2:
        img = np.pad(img, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return img


def encode(frames_dir: Path, frames: list[Frame], out: Path, kind: str, fps: float, progress=None) -> None:
    """Encode PNG frames into ``out`` (written to a temporary name, then renamed)."""
    import imageio_ffmpeg
    from PIL import Image

    first = np.asarray(Image.open(frames_dir / frames[0].file).convert("RGB"))
    if kind == "mp4":
        first = _even(first)
    h, w = first.shape[:2]
    tmp = out.with_name(f".{out.name}.tmp")
    if kind == "mp4":
        kw = dict(codec="libx264", pix_fmt_out="yuv420p", quality=None, macro_block_size=1,
                  output_params=["-crf", "18", "-preset", "medium", "-movflags", "+faststart", "-f", "mp4"])
    else:
        kw = dict(codec="gif", pix_fmt_out="pal8", quality=None, macro_block_size=1,
                  output_params=["-filter_complex", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse",
                                 "-loop", "0", "-f", "gif"])
    writer = imageio_ffmpeg.write_frames(str(tmp), (w, h), fps=fps, pix_fmt_in="rgb24",
                                         ffmpeg_log_level="error", **kw)
    try:
        writer.send(None)
        for i, f in enumerate(frames):
            img = np.asarray(Image.open(frames_dir / f.file).convert("RGB"))
            if kind == "mp4":
                img = _even(img)
            writer.send(np.ascontiguousarray(img))
            if progress:
                progress(i + 1)
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - the original error matters more
            pass
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


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
        raise UsageError(f"{flag}: {text!r} is neither a date (2030-07-11) nor an event id") from None
    t = plan.clock.from_utc(when)
    lo, hi = plan.span
    if not (lo - 1e-6 <= t <= hi + 1e-6):
        raise UsageError(f"{flag}: {text} is outside the mission ({plan.clock.day(lo)} to {plan.clock.day(hi)})")
    return t


def make_settings(plan, args) -> tuple[Settings, Path]:
    out = Path(args.out)
    suffix = out.suffix.lower()
    kind = {"": "frames", ".mp4": "mp4", ".gif": "gif"}.get(suffix)
    if kind is None:
        raise UsageError(f"--out: {args.out}: use a directory, a .mp4 or a .gif file")
    if kind == "frames" and out.exists() and not out.is_dir():
        raise UsageError(f"--out: {args.out} exists and is not a directory")
    w, h = parse_size(args.size)
    if not (args.fps > 0 and args.fps <= 240):
        raise UsageError(f"--fps: {args.fps:g} is outside 0 to 240")
    if args.hold < 0:
        raise UsageError(f"--hold: {args.hold:g} must not be negative")
    if args.workers < 1:
        raise UsageError(f"--workers: {args.workers} must be at least 1")
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
        if args.duration <= 0:
            raise UsageError(f"--duration: {args.duration:g} must be positive")
        dps = (t_to - t_from) / args.duration
    else:
        dps = args.days_per_second if args.days_per_second is not None else 20.0
        if dps <= 0:
            raise UsageError(f"--days-per-second: {dps:g} must be positive")
    s = Settings(kind=kind, width=w, height=h, fps=float(args.fps), t_from=t_from, t_to=t_to,
                 days_per_second=float(dps), camera=args.camera, hold=float(args.hold),
                 captions=bool(args.captions), scenario_sha256=plan.scenario_digest,
                 ephemeris=plan.ephemeris, pace=pace)
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
                  keep_frames=args.keep_frames, progress=args.progress)


def export(plan, s: Settings, out: Path, workers: int = 1, resume: bool = False,
           keep_frames: bool = False, progress: str = "bar") -> int:
    """Render (and encode) an export; returns the process exit code."""
    frames_dir = out if s.kind == "frames" else out.with_name(out.name + ".frames")
    check_writable(frames_dir)
    if s.kind != "frames":
        check_writable(out.parent)
        if out.exists() and not resume:
            raise OutputError(f"{out}: already exists; choose another name or delete it first")
    state_path = frames_dir / STATE_FILE
    digest = settings_digest(s)
    frames = schedule(plan, s)
    if state_path.exists():
        try:
            prior = json.loads(state_path.read_text())
        except (OSError, ValueError):
            prior = {}
        if not resume:
            raise OutputError(f"{frames_dir}: holds an earlier export; add --resume to continue it, "
                              "or choose an empty destination")
        if prior.get("settings_sha256") != digest:
            raise OutputError(f"{frames_dir}: was exported with different settings; use another "
                              "destination, or the same options with --resume")
    else:
        existing = [p for p in frames_dir.glob("frame_*.png")]
        if existing:
            raise OutputError(f"{frames_dir}: already holds frames from elsewhere; choose an empty destination")
        try:
            atomic_write_text(state_path, json.dumps({"settings_sha256": digest, "settings": asdict(s),
                                                      "frames": len(frames)}, indent=1))
        except OSError as exc:
            raise _io_error(state_path, exc) from None
    sweep_temporaries(frames_dir)
    todo = [f for f in frames if not (frames_dir / f.file).is_file()]
    done = len(frames) - len(todo)
    bar = Progress(progress, len(frames), done, "Rendering")
    interrupted = False
    try:
        done = _render_all(plan, s, frames_dir, todo, workers, bar, done)
    except KeyboardInterrupt:
        interrupted = True
    except OSError as exc:
        bar.close()
        sweep_temporaries(frames_dir)
        kept = sum(1 for f in frames if (frames_dir / f.file).is_file())
        raise _io_error(frames_dir, exc, kept) from None
    finally:
        bar.close()
    if interrupted:
        sweep_temporaries(frames_dir)
        kept = sum(1 for f in frames if (frames_dir / f.file).is_file())
        print(f"marsviz: interrupted: {kept} of {len(frames)} frames kept in {frames_dir}; "
              "run the same command with --resume to continue", file=sys.stderr)
        return 130

    if s.pace == "story":
        cues = card_cues(plan, storyboard(plan, s).cards)
    else:
        cues = subtitle_cues(plan, frames, s.fps)
    try:
        if s.kind == "frames":
            atomic_write_text(frames_dir / MANIFEST, json.dumps(manifest_dict(plan, s, frames, None), indent=1))
            atomic_write_text(frames_dir / "captions.srt", srt_text(cues))
            atomic_write_text(frames_dir / "captions.vtt", vtt_text(cues))
        else:
            enc = Progress(progress, len(frames), 0, f"Encoding {s.kind.upper()}")
            try:
                encode(frames_dir, frames, out, s.kind, s.fps, progress=enc.update)
            finally:
                enc.close()
            stem = out.with_suffix("")
            atomic_write_text(manifest_path(out),
                              json.dumps(manifest_dict(plan, s, frames, out.name), indent=1))
            atomic_write_text(Path(f"{stem}.srt"), srt_text(cues))
            atomic_write_text(Path(f"{stem}.vtt"), vtt_text(cues))
            if not keep_frames:
                for f in frames:
                    (frames_dir / f.file).unlink(missing_ok=True)
                state_path.unlink(missing_ok=True)
                try:
                    frames_dir.rmdir()
                except OSError:
                    pass
    except KeyboardInterrupt:
        print(f"marsviz: interrupted while encoding; the frames are kept in {frames_dir}; "
              "run the same command with --resume to finish", file=sys.stderr)
        return 130
    except OSError as exc:
        raise _io_error(out, exc) from None
    if progress != "json":
        print(f"marsviz: wrote {out} ({len(frames)} frames, {len(frames) / s.fps:.1f} s at {s.fps:g} fps)",
              file=sys.stderr)
    else:
        print(json.dumps({"stage": "done", "done": len(frames), "total": len(frames), "out": str(out)}),
              flush=True)
    return 0


def _render_all(plan, s: Settings, frames_dir: Path, todo: list[Frame], workers: int, bar, done: int) -> int:
    if not todo:
        return done
    if workers <= 1:
        # PNG encoding runs in a thread (Pillow releases the GIL) while the next frame renders.
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        r = FrameRenderer(plan, s)
        pending = deque()
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                try:
                    for f in todo:
                        img = r.render(f.t) if f.tau is None else r.render_state(r.story.at(f.tau))
                        pending.append(pool.submit(write_png, frames_dir / f.file, img))
                        while len(pending) > 2 or (pending and pending[0].done()):
                            pending.popleft().result()
                            done += 1
                            bar.update(done)
                    while pending:
                        pending.popleft().result()
                        done += 1
                        bar.update(done)
                except BaseException:
                    for fut in pending:
                        fut.cancel()
                    raise
        finally:
            r.close()
        return done
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    pool = ctx.Pool(workers, initializer=_worker_init,
                    initargs=(plan.to_dict(), asdict(s), str(frames_dir)))
    try:
        jobs = [(f.index, f.t, f.tau) for f in todo]
        for _ in pool.imap_unordered(_worker_render, jobs, chunksize=2):
            done += 1
            bar.update(done)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


__all__ = ["Settings", "Frame", "schedule", "storyboard", "card_cues", "export", "run_export", "FrameRenderer", "MarsvizError"]
