"""Headless export: frames, manifest, subtitles, MP4/GIF, resume, workers, errors."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from marsviz.scene import style
from tests.conftest import run_cli

pytestmark = pytest.mark.render
SHORT = ["--size", "320x180", "--from", "departure", "--to", "2030-02-20", "--fps", "4",
         "--days-per-second", "8", "--progress", "none"]


def frames_in(d):
    return sorted(p for p in d.iterdir() if p.name.startswith("frame_") and p.suffix == ".png")


def digest(paths):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(scope="module")
def short_export(tmp_path_factory, plan):
    out = tmp_path_factory.mktemp("exp") / "frames"
    res = run_cli("export", "--out", str(out), *SHORT, "--hold", "1")
    assert res.returncode == 0, res.stderr
    return out


def test_frame_count_sizes_and_schedule(short_export, plan):
    man = json.loads((short_export / "manifest.json").read_text())
    files = frames_in(short_export)
    assert len(files) == len(man["frames"])
    # 8 days/s at 4 fps: a frame every 2 days from departure, plus 4 held frames (1 s) per event
    t_to = man["settings"]["t_to"]
    steady_n = int(np.floor((t_to - plan.epoch) / 2.0)) + 1
    assert steady_n == 16  # 2030-01-19 09:15 to 2030-02-20 00:00
    events = [e for e in plan.mission_events if plan.epoch <= e.t <= t_to]
    assert len(files) == steady_n + 4 * len(events)
    assert {Image.open(f).size for f in files} == {(320, 180)}
    steady = [f for f in man["frames"] if not f["hold"]]
    np.testing.assert_allclose([f["t_tdb_days_j2000"] for f in steady], plan.epoch + 2.0 * np.arange(16))
    held = [f for f in man["frames"] if f["hold"]]
    assert {f["t_tdb_days_j2000"] for f in held} == {e.t for e in events}
    assert man["scenario"]["sha256"] == plan.scenario_digest
    assert man["ephemeris"] == "de421" and "boinor" in man["versions"]


def test_frames_are_not_blank_and_change(short_export):
    files = frames_in(short_export)
    imgs = [np.asarray(Image.open(f).convert("RGB")).astype(int) for f in files]
    assert all(im.std() > 10 for im in imgs)
    assert len(set(digest(files))) > len(files) // 2
    assert np.abs(imgs[0] - imgs[-1]).mean() > 1


def test_event_caption_is_on_the_events_frame(short_export, plan):
    man = json.loads((short_export / "manifest.json").read_text())
    f = next(f for f in man["frames"] if f["event"] == "coolant-pump" and f["hold"])
    img = np.asarray(Image.open(short_export / f["file"]).convert("RGB")).astype(int)
    red = np.array(style.hex_to_rgb(style.CATEGORY_COLORS["failure"])) * 255
    lower = img[110:, :, :]  # the card sits in the lower part of the frame
    assert (np.abs(lower - red) < 45).all(axis=-1).sum() > 40
    # Against a reference rendered without captions: the pixels that differ include the red title.
    from marsviz.export import FrameRenderer, Settings

    ref_settings = Settings(**dict(man["settings"], captions=False))
    r = FrameRenderer(plan, ref_settings)
    try:
        ref = r.render(f["t_tdb_days_j2000"]).astype(int)
    finally:
        r.close()
    changed = np.abs(img - ref).sum(axis=-1) > 30
    red_changed = changed & (np.abs(img - red) < 45).all(axis=-1)
    assert red_changed.sum() > 40


def test_subtitles_are_timed_to_the_frames(short_export, plan):
    man = json.loads((short_export / "manifest.json").read_text())
    srt = (short_export / "captions.srt").read_text()
    first = next(f for f in man["frames"] if f["event"] == "coolant-pump")
    last = max(f["index"] for f in man["frames"] if f["event"] == "coolant-pump")
    start = first["index"] / 4.0
    end = (last + 1) / 4.0

    def ts(x):
        ms = int(round(x * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    assert f"{ts(start)} --> {ts(end)}\nReactor coolant pump trips\n" in srt
    assert (short_export / "captions.vtt").read_text().startswith("WEBVTT")


def test_same_inputs_same_frames(short_export, tmp_path):
    out = tmp_path / "again"
    res = run_cli("export", "--out", str(out), *SHORT, "--hold", "1", "--workers", "2")
    assert res.returncode == 0, res.stderr
    assert digest(frames_in(out)) == digest(frames_in(short_export))


def test_mp4_and_gif_read_back(tmp_path):
    import imageio.v3 as iio
    import imageio_ffmpeg

    mp4 = tmp_path / "clip.mp4"
    res = run_cli("export", "--out", str(mp4), *SHORT)
    assert res.returncode == 0, res.stderr
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    n = sum(1 for _ in reader)
    assert n == 16 and meta["codec"] == "h264" and tuple(meta["size"]) == (320, 180)
    assert (tmp_path / "clip.mp4.manifest.json").is_file() and (tmp_path / "clip.srt").is_file()
    assert not (tmp_path / "clip.mp4.frames").exists()
    assert not list(tmp_path.glob(".marsviz-*"))
    gif = tmp_path / "clip.gif"
    res = run_cli("export", "--out", str(gif), *SHORT)
    assert res.returncode == 0, res.stderr
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 16 and frames.shape[1:3] == (180, 320)
    res = run_cli("export", "--out", str(gif), *SHORT)
    assert res.returncode == 1 and "already exists" in res.stderr


def test_interrupted_run_resumes_to_the_same_result(short_export, tmp_path, plan):
    out = tmp_path / "int"
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "marsviz", "export", "--out", str(out), *SHORT, "--hold", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or len(frames_in(out)) < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "run the same command with --resume" in err and "Traceback" not in err
    kept = frames_in(out)
    total = len(frames_in(short_export))
    assert 5 <= len(kept) < total
    assert not list(out.glob(".marsviz-*"))
    assert not (out / "manifest.json").exists()
    res = run_cli("export", "--out", str(out), *SHORT, "--hold", "1")
    assert res.returncode == 1 and "--resume" in res.stderr  # never overwritten silently
    res = run_cli("export", "--out", str(out), *SHORT, "--hold", "1", "--resume")
    assert res.returncode == 0, res.stderr
    assert digest(frames_in(out)) == digest(frames_in(short_export))
    res = run_cli("export", "--out", str(out), *SHORT, "--hold", "2", "--resume")
    assert res.returncode == 1 and "different settings" in res.stderr


def test_unwritable_destination_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a directory")
    res = run_cli("export", "--out", str(blocker / "frames"), *SHORT)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines == [f"marsviz: error: {blocker / 'frames'}: cannot write: Not a directory"]


def test_full_disk_keeps_finished_frames(tmp_path, plan, monkeypatch):
    import errno

    from marsviz import export as ex
    from marsviz.errors import OutputError

    args = type("A", (), dict(out=str(tmp_path / "full"), size="320x180", start="departure", end="2030-02-20",
                              fps=4.0, days_per_second=8.0, duration=None, camera="overview", hold=0.0,
                              captions=True, workers=1))
    s, out = ex.make_settings(plan, args)
    real = ex.safeio.write_bytes
    calls = {"n": 0}

    def flaky(path, data, overwrite=False, sync=True):
        if path.name.startswith("frame_"):
            calls["n"] += 1
            if calls["n"] > 3:
                fd, tmp = ex.safeio.create_temp(path)
                os.write(fd, data[:10])  # a partial write, then the disk fills up
                os.close(fd)
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, overwrite, sync)

    monkeypatch.setattr(ex.safeio, "write_bytes", flaky)
    with pytest.raises(OutputError, match=r"cannot write: disk full \(no space left on device\); 3 finished "
                                          r"frames kept, continue with --resume"):
        ex.export(plan, s, out, progress="none")
    assert len(frames_in(out)) == 3 and not list(out.glob(".marsviz-*"))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_bad_options_are_one_line_errors(tmp_path):
    for extra, msg in ((["--size", "big"], "--size: expected WIDTHxHEIGHT"),
                       (["--from", "2040-01-01"], "--from: 2040-01-01 is outside the mission"),
                       (["--from", "nonsense"], "is neither a date"),
                       (["--hold", "-1"], "--hold: -1 must not be negative")):
        res = run_cli("export", "--out", str(tmp_path / "x.mp4"), *extra)
        assert res.returncode == 2, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and msg in res.stderr
    res = run_cli("export", "--out", str(tmp_path / "x.avi"))
    assert res.returncode == 2 and "use a directory, a .mp4 or a .gif" in res.stderr


def test_ctrl_c_swallowed_by_a_vtk_callback_still_stops_at_the_next_frame():
    """VTK catches a KeyboardInterrupt raised inside a Python algorithm it runs and only logs
    it; the export must still stop, at the next frame's render, not finish as if asked nothing."""
    import pyvista as pv
    from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase
    from vtkmodules.vtkCommonDataModel import vtkPolyData

    from marsviz import export as ex

    class Interrupted(VTKPythonAlgorithmBase):
        def __init__(self):
            super().__init__(nInputPorts=0, nOutputPorts=1, outputType="vtkPolyData")

        def RequestData(self, request, inInfo, outInfo):
            signal.raise_signal(signal.SIGINT)  # Ctrl-C arrives while VTK runs this callback
            vtkPolyData.GetData(outInfo).ShallowCopy(pv.Sphere())
            return 1

    p = pv.Plotter(off_screen=True, window_size=(64, 48))
    try:
        p.add_mesh(pv.Sphere())
        with ex._interruptible():
            ex.render_image(p)  # nothing asked yet: renders
            alg = Interrupted()
            alg.Update()  # VTK swallows the KeyboardInterrupt here (no exception reaches us)
            with pytest.raises(KeyboardInterrupt):
                ex.render_image(p)
            assert ex.render_image(p).shape == (48, 64, 3)  # asked once, stopped once
    finally:
        p.close()
