"""The plan cache: reused when valid, ignored and rebuilt when corrupt or stale, written atomically."""

import json

import pytest

from marsviz.mission import build_plan, cache
from marsviz.mission.plan import PLAN_FORMAT
from marsviz.mission.scenario import parse_scenario


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path))
    return tmp_path / "plans"


@pytest.fixture
def small(small_scenario_text):
    return parse_scenario(small_scenario_text, "small.toml")


def entry(scen):
    return cache.path_for(cache.plan_key(scen.digest, scen.ephemeris, PLAN_FORMAT))


def test_second_build_comes_from_the_cache(private_cache, small):
    first = build_plan(small)
    assert not first.from_cache
    files = list(private_cache.iterdir())
    assert [f.suffix for f in files] == [".json"], "one entry, no temporary files left"
    second = build_plan(small)
    assert second.from_cache
    assert second.crewed_trajectory.total_dv == first.crewed_trajectory.total_dv
    assert second.milestones == first.milestones


def test_corrupt_cache_is_rebuilt(private_cache, small, caplog):
    build_plan(small)
    path = entry(small)
    path.write_text('{"format": 3, "trunc')
    plan = build_plan(small)
    assert not plan.from_cache
    assert "unreadable plan cache" in caplog.text
    json.loads(path.read_text())  # rewritten whole


def test_stale_or_foreign_cache_is_ignored(private_cache, small):
    build_plan(small)
    path = entry(small)
    data = json.loads(path.read_text())
    data["cache_key"] = "something else"
    path.write_text(json.dumps(data))
    assert not build_plan(small).from_cache
    data = json.loads(path.read_text())
    del data["trajectories"]  # right key, wrong shape: an older format
    path.write_text(json.dumps(data))
    assert not build_plan(small).from_cache


def test_key_changes_with_scenario_and_ephemeris(small_scenario_text):
    a = parse_scenario(small_scenario_text, "a")
    b = parse_scenario(small_scenario_text + "\n# a comment\n", "b")
    assert cache.plan_key(a.digest, "de421", 1) != cache.plan_key(b.digest, "de421", 1)
    assert cache.plan_key(a.digest, "de421", 1) != cache.plan_key(a.digest, "builtin", 1)
    assert "boinor" in cache.package_versions()


def test_cache_dir_that_is_a_file_is_only_a_warning(tmp_path, monkeypatch, small, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(blocker))
    plan = build_plan(small)
    assert plan.crewed_trajectory.feasible and not plan.from_cache
    assert "could not write the plan cache" in caplog.text
