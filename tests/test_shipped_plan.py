"""The built-in mission's plan ships with the package: used when it matches, designed otherwise."""

import json
import types

import pytest

from marsviz.mission import cache, report
from marsviz.mission.plan import PLAN_FORMAT


def printed(plan) -> str:
    d = report.plan_dict(plan)
    d.pop("stats", None)  # design timings, not results
    return report.plan_text(plan) + report.events_text(plan) + json.dumps(d, sort_keys=True)


def args(**kw):
    return types.SimpleNamespace(**{"scenario": None, "ephemeris": None, "no_cache": False, **kw})


def test_the_shipped_plan_equals_a_fresh_design_to_the_printed_precision(plan):
    # `plan` is designed afresh for this test session (an empty plan cache, no shipped file)
    from marsviz.loading import shipped_plan

    shipped = shipped_plan(types.SimpleNamespace(digest=plan.scenario_digest, ephemeris="de421",
                                                 display_path=plan.scenario_path))
    assert shipped is not None, "the shipped plan does not match: run scripts/make_shipped_plan.py"
    shipped.from_cache = plan.from_cache  # "cached plan" / "designed now" is not a result
    assert printed(shipped) == printed(plan)


def test_a_fresh_install_loads_the_shipped_plan_without_designing(monkeypatch, tmp_path):
    import marsviz.mission as mission
    from marsviz.loading import load_plan

    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path / "empty"))

    def no_design(*a, **k):
        raise AssertionError("designed although the shipped plan matches")

    monkeypatch.setattr(mission, "build_plan", no_design)
    scenario, plan = load_plan(args())
    assert plan.shipped and plan.scenario_digest == scenario.digest
    assert plan.scenario_path == scenario.display_path
    assert not (tmp_path / "empty").exists()  # nothing written


@pytest.mark.parametrize("change", ["format", "scenario", "ephemeris", "garbage"])
def test_a_shipped_plan_that_does_not_match_falls_back_to_designing(monkeypatch, tmp_path, change):
    import marsviz.mission as mission
    from marsviz.loading import load_plan

    data = json.loads(cache.shipped_path().read_text())
    fake = tmp_path / "olympus.plan.json"
    if change == "format":
        data["format"] = PLAN_FORMAT + 1  # a format bump on another branch
    elif change == "scenario":
        data["scenario"]["digest"] = "0" * 64  # the user changed the scenario text
    elif change == "ephemeris":
        data["ephemeris"] = "builtin"
    fake.write_text("{not json" if change == "garbage" else json.dumps(data))
    monkeypatch.setattr(cache, "shipped_path", lambda stem="olympus": fake)
    called = []
    monkeypatch.setattr(mission, "build_plan", lambda *a, **k: called.append(k) or "designed")
    _, plan = load_plan(args())
    assert plan == "designed" and called and called[0]["use_cache"] is True


def test_no_cache_always_designs(monkeypatch):
    import marsviz.mission as mission
    from marsviz.loading import load_plan

    monkeypatch.setattr(mission, "build_plan", lambda *a, **k: "designed")
    assert load_plan(args(no_cache=True))[1] == "designed"
