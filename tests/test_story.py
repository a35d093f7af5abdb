"""The storyboard: time map, cards, camera track, design events, overrides, story exports.

No display: the storyboard is plain numbers; one tiny export renders off screen.
"""

import argparse
import json
import math
import re

import numpy as np
import pytest

from marsviz.mission.scenario import parse_scenario
from marsviz.story import Storyboard
from marsviz.story.shots import view_change
from marsviz.story.storyboard import card_text, reading_seconds
from tests.conftest import olympus_text, run_cli, scenario_error

FPS = 30.0
#: A camera may move at most this many views per frame at 30 fps (see shots.view_change).
MAX_VIEW_CHANGE_PER_FRAME = 0.25


@pytest.fixture(scope="module")
def sb(plan):
    return Storyboard.build(plan)


@pytest.fixture(scope="module")
def frames(sb):
    return [sb.at(float(tau)) for tau in sb.frame_times(FPS)]


def with_plan_events(plan, **changes):
    """A copy of ``plan`` whose events carry scenario overrides {event id: {field: value}}."""
    from marsviz.mission.plan import Plan

    data = dict(plan.to_dict())
    data["events"] = [dict(e, **changes.get(e["id"], {})) for e in data["events"]]
    return Plan(data)


# ---------------------------------------------------------------------------------------------
# The time map
# ---------------------------------------------------------------------------------------------
def test_time_map_is_monotonic_and_covers_the_span_exactly(sb, plan):
    assert sb.at(0.0).t == plan.span[0]
    assert sb.at(sb.duration_s).t == plan.span[1]
    assert sb.at(sb.duration_s + 100.0).t == plan.span[1]
    taus = np.linspace(0.0, sb.duration_s, 20001)
    t = sb.time_at(taus)
    assert np.all(np.diff(t) >= 0.0)
    assert t.min() == plan.span[0] and t.max() == plan.span[1]
    # The inverse finds the first presentation time that shows an instant.
    for ev in plan.mission_events:
        tau = sb.tau_of(ev.t)
        assert sb.time_at(tau) == pytest.approx(ev.t, abs=1e-9)
        assert tau == 0.0 if ev.t == plan.span[0] else sb.time_at(tau - 0.05) < ev.t
    for x in np.linspace(plan.span[0] + 0.3, plan.span[1] - 0.3, 50):
        assert sb.time_at(sb.tau_of(x)) == pytest.approx(x, abs=1e-6)


def test_cruise_is_fast_and_events_are_slow(sb, plan):
    # Between the Venus swing-by and the antenna failure: a long cruise at the cruise rate.
    t0 = plan.milestones["venus_flyby_outbound"] + 40
    tau0 = sb.tau_of(t0)
    rate = (sb.time_at(tau0 + 0.5) - sb.time_at(tau0 - 0.5)) / 1.0
    assert rate == pytest.approx(plan.tour["cruise_days_per_second"], rel=1e-3)
    # The 30-day Mars stay gets far more screen time than 30 days of cruise.
    stay = sb.tau_of(plan.milestones["mars_departure"]) - sb.tau_of(plan.milestones["mars_arrival"])
    assert stay > 60.0 > 30.0 / plan.tour["cruise_days_per_second"]


# ---------------------------------------------------------------------------------------------
# Cards
# ---------------------------------------------------------------------------------------------
def test_every_event_has_its_card_for_at_least_its_hold(sb, plan, frames):
    cfg = sb.settings
    by_id = {}
    for c in sb.cards:
        by_id.setdefault((c.event_id, c.kind), []).append(c)
    for ev in plan.events:
        kind = "event" if ev.era == "mission" else "title"
        (card,) = by_id[(ev.id, kind)]
        hold = max(4.0, reading_seconds(card_text(ev), cfg))
        assert card.seconds >= hold - 1e-9, ev.id
        if ev.question:
            (q,) = by_id[(ev.id, "question")]
            assert q.end_s <= card.start_s and q.seconds >= 4.0
    # The frames say the same: each card on screen for at least 4 s worth of frames, in order.
    runs = []
    for st in frames:
        key = (st.card, st.card_kind)
        if st.card is not None and (not runs or runs[-1][0] != key):
            runs.append([key, 0])
        if st.card is not None:
            runs[-1][1] += 1
    assert [k for k, _ in runs] == [(c.event_id, c.kind) for c in sb.cards]
    assert min(n for _, n in runs) >= 4 * FPS
    order = [plan.event(k[0]).t for k, _ in runs]
    assert order == sorted(order)


def test_cards_give_way_and_the_prologue_and_epilogue_are_titles(sb, plan):
    for a, b in zip(sb.cards, sb.cards[1:]):
        assert a.end_s <= b.start_s + 1e-9
    assert sb.cards[0].event_id == "test-lander" and sb.cards[0].kind == "title"
    assert sb.cards[-1].event_id == "goddard" and sb.cards[-1].kind == "title"
    assert sb.at(sb.cards[0].start_s + 1).t == plan.span[0]
    assert sb.at(sb.cards[-1].start_s + 1).t == plan.span[1]
    # Travel between events shows no card: an old card never looks current.
    mid = sb.tau_of(plan.milestones["venus_flyby_outbound"] + 60)
    assert sb.at(mid).card is None


def test_signal_crosses_while_its_card_is_up(sb, plan):
    from marsviz.mission.plan import C_KMS

    ev = plan.event("plea")
    (card,) = [c for c in sb.cards if c.event_id == "plea" and c.kind == "event"]
    first, last = sb.at(card.start_s), sb.at(card.end_s - 1e-6)
    d = np.linalg.norm(plan.position(ev.where, ev.t) - plan.position("earth", ev.t))
    assert first.signal.one_way_s == pytest.approx(d / C_KMS)
    assert first.signal.frac == 0.0 and first.signal.remaining_s == pytest.approx(d / C_KMS)
    assert last.signal.frac == 1.0 and last.signal.remaining_s == 0.0
    assert card.seconds >= plan.tour["signal_seconds"]
    assert sb.at(card.end_s + 0.01).signal is None


# ---------------------------------------------------------------------------------------------
# Camera track
# ---------------------------------------------------------------------------------------------
def worst_view_change(plan, frames, cuts):
    """The largest frame-to-frame view change (views) away from the declared cuts, and where."""
    worst, where = 0.0, None
    for a, b in zip(frames, frames[1:]):
        if any(a.tau_s < c <= b.tau_s for c in cuts):
            continue
        d = view_change(plan, a.camera, a.t, b.camera, b.t, shot=a.shot)
        if d > worst:
            worst, where = d, a.tau_s
    return worst, where


def test_camera_never_jumps_except_at_declared_cuts(sb, plan, frames):
    worst, _ = worst_view_change(plan, frames, sb.cuts)
    assert 0.0 < worst < MAX_VIEW_CHANGE_PER_FRAME
    # The cuts are the title sequences' edges, nothing else.
    titles = [c for c in sb.cards if c.kind == "title"]
    assert sorted(sb.cuts) == pytest.approx([titles[0].end_s, titles[-1].start_s])


def test_a_cut_is_a_jump(sb, plan):
    cut = sb.cuts[0]
    a, b = sb.at(cut - 1 / FPS), sb.at(cut)
    assert view_change(plan, a.camera, a.t, b.camera, b.t) > MAX_VIEW_CHANGE_PER_FRAME


def test_a_discontinuous_track_is_caught(sb, plan, frames):
    """The jump measure is honest: breaks spliced into the real track are found, where they are."""
    import dataclasses

    on_surface = [i for i, st in enumerate(frames) if st.shot.startswith("surface:")]
    assert len(on_surface) > 10 * FPS
    i = on_surface[len(on_surface) // 2]
    a = frames[i]
    from marsviz.story.shots import shot_pose

    # 1. The camera jumps from the site to the planet-centred view of Mars.
    far = dataclasses.replace(frames[i + 1], camera=shot_pose(plan, "planet:mars", frames[i + 1].t))
    track = frames[:i + 1] + [far] + frames[i + 2:]
    worst, where = worst_view_change(plan, track, sb.cuts)
    assert worst > MAX_VIEW_CHANGE_PER_FRAME and where in (a.tau_s, far.tau_s)
    # 2. A camera left behind by the turning planet: the pose of an hour earlier, in space.
    stale = shot_pose(plan, a.shot, frames[i + 1].t - 1.0 / 24.0)
    track = frames[:i + 1] + [dataclasses.replace(frames[i + 1], camera=stale)] + frames[i + 2:]
    worst, where = worst_view_change(plan, track, sb.cuts)
    assert worst > MAX_VIEW_CHANGE_PER_FRAME and where in (a.tau_s, frames[i + 1].tau_s)
    # 3. Away from Mars, a jump to the next shot one frame early.
    k = next(j for j, st in enumerate(frames) if st.shot.startswith("planet:venus"))
    early = dataclasses.replace(frames[k - 30], camera=frames[k].camera)
    track = frames[:k - 30] + [early] + frames[k - 29:]
    assert worst_view_change(plan, track, sb.cuts)[0] > MAX_VIEW_CHANGE_PER_FRAME


def test_a_surface_shot_rides_with_the_planet(sb, plan):
    """Between the water strike and Hiromi's accident the camera stays on the well site while
    mission time runs: fixed in the Mars body frame, turning with the planet in space."""
    from marsviz.story.shots import surface_pose

    t0, t1 = plan.event("water").t, plan.event("hiromi").t
    tau0, tau1 = sb.tau_of(t0) + 0.01, sb.tau_of(t1) - 0.01
    a, b = sb.at(tau0), sb.at(tau1)
    assert a.shot == b.shot == "surface:well" and b.t - a.t > 0.1

    def fixed(st):
        rot = plan.body_rotation("mars", st.t)
        c = plan.position("mars", st.t)
        return [rot.T @ (np.asarray(v) - c) for v in (st.camera.focal_km, st.camera.position_km)] + \
            [rot.T @ np.asarray(st.camera.up)]

    for u, v in zip(fixed(a), fixed(b)):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-6 * plan.constants["mars"]["R"])
    np.testing.assert_allclose(fixed(a)[0], plan.site_fixed("well"), rtol=1e-9)
    # In space it has turned with Mars (14.6 degrees an hour).
    turned = np.degrees(np.arccos(np.clip(np.dot(a.camera.up, b.camera.up), -1, 1)))
    assert turned > 0.1 * 14.6 * 24 * (b.t - a.t)
    assert view_change(plan, a.camera, a.t, b.camera, b.t, shot=a.shot) < 1e-6
    # The default site path agrees (a site the plan does not know rides the same way).
    p = surface_pose(plan, "well", a.t)
    assert p == a.camera


def sun_elevation_deg(plan, site, t):
    """The Sun's elevation at a site, from the plan's positions and Mars's orientation."""
    up = plan.body_rotation("mars", t) @ plan.site_fixed(site)
    up = up / np.linalg.norm(up)
    to_sun = -np.asarray(plan.site_position(site, t))
    return np.degrees(np.arcsin(np.dot(up, to_sun) / np.linalg.norm(to_sun)))


#: Day and night at a surface site never change more often than once per this many seconds.
MIN_DAY_NIGHT_SECONDS = 3.0


def test_day_and_night_at_a_site_never_flicker(sb, plan, frames):
    m = plan.milestones
    stay = [st for st in frames if m["mars_arrival"] <= st.t <= m["mars_departure"]]
    # Every surface shot is within the stay (so the stay's frames cover them all) ...
    assert all(m["mars_arrival"] <= st.t <= m["mars_departure"] for st in frames if st.shot.startswith("surface:"))
    assert stay[-1].tau_s - stay[0].tau_s == pytest.approx(len(stay) / FPS - 1 / FPS, abs=1e-6)
    for site in plan.sites:
        el = np.array([sun_elevation_deg(plan, site, st.t) for st in stay])
        flips = np.array([st.tau_s for st, x, y in zip(stay[1:], el, el[1:]) if (x > 0) != (y > 0)])
        # ... the stay sees several days and nights at each site, none of them a flicker.
        assert len(flips) >= 40, site
        assert np.diff(flips).min() >= MIN_DAY_NIGHT_SECONDS, site


def test_mission_time_is_slow_during_the_mars_stay(sb, plan):
    from marsviz.story.storyboard import MARS_SOL_DAYS

    m = plan.milestones
    a, b = sb.tau_of(m["mars_arrival"]), sb.tau_of(m["mars_departure"])
    taus = np.linspace(a, b, 200001)
    rate = np.diff(sb.time_at(taus)) / np.diff(taus)
    cap = MARS_SOL_DAYS / sb.settings["sol_seconds"]
    assert sb.settings["sol_seconds"] == 8.0
    assert rate.max() <= cap * (1 + 1e-6)
    assert rate.max() >= 0.99 * cap  # the stay's travels do run at that pace
    assert b - a >= 30.0 / MARS_SOL_DAYS * 8.0
    # A slower setting gives a longer stay.
    from marsviz.mission.plan import Plan

    p2 = Plan(plan.to_dict())
    p2.tour = dict(plan.tour, sol_seconds=10.0)
    sb2 = Storyboard.build(p2)
    stay2 = sb2.tau_of(m["mars_departure"]) - sb2.tau_of(m["mars_arrival"])
    assert stay2 > (b - a) + 0.9 * 2.0 * 30.0 / MARS_SOL_DAYS - 10.0


def test_each_event_is_seen_from_where_it_happens(sb, plan):
    R = {b: plan.constants[b]["R"] for b in ("earth", "mars", "venus")}

    def state_of(eid):
        (card,) = [c for c in sb.cards if c.event_id == eid and c.kind == "event"]
        return sb.at(card.start_s + 0.5)

    # A surface event: the camera is within a few Mars radii of Mars, looking at the surface.
    for eid in ("dust-devil", "water", "chinese-water"):
        st = state_of(eid)
        mars = plan.position("mars", st.t)
        assert st.shot.startswith("surface:")
        assert np.linalg.norm(np.subtract(st.camera.position_km, mars)) < 4 * R["mars"]
        assert np.linalg.norm(np.subtract(st.camera.focal_km, mars)) == pytest.approx(R["mars"], rel=1e-6)
        assert st.camera.origin == "mars"
    # The swing-by: centred on Venus; a cruise failure: riding with the ship.
    st = state_of("design-venus-swingby")
    assert st.shot in ("planet:venus", "planet:venus/terra_nova")  # (from the ship's side)
    np.testing.assert_allclose(st.camera.focal_km, plan.position("venus", st.t), rtol=0, atol=1.0)
    st = state_of("thrusters")
    assert st.shot == f"ship:{plan.crewed}" and st.camera.origin == plan.crewed
    ship = plan.craft_state(plan.crewed, st.t)[0]
    assert np.linalg.norm(np.subtract(st.camera.focal_km, ship)) < 5000.0  # sampled path
    # A light-time signal: both ends in the (Sun-centred) view.
    assert state_of("plea").shot == "inner"


def test_constant_pace_is_a_steady_rate_with_one_camera(plan):
    sb = Storyboard.build(plan, pace="constant", days_per_second=20.0)
    assert sb.duration_s == pytest.approx((plan.span[1] - plan.span[0]) / 20.0)
    for tau in (0.0, 3.3, 17.0, sb.duration_s):
        assert sb.at(tau).t == pytest.approx(plan.span[0] + 20.0 * tau)
    shots = {sb.at(tau).shot for tau in np.linspace(0, sb.duration_s, 50)}
    assert shots == {"overview"} and sb.cuts == []


def test_storyboard_is_quick_to_build_and_pure(plan):
    a, b = Storyboard.build(plan), Storyboard.build(plan)
    for tau in (0.0, 55.5, 123.4, a.duration_s):
        assert a.at(tau) == b.at(tau) == a.at(tau)


# ---------------------------------------------------------------------------------------------
# Design events and overrides
# ---------------------------------------------------------------------------------------------
def test_design_events_carry_the_plans_figures(plan):
    tn = plan.crewed_trajectory
    ev = {e.id: e for e in plan.events if e.source == "design"}
    assert set(ev) == {"design-earth-departure", "design-venus-swingby", "design-mars-capture",
                       "design-mars-departure", "design-earth-approach"}
    m = plan.milestones
    assert ev["design-earth-departure"].t == m["earth_departure"]
    assert ev["design-venus-swingby"].t == m["venus_flyby_outbound"]
    assert ev["design-mars-capture"].t == m["mars_arrival"]
    assert ev["design-mars-departure"].t == m["mars_departure"]
    assert ev["design-earth-approach"].t == m["earth_arrival"]
    fb = tn.flybys[0]
    sw = ev["design-venus-swingby"]
    assert f"{fb.altitude_km:,.0f} km" in sw.title and f"{fb.turn_deg:.1f}°" in sw.title
    assert sw.phase == "Venus swing-by" and sw.source_label == "designed"
    burns = {b.id: b for b in tn.burns}
    assert f"{burns['earth_departure'].dv:.2f} km/s" in ev["design-earth-departure"].title
    assert f"{burns['mars_arrival'].dv:.2f} km/s" in ev["design-mars-capture"].title
    assert f"{burns['mars_departure'].dv:.2f} km/s" in ev["design-mars-departure"].title
    assert f"{tn.entry_speed_braked_kms:.2f} km/s" in ev["design-earth-approach"].title


def test_design_events_are_listed_by_the_events_command(plan):
    res = run_cli("events")
    assert res.returncode == 0, res.stderr
    line = next(l for l in res.stdout.splitlines() if "Venus swing-by:" in l)
    assert "design" in line and "2030-07-11" in line


def test_design_events_follow_the_trajectory():
    from marsviz.mission.timeline import Phase, design_events
    from marsviz.mission.types import Burn, Flyby, Trajectory

    traj = Trajectory("x", ("earth", "venus", "mars"), [], [
        Burn("earth_departure", "Earth departure", "earth", 100.0, 3.5, "C3 9.0 km²/s²"),
        Burn("venus_flyby_outbound", "Venus swing-by", "venus", 250.0, 0.0),
    ], [Flyby("venus", "outbound", 250.0, 7.0, 7.0, 4321.0, 21.25, 40.0, 0.0, True)],
        {}, 3.5, True, 900.0, 0.2)
    evs = design_events(traj, "Ship", [Phase("outbound", "Cruise", 0.0, 1000.0)])
    assert [(e.id, e.t) for e in evs] == [("design-earth-departure", 100.0), ("design-venus-swingby", 250.0)]
    assert evs[0].title == "Earth departure burn: 3.50 km/s"
    assert evs[1].title == "Venus swing-by: 4,321 km up, turned 21.2°"


def _event_block_line(text, event_id):
    lines = text.splitlines()
    return lines.index(f'id = "{event_id}"') + 1


@pytest.mark.parametrize("line, field, reason", [
    ('camera = "planet:pluto"', "camera",
     "unknown body 'pluto' in 'planet:pluto' (known: mercury, venus, earth, mars)"),
    ('camera = "ship:enterprise"', "camera",
     "unknown spacecraft 'enterprise' in 'ship:enterprise' (known: terra_nova, shirase, atlantis, gagarin)"),
    ('camera = "closeup"', "camera",
     "unknown shot 'closeup' (use overview, inner, planet:<body>, surface:<site> or ship:<spacecraft>)"),
    ("hold = 2", "hold", "must be 4 to 120 seconds so a card can be read, got 2"),
    ("hold = 500", "hold", "must be 4 to 120 seconds so a card can be read, got 500"),
    ('hold = "long"', "hold", "expected a number, got str 'long'"),
    ("pace = -3", "pace", "must be positive, got -3"),
])
def test_event_overrides_are_validated(line, field, reason):
    text = olympus_text()
    anchor = 'id = "fraud"'
    text = text.replace(anchor, f"{anchor}\n{line}", 1)
    index = [m.group(1) for m in re.finditer(r'^id = "([^"]+)"', text, re.M)].index("fraud")
    lineno = text.splitlines().index(line) + 1
    assert scenario_error(text) == f"bad.toml:{lineno}: event[{index}].{field}: {reason}"


@pytest.mark.parametrize("line, field, reason", [
    ("min_hold_s = 3", "min_hold_s", "must be 4 to 120 seconds so a card can be read, got 3"),
    ("reading_chars_per_second = 0", "reading_chars_per_second", "must be positive, got 0"),
    ("move_seconds = -1", "move_seconds", "must be positive, got -1"),
    ("sol_seconds = 2", "sol_seconds", "2 is outside 4 to 600"),
    ('sol_seconds = "slow"', "sol_seconds", "expected a number, got str 'slow'"),
])
def test_tour_settings_are_validated(line, field, reason):
    text = olympus_text().replace("signal_seconds = 8.0", f"signal_seconds = 8.0\n{line}", 1)
    lineno = text.splitlines().index(line) + 1
    assert scenario_error(text) == f"bad.toml:{lineno}: tour.{field}: {reason}"


def test_the_tour_pacing_keys_pace_the_storyboard(plan):
    """[tour]'s cruise and approach rates are the storyboard's (the tour has no pace of its own);
    an approach faster than the cruise is refused."""
    text = olympus_text().replace("approach_days_per_second = 2.0", "approach_days_per_second = 30", 1)
    lineno = text.splitlines().index("approach_days_per_second = 30") + 1
    assert scenario_error(text) == (f"bad.toml:{lineno}: tour.approach_days_per_second: must not be faster "
                              "than cruise_days_per_second (25), got 30")
    from marsviz.mission.plan import Plan

    fast = Plan(plan.to_dict())
    fast.tour = dict(plan.tour, cruise_days_per_second=50.0)
    base, quick = Storyboard.build(plan), Storyboard.build(fast)
    t0 = plan.milestones["venus_flyby_outbound"] + 70  # a long cruise at either rate
    for sb, rate in ((base, 25.0), (quick, 50.0)):
        tau = sb.tau_of(t0)
        assert sb.time_at(tau + 0.5) - sb.time_at(tau - 0.5) == pytest.approx(rate, rel=2e-3)
    assert quick.duration_s < base.duration_s - 20.0


def test_overrides_reach_the_plan_and_the_storyboard(plan, scenario):
    from marsviz.mission.timeline import resolve_events
    from marsviz.mission.timescale import utc_to_tdb

    text = olympus_text().replace('id = "fraud"', 'id = "fraud"\ncamera = "ship:terra_nova"\n'
                                  'hold = 15\npace = 0.5', 1)
    text = text.replace("signal_seconds = 8.0", "signal_seconds = 8.0\nmin_hold_s = 5", 1)
    sc = parse_scenario(text, "ok.toml")
    assert sc.tour.story["min_hold_s"] == 5.0
    ms = {cid: t.milestones for cid, t in plan.trajectories.items()}
    fraud = next(e for e in resolve_events(sc, ms, plan.span, plan.phases, utc_to_tdb)
                 if e.id == "fraud")
    assert (fraud.camera, fraud.hold_s, fraud.pace) == ("ship:terra_nova", 15.0, 0.5)

    p2 = with_plan_events(plan, fraud={"camera": "ship:terra_nova", "hold_s": 15.0, "pace": 0.5})
    p2.tour = dict(plan.tour, min_hold_s=5.0)
    sb2 = Storyboard.build(p2)
    (card,) = [c for c in sb2.cards if c.event_id == "fraud" and c.kind == "event"]
    assert card.seconds == pytest.approx(15.0)
    assert sb2.at(card.start_s + 1).shot == "ship:terra_nova"
    assert min(c.seconds for c in sb2.cards) >= 5.0 - 1e-9
    # Slower pace into the event: the last day before it takes longer than by default.
    base = Storyboard.build(plan)
    t = plan.event("fraud").t
    assert (sb2.tau_of(t) - sb2.tau_of(t - 1.0)) > (base.tau_of(t) - base.tau_of(t - 1.0)) * 1.5


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------
def export_args(**kw):
    from marsviz.export_args import add_export_arguments

    p = argparse.ArgumentParser()
    add_export_arguments(p)
    argv = []
    for k, v in kw.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return p.parse_args(argv)


def test_default_whole_mission_export_schedule(plan, tmp_path):
    from marsviz.export import make_settings, manifest_dict, schedule

    s, _ = make_settings(plan, export_args(out=tmp_path / "olympus.mp4"))
    assert s.pace == "story" and s.fps == 30.0
    frames = schedule(plan, s)
    man = manifest_dict(plan, s, frames, "olympus.mp4")
    rows = man["frames"]
    assert rows[-1]["t_tdb_days_j2000"] == plan.span[1]
    assert rows[-1]["tau_s"] == pytest.approx(Storyboard.build(plan).duration_s)
    assert rows[0]["t_tdb_days_j2000"] == plan.span[0]
    shown: dict = {}
    for r in rows:
        if r["card"] is not None and r["card_kind"] != "question":
            shown[r["card"]] = shown.get(r["card"], 0) + 1
        assert set(r["camera"]) == {"focal_km", "position_km", "up", "view_angle_deg", "origin"}
    assert set(shown) == {e.id for e in plan.events}
    assert min(shown.values()) / s.fps >= 4.0
    taus = [r["tau_s"] for r in rows]
    assert np.all(np.diff(taus) > 0) and np.allclose(np.diff(taus)[:-1], 1 / 30.0, rtol=0, atol=2e-6)


def test_to_event_includes_its_card_and_constant_pace_is_kept(plan, tmp_path):
    from marsviz.errors import UsageError
    from marsviz.export import make_settings, schedule

    s, _ = make_settings(plan, export_args(out=tmp_path / "x.mp4", to="dust-devil", fps=10))
    frames = schedule(plan, s)
    last = [f for f in frames if f.card == "dust-devil"]
    assert len(last) >= 40 and frames[-1].card == "dust-devil"
    assert frames[-1].t == plan.event("dust-devil").t
    s, _ = make_settings(plan, export_args(out=tmp_path / "y.mp4", days_per_second=20))
    assert s.pace == "constant"
    with pytest.raises(UsageError) as info:
        make_settings(plan, export_args(out=tmp_path / "z.mp4", pace="story", days_per_second=20))
    assert str(info.value) == ("--days-per-second: the story pace sets its own speed; "
                               "use --pace constant with --days-per-second")


def test_a_camera_preset_at_story_pace_keeps_the_story_and_fixes_the_camera(plan, tmp_path):
    """--camera at story pace: the story's time map and cards, seen through the chosen preset."""
    from marsviz.export import make_settings, schedule
    from marsviz.story.shots import preset_pose

    kw = dict(to="dust-devil", fps=2)
    s0, _ = make_settings(plan, export_args(out=tmp_path / "a.mp4", **kw))
    s1, _ = make_settings(plan, export_args(out=tmp_path / "b.mp4", camera="mars-stay", **kw))
    assert (s0.pace, s0.camera) == ("story", "story") and (s1.pace, s1.camera) == ("story", "mars-stay")
    f0, f1 = schedule(plan, s0), schedule(plan, s1)
    assert [(f.tau, f.t, f.card, f.card_kind) for f in f0] == [(f.tau, f.t, f.card, f.card_kind) for f in f1]
    assert len({f.shot for f in f0}) > 3 and {f.shot for f in f1} == {"mars-stay"}
    for f in f1[::50]:
        assert f.camera == preset_pose(plan, "mars-stay", f.t).to_dict()
        assert_frames_the_stay(plan, preset_pose(plan, "mars-stay", f.t), f.t)
    # Constant pace keeps its preset; an unknown preset is refused by the storyboard.
    s2, _ = make_settings(plan, export_args(out=tmp_path / "c.mp4", days_per_second=20))
    assert s2.camera == "overview"
    with pytest.raises(ValueError, match="unknown camera preset 'closeup'"):
        Storyboard.build(plan, camera="closeup")


@pytest.mark.render
def test_preset_poses_are_the_scenes_presets(plan):
    """The storyboard's preset poses put the camera where the scene's own presets do."""
    from marsviz.story.shots import PRESETS, preset_pose
    from tests.conftest import offscreen_scene

    t = plan.milestones["venus_flyby_outbound"] + 30.0  # the ship in cruise
    with offscreen_scene(plan, (64, 48)) as scene:
        for preset in PRESETS:
            tp = plan.milestones["mars_arrival"] + 3.0 if preset.startswith("mars") else t
            scene.set_time(tp)
            scene.set_camera(preset)
            cam = scene.p.renderer.GetActiveCamera()
            pose = preset_pose(plan, preset, tp)
            tol = 1e-6 * pose.distance_km + 1e-3
            np.testing.assert_allclose(scene.world.to_km(cam.GetFocalPoint()), pose.focal_km, rtol=0, atol=tol,
                                       err_msg=preset)
            np.testing.assert_allclose(scene.world.to_km(cam.GetPosition()), pose.position_km, rtol=0, atol=tol,
                                       err_msg=preset)
            np.testing.assert_allclose(cam.GetViewUp(), pose.up, atol=1e-9)
            assert cam.GetViewAngle() == pose.view_angle_deg


@pytest.mark.render
def test_tiny_story_export(tmp_path, plan):
    out = tmp_path / "frames"
    res = run_cli("export", "--out", str(out), "--size", "160x90", "--fps", "1", "--from", "plea",
                  "--to", "accepted", "--progress", "none")
    assert res.returncode == 0, res.stderr
    man = json.loads((out / "manifest.json").read_text())
    files = sorted(p.name for p in out.glob("frame_*.png"))
    assert files == [r["file"] for r in man["frames"]]
    sb = Storyboard.build(plan, t_from=plan.event("plea").t, t_to=plan.event("accepted").t)
    assert len(files) == math.ceil(sb.duration_s) + 1
    assert man["frames"][-1]["t_tdb_days_j2000"] == plan.event("accepted").t
    for r in man["frames"]:
        st = sb.at(r["tau_s"])
        assert (r["card"], r["card_kind"], r["shot"]) == (st.card, st.card_kind, st.shot)
        assert r["t_tdb_days_j2000"] == st.t
    srt = (out / "captions.srt").read_text()
    cues = re.findall(r"(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)\n(.+)", srt)
    spans = [(c.start_s, c.end_s) for c in sb.cards]
    got = [(int(a) * 3600 + int(b) * 60 + int(c) + int(d) / 1000,
            int(e) * 3600 + int(f) * 60 + int(g) + int(h) / 1000) for a, b, c, d, e, f, g, h, _ in cues]
    np.testing.assert_allclose(got, spans, atol=1e-3)
    assert cues[0][8] == "Before we see what happens..."
    assert cues[1][8] == plan.event("plea").title


def assert_frames_the_stay(plan, pose, t):
    """What mars-stay is for: in a 16:9 frame, Mars and every orbit of the stay (Terra Nova's
    capture ellipse out to its apoapsis 37,189 km from Mars's centre, the phasing and departure
    ellipses, the parked ships' orbits) lie inside the frame, above the event card (the lower 40 %)
    and below the heads-up text (the upper 20 %), with Mars close enough to be drawn at true size."""
    from marsviz.mission.local import conic_elements, ellipse_points
    from marsviz.scene.scales import VIEW_FRACTION
    from marsviz.story.shots import stay_orbits

    R = plan.constants["mars"]["R"]
    mars = np.asarray(plan.position("mars", t), dtype=float)
    orbits = stay_orbits(plan)
    assert max(conic_elements(c)["ra_km"] for c in orbits) >= R + 33_793.0 - 1e-6
    pts = np.vstack([ellipse_points(c, 360) for c in orbits] + [R * np.eye(3), -R * np.eye(3)]) + mars
    C = np.asarray(pose.position_km)
    d = np.subtract(pose.focal_km, C)
    d /= np.linalg.norm(d)
    up = np.asarray(pose.up) - np.dot(pose.up, d) * d
    up /= np.linalg.norm(up)
    right = np.cross(d, up)
    rel = pts - C
    depth = rel @ d
    tv = math.tan(math.radians(pose.view_angle_deg) / 2.0)
    x = 0.5 + 0.5 * (rel @ right) / depth / (tv * 16 / 9)
    y = 0.5 + 0.5 * (rel @ up) / depth / tv
    assert depth.min() > 0
    assert x.min() > 0.03 and x.max() < 0.97, (x.min(), x.max())
    assert y.min() > 0.40 and y.max() < 0.80, (y.min(), y.max())
    assert np.linalg.norm(C - mars) <= R / VIEW_FRACTION


def test_a_ships_own_milestone_at_a_planet_is_filmed_from_the_ships_side(sb, plan):
    """Arrival, departure and landing shots never have the ship on the planet's far side: where
    the plain planet shot would (Mars arrival), they look from SHIP_SIDE_MAX_DEG of the ship's
    side, so the ship (a few hundred km up) is just beside the limb."""
    from marsviz.story import shots

    turned = 0
    checked = []
    for c in sb.cards:
        if c.kind != "event":
            continue
        ev = plan.event(c.event_id)
        state = sb.at(c.start_s + 1.0)
        fam, arg = shots.parse_shot(state.shot)
        if ev.era != "mission" or fam != "planet" or ev.where not in plan.trajectories:
            continue
        body, _, cid = arg.partition("/")
        assert cid in ("", ev.where), (c.event_id, state.shot)
        side = shots.ship_side(plan, ev.where, body, ev.t)
        if side is None:
            continue
        pose = state.camera
        look = np.asarray(pose.position_km) - np.asarray(pose.focal_km)
        look = look / np.linalg.norm(look)
        angle = math.degrees(math.acos(float(np.clip(look @ side, -1, 1))))
        plain = shots.planet_pose(plan, body, ev.t)
        p = np.asarray(plain.position_km) - np.asarray(plain.focal_km)
        if math.degrees(math.acos(float(np.clip(p @ side / np.linalg.norm(p), -1, 1)))) > 90.0:
            turned += 1  # the plain shot had the ship on the planet's far side
            assert angle <= shots.SHIP_SIDE_MAX_DEG + 0.5, (c.event_id, angle)
            assert cid == ev.where, (c.event_id, state.shot)
        assert angle <= 90.0, (c.event_id, angle)  # never on the far side
        checked.append(c.event_id)
    assert {"mars-arrival", "mars-departure", "landing-earth"} <= set(checked), checked
    assert turned >= 1
