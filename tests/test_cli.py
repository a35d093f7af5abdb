"""`marsviz plan` and `marsviz events` from the command line."""

import json
import subprocess
import sys

import pytest

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def warm(plan):
    """The session's plan is built (and cached) before the commands run."""
    return plan


def test_help_is_instant_and_imports_nothing_heavy():
    code = ("import sys, marsviz.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('astropy', 'numba', 'boinor', 'vtk', 'pyvista', 'PySide6', 'numpy') "
            "if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "HEAVY []" in out
    assert "export" in out and "porkchop" in out


def test_plan_text(warm):
    res = run_cli("plan")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for heading in ("Chosen sequence: earth-venus-mars-earth", "Legs", "Milestones", "Burns",
                    "Sequences in the departure window", "Cheapest 582-day round trips",
                    "Story versus physics", "Cargo ships"):
        assert heading in out
    assert "Total Δv" in out and "Venus swing-by" in out and "C3" in out
    assert "cached plan" in out.splitlines()[1]


def test_plan_json_matches_the_plan(warm):
    res = run_cli("plan", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    tn = warm.crewed_trajectory
    assert d["crewed"]["sequence"] == tn.sequence_name
    assert d["crewed"]["total_dv_kms"] == pytest.approx(tn.total_dv, abs=1e-4)
    assert [l["tof_days"] for l in d["crewed"]["legs"]] == pytest.approx([l.tof_days for l in tn.legs], abs=1e-3)
    assert sum(b["dv_kms"] for b in d["crewed"]["burns"]) == pytest.approx(tn.total_dv, abs=1e-3)
    assert len(d["candidates"]) == 4 and len(d["comparison"]) == 4
    svp = d["story_vs_physics"]
    assert svp["cheapest"]["total_dv_kms"] <= svp["story"]["total_dv_kms"]
    assert svp["sentence"]
    assert {c["spacecraft"] for c in d["cargo"]} == {"shirase", "atlantis", "gagarin"}


def test_events_lists_every_event_with_light_time(warm):
    res = run_cli("events", "--json")
    assert res.returncode == 0, res.stderr
    items = json.loads(res.stdout)
    assert [e["id"] for e in items] == [e.id for e in warm.events]
    plea = next(e for e in items if e["id"] == "plea")
    assert plea["phase"] == "Mars stay"
    assert plea["light_time_s"] == pytest.approx(plea["earth_distance_km"] / 299792.458, rel=1e-6)
    assert 3 * 60 < plea["light_time_s"] < 23 * 60
    goddard = next(e for e in items if e["id"] == "goddard")
    assert goddard["earth_distance_km"] is None  # 2095 is beyond DE421
    text = run_cli("events").stdout
    assert "The crew's plea to Earth" in text and "min" in text and "MET" in text
    # each row names the id that --at takes
    line = next(l for l in text.splitlines() if "The crew's plea to Earth" in l)
    assert " plea " in line and "Id (--at)" in text.splitlines()[0]


def test_builtin_ephemeris_option(warm):
    res = run_cli("plan", "--json", "--ephemeris", "builtin", "--scenario", "tests/data/small.toml")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["ephemeris"] == "builtin"


def test_common_options_before_or_after_the_command(warm):
    for argv in (["--scenario", "tests/data/small.toml", "plan", "--json"],
                 ["plan", "--scenario", "tests/data/small.toml", "--json"]):
        res = run_cli(*argv)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["crewed"]["spacecraft"] == "ship"
