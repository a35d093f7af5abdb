"""Scenario validation: every bad input gets one line naming file, field, line and reason."""

import re

import pytest

from marsviz.errors import ScenarioError
from marsviz.mission import build_plan, load_scenario
from marsviz.mission.scenario import locate, parse_scenario
from tests.conftest import DATA, run_cli


def olympus_text():
    from marsviz.resources import default_scenario

    return default_scenario().read_text()


def error_of(text, name="bad.toml"):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, name)
    return str(info.value)


def test_the_olympus_scenario_loads(scenario):
    assert scenario.crewed == "terra_nova"
    assert set(scenario.spacecraft) == {"terra_nova", "shirase", "atlantis", "gagarin"}
    tn = scenario.crewed_craft
    assert tn.round_trip_days == 582 and tn.propulsion.isp_s == 900
    assert all(e.source in ("seed", "assumed") for e in scenario.events)
    assert all(e.assumed for e in scenario.events if e.source == "assumed")


def test_toml_syntax_error_names_the_line():
    text = olympus_text().replace('name = "Terra Nova"', 'name = "Terra Nova', 1)
    msg = error_of(text)
    line = text.splitlines().index('name = "Terra Nova') + 1
    assert msg.startswith(f"bad.toml:{line}: TOML syntax error")


def test_unknown_body():
    text = olympus_text().replace('"earth-venus-mars-earth",', '"earth-jupiter-mars-earth",', 1)
    msg = error_of(text)
    assert re.match(r"bad\.toml:\d+: spacecraft\.terra_nova\.sequences\[1\]: unknown body 'jupiter'", msg)


def test_unknown_milestone_names_the_event_and_its_line():
    text = olympus_text().replace('at = "mars_arrival + 12 d"', 'at = "mars_arival + 12 d"', 1)
    msg = error_of(text)
    line = text.splitlines().index('at = "mars_arival + 12 d"') + 1
    assert msg.startswith(f"bad.toml:{line}: event[")
    assert "].at: unknown milestone 'mars_arival' for terra_nova" in msg


def test_bad_date():
    text = olympus_text().replace('at = "2026-09-15"', 'at = "2026-02-30"', 1)
    msg = error_of(text)
    assert "event[0].at: bad date '2026-02-30'" in msg and "day is out of range" in msg


def test_window_end_before_start():
    text = olympus_text().replace('["2030-01-01", "2030-04-30"]', '["2030-04-30", "2030-01-01"]', 1)
    assert "spacecraft.terra_nova.departure_window: end 2030-01-01 is not after start 2030-04-30" in error_of(text)


def test_negative_duration():
    text = olympus_text().replace("stay_days = [30, 120]", "stay_days = [-5, 120]", 1)
    assert "spacecraft.terra_nova.stay_days: durations must not be negative" in error_of(text)


def test_impossible_duration():
    text = olympus_text().replace("round_trip_days = 582", "round_trip_days = 150", 1)
    msg = error_of(text)
    assert "spacecraft.terra_nova.round_trip_days: impossible: 150 days cannot hold" in msg


def test_missing_field():
    text = olympus_text().replace('title = "Reactor coolant pump trips"\n', "", 1)
    msg = error_of(text)
    assert re.match(r"bad\.toml:\d+: event\[\d+\]: missing required field 'title'", msg)


def test_unknown_category_and_field():
    text = olympus_text().replace('category = "politics"', 'category = "gossip"', 1)
    assert "unknown category 'gossip'" in error_of(text)
    text = olympus_text().replace("crew = 6", "crew = 6\ncrue = 5", 1)
    assert "spacecraft.terra_nova.crue: unknown field" in error_of(text)


def test_event_outside_the_mission_after_design(small_scenario_text, cache_dir):
    text = small_scenario_text.replace('at = "mars_arrival + 1 d"', 'at = "earth_arrival + 30 d"')
    scen = parse_scenario(text, "late.toml")
    with pytest.raises(ScenarioError) as info:
        build_plan(scen)
    msg = str(info.value)
    assert re.match(r"late\.toml:\d+: event\[1\]\.at: 'earth_arrival \+ 30 d' falls on \d{4}-\d\d-\d\d, "
                    r"outside the mission", msg)


def test_prologue_must_come_before_the_mission(small_scenario_text):
    text = small_scenario_text + '''
[[event]]
id = "early"
title = "Too late for a prologue"
category = "milestone"
body = "earth"
at = "2033-05-01"
era = "prologue"
source = "assumed"
'''
    with pytest.raises(ScenarioError, match=r"event\[2\]\.at: a prologue event must come before"):
        build_plan(parse_scenario(text, "p.toml"))


def test_locate_finds_array_of_tables_fields():
    text = "[[event]]\nid = 'a'\n\n[[event]]\nid = 'b'\nat = 'x'\n"
    assert locate(text, "event[1].at") == 6
    assert locate(text, "event[1]") == 4
    assert locate(text, "event[0].id") == 2


def test_cli_reports_one_line_and_exit_code_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(olympus_text().replace('category = "politics"', 'category = "gossip"', 1))
    res = run_cli("plan", "--scenario", str(bad))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"marsviz: error: {bad}:") and "unknown category 'gossip'" in lines[0]
    assert "Traceback" not in res.stderr


def test_missing_scenario_file(tmp_path):
    res = run_cli("events", "--scenario", str(tmp_path / "nope.toml"))
    assert res.returncode == 2
    assert res.stderr.strip() == f"marsviz: error: {tmp_path / 'nope.toml'}: no such file"


def test_small_scenario_file_loads():
    s = load_scenario(DATA / "small.toml")
    assert s.crewed == "ship" and len(s.events) == 2
