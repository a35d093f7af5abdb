"""Video exports: segments streamed into ffmpeg, resume, interrupts, full disk, clusters, and the
options for video makers (--clean, --transparent, --crf, --lossless, chapters, GIF rate)."""

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_cli

pytestmark = pytest.mark.render
# 8 frames, 3 segments of at most 3 frames, tiny pictures
COMMON = ["--size", "160x96", "--from", "departure", "--to", "2030-02-20", "--segment-frames", "3",
          "--progress", "none"]
BASE = [*COMMON, "--fps", "4", "--days-per-second", "16"]


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settings_for(plan, out, *extra):
    from marsviz import export as ex
    from marsviz.cli import build_parser

    base = COMMON if "--duration" in extra else BASE
    args = build_parser().parse_args(["export", "--out", str(out), *base, *extra])
    return ex.make_settings(plan, args)


def ffmpeg_info(path):
    import imageio_ffmpeg

    res = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path),
                          "-f", "ffmetadata", "-"], capture_output=True, text=True)
    return res.stdout, res.stderr


def read_rgb(path):
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(gen)
    w, h = meta["size"]
    return meta, [np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in gen]


def ffmpeg_children():
    import psutil

    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]


@pytest.fixture(scope="module")
def mp4_one(tmp_path_factory):
    """The reference: an MP4 made by one process, through the command line."""
    out = tmp_path_factory.mktemp("one") / "clip.mp4"
    res = run_cli("export", "--out", str(out), *BASE)
    assert res.returncode == 0, res.stderr
    return out, res.stderr


def test_mp4_is_joined_from_segments_with_tags_and_chapters(mp4_one, plan):
    out, err = mp4_one
    meta, frames = read_rgb(out)
    assert len(frames) == 8 and meta["codec"] == "h264" and tuple(meta["size"]) == (160, 96)
    ffmeta, info = ffmpeg_info(out)
    assert "yuv420p(tv, bt709, progressive)" in info  # BT.709 matrix, primaries and transfer
    # a chapter at each event in the range, starting at the event's first frame
    man = json.loads((out.parent / "clip.mp4.manifest.json").read_text())
    ts = np.array([f["t_tdb_days_j2000"] for f in man["frames"]])
    events = [e for e in plan.mission_events if ts[0] <= e.t <= ts[-1]]
    assert events
    found = {}
    for num, den, start, title in re.findall(r"\[CHAPTER\]\nTIMEBASE=(\d+)/(\d+)\nSTART=(\d+)\nEND=\d+\ntitle=(.*)",
                                             ffmeta):
        # ffmpeg writes metadata with "\\", "=", ";", "#" and newlines escaped
        found[round(int(start) * int(num) * 1000 / int(den))] = re.sub(r"\\(.)", r"\1", title)
    expect = {}
    for e in events:
        i = int(np.searchsorted(ts, e.t - 1e-9))
        expect.setdefault(i * 250, []).append(e.title)
    want = {k: "; ".join(v) for k, v in expect.items()}
    assert found == (want if 0 in want else {0: "Start", **want})
    # the start says how many frames and roughly how long; the end names every file written
    lines = err.strip().splitlines()
    assert re.match(r"marsviz: 8 frames \(2\.0 s at 4 fps, 160x96\) for .*clip\.mp4; rendering 8 takes "
                    r"roughly \d+ (s|min)$", lines[0]), lines[0]
    d = out.parent
    assert lines[-1] == (f"marsviz: wrote {out} (8 frames, 2.0 s at 4 fps), {d / 'clip.srt'}, "
                         f"{d / 'clip.vtt'}, {d / 'clip.mp4.manifest.json'}")
    assert sorted(p.name for p in d.iterdir()) == ["clip.mp4", "clip.mp4.manifest.json", "clip.srt", "clip.vtt"]


def test_two_worker_processes_give_the_same_bytes(mp4_one, tmp_path):
    out = tmp_path / "clip.mp4"
    res = run_cli("export", "--out", str(out), *BASE, "--workers", "2")
    assert res.returncode == 0, res.stderr
    assert sha(out) == sha(mp4_one[0])


def test_local_dask_cluster_gives_the_same_bytes(mp4_one, tmp_path):
    out = tmp_path / "clip.mp4"
    res = run_cli("export", "--out", str(out), *BASE, "--cluster", "local", "--workers", "2")
    assert res.returncode == 0, res.stderr
    assert sha(out) == sha(mp4_one[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.mp4.manifest.json", "clip.srt",
                                                         "clip.vtt"]


def test_a_worker_killed_mid_run_has_its_chunk_rendered_again(mp4_one, tmp_path, plan, monkeypatch):
    import psutil
    from dask.distributed import LocalCluster

    from marsviz import cluster as cl
    from marsviz import export as ex

    killed = []

    def kill_a_busy_worker(client):
        if killed:
            return
        busy = [addr for addr, keys in client.processing().items() if keys]
        pids = client.run(os.getpid)
        if busy:
            pid = pids[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    real = cl.render_on_cluster

    def with_killer(address, plan_, s, chunks, workers=2, on_result=None):
        return real(address, plan_, s, chunks, workers, on_result=kill_a_busy_worker)

    monkeypatch.setattr(cl, "render_on_cluster", with_killer)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as lc:
        s, out = settings_for(plan, tmp_path / "clip.mp4", "--segment-frames", "1")
        assert ex.export(plan, s, out, progress="none", cluster=lc.scheduler_address) == 0
    assert len(killed) == 1  # a worker was killed while it rendered a chunk
    assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == psutil.STATUS_ZOMBIE
    # one-frame segments make a different MP4 (a keyframe per frame): compare with one process
    ref = tmp_path / "ref" / "clip.mp4"
    s1, _ = settings_for(plan, ref, "--segment-frames", "1")
    assert ex.export(plan, s1, ref, progress="none") == 0
    assert sha(out) == sha(ref)


def test_interrupt_while_encoding_leaves_no_temporary_and_no_ffmpeg(mp4_one, tmp_path, plan, monkeypatch):
    from marsviz import export as ex

    s, out = settings_for(plan, tmp_path / "clip.mp4")
    real_close = ex.SegmentEncoder.close
    calls = {"n": 0}

    def close_then_interrupt(self):
        calls["n"] += 1
        if calls["n"] == 2:  # Ctrl-C while ffmpeg finishes the second segment
            raise KeyboardInterrupt
        real_close(self)

    monkeypatch.setattr(ex.SegmentEncoder, "close", close_then_interrupt)
    assert ex.export(plan, s, out, progress="none") == 130
    work = tmp_path / "clip.mp4.frames"
    assert sorted(p.name for p in work.iterdir()) == ["export-state.json", "segment_00000.mp4"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4.frames"]
    assert ffmpeg_children() == []
    monkeypatch.setattr(ex.SegmentEncoder, "close", real_close)
    # resume checks the kept segment: a truncated one is rendered again
    seg = work / "segment_00000.mp4"
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])
    assert ex.export(plan, s, out, progress="none", resume=True) == 0
    assert sha(out) == sha(mp4_one[0])
    assert not work.exists()


def test_sigint_during_an_mp4_export_stops_ffmpeg_and_resumes(mp4_one, tmp_path):
    import psutil

    out = tmp_path / "clip.mp4"
    args = [a if a != "3" else "1" for a in BASE]  # one-frame segments: many ffmpeg runs
    cmd = [sys.executable, "-m", "marsviz", "export", "--out", str(out), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    work = tmp_path / "clip.mp4.frames"
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline and len(list(work.glob("segment_*.mp4"))) < 2:
        try:
            seen += [c.pid for c in psutil.Process(proc.pid).children() if "ffmpeg" in c.name()]
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert seen and not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in seen)
    assert not [p for p in work.iterdir() if p.name.startswith(".")]
    assert not out.exists()
    res = run_cli("export", "--out", str(out), *args, "--resume")
    assert res.returncode == 0, res.stderr
    assert len(read_rgb(out)[1]) == 8


def test_full_disk_while_joining_leaves_no_half_written_video(mp4_one, tmp_path, plan, monkeypatch):
    from marsviz import export as ex
    from marsviz.errors import OutputError

    s, out = settings_for(plan, tmp_path / "clip.mp4")
    real = ex.run_ffmpeg

    def fills_the_disk(args, what):
        real(args, what)  # ffmpeg writes its temporary, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ex, "run_ffmpeg", fills_the_disk)
    with pytest.raises(OutputError, match=r"clip\.mp4: cannot write: disk full \(no space left on device\); "
                                          r"3 finished segments kept, continue with --resume"):
        ex.export(plan, s, out, progress="none")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4.frames"]
    monkeypatch.setattr(ex, "run_ffmpeg", real)
    assert ex.export(plan, s, out, progress="none", resume=True) == 0
    assert sha(out) == sha(mp4_one[0])


def test_full_disk_during_a_gif_leaves_no_gif(tmp_path, plan, monkeypatch):
    from marsviz import export as ex
    from marsviz.errors import OutputError

    s, out = settings_for(plan, tmp_path / "clip.gif")

    def full(args, what):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ex, "run_ffmpeg", full)
    with pytest.raises(OutputError, match="disk full"):
        ex.export(plan, s, out, progress="none")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif.frames"]


def test_worker_processes_stop_when_the_parent_dies(tmp_path):
    import psutil

    out = tmp_path / "frames"
    args = [a if a != "160x96" else "640x360" for a in BASE]
    proc = subprocess.Popen([sys.executable, "-m", "marsviz", "export", "--out", str(out), *args,
                             "--workers", "2", "--to", "2030-06-01"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.time() + 120
    kids = []
    while time.time() < deadline and len(kids) < 2:
        kids = [c for c in psutil.Process(proc.pid).children(recursive=True) if "ffmpeg" not in c.name()]
        time.sleep(0.05)
    assert len(kids) >= 2
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(kids, timeout=30)
    assert alive == []


def test_local_cluster_workers_stop_when_the_parent_dies(tmp_path):
    """SIGKILL of `marsviz export --cluster local`: its Dask worker processes and their encoders go."""
    import psutil

    out = tmp_path / "clip.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "marsviz", "export", "--out", str(out), "--size", "160x96",
                             "--fps", "30", "--days-per-second", "1", "--to", "2030-06-01", "--progress", "none",
                             "--cluster", "local", "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            start_new_session=True)

    def family():
        kids = []
        for c in psutil.Process(proc.pid).children(recursive=True):
            try:
                kids.append((c, " ".join(c.cmdline())))
            except psutil.Error:
                pass
        return kids

    deadline = time.time() + 240
    kids = []
    while time.time() < deadline:  # until both workers are up and rendering (feeding an encoder)
        kids = family()
        if (sum("spawn_main" in cmd for _, cmd in kids) >= 2
                and any("rawvideo" in cmd for _, cmd in kids)):
            break
        time.sleep(0.1)
    workers = [c for c, cmd in kids if "spawn_main" in cmd]
    encoders = [c for c, cmd in kids if "rawvideo" in cmd]
    assert len(workers) == 2 and encoders, [cmd for _, cmd in kids]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs([c for c, _ in kids], timeout=30)
    assert alive == []
    # nothing is left in the export's process group (the workers, the resource tracker)
    res = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    assert (res.returncode, res.stdout) == (1, "")
    assert not out.exists()


def test_a_cluster_that_does_not_answer_is_a_one_line_error(tmp_path, plan, monkeypatch):
    from marsviz import cluster
    from marsviz import export as ex
    from marsviz.errors import MarsvizError

    def slow(address, workers):
        raise TimeoutError()

    monkeypatch.setattr(cluster, "connect", slow)
    s, out = settings_for(plan, tmp_path / "clip.mp4")
    with pytest.raises(MarsvizError) as err:
        ex.export(plan, s, out, progress="none", cluster="local", workers=2)
    assert str(err.value) == ("--cluster local: the Dask cluster did not answer in time (timed out); "
                              "finished segments are kept, run the same command with --resume to continue")
    assert not out.exists()


def test_clean_frames_have_no_text_and_still_get_subtitles(tmp_path, plan):
    from marsviz import export as ex
    from marsviz.scene.scene import MissionScene, SceneOptions

    s, out = settings_for(plan, tmp_path / "clean", "--clean")
    assert ex.export(plan, s, out, progress="none") == 0
    man = json.loads((out / "manifest.json").read_text())
    f = man["frames"][0]
    clean = np.asarray(Image.open(out / f["file"]).convert("RGB"))
    # the same scene with every text actor (captions, clock, labels) switched off
    import pyvista as pv

    p = pv.Plotter(off_screen=True, window_size=(160, 96))
    sc = MissionScene(p, plan, SceneOptions(captions=False, hud=False, labels=False))
    sc.layout(160, 96)
    sc.apply_options()
    sc.set_time(f["t_tdb_days_j2000"])
    sc.set_camera("overview")
    no_text = ex.render_image(p)
    sc.close()
    p.close()
    r = ex.FrameRenderer(plan, ex.Settings(**dict(man["settings"], clean=False, captions=True)))
    with_text = r.render(f["t_tdb_days_j2000"])
    r.close()
    assert (clean == no_text).all()
    assert (np.abs(with_text.astype(int) - clean).sum(-1) > 60).sum() > 30
    srt = (out / "captions.srt").read_text()
    shown = [plan.active_event(fr["t_tdb_days_j2000"], s.card_days) for fr in man["frames"]]
    titles = {e.title for e in shown if e is not None}
    assert titles and all(t in srt for t in titles)


def test_no_captions_still_writes_subtitles(tmp_path, plan):
    res = run_cli("export", "--out", str(tmp_path / "nc"), *BASE, "--no-captions", "--to", "2030-02-10")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "nc"
    srt = (out / "captions.srt").read_text()
    man = json.loads((out / "manifest.json").read_text())
    card_days = max(3.0, 3.0 * man["settings"]["days_per_second"])
    shown = [plan.active_event(f["t_tdb_days_j2000"], card_days) for f in man["frames"]]
    titles = {e.title for e in shown if e is not None}
    assert titles and all(f"\n{t}\n" in srt for t in titles)
    assert all(f["event"] is None for f in man["frames"])  # no card burned in


def test_transparent_png_frames_have_alpha(tmp_path, plan):
    from marsviz import export as ex

    s, out = settings_for(plan, tmp_path / "alpha", "--transparent", "--to", "2030-01-25")
    assert ex.export(plan, s, out, progress="none") == 0
    im = Image.open(sorted(out.glob("frame_*.png"))[0])
    assert im.mode == "RGBA"
    a = np.asarray(im)[..., 3]
    # where the opaque picture shows the bare background, the transparent one is fully clear
    from marsviz.scene import style

    man = json.loads((out / "manifest.json").read_text())
    r = ex.FrameRenderer(plan, ex.Settings(**dict(man["settings"], transparent=False)))
    opaque = r.render(man["frames"][0]["t_tdb_days_j2000"]).astype(int)
    r.close()
    bg = np.all(np.abs(opaque - np.array(style.hex_to_rgb(style.BACKGROUND)) * 255) < 1.5, axis=-1)
    # (at 160 x 96 the card and the plates under the heads-up text cover most of the frame:
    # the bare background left is still about a thousand pixels)
    assert bg.mean() > 0.04 and (a[bg] == 0).mean() > 0.95
    assert (a == 255).sum() > 20  # the bodies are opaque
    assert (np.abs(np.asarray(im)[..., :3][a == 255].astype(int) - opaque[a == 255]) <= 2).all()
    res = run_cli("export", "--out", str(tmp_path / "x.mp4"), *BASE, "--transparent")
    assert res.returncode == 2 and res.stderr.strip() == (
        "marsviz: error: --transparent: x.mp4: MP4 and GIF have no alpha; use --out DIR for PNG frames")


def test_crf_and_lossless(tmp_path, plan):
    from marsviz import export as ex

    sizes = {}
    for crf in ("4", "45"):
        s, out = settings_for(plan, tmp_path / f"q{crf}.mp4", "--crf", crf, "--to", "2030-01-30")
        assert ex.export(plan, s, out, progress="none") == 0
        sizes[crf] = out.stat().st_size
    assert sizes["4"] > 3 * sizes["45"]
    s, out = settings_for(plan, tmp_path / "exact.mp4", "--lossless", "--to", "2030-01-30")
    assert ex.export(plan, s, out, progress="none") == 0
    sf, dirout = settings_for(plan, tmp_path / "png", "--to", "2030-01-30")
    assert ex.export(plan, sf, dirout, progress="none") == 0
    _, frames = read_rgb(out)
    pngs = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(dirout.glob("frame_*.png"))]
    assert len(frames) == len(pngs) >= 3
    assert all((a == b).all() for a, b in zip(frames, pngs))
    res = run_cli("export", "--out", str(tmp_path / "y.gif"), *BASE, "--crf", "20")
    assert res.returncode == 2 and res.stderr.strip() == "marsviz: error: --crf: only for an MP4"


def test_encoder_preset_trades_cpu_for_file_size_at_the_same_picture(tmp_path, plan):
    from marsviz import export as ex

    s, _ = settings_for(plan, tmp_path / "d.mp4")
    assert s.preset == ex.X264_PRESET == "superfast"  # the default takes least CPU from rendering
    sf, dirout = settings_for(plan, tmp_path / "png", "--to", "2030-01-30")
    assert ex.export(plan, sf, dirout, progress="none") == 0
    pngs = [np.asarray(Image.open(p).convert("RGB")).astype(int) for p in sorted(dirout.glob("frame_*.png"))]
    sizes = {}
    for preset in ("ultrafast", "slow"):
        s, out = settings_for(plan, tmp_path / f"{preset}.mp4", "--preset", preset, "--to", "2030-01-30")
        assert s.preset == preset
        assert ex.export(plan, s, out, progress="none") == 0
        sizes[preset] = out.stat().st_size
        _, frames = read_rgb(out)
        assert len(frames) == len(pngs) >= 3
        # the same picture: each decoded frame within a few levels of its PNG on average
        assert max(np.abs(f.astype(int) - p).mean() for f, p in zip(frames, pngs)) < 4.0
    assert sizes["ultrafast"] > 1.2 * sizes["slow"]
    res = run_cli("export", "--out", str(tmp_path / "y.gif"), *BASE, "--preset", "slow")
    assert res.returncode == 2 and res.stderr.strip() == "marsviz: error: --preset: only for an MP4"
    res = run_cli("export", "--out", str(tmp_path / "z.mp4"), *BASE, "--preset", "quick")
    assert res.returncode == 2 and "--preset" in res.stderr and "invalid choice: 'quick'" in res.stderr
    assert not (tmp_path / "z.mp4").exists() and not (tmp_path / "y.gif").exists()


def gif_delays(path):
    im = Image.open(path)
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(im.info["duration"])
    return out


def test_gif_plays_at_its_rate_or_says_so(tmp_path):
    out = tmp_path / "a.gif"
    res = run_cli("export", "--out", str(out), *COMMON, "--fps", "30", "--duration", "1", "--to", "2030-01-25")
    assert res.returncode == 0, res.stderr
    d = gif_delays(out)
    assert len(d) == 30 and set(d) <= {30, 40} and sum(d) == 1000
    assert "frames last 3 or 4 hundredths, averaging 30 fps" in res.stderr
    out = tmp_path / "b.gif"
    res = run_cli("export", "--out", str(out), *COMMON, "--fps", "60", "--duration", "0.5", "--to", "2030-01-25")
    assert res.returncode == 0, res.stderr
    d = gif_delays(out)
    assert len(d) == 30 and set(d) == {20}
    assert "a GIF plays at most 50 fps; this one plays at 50 fps (asked 60)" in res.stderr


@pytest.mark.parametrize("duration,fps", [(2.0, 4.0), (1.5, 10.0)])
def test_duration_at_fps_gives_that_many_frames(plan, tmp_path, duration, fps):
    from marsviz import export as ex

    s, _ = settings_for(plan, tmp_path / "d", "--fps", str(fps), "--duration", str(duration), "--hold", "0")
    frames = ex.schedule(plan, s)
    assert len(frames) == round(duration * fps)
    assert frames[0].t == pytest.approx(s.t_from) and frames[-1].t == pytest.approx(s.t_to, abs=1e-9)


def test_story_pace_video_on_two_workers_with_chapters_at_the_cards(plan, tmp_path):
    """A story-paced MP4: worker processes render its frames (story time, cards, camera) exactly
    as one process does, and each event's chapter starts on the frame where its first card is up."""
    from marsviz import export as ex
    from marsviz.cli import build_parser
    from marsviz.story import Storyboard

    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"story{workers}.mp4"
        args = build_parser().parse_args(["export", "--out", str(out), "--size", "96x64", "--fps", "4",
                                          "--from", "2031-01-02", "--to", "2031-01-03", "--segment-frames", "20",
                                          "--progress", "none", "--workers", workers])
        s, out = ex.make_settings(plan, args)
        assert s.pace == "story"
        assert ex.export(plan, s, out, workers=int(workers), progress="none") == 0
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    sb = Storyboard.build(plan, pace="story", t_from=s.t_from, t_to=s.t_to)
    n = int(np.ceil(sb.duration_s * 4 - 1e-9)) + 1
    man = json.loads((tmp_path / "story1.mp4.manifest.json").read_text())
    assert len(man["frames"]) == n and {f["card"] for f in man["frames"]} - {None} == {c.event_id for c in sb.cards}
    ffmeta, _ = ffmpeg_info(outs[0])
    found = {}
    for num, den, start, title in re.findall(r"\[CHAPTER\]\nTIMEBASE=(\d+)/(\d+)\nSTART=(\d+)\nEND=\d+\ntitle=(.*)",
                                             ffmeta):
        found[round(int(start) * int(num) * 1000 / int(den))] = re.sub(r"\\(.)", r"\1", title)
    want = {}
    for c in sb.cards:
        title = plan.event(c.event_id).title
        if title in want.values():
            continue
        first = int(np.ceil(c.start_s * 4 - 1e-9))  # frames are 1/4 s apart from 0
        want[first * 250] = f"{want[first * 250]}; {title}" if first * 250 in want else title
    assert found == (want if 0 in want else {0: "Start", **want})
    # the subtitles start where the cards do
    srt = (tmp_path / "story1.srt").read_text()
    starts = re.findall(r"(\d\d):(\d\d):(\d\d),(\d{3}) -->", srt)
    assert [round(((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(ms)) for h, m, sec, ms in starts] == \
        [round(c.start_s * 1000) for c in sb.cards]
