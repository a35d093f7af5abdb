"""No input of any kind loses a user's file, hangs, or ends in a traceback (issue 10).

Each class of the issue has a test here with the exact message, and the files on disk before
and after (byte-identical wherever nothing should have changed).
"""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from marsviz import safeio
from marsviz.errors import OutputError, ScenarioError
from marsviz.mission.scenario import parse_scenario
from tests.conftest import DATA, run_cli

TINY = ["--size", "64x48", "--from", "departure", "--to", "2030-01-25", "--fps", "2",
        "--days-per-second", "4", "--progress", "none"]


def olympus_text() -> str:
    from marsviz.resources import default_scenario

    return default_scenario().read_text()


def cli(capsys, *args) -> tuple[int, str]:
    """``marsviz ARGS`` in this process: (exit code, standard error)."""
    from marsviz.cli import main

    rc = main([str(a) for a in args])
    return rc, capsys.readouterr().err


def snapshot(d: Path) -> dict:
    """Every entry under ``d``: a symlink's target, a file's bytes, or "dir"."""
    out = {}
    for p in sorted(d.rglob("*")):
        key = str(p.relative_to(d))
        if p.is_symlink():
            out[key] = ("link", os.readlink(p))
        elif p.is_dir():
            out[key] = "dir"
        else:
            out[key] = p.read_bytes()
    return out


def error_of(text: str, name: str = "bad.toml") -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, name)
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# Data loss
# ---------------------------------------------------------------------------------------------
def test_resume_without_an_earlier_export_replaces_nothing(tmp_path, capsys):
    mine = tmp_path / "olympus.mp4"
    mine.write_bytes(b"the user's own video")
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "export", "--out", mine, *TINY, "--resume")
    assert rc == 2
    assert err == (f"marsviz: error: --resume: {tmp_path / 'olympus.mp4.frames'} holds no earlier export "
                   "to continue (no export-state.json); run without --resume\n")
    assert snapshot(tmp_path) == before


def test_an_export_never_replaces_subtitles_or_a_manifest_it_did_not_write(tmp_path, capsys):
    for name in ("clip.srt", "clip.vtt", "clip.mp4.manifest.json"):
        (tmp_path / name).write_text(f"the user's {name}")
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "export", "--out", tmp_path / "clip.mp4", *TINY)
    assert rc == 1
    assert err == (f"marsviz: error: {tmp_path / 'clip.mp4.manifest.json'}: already exists; choose another "
                   "name, delete it, or add --overwrite\n")
    assert snapshot(tmp_path) == before  # refused before rendering: no video, no frame directory
    (tmp_path / "clip.mp4.manifest.json").unlink()
    rc, err = cli(capsys, "export", "--out", tmp_path / "clip.mp4", *TINY)
    assert rc == 1 and err.endswith(f"{tmp_path / 'clip.srt'}: already exists; choose another name, "
                                    "delete it, or add --overwrite\n")
    assert (tmp_path / "clip.srt").read_text() == "the user's clip.srt"
    rc, err = cli(capsys, "export", "--out", tmp_path / "clip.mp4", *TINY, "--overwrite")
    assert rc == 0, err
    assert (tmp_path / "clip.srt").read_text().startswith("1\n00:00:00,000 --> ")
    assert (tmp_path / "clip.vtt").read_text().startswith("WEBVTT\n\n")
    assert json.loads((tmp_path / "clip.mp4.manifest.json").read_text())["video"] == "clip.mp4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.mp4.manifest.json", "clip.srt",
                                                          "clip.vtt"]


def test_an_existing_video_or_a_directory_in_its_place_is_refused(tmp_path, capsys):
    (tmp_path / "v.gif").write_bytes(b"GIF89a the user's")
    (tmp_path / "d.mp4").mkdir()
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "export", "--out", tmp_path / "v.gif", *TINY)
    assert (rc, err) == (1, f"marsviz: error: {tmp_path / 'v.gif'}: already exists; choose another name, "
                            "delete it, or add --overwrite\n")
    rc, err = cli(capsys, "export", "--out", tmp_path / "d.mp4", *TINY, "--overwrite")
    assert (rc, err) == (1, f"marsviz: error: {tmp_path / 'd.mp4'}: is a directory; choose a file name\n")
    assert snapshot(tmp_path) == before


def test_resume_replaces_only_the_outputs_its_state_file_proves(tmp_path, capsys):
    out = tmp_path / "frames"
    rc, err = cli(capsys, "export", "--out", out, *TINY)
    assert rc == 0, err
    state = json.loads((out / "export-state.json").read_text())
    owned = {Path(p).name: h for p, h in state["outputs"].items()}
    assert owned == {n: hashlib.sha256((out / n).read_bytes()).hexdigest()
                     for n in ("manifest.json", "captions.srt", "captions.vtt")}
    # The same export resumed: everything it wrote may be written again.
    rc, err = cli(capsys, "export", "--out", out, *TINY, "--resume")
    assert rc == 0, err
    # A file the user changed since is no longer the export's: resume refuses to replace it.
    (out / "captions.srt").write_text("my own edited subtitles")
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "export", "--out", out, *TINY, "--resume")
    assert (rc, err) == (1, f"marsviz: error: {out / 'captions.srt'}: already exists; choose another name, "
                            "delete it, or add --overwrite\n")
    assert snapshot(tmp_path) == before
    # Without --resume the directory is an earlier export: refused, unless --overwrite.
    rc, err = cli(capsys, "export", "--out", out, *TINY)
    assert (rc, err) == (1, f"marsviz: error: {out}: holds an earlier export; add --resume to continue it, "
                            "--overwrite to replace it, or choose an empty destination\n")
    assert snapshot(tmp_path) == before
    rc, err = cli(capsys, "export", "--out", out, *TINY, "--overwrite")
    assert rc == 0, err
    assert (out / "captions.srt").read_text().startswith("1\n")


def test_a_damaged_state_file_is_never_taken_as_proof(tmp_path, capsys):
    out = tmp_path / "x.gif"
    frames = tmp_path / "x.gif.frames"
    rc, err = cli(capsys, "export", "--out", out, *TINY, "--keep-frames")
    assert rc == 0, err
    (frames / "export-state.json").write_text('{"outputs": {"/etc/passwd": ')
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "export", "--out", out, *TINY, "--resume")
    assert (rc, err) == (1, f"marsviz: error: {frames / 'export-state.json'}: is damaged, so the earlier "
                            "export cannot be continued; run without --resume and with --overwrite to "
                            "start it again\n")
    assert snapshot(tmp_path) == before


def test_lesson_never_replaces_an_existing_index(tmp_path, capsys):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "index.html").write_text("<p>the teacher's own page</p>")
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "lesson", "--out", out, "--size", "64x48", "--progress", "none")
    assert (rc, err) == (1, f"marsviz: error: {out / 'index.html'}: already exists; choose another name, "
                            "delete it, or add --overwrite\n")
    assert snapshot(tmp_path) == before  # refused before the first still


def test_lesson_with_a_directory_in_the_way_or_a_full_disk(tmp_path, capsys, plan, monkeypatch):
    from marsviz import lesson

    out = tmp_path / "pack"
    (out / "lesson.json").mkdir(parents=True)
    rc, err = cli(capsys, "lesson", "--out", out, "--size", "64x48", "--progress", "none", "--overwrite")
    assert (rc, err) == (1, f"marsviz: error: {out / 'lesson.json'}: is a directory; choose a file name\n")
    assert snapshot(out) == {"lesson.json": "dir"}

    full = tmp_path / "full"
    full.mkdir()
    real = safeio.commit

    def disk_fills_at_the_index(tmp, final, overwrite=False):
        if Path(final).name == "index.html":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(tmp, final, overwrite)

    monkeypatch.setattr(safeio, "commit", disk_fills_at_the_index)
    one = copy.copy(plan)
    one.events = plan.events[:2]
    with pytest.raises(OutputError) as info:
        lesson.build_lesson(one, full, 64, 48, progress="none")
    assert str(info.value) == f"{full}: cannot write: disk full (no space left on device)"
    # The two stills were finished; no temporary and no partial index is left.
    assert sorted(p.name for p in full.iterdir()) == [lesson.still_name(1, plan.events[0]),
                                                      lesson.still_name(2, plan.events[1])]


def test_porkchop_never_replaces_an_image(tmp_path, capsys):
    img = tmp_path / "pc.png"
    img.write_bytes(b"\x89PNG the user's image")
    before = snapshot(tmp_path)
    rc, err = cli(capsys, "porkchop", "--out", img, "--grid", "10")
    assert (rc, err) == (1, f"marsviz: error: {img}: already exists; choose another name, delete it, or "
                            "add --overwrite\n")
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# Symlinks at the names marsviz writes
# ---------------------------------------------------------------------------------------------
def test_symlinks_planted_at_temporary_and_final_names_are_never_followed(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    frames = out / "s.mp4.frames"
    frames.mkdir()
    # The names earlier versions used for their temporaries (predictable, so plantable).
    planted = [out / ".s.mp4.tmp", out / ".s.srt.tmp", out / ".s.vtt.tmp", out / ".s.mp4.manifest.json.tmp",
               frames / ".frame_000000.png.tmp", frames / ".frame_000001.png.tmp",
               frames / ".export-state.json.tmp"]
    for p in planted:
        p.symlink_to(victim)
    rc, err = cli(capsys, "export", "--out", out / "s.mp4", *TINY, "--keep-frames")
    assert rc == 0, err
    assert victim.read_bytes() == b"precious"
    assert all(p.is_symlink() and os.readlink(p) == str(victim) for p in planted)
    # A symlink at a final name: never replaced, not even with --overwrite.
    link = out / "t.srt"
    link.symlink_to(victim)
    rc, err = cli(capsys, "export", "--out", out / "t.mp4", *TINY)
    assert (rc, err) == (1, f"marsviz: error: {link}: already exists; choose another name, delete it, "
                            "or add --overwrite\n")
    rc, err = cli(capsys, "export", "--out", out / "t.mp4", *TINY, "--overwrite")
    assert (rc, err) == (1, f"marsviz: error: {link}: is not a regular file; marsviz replaces only "
                            "regular files\n")
    assert victim.read_bytes() == b"precious" and os.readlink(link) == str(victim)
    assert not (out / "t.mp4").exists() and not (out / "t.mp4.frames").exists()


def test_the_plan_cache_is_written_without_following_a_planted_link(tmp_path, monkeypatch):
    from marsviz.mission import cache

    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path))
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    entry = cache.path_for("k" * 32)
    entry.parent.mkdir()
    entry.symlink_to(victim)
    assert cache.save("k" * 32, {"format": 4}) is None  # only a warning
    assert victim.read_bytes() == b"precious" and entry.is_symlink()
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]


# ---------------------------------------------------------------------------------------------
# Text from a scenario is data
# ---------------------------------------------------------------------------------------------
def test_control_characters_are_refused_at_load_with_their_location():
    text = olympus_text().replace('title = "Reactor coolant pump trips"',
                                  'title = "Reactor\\u001b[2J coolant pump trips"', 1)
    line = text.splitlines().index('title = "Reactor\\u001b[2J coolant pump trips"') + 1
    assert error_of(text) == (f"bad.toml:{line}: event[11].title: control character U+001B ESCAPE at "
                              "position 8 (text may not hold control characters)")
    text = olympus_text().replace('name = "Terra Nova"', 'name = "Terra\\u202eNova"', 1)
    assert "spacecraft.terra_nova.name: control character U+202E RIGHT-TO-LEFT OVERRIDE at position 6" \
        in error_of(text)
    # A description may run over lines; it still may not hold an escape sequence.
    first = '"Four years before Olympus, an uncrewed test lander is destroyed as it touches down."'
    ok = olympus_text().replace(first, '"""two\nlines"""', 1)
    assert parse_scenario(ok, "ok.toml").events[0].description == "two\nlines"
    text = ok.replace('"""two\nlines"""', '"two\\u0007bell"')
    assert "event[0].description: control character U+0007 BELL at position 4" in error_of(text)


def test_a_newline_in_a_key_cannot_forge_a_second_error_line(tmp_path, capsys):
    bad = tmp_path / "key.toml"
    bad.write_text(olympus_text().replace("[design]", '[design]\n"x\\nmarsviz: error: forged" = 1', 1))
    rc, err = cli(capsys, "plan", "--scenario", bad)
    line = bad.read_text().splitlines().index("[design]") + 1
    assert rc == 2
    assert err == (f"marsviz: error: {bad}:{line}: design: key 'x\\nmarsviz: error: forged': control "
                   "character U+000A LINE FEED at position 2\n")


def test_a_path_with_escape_sequences_is_shown_escaped(tmp_path, capsys):
    bad = tmp_path / "evil\x1b]0;owned\x07.toml"
    rc, err = cli(capsys, "events", "--scenario", bad)
    assert rc == 2 and "\x1b" not in err and "\x07" not in err
    assert err == f"marsviz: error: {tmp_path}/evil\\x1b]0;owned\\x07.toml: no such file\n"


def test_reports_escape_any_control_characters_reaching_the_terminal(plan):
    from marsviz.mission import report
    from marsviz.mission.plan import Plan

    data = copy.deepcopy(plan.to_dict())
    data["scenario"]["title"] = "Olympus\x1b[31m red"
    data["events"][0]["title"] = "two\nlines\x9b2J"
    data["spacecraft"][plan.crewed]["name"] = "Terra\rNova"
    hostile = Plan(data)
    text = report.plan_text(hostile) + report.events_text(hostile)
    assert not any(c in text for c in "\x1b\r\x9b")
    assert "Olympus\\x1b[31m red" in text and "two\\x0alines\\x9b2J" in text and "Terra\\x0dNova" in text
    assert text.count("\n") == report.plan_text(plan).count("\n") + report.events_text(plan).count("\n")


def test_a_title_with_blank_lines_cannot_forge_a_subtitle_cue(plan):
    from marsviz.export import Frame, srt_text, subtitle_cues, vtt_text
    from marsviz.mission.plan import Plan

    data = copy.deepcopy(plan.to_dict())
    forged = "Pump\n\n99\n00:00:00,000 --> 00:09:00,000\n<b>forged</b> & more"
    data["events"][0]["title"] = forged
    hostile = Plan(data)
    e0, e1 = hostile.events[0].id, hostile.events[1].id
    frames = [Frame(0, 0.0, e0), Frame(1, 0.0, e0), Frame(2, 0.0, e1), Frame(3, 0.0, None)]
    cues = subtitle_cues(hostile, frames, 2.0)
    srt = srt_text(cues)
    blocks = srt.strip("\n").split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == ["1", "2"]
    assert blocks[0].split("\n")[1] == "00:00:00,000 --> 00:00:01,000"
    assert blocks[0].split("\n")[2] == "Pump 99 00:00:00,000 -> 00:09:00,000 <b>forged</b> & more"
    vtt = vtt_text(cues)
    assert vtt.count(" --> ") == 2
    assert "&lt;b&gt;forged&lt;/b&gt; &amp; more" in vtt and "<b>" not in vtt


def test_the_lesson_pack_escapes_html(plan):
    from marsviz import lesson
    from marsviz.mission.plan import Plan

    data = copy.deepcopy(plan.to_dict())
    data["scenario"]["title"] = "<script>alert(1)</script>"
    data["events"][0]["title"] = '"><img src=x onerror=alert(2)>'
    data["events"][0]["description"] = "<iframe src=evil>"
    hostile = Plan(data)
    ev = hostile.events[0]
    page = lesson.index_html(hostile, [("01-x.png", ev, lesson.figures(hostile, ev))])
    assert "<script>" not in page and "<img src=x" not in page and "<iframe" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'alt="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"' in page


# ---------------------------------------------------------------------------------------------
# The plan cache
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_entry(tmp_path_factory, small_scenario_text):
    """(cache directory, key, the good entry's bytes) of the small scenario, designed once."""
    from marsviz.mission import build_plan, cache
    from marsviz.mission.plan import PLAN_FORMAT

    d = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSVIZ_CACHE_DIR", str(d))
        scen = parse_scenario(small_scenario_text, "small.toml")
        build_plan(scen)
        key = cache.plan_key(scen.digest, scen.ephemeris, PLAN_FORMAT)
        return d, key, cache.path_for(key).read_bytes()


def _damage(data: dict, damage: str) -> None:
    traj = data["trajectories"]["ship"]
    if damage == "string time":
        data["events"][0]["t"] = "soon"
    elif damage == "missing legs":
        del traj["legs"]
    elif damage == "short vector":
        traj["legs"][0]["r0"] = [1.0, 2.0]
    elif damage == "table rows":
        data["table"]["r"]["mars"] = [[1.0, 2.0]]
    elif damage == "nan":
        traj["burns"][0]["dv"] = float("nan")
    elif damage == "extra event field":
        data["events"][0]["colour"] = "red"
    elif damage == "unknown crewed":
        data["crewed"] = "nobody"
    elif damage == "path of strings":
        data["paths"]["ship"][0][1][0] = ["x", "y", "z"]
    else:
        data["scenario"] = ["not", "a", "table"]


@pytest.mark.parametrize("damage", ["string time", "missing legs", "short vector", "table rows", "nan",
                                    "extra event field", "unknown crewed", "path of strings", "list for dict"])
def test_a_cache_entry_of_the_wrong_shape_is_not_used(damage, small_entry, monkeypatch, caplog):
    from marsviz.mission import cache
    from marsviz.mission.plan import Plan

    d, key, good = small_entry
    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(d))
    path = cache.path_for(key)
    data = json.loads(good)
    assert cache.load(key) == data and Plan(cache.load(key)).crewed == "ship"
    _damage(data, damage)
    path.write_text(json.dumps(data))
    try:
        assert cache.load(key) is None
        assert "plan cache of the wrong shape" in caplog.text
    finally:
        path.write_bytes(good)


def test_a_cache_entry_of_the_wrong_shape_is_rebuilt(small_entry, monkeypatch, small_scenario_text):
    from marsviz.mission import build_plan, cache

    d, key, good = small_entry
    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(d))
    path = cache.path_for(key)
    data = json.loads(good)
    _damage(data, "string time")
    path.write_text(json.dumps(data))
    plan = build_plan(parse_scenario(small_scenario_text, "small.toml"))
    assert not plan.from_cache
    assert json.loads(path.read_text())["events"][0]["t"] == json.loads(good)["events"][0]["t"]
    assert cache.load(key) is not None and build_plan(parse_scenario(small_scenario_text, "small.toml")).from_cache


def test_a_cache_entry_that_is_a_fifo_is_ignored(tmp_path, monkeypatch):
    from marsviz.mission import cache

    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path))
    entry = cache.path_for("f" * 32)
    entry.parent.mkdir()
    os.mkfifo(entry)
    assert cache.load("f" * 32) is None  # returns at once instead of waiting for a writer


# ---------------------------------------------------------------------------------------------
# Reading a scenario: regular files only, bounded
# ---------------------------------------------------------------------------------------------
def test_fifo_and_dev_zero_as_the_scenario_return_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    # In a child process, so that a hang would end in a timeout instead of stopping the suite.
    res = run_cli("plan", "--scenario", str(fifo), timeout=120)
    assert (res.returncode, res.stderr) == (2, f"marsviz: error: {fifo}: not a regular file\n")
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), tmp_path, link):
        rc, err = cli(capsys, "plan", "--scenario", path)
        assert (rc, err) == (2, f"marsviz: error: {path}: not a regular file\n")


def test_a_huge_scenario_file_is_refused(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_bytes(olympus_text().encode() + b"#" * (1 << 20))
    rc, err = cli(capsys, "plan", "--scenario", big)
    size = big.stat().st_size
    assert (rc, err) == (2, f"marsviz: error: {big}: too large ({size:,} bytes; the limit is 1,048,576)\n")


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    assert re.fullmatch(r"bad\.toml:\d+: tour\.a\.b\.c\.d\.e\.f\.g: nested too deeply \(at most 8 levels\)",
                        error_of(olympus_text() + "\n[tour.a.b.c.d.e.f.g.h]\nx = 1\n"))
    deep = tmp_path / "deep.toml"
    deep.write_text('name = "x"\nx = ' + "[" * 50_000 + "]" * 50_000 + "\n")
    rc, err = cli(capsys, "plan", "--scenario", deep)
    assert (rc, err) == (2, f"marsviz: error: {deep}: nested too deeply (at most 8 levels)\n")


# ---------------------------------------------------------------------------------------------
# Numbers and dates
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old,new,message", [
    ("isp_s = 900.0", "isp_s = nan", "propulsion.ntr.isp_s: must be a finite number, got nan"),
    ("isp_s = 900.0", "isp_s = -inf", "propulsion.ntr.isp_s: must be a finite number, got -inf"),
    ("isp_s = 900.0", "isp_s = 1e300", "propulsion.ntr.isp_s: is far too large a number (the range is 50 "
                                       "to 100000)"),
    ("isp_s = 900.0", "isp_s = 10", "propulsion.ntr.isp_s: 10 is outside 50 to 100000"),
    ("isp_s = 900.0", "isp_s = " + "9" * 400, "propulsion.ntr.isp_s: is far too large a number"),
    ("round_trip_days = 582", "round_trip_days = nan",
     "spacecraft.terra_nova.round_trip_days: must be a finite number, got nan"),
    ("stay_days = [30, 120]", "stay_days = [30, inf]",
     "spacecraft.terra_nova.stay_days: must be finite numbers of days, got [30.0, inf]"),
    ("stay_days = [30, 120]", "stay_days = [30, 1e9]",
     "spacecraft.terra_nova.stay_days: maximum 1e+09 days is more than 4000"),
    ("grid_step_days = 3.0", "grid_step_days = 0.001", "design.grid_step_days: 0.001 is outside 0.25 to 60"),
    ("grid_step_days = 3.0", "grid_step_days = nan", "design.grid_step_days: must be a finite number, got nan"),
    ("signal_seconds = 8.0", "signal_seconds = inf", "tour.signal_seconds: must be a finite number, got inf"),
    ("crew = 6", "crew = " + "9" * 30, "spacecraft.terra_nova.crew: is far too large a number (the range "
                                       "is 0 to 1000)"),
    ('at = "mars_arrival + 2 d"', 'at = "mars_arrival + 99999999 d"',
     "event[17].at: an offset of 1e+08 days from mars_arrival; offsets are at most 3660 days either way"),
    ('at = "2026-09-15"', 'at = "0001-09-15"', "event[0].at: 0001-09-15 is outside the years 1900 to 2200"),
    ('["2030-01-01", "2030-04-30"]', '["0001-01-01", "0001-04-30"]',
     "spacecraft.terra_nova.departure_window: 0001-01-01 to 0001-04-30 is outside the ephemeris "
     "(JPL DE421: 1899-07-30 to 2053-10-08)"),
    ('["2028-11-01", "2028-12-10"]', '["2052-11-01", "2052-12-10"]',
     "spacecraft.shirase.departure_window: 2052-11-01 to 2052-12-10: the design needs planet positions "
     "from 2052-07-04 to 2054-11-12 (flights of up to 582 days and a 120-day margin), beyond the "
     "ephemeris (JPL DE421: 1899-07-30 to 2053-10-08)"),
    ("comparison_step_days = 6.0", "comparison_step_days = 0.25",
     "design.comparison_step_days: a step of 0.25 days over the 2556-day comparison window of terra_nova "
     "makes a search grid of 128,364,650 cells; the limit is 1,500,000 (use a larger step or a shorter "
     "window)"),
])
def test_non_finite_absurd_and_far_values_in_a_scenario(old, new, message):
    text = olympus_text()
    assert old in text
    msg = error_of(text.replace(old, new, 1))
    assert msg.startswith("bad.toml:") and msg.split(": ", 1)[1] == message


def test_an_iso_time_with_a_zone_is_the_same_instant_in_utc(plan):
    from marsviz.export import make_settings

    def t_from(text):
        args = SimpleNamespace(out="x.mp4", size="64x48", start=text, end=None, fps=2.0, hold=0.0,
                               workers=1, duration=None, days_per_second=20.0, camera="overview",
                               captions=True)
        return make_settings(plan, args)[0].t_from

    assert t_from("2030-02-01T05:30:00+05:30") == t_from("2030-02-01T00:00:00")
    assert t_from("2030-02-01T00:00:00Z") == t_from("2030-02-01T00:00:00")
    text = olympus_text().replace('"2030-01-01", "2030-04-30"', '"2029-12-31T19:00:00-05:00", "2030-04-30"', 1)
    assert parse_scenario(text, "z.toml").crewed_craft.departure_window[0].isoformat() == "2030-01-01T00:00:00"
    far = olympus_text().replace('at = "2026-09-15"', "at = 9999-12-31T23:00:00-12:00", 1)
    assert error_of(far).split(": ", 1)[1] == ("event[0].at: 9999-12-31T23:00:00-12:00 is outside the years "
                                               "1 to 9999 in UTC")


@pytest.mark.parametrize("extra,message", [
    (["--workers", "1000"], f"--workers: 1000 is more than the {os.cpu_count()} processor cores of this machine "
                            f"(use 1 to {os.cpu_count()})"),
    (["--workers", "0"], "--workers: 0 must be at least 1"),
    (["--fps", "nan"], "--fps: nan is not a finite number"),
    (["--fps", "inf"], "--fps: inf is not a finite number"),
    (["--fps", "0"], "--fps: 0 is outside 0 to 240"),
    (["--hold", "1e9"], "--hold: 1e+09 is more than 60"),
    (["--hold=-inf"], "--hold: -inf is not a finite number"),
    (["--duration", "nan"], "--duration: nan is not a finite number"),
    (["--duration", "-3"], "--duration: -3 must be positive"),
    (["--days-per-second", "1e-9"], "--days-per-second: 1e-09 would make about"),
    (["--days-per-second", "1e300"], "--days-per-second: 1e+300 is more than 100000"),
    (["--from", "2030-02-01T00:00+25:00"], "--from: '2030-02-01T00:00+25:00' is neither a date"),
    (["--from", "0001-01-01"], "--from: 0001-01-01 is outside the mission ("),
    (["--to", "9999-12-31T23:59:59-12:00"], "--to: 9999-12-31T23:59:59-12:00 is outside the mission ("),
    (["--from", "\x1b[2J"], "--from: '\\x1b[2J' is neither a date (2030-07-11) nor an event id"),
    (["--size", "99999999999999999999x1"], "--size: 99999999999999999999x1 is outside 16x16 to 8192x8192"),
])
def test_bad_command_line_values_are_one_line(extra, message, tmp_path, capsys):
    base = ["--size", "64x48", "--fps", "2", "--progress", "none"]
    rc, err = cli(capsys, "export", "--out", tmp_path / "v.mp4", *base, *extra)
    assert rc == 2
    assert err.startswith(f"marsviz: error: {message}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# The screenshot of the window
# ---------------------------------------------------------------------------------------------
@pytest.mark.gui
def test_a_screenshot_never_replaces_a_file_unless_asked(window, tmp_path):
    mine = tmp_path / "shot.png"
    mine.write_bytes(b"the user's picture")
    with pytest.raises(FileExistsError, match="shot.png: already exists"):
        window.save_screenshot(mine)
    assert mine.read_bytes() == b"the user's picture"
    window.save_screenshot(mine, overwrite=True)  # the save dialog asked the user first
    assert mine.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]
