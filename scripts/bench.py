#!/usr/bin/env python3
"""marsviz benchmarks: prints figures, each beside its named baseline measured in the same run.

    .venv/bin/python scripts/bench.py            # everything (a few minutes)
    .venv/bin/python scripts/bench.py plan gui   # some sections: plan, scene, gui, export, story, porkchop

Sections
  plan      `marsviz plan` cold (empty plan cache; and with numba's cache empty too) and warm;
            the optimiser's Lambert solves per second against boinor's Maneuver.lambert per solve.
  scene     one playhead update without rendering, and with rendering, against rendering the
            same static scene with no update.
  views     per-frame update + render in each camera (overview, follow, Venus swing-by, Mars
            arrival, Mars stay, Earth approach) against the static overview render; the overview
            against marsviz's overview before true scale (its code from git, in a process of its
            own; wall and CPU time), and against the same overview with true scale switched off:
            update only, the scene's work per frame without drawing, update + render; each timed
            in alternating rounds.
  overview  only that last comparison (a minute or two).
  gui       seconds from launch to the first rendered frame of the window (cached plan).
  export    MP4 export frames per second with 1 worker at 1280x720 and 3840x2160, beside a bare
            PyVista off-screen loop of the same scene (and the render calls alone), with a
            per-frame profile and the CPU time per frame of the exporter and of ffmpeg; a local
            Dask cluster of 2 workers beside --workers 2.
  gui       also: the window's first start on an empty plan cache beside a cached start.
  story     time to build the whole-mission storyboard (target < 50 ms) against a constant-pace
            one, a frame state per call; a story-paced export's frames per second against a
            constant-pace export of as many frames, rendered in the same process.
  porkchop  cells per second on a 300x300 grid against boinor's PorkchopPlotter on a smaller
            grid of the same windows, and agreement with heliocentric single solves.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ROWS = []


def row(section, what, value, unit, target="", baseline=""):
    ROWS.append((section, what, value, unit, target, baseline))
    extra = "".join(f"   [{x}]" for x in (target, baseline) if x)
    print(f"{section:9s} {what:58s} {value:>12s} {unit:10s}{extra}", flush=True)


def run(args, env=None, timeout=1800):
    e = dict(os.environ)
    e.update(env or {})
    t = time.perf_counter()
    res = subprocess.run([PY, "-m", "marsviz", *args], capture_output=True, text=True, env=e,
                         timeout=timeout, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"marsviz {' '.join(args)} failed: {res.stderr.strip()}")
    return dt, res


def peak_rss_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def bench_plan(tmp: Path):
    from marsviz.mission import build_plan, engine, load_scenario

    cache = tmp / "plan-cache"
    numba_cache = tmp / "numba-cache"
    t_first, _ = run(["plan"], {"MARSVIZ_CACHE_DIR": str(tmp / "first"), "NUMBA_CACHE_DIR": str(numba_cache)})
    t_cold, _ = run(["plan"], {"MARSVIZ_CACHE_DIR": str(cache)})
    warm = [run(["plan"], {"MARSVIZ_CACHE_DIR": str(cache)})[0] for _ in range(3)]
    row("plan", "marsviz plan, first run ever (numba cache empty too)", f"{t_first:.2f}", "s")
    row("plan", "marsviz plan cold (empty plan cache)", f"{t_cold:.2f}", "s")
    row("plan", "marsviz plan warm (cached plan), best of 3", f"{min(warm):.2f}", "s", "target < 1.5 s")
    row("plan", "peak memory of those runs", f"{peak_rss_children_mb():.0f}", "MiB")

    os.environ["MARSVIZ_CACHE_DIR"] = str(cache)
    plan = build_plan(load_scenario())
    st = plan.stats
    rate = st["lambert_solves"] / st["lambert_seconds"]
    row("plan", "optimiser Lambert solves (whole design)", f"{st['lambert_solves']:,}", "solves")
    row("plan", "optimiser Lambert solves per second (batched Izzo)", f"{rate:,.0f}", "solves/s")
    # Baseline: the same problems, one boinor high-level Maneuver.lambert call each.
    rng = np.random.default_rng(1)
    tn = plan.crewed_trajectory
    sample = []
    for _ in range(300):
        leg = tn.legs[rng.integers(len(tn.legs))]
        t0 = leg.t_dep + rng.uniform(-30, 30)
        t1 = leg.t_arr + rng.uniform(-30, 30)
        r0, v0 = plan.table.state(leg.from_body, float(t0))
        r1, v1 = plan.table.state(leg.to_body, float(t1))
        sample.append((r0, v0, t0, r1, v1, t1))
    engine.maneuver_lambert_dv(*sample[0])  # compile/import outside the timing
    t = time.perf_counter()
    for s in sample:
        engine.maneuver_lambert_dv(*s)
    per = (time.perf_counter() - t) / len(sample)
    row("plan", "baseline: boinor Maneuver.lambert per solve", f"{1 / per:,.0f}", "solves/s",
        baseline=f"batched is {rate * per:,.0f}x faster")
    projected = st["lambert_solves"] * per
    row("plan", "baseline: the same design's solves with Maneuver.lambert", f"{projected:,.0f}", "s",
        baseline=f"projected from {len(sample)} timed solves; batched design {st['design_seconds']:.1f} s")
    return plan


def bench_scene(plan):
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow") if not os.environ.get("DISPLAY") else None
    import pyvista as pv

    from marsviz.export import render_image
    from marsviz.scene.scene import MissionScene

    p = pv.Plotter(off_screen=True, window_size=(1280, 720))
    sc = MissionScene(p, plan)
    times = plan.epoch + np.linspace(0, 580, 400)
    for t in times[:20]:
        sc.set_time(t)
    t0 = time.perf_counter()
    for t in times:
        sc.set_time(t)
    upd = (time.perf_counter() - t0) / len(times) * 1000
    row("scene", "playhead update without rendering", f"{upd:.3f}", "ms", "target < 2 ms")
    render_image(p)
    n = 40
    t0 = time.perf_counter()
    for t in times[:n]:
        p.ren_win.Render()
    static = (time.perf_counter() - t0) / n * 1000
    t0 = time.perf_counter()
    for t in times[:n]:
        sc.set_time(t)
        p.ren_win.Render()
    both = (time.perf_counter() - t0) / n * 1000
    row("scene", "playhead update + render, 1280x720", f"{both:.1f}", "ms",
        baseline=f"static scene render {static:.1f} ms")
    sc.close()
    p.close()


def bench_views(plan):
    """Each view's per-frame update + render beside the static overview render, same run."""
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow") if not os.environ.get("DISPLAY") else None
    import pyvista as pv

    from marsviz.export import render_image
    from marsviz.scene.scene import MissionScene

    p = pv.Plotter(off_screen=True, window_size=(1280, 720))
    sc = MissionScene(p, plan)
    ms = plan.milestones
    stay = (ms["mars_arrival"], ms["mars_departure"])
    views = [
        ("overview", "overview", plan.epoch, plan.span[1]),
        ("follow", "follow", ms["earth_departure"], ms["earth_arrival"]),
        ("venus-flyby", "venus-flyby", ms["venus_flyby_outbound"] - 0.5, ms["venus_flyby_outbound"] + 0.5),
        ("mars-arrival", "mars-arrival", ms["mars_arrival"] - 1.0, ms["mars_arrival"] + 1.0),
        ("mars-stay", "mars-stay", *stay),
        ("earth-approach", "earth-approach", ms["earth_arrival"] - 5.0, ms["earth_arrival"]),
    ]
    n = 40
    sc.set_time(plan.epoch + 250)
    sc.set_camera("overview")
    render_image(p)
    t0 = time.perf_counter()
    for _ in range(n):
        p.ren_win.Render()
    static = (time.perf_counter() - t0) / n * 1000
    base = f"static overview render {static:.1f} ms"
    row("views", "static overview render, 1280x720", f"{static:.1f}", "ms")

    def timed(scene, plotter, cam, a, b):
        """(update only, update + render) per frame in ms over n instants, one round."""
        times = np.linspace(a, b, n)
        scene.set_time(times[0])
        scene.set_camera(cam)
        render_image(plotter)
        t0 = time.perf_counter()
        for t in times:
            scene.set_time(t)
        upd = (time.perf_counter() - t0) / n * 1000
        t0 = time.perf_counter()
        for t in times:
            scene.set_time(t)
            plotter.ren_win.Render()
        return upd, (time.perf_counter() - t0) / n * 1000

    # Each view timed in rounds alternating with the overview (so that both see the same
    # competition for the cores); best of the rounds.
    got, ratio = {}, {}
    overview = views[0]
    for name, cam, a, b in views:
        best = {name: (float("inf"),) * 2, "overview": (float("inf"),) * 2}
        for r in range(3 if name == "overview" else 4):
            pair = [overview] if name == "overview" else ([overview, (name, cam, a, b)] if r % 2 == 0
                                                          else [(name, cam, a, b), overview])
            for v in pair:
                got_v = timed(sc, p, *v[1:])
                best[v[0]] = tuple(min(x, y) for x, y in zip(best[v[0]], got_v))
        upd, both = got[name] = best[name]
        ratio[name] = (both / best["overview"][1], best["overview"][1])
        row("views", f"{name}: update only", f"{upd:.2f}", "ms")
        row("views", f"{name}: update + render", f"{both:.1f}", "ms", f"x{both / static:.2f} of static",
            baseline=base)
    # The overview before true scale (marsviz's code then), and the same overview with the
    # true-scale machinery off (no planet-centred arcs, planets at one exaggeration, no display
    # map). Each pair is timed in alternating rounds (so that both see the same competition for
    # the cores) on instants shifted each round (so that nothing computed for one frame is reused).
    overview_rows(plan, views[0][2], views[0][3], n)
    for name, *_ in views[1:]:
        x, o_both = ratio[name]
        row("views", f"{name} / overview, update + render", f"x{x:.2f}", "", "target <= x1.30",
            baseline=f"overview {o_both:.1f} ms in alternating rounds")
    sc.close()
    p.close()


#: The last release of marsviz before true scale: the overview as users had it. ``views`` and
#: ``overview`` time its overview beside today's, when this is a git checkout that has it.
BEFORE_TRUE_SCALE = "0b27b55"

#: Run in a process of its own with ``sys.path[0]`` a marsviz tree: builds the shipped
#: scenario's overview at 1280x720, then for each line read ("render" or "both") times that many
#: frames of update + render (or render only) and prints "wall_ms cpu_ms" per frame.
_OVERVIEW_WORKER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import pyvista as pv
from marsviz.mission import build_plan, load_scenario
from marsviz.export import render_image
from marsviz.scene.scene import MissionScene
plan = build_plan(load_scenario())
p = pv.Plotter(off_screen=True, window_size=(1280, 720))
sc = MissionScene(p, plan)
sc.set_time(plan.epoch)
sc.set_camera("overview")
render_image(p)
times = np.linspace(plan.epoch, plan.span[1] - 0.1, int(sys.argv[2]))
print("ready", flush=True)
for r, line in enumerate(sys.stdin):
    shifted = times + r * 0.003
    w0, c0 = time.perf_counter(), time.process_time()
    for t in shifted:
        if line.strip() == "both":
            sc.set_time(t)
        p.ren_win.Render()
    n = len(shifted)
    print("%.3f %.3f" % ((time.perf_counter() - w0) / n * 1000, (time.process_time() - c0) / n * 1000), flush=True)
"""


def _before_tree(tmp: Path):
    """marsviz as it was at BEFORE_TRUE_SCALE (package and assets), or None outside a checkout."""
    import io
    import tarfile

    if not (ROOT / ".git").exists() or not shutil.which("git"):
        return None
    got = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_TRUE_SCALE, "marsviz", "assets"],
                         capture_output=True)
    if got.returncode != 0:
        return None
    out = tmp / f"marsviz-{BEFORE_TRUE_SCALE}"
    with tarfile.open(fileobj=io.BytesIO(got.stdout)) as tar:
        tar.extractall(out, filter="data")
    return out


def overview_before(tmp: Path, n: int = 30, rounds: int = 6):
    """Today's overview beside the one before true scale, each in a process of its own, timed
    in alternating rounds: {"before"|"today": {"render"|"both": (wall ms, CPU ms)}}, best of
    the rounds; or None when the older tree is not at hand."""
    tree = _before_tree(tmp)
    if tree is None:
        return None
    procs = {}
    for name, root in (("before", tree), ("today", ROOT)):
        env = dict(os.environ, MARSVIZ_CACHE_DIR=str(tmp / f"cache-{name}"), PYTHONPATH=str(root))
        procs[name] = subprocess.Popen([PY, "-c", _OVERVIEW_WORKER, str(root), str(n)], env=env, text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       cwd=str(tmp))
    try:
        for name, proc in procs.items():
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {name} overview did not start")
        best = {name: {m: (float("inf"), float("inf")) for m in ("render", "both")} for name in procs}
        for r in range(rounds):
            for mode in ("render", "both"):
                for name in (("before", "today") if r % 2 == 0 else ("today", "before")):
                    proc = procs[name]
                    proc.stdin.write(mode + "\n")
                    proc.stdin.flush()
                    wall, cpu = (float(x) for x in proc.stdout.readline().split())
                    best[name][mode] = (min(best[name][mode][0], wall), min(best[name][mode][1], cpu))
        return best
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)


def overview_rows(plan, a, b, n=40):
    """The overview against the one before true scale (its code, in a process of its own), and
    against the same scene with true scale switched off; each timed in alternating rounds."""
    tmp = Path(tempfile.mkdtemp(prefix="marsviz-before-"))
    try:
        got = overview_before(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if got is None:
        row("views", "overview before true scale", "n/a", "", f"needs a git checkout with {BEFORE_TRUE_SCALE}")
    else:
        for mode, what in (("both", "update + render"), ("render", "render only")):
            (bw, bc), (tw, tc) = got["before"][mode], got["today"][mode]
            row("views", f"overview today, {what}, wall / CPU per frame", f"{tw:.1f} / {tc:.1f}", "ms",
                "target <= x1.00 of baseline" if mode == "both" else "",
                baseline=f"x{tw / bw:.2f} wall, x{tc / bc:.2f} CPU of marsviz {BEFORE_TRUE_SCALE} before true "
                         f"scale ({bw:.1f} / {bc:.1f} ms), alternating rounds")
    pair = overview_pair(plan, a, b, n)
    (f_upd, f_work, f_both), (o_upd, o_work, o_both) = pair["flat"], pair["true"]
    row("views", "baseline: this overview with true scale off, update + render", f"{f_both:.1f}", "ms",
        f"update only {f_upd:.2f} ms", baseline="best of rounds alternating with the next rows")
    row("views", "overview with true scale, update + render", f"{o_both:.1f}", "ms", "the cost of true scale",
        baseline=f"x{o_both / f_both:.2f} of it with true scale off ({f_both:.1f} ms)")
    row("views", "overview with true scale, update only", f"{o_upd:.2f}", "ms", "",
        baseline=f"x{o_upd / f_upd:.2f} of it with true scale off ({f_upd:.2f} ms)")
    row("views", "overview with true scale, scene work per frame (no drawing)", f"{o_work:.2f}", "ms", "",
        baseline=f"x{o_work / f_work:.2f} of it with true scale off ({f_work:.2f} ms); update and "
                 "the scene's before-render pass (labels, icons, clipping), without the GL draw")


def overview_pair(plan, a, b, n, rounds=4):
    """(update only, scene work without drawing, update + render) per frame in ms, best of
    ``rounds``, of the overview with true scale ("true") and without ("flat"), timed in
    alternating rounds on instants shifted by a few minutes each round."""
    import pyvista as pv

    from marsviz.export import render_image
    from marsviz.scene.scene import MissionScene, SceneOptions

    scenes = {}
    for name, opt in (("flat", SceneOptions(extra={"flat_scale": True})), ("true", None)):
        p = pv.Plotter(off_screen=True, window_size=(1280, 720))
        sc = MissionScene(p, plan, opt)
        sc.set_time(a)
        sc.set_camera("overview")
        render_image(p)
        scenes[name] = (sc, p)
    best = {name: [float("inf")] * 3 for name in scenes}
    times = np.linspace(a, b - 0.1, n)
    for r in range(rounds):
        shifted = times + r * 0.003  # about four minutes: a new instant for every frame
        for name in (("flat", "true") if r % 2 == 0 else ("true", "flat")):
            sc, p = scenes[name]
            t0 = time.perf_counter()
            for t in shifted:
                sc.set_time(t)
            upd = (time.perf_counter() - t0) / n * 1000
            t0 = time.perf_counter()
            for t in shifted + 0.001:
                sc.set_time(t)
                sc._before_render()  # what the scene does on the render's StartEvent
            work = (time.perf_counter() - t0) / n * 1000
            t0 = time.perf_counter()
            for t in shifted + 0.002:
                sc.set_time(t)
                p.ren_win.Render()
            both = (time.perf_counter() - t0) / n * 1000
            best[name] = [min(x, y) for x, y in zip(best[name], (upd, work, both))]
    for sc, p in scenes.values():
        sc.close()
        p.close()
    return best


def bench_gui(tmp: Path):
    xvfb = shutil.which("xvfb-run")
    if not os.environ.get("DISPLAY") and not xvfb:
        row("gui", "startup to first frame", "n/a", "", "no display and no xvfb-run")
        return
    figures = []
    for k in range(3):  # a new screenshot file each run: marsviz never replaces one
        cmd = [PY, "-m", "marsviz", "gui", "--screenshot", str(tmp / f"gui-{k}.png")]
        if not os.environ.get("DISPLAY"):
            cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24"] + cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                env=dict(os.environ, MARSVIZ_TIMING="1"), stdin=subprocess.DEVNULL)
        first = None
        for line in proc.stderr:
            if "first frame rendered" in line and first is None:
                first = time.perf_counter() - t0
                inner = float(re.search(r"rendered ([\d.]+) s", line).group(1))
        proc.wait(timeout=120)
        figures.append((first, inner))
    best = min(f[0] for f in figures)
    row("gui", "launch to first rendered frame (cached plan), best of 3", f"{best:.2f}", "s",
        "target < 3 s", baseline=f"median {sorted(f[0] for f in figures)[1]:.2f} s")


def _export_settings(plan, kind, size, frames, **kw):
    from marsviz.export import Settings

    w, h = size
    return Settings(kind=kind, width=w, height=h, fps=30.0, t_from=plan.epoch, t_to=plan.epoch + frames - 1,
                    days_per_second=30.0, camera="overview", hold=0.0, captions=True,
                    scenario_sha256=plan.scenario_digest, ephemeris=plan.ephemeris,
                    segment_frames=kw.pop("segment_frames", 30), **kw)


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for children: the ffmpeg encoders
    return r.ru_utime + r.ru_stime


class _BareLoop:
    """Baseline: the exporter's scene (same options: captions, HUD, card, line widths for the
    size, anti-aliasing, camera) in a bare PyVista off-screen loop: update, render, screenshot,
    no files and no encoder."""

    def __init__(self, plan, s):
        import pyvista as pv

        from marsviz.export import scene_options
        from marsviz.scene.scene import MissionScene

        self.s = s
        self.p = pv.Plotter(off_screen=True, window_size=(s.width, s.height))
        self.sc = MissionScene(self.p, plan, scene_options(s))
        self.sc.layout(s.width, s.height)
        self.sc.apply_options()
        self.sc.set_time(s.t_from)
        self.p.screenshot(return_img=True)

    def run(self, times, read=True):
        """(seconds, CPU seconds of this process) for one pass over ``times``."""
        sc, p = self.sc, self.p
        c0, t0 = time.process_time(), time.perf_counter()
        for t in times:
            sc.set_time(t)
            sc.set_camera(self.s.camera)
            p.ren_win.Render()  # Plotter.render() does nothing before show(); screenshot() only reads
            if read:
                p.screenshot(return_img=True)
        return time.perf_counter() - t0, time.process_time() - c0

    def close(self):
        self.sc.close()
        self.p.close()


def _profile(plan, s, frames):
    """Where one worker's time goes per frame: scene update, render, read-back, pipe to ffmpeg."""
    from marsviz.export import FrameRenderer, SegmentEncoder

    r = FrameRenderer(plan, s)
    parts = dict(update=0.0, render=0.0, readback=0.0, encode=0.0)
    tmp = Path(tempfile.mkdtemp(prefix="marsviz-prof-"))
    enc = SegmentEncoder(s, tmp / "seg.mp4")
    try:
        r.render(plan.epoch)
        for t in plan.epoch + np.arange(frames, dtype=float):
            t0 = time.perf_counter()
            r.scene.set_time(t)
            r.scene.set_camera(s.camera)
            t1 = time.perf_counter()
            r.p.ren_win.Render()
            t2 = time.perf_counter()
            img = _readback(r.p)
            t3 = time.perf_counter()
            enc.send(img)
            t4 = time.perf_counter()
            parts["update"] += t1 - t0
            parts["render"] += t2 - t1
            parts["readback"] += t3 - t2
            parts["encode"] += t4 - t3
        t5 = time.perf_counter()
        enc.close()
        parts["encode"] += time.perf_counter() - t5
    finally:
        r.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return {k: v / frames * 1000 for k, v in parts.items()}


class _ExportLoop:
    """The exporter's own loop (``export.render_segments``: render, stream into ffmpeg, finish each
    segment while the next renders), segments written and the last one finished included."""

    class _Bar:
        def update(self, done):
            pass

    def __init__(self, plan, s, tmp: Path):
        from marsviz.export import FrameRenderer

        self.s = s
        self.tmp = tmp
        self.r = FrameRenderer(plan, s)
        self.r.render(s.t_from)
        self.n = 0

    def run(self, times):
        """(seconds, CPU seconds of this process, CPU seconds of the ffmpeg encoders)."""
        from marsviz.export import Chunk, render_segments

        s = self.s
        self.n += 1
        work = self.tmp / f"pass{self.n}"
        work.mkdir()
        k = s.segment_frames
        chunks = [Chunk(c, tuple((i, float(t), None) for i, t in enumerate(times[j:j + k], j)), True, False)
                  for c, j in enumerate(range(0, len(times), k))]
        f0, c0, t0 = _cpu_children(), time.process_time(), time.perf_counter()
        render_segments(self.r, work, chunks, self._Bar(), 0)  # ffmpeg waited for: its CPU is counted
        return time.perf_counter() - t0, time.process_time() - c0, _cpu_children() - f0

    def close(self):
        self.r.close()


def _readback(p):
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkUnsignedCharArray

    w, h = p.ren_win.GetSize()
    arr = vtkUnsignedCharArray()
    p.ren_win.GetPixelData(0, 0, w - 1, h - 1, 1, arr, 0)  # as render_image reads
    return np.ascontiguousarray(vtk_to_numpy(arr).reshape(h, w, 3)[::-1])


def bench_export(plan, tmp: Path):
    from marsviz.export import export

    load = os.getloadavg()
    row("export", "load average before the export figures (other processes)", f"{load[0]:.1f}", "",
        baseline=f"{os.cpu_count()} cores; wall-clock figures below are the best of interleaved passes")
    for size, frames, seg, passes in (((1280, 720), 90, 30, 3), ((3840, 2160), 16, 8, 3)):
        label = f"{size[0]}x{size[1]}"
        s = _export_settings(plan, "mp4", size, frames, segment_frames=seg)
        times = plan.epoch + np.arange(frames, dtype=float)
        work = tmp / f"steady-{label}"
        work.mkdir()
        bare, loop = _BareLoop(plan, s), _ExportLoop(plan, s, work)
        try:
            b_runs, e_runs = [], []
            for _ in range(passes):  # interleaved, so that both see the same competition
                b_runs.append(bare.run(times))
                e_runs.append(loop.run(times))
            render_only = bare.run(times, read=False)
        finally:
            bare.close()
            loop.close()
            shutil.rmtree(work, ignore_errors=True)
        shot = frames / min(w for w, _ in b_runs)
        steady = frames / min(w for w, _, _ in e_runs)
        pairs = sorted(b[0] / e[0] for b, e in zip(b_runs, e_runs))
        row("export", f"MP4 export loop, 1 worker, {label} ({frames} frames in segments of {seg})",
            f"{steady:.2f}", "frames/s", "target >= 0.9x the bare loop",
            baseline=f"bare PyVista loop of the same scene {shot:.2f} frames/s: {steady / shot:.2f}x "
                     f"(pass by pass {', '.join(f'{x:.2f}' for x in pairs)}); "
                     f"render calls alone {frames / render_only[0]:.2f} frames/s")
        bare_cpu = 1000 * float(np.median([c for _, c in b_runs])) / frames
        own_cpu = 1000 * float(np.median([c for _, c, _ in e_runs])) / frames
        ff_cpu = 1000 * float(np.median([f for _, _, f in e_runs])) / frames
        row("export", f"CPU per frame at {label}: exporter process (render, read-back, pipe) / ffmpeg",
            f"{own_cpu:.0f} / {ff_cpu:.0f}", "ms",
            baseline=f"bare loop {bare_cpu:.0f} ms (render {1000 * render_only[1] / frames:.0f} ms); when "
                     f"the renderer keeps all {os.cpu_count()} cores busy the export can reach at most "
                     f"{bare_cpu / (own_cpu + ff_cpu):.2f}x of the bare loop")
        out = tmp / f"one-{label}.mp4"
        t0 = time.perf_counter()
        export(plan, s, out, workers=1, progress="none")
        one = frames / (time.perf_counter() - t0)
        row("export", f"whole `export` call, 1 worker, {label} ({frames} frames)", f"{one:.2f}", "frames/s",
            baseline="includes building the scene, the time estimate and joining the segments")
        prof = _profile(plan, s, min(frames, 30))
        total = sum(prof.values())
        row("export", f"profile per frame at {label}: update / render / read-back / pipe to ffmpeg",
            " / ".join(f"{v:.0f}" for v in prof.values()), "ms",
            baseline=f"total {total:.0f} ms; render is {100 * prof['render'] / total:.0f} %")

    frames = 60
    s = _export_settings(plan, "mp4", (1280, 720), frames, segment_frames=10)
    fig = {}
    for name, kw in (("--workers 2", dict(workers=2)), ("--cluster local, 2 workers", dict(workers=2, cluster="local"))):
        out = tmp / f"w-{len(fig)}.mp4"
        t0 = time.perf_counter()
        export(plan, s, out, progress="none", **kw)
        fig[name] = frames / (time.perf_counter() - t0)
    row("export", "local Dask cluster of 2 workers, 1280x720 (60 frames, cluster start included)",
        f"{fig['--cluster local, 2 workers']:.2f}", "frames/s",
        baseline=f"--workers 2: {fig['--workers 2']:.2f} frames/s")
    same = (tmp / "w-0.mp4").read_bytes() == (tmp / "w-1.mp4").read_bytes()
    row("export", "cluster MP4 byte-identical to --workers 2", "yes" if same else "NO", "")


def bench_first_start(tmp: Path):
    """The window's first start on an empty plan cache (shipped plan) beside a cached start."""
    xvfb = shutil.which("xvfb-run")
    if not os.environ.get("DISPLAY") and not xvfb:
        row("gui", "first start on an empty cache", "n/a", "", "no display and no xvfb-run")
        return
    figures = {}
    for k, name in enumerate(("empty", "cached", "cached ")):
        cache = tmp / "first-start-cache"
        if name == "empty":
            shutil.rmtree(cache, ignore_errors=True)
        # a new screenshot file each run: marsviz refuses to replace one (and would stop at once)
        cmd = [PY, "-m", "marsviz", "gui", "--screenshot", str(tmp / f"first-{k}.png")]
        if not os.environ.get("DISPLAY"):
            cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24"] + cmd
        t0 = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
                             env=dict(os.environ, MARSVIZ_CACHE_DIR=str(cache)))
        if res.returncode != 0 or not (tmp / f"first-{k}.png").is_file():
            raise RuntimeError(f"gui --screenshot failed: {res.stderr.strip()[-300:]}")
        figures[name.strip()] = min(figures.get(name.strip(), 1e9), time.perf_counter() - t0)
    row("gui", "first start on an empty plan cache (shipped plan), to screenshot", f"{figures['empty']:.2f}",
        "s", baseline=f"cached start {figures['cached']:.2f} s")


def bench_story(plan, frames: int = 60):
    from marsviz.story import Storyboard

    def best_ms(fn, n=20):
        fn()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return 1e3 * float(np.median(times))

    story = best_ms(lambda: Storyboard.build(plan))
    const = best_ms(lambda: Storyboard.build(plan, pace="constant", days_per_second=20.0))
    row("story", "build the whole-mission storyboard (median of 20)", f"{story:.1f}", "ms",
        "target < 50 ms", baseline=f"constant pace {const:.2f} ms")
    sb = Storyboard.build(plan)
    taus = np.linspace(0, sb.duration_s, 2000)
    t0 = time.perf_counter()
    for tau in taus:
        sb.at(float(tau))
    row("story", "one frame state (Storyboard.at, mean of 2000)",
        f"{1e6 * (time.perf_counter() - t0) / len(taus):.0f}", "us")

    from marsviz.export import FrameRenderer, Settings, schedule

    base = dict(kind="frames", width=1280, height=720, fps=30.0, t_from=plan.span[0],
                t_to=plan.span[1], days_per_second=20.0, camera="overview", hold=0.0,
                captions=True, scenario_sha256=plan.scenario_digest, ephemeris=plan.ephemeris)
    rates = {}
    for pace in ("constant", "story"):
        s = Settings(**base, pace=pace)
        all_frames = schedule(plan, s)
        # The same number of frames from the middle of the mission (the Mars stay at story pace).
        k = len(all_frames) // 2
        todo = all_frames[k:k + frames]
        r = FrameRenderer(plan, s)
        try:
            def one(f):
                return r.render(f.t) if f.tau is None else r.render_state(r.story.at(f.tau))
            one(todo[0])
            t0 = time.perf_counter()
            for f in todo:
                one(f)
            rates[pace] = len(todo) / (time.perf_counter() - t0)
        finally:
            r.close()
    row("story", f"story-paced export at 1280x720, in process ({frames} frames)",
        f"{rates['story']:.1f}", "frames/s",
        baseline=f"constant pace {rates['constant']:.1f} frames/s")


def bench_porkchop(plan, tmp: Path):
    from marsviz.mission import engine
    from marsviz.mission.ephemeris import de421_path
    from marsviz.mission.porkchop import around_leg, grid

    leg = plan.crewed_trajectory.legs[2]  # Mars -> Earth
    around_leg(plan, leg, 20)  # warm-up
    t0 = time.perf_counter()
    pc = around_leg(plan, leg, 300)
    dt = time.perf_counter() - t0
    ours = pc.cells / dt
    row("porkchop", "300x300 grid, batched heliocentric Lambert", f"{ours:,.0f}", "cells/s")
    n = 10
    dep = np.linspace(pc.dep[0], pc.dep[-1], n)
    arr = np.linspace(pc.arr[0], pc.arr[-1], n)
    t0 = time.perf_counter()
    c3_plotter = engine.porkchop_plotter_grid("mars", "earth", dep, arr, str(de421_path()))
    base = n * n / (time.perf_counter() - t0)
    row("porkchop", f"baseline: boinor PorkchopPlotter, {n}x{n} of the same windows", f"{base:,.0f}", "cells/s",
        "aim >= 100x", baseline=f"ours {ours / base:,.0f}x faster per cell")
    # Agreement with heliocentric single solves (boinor's Maneuver.lambert on the same states).
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(40):
        i, j = rng.integers(0, 300, 2)
        if not np.isfinite(pc.c3[i, j]):
            continue
        r0, v0 = plan.table.state("mars", float(pc.dep[j]))
        r1, v1 = plan.table.state("earth", float(pc.arr[i]))
        dv0, _ = engine.maneuver_lambert_dv(r0, v0, pc.dep[j], r1, v1, pc.arr[i])
        worst = max(worst, abs(pc.c3[i, j] - dv0 ** 2) / dv0 ** 2)
    row("porkchop", "max relative C3 difference vs single heliocentric solves", f"{worst:.1e}", "",
        "target <= 1e-6")
    ours_small = grid(plan.table, plan.k_sun, "mars", "earth", dep, arr).c3
    diff = np.abs(ours_small - c3_plotter)
    row("porkchop", "PorkchopPlotter (barycentric) vs heliocentric C3, median", f"{np.nanmedian(diff):.3f}",
        "km2/s2", baseline="the error of barycentric states; large near 180-degree transfers")


def main(argv):
    sections = argv or ["plan", "scene", "gui", "export", "story", "porkchop"]
    from marsviz import __version__

    print(f"marsviz {__version__} benchmarks on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    from marsviz.export import gl_info

    g = gl_info()
    print(f"renderer: {g['renderer']} ({g['kind']}, {g['backend']}, OpenGL {g['version']})\n")
    tmp = Path(tempfile.mkdtemp(prefix="marsviz-bench-"))
    try:
        os.environ["MARSVIZ_CACHE_DIR"] = str(tmp / "plan-cache")
        if "plan" in sections:
            plan = bench_plan(tmp)
        else:
            from marsviz.mission import build_plan, load_scenario

            plan = build_plan(load_scenario())
        if "scene" in sections:
            bench_scene(plan)
        if "views" in sections:
            bench_views(plan)
        elif "overview" in sections:
            os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow") if not os.environ.get("DISPLAY") else None
            overview_rows(plan, plan.epoch, plan.span[1])
        if "gui" in sections:
            bench_gui(tmp)
            bench_first_start(tmp)
        if "export" in sections:
            bench_export(plan, tmp)
        if "story" in sections:
            bench_story(plan)
        if "porkchop" in sections:
            bench_porkchop(plan, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
