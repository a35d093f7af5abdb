"""The designed Olympus plan: physics, constraints, events and sampling."""

import math

import numpy as np
import pytest
from jplephem.spk import SPK

from marsviz.mission.ephemeris import ICRS_TO_ECLIPTIC, de421_path
from marsviz.mission.timescale import J2000_JD, utc_to_tdb

CHAINS = {"earth": [(0, 3), (3, 399)], "mars": [(0, 4), (4, 499)], "venus": [(0, 2), (2, 299)]}


@pytest.fixture(scope="module")
def de421():
    k = SPK.open(str(de421_path()))

    def position(body, t):
        jd = J2000_JD + t
        p = sum(k[a, b].compute(jd) for a, b in CHAINS[body]) - k[0, 10].compute(jd)
        return ICRS_TO_ECLIPTIC @ p

    yield position
    k.close()


def test_round_trip_lasts_582_days_and_respects_the_window(plan, scenario):
    tn = plan.crewed_trajectory
    total = sum(l.tof_days for l in tn.legs) + tn.stay_days
    assert total == pytest.approx(582.0, abs=1e-6)
    assert tn.t_end - tn.t_start == pytest.approx(582.0, abs=1e-6)
    w0, w1 = utc_to_tdb(list(scenario.crewed_craft.departure_window))
    assert w0 - 1e-6 <= tn.t_start <= w1 + 1e-6
    assert 30.0 - 1e-6 <= tn.stay_days <= 120.0 + 1e-6


def test_every_leg_meets_its_bodies_within_10_km(plan, de421):
    from marsviz.mission import engine

    for cid, traj in plan.trajectories.items():
        for leg in traj.legs:
            r_end, _ = engine.propagate(plan.k_sun, leg.r0, leg.v0, leg.tof_days * 86400.0)
            assert np.linalg.norm(r_end - de421(leg.to_body, leg.t_arr)) < 10.0, (cid, leg.to_body)
            assert np.linalg.norm(leg.r0 - de421(leg.from_body, leg.t_dep)) < 10.0, (cid, leg.from_body)


def test_swing_by_legs_meet_at_the_same_instant(plan):
    tn = plan.crewed_trajectory
    assert tn.flybys, "the chosen Olympus sequence swings by Venus"
    for a, b in zip(tn.legs, tn.legs[1:]):
        if a.to_body != "mars":
            assert a.t_arr == b.t_dep
            assert np.linalg.norm(a.r1 - b.r0) < 1e-6
            fb = next(f for f in tn.flybys if f.t == a.t_arr)
            assert fb.feasible and fb.altitude_km >= 300.0 - 1e-6


def test_burns_recomputed_from_the_legs(plan):
    c = plan.constants
    tn = plan.crewed_trajectory
    first, last = tn.legs[0], tn.legs[-1]
    r_park = c["earth"]["R"] + 400
    dep = math.sqrt(first.vinf_dep_kms**2 + 2 * c["earth"]["k"] / r_park) - math.sqrt(c["earth"]["k"] / r_park)
    burns = {b.id: b.dv for b in tn.burns}
    assert burns["earth_departure"] == pytest.approx(dep, rel=1e-9)
    rp, ra = c["mars"]["R"] + 250, c["mars"]["R"] + 33793
    arrive = next(l for l in tn.legs if l.to_body == "mars")
    v_p = math.sqrt(c["mars"]["k"] * (2 / rp - 2 / (rp + ra)))
    assert burns["mars_arrival"] == pytest.approx(math.sqrt(arrive.vinf_arr_kms**2 + 2 * c["mars"]["k"] / rp) - v_p)
    assert tn.total_dv == pytest.approx(sum(burns.values()))
    assert tn.propellant_fraction == pytest.approx(1 - math.exp(-tn.total_dv / (900 * 9.80665e-3)))
    r_e = c["earth"]["R"] + 121
    assert tn.entry_speed_kms == pytest.approx(math.sqrt(last.vinf_arr_kms**2 + 2 * c["earth"]["k"] / r_e))
    assert tn.entry_speed_braked_kms <= 12.0 + 1e-9


def test_chosen_is_the_cheapest_feasible_candidate(plan):
    feasible = [c for c in plan.candidates if c.feasible]
    assert len(plan.candidates) == 4
    assert plan.crewed_trajectory.total_dv == pytest.approx(min(c.total_dv for c in feasible))
    assert plan.crewed_trajectory.sequence_name in plan.why


def test_refined_dates_are_a_local_minimum(plan, scenario):
    """Shifting any free date of the chosen trajectory by a day costs more."""
    from marsviz.mission.design import Context, Evaluator
    from marsviz.mission.ephemeris import Ephemeris

    tn = plan.crewed_trajectory
    eph = Ephemeris("de421")
    table = eph.table(["venus", "earth", "mars"], tn.t_start - 5, tn.t_end + 5)
    ev = Evaluator(Context(scenario, table, plan.constants), scenario.crewed_craft, tn.sequence)
    nodes = [l.t_dep for l in tn.legs] + [tn.t_end]
    nodes = sorted(set(nodes) | set(tn.milestones.values()))
    x = np.array(ev.variables(nodes))
    ev.window = tuple(utc_to_tdb(list(scenario.crewed_craft.departure_window)))
    base = ev.cost(x)
    assert base == pytest.approx(tn.total_dv, abs=1e-6)
    for i in range(len(x)):
        for step in (-1.0, 1.0):
            y = x.copy()
            y[i] += step
            lo, hi = ev.bounds()[i]
            if lo <= y[i] <= hi:
                assert ev.cost(y) >= base - 1e-6


def test_comparison_reports_a_cheaper_or_equal_582_day_trip(plan):
    best = plan.comparison_best
    assert best is not None
    assert best.total_dv <= plan.crewed_trajectory.total_dv + 1e-6
    assert best.t_end - best.t_start == pytest.approx(582.0, abs=1e-6)


def test_cargo_arrives_before_the_crew(plan):
    arrive = plan.milestones["mars_arrival"]
    for cid, traj in plan.trajectories.items():
        if cid != plan.crewed:
            assert traj.sequence == ("earth", "mars")
            assert traj.t_end < plan.milestones["earth_departure"] < arrive


def test_planet_samples_match_de421(plan, de421):
    for t in (plan.span[0] + 3.3, plan.epoch + 200.7, plan.span[1] - 1.1):
        for body in ("earth", "mars", "venus"):
            assert np.linalg.norm(plan.body_state(body, t)[0] - de421(body, t)) < 1.0


def test_spacecraft_sampling_matches_boinor_orbit_propagation(plan):
    from astropy import units as u
    from astropy.time import Time
    from boinor.bodies import Sun
    from boinor.twobody import Orbit

    leg = plan.crewed_trajectory.legs[1]
    t = leg.t_dep + 0.37 * leg.tof_days
    epoch = Time(J2000_JD, leg.t_dep, format="jd", scale="tdb")
    orb = Orbit.from_vectors(Sun, leg.r0 * u.km, leg.v0 * u.km / u.s, epoch=epoch)
    expected = orb.propagate((t - leg.t_dep) * u.day).r.to_value(u.km)
    assert np.linalg.norm(plan.craft_state(plan.crewed, t)[0] - expected) < 1e-3


def test_array_sampling_equals_scalar_and_parks_at_the_planets(plan):
    tn = plan.crewed_trajectory
    m = tn.milestones
    times = np.array([tn.t_start - 10, tn.t_start + 50, m["mars_arrival"] + 10, m["mars_departure"] + 20,
                      tn.t_end + 5])
    r, _ = plan.craft_state(plan.crewed, times)
    for i, t in enumerate(times):
        np.testing.assert_allclose(r[i], plan.craft_state(plan.crewed, float(t))[0], atol=1e-6)
    np.testing.assert_allclose(r[0], plan.body_state("earth", times[0])[0], atol=1e-6)
    np.testing.assert_allclose(r[2], plan.body_state("mars", times[2])[0], atol=1e-6)
    np.testing.assert_allclose(r[4], plan.body_state("earth", times[4])[0], atol=1e-6)


def test_events_resolve_to_milestones_and_fall_in_their_phases(plan):
    m = plan.milestones
    ev = {e.id: e for e in plan.events}
    assert ev["departure"].t == m["earth_departure"]
    assert ev["landing"].t == pytest.approx(m["mars_arrival"] + 2)
    assert ev["hiromi"].t == pytest.approx(m["mars_arrival"] + 24 + 3 / 24)
    assert ev["thrusters"].t == pytest.approx(m["earth_arrival"] - 4)
    expected = {
        "coolant-pump": "Outbound cruise", "oxygen-generator": "Outbound cruise",
        "landing": "Mars stay", "dust-devil": "Mars stay", "plea": "Mars stay", "hiromi": "Mars stay",
        "crew-ill": "Return cruise", "carbon-monoxide": "Return cruise",
        "thrusters": "Earth approach", "spacewalk": "Earth approach", "departure": "Earth departure",
        "test-lander": "Prologue", "goddard": "After the mission",
    }
    for k, phase in expected.items():
        assert ev[k].phase == phase, k
        assert plan.phase_at(ev[k].t).name == phase
    times = [e.t for e in plan.events]
    assert times == sorted(times)


def test_story_events_are_all_covered(plan):
    cats = {e.category for e in plan.events}
    assert {"failure", "milestone", "surface", "crew", "politics"} <= cats
    outbound_failures = [e for e in plan.events if e.category == "failure" and e.phase == "Outbound cruise"]
    assert len(outbound_failures) >= 3 and all(e.source == "assumed" for e in outbound_failures)
    assert plan.event("test-lander").era == "prologue"
    assert plan.event("goddard").era == "epilogue"


def test_telemetry_light_time_is_distance_over_c(plan):
    t = plan.milestones["mars_arrival"] + 13
    tel = plan.telemetry(t)
    d = np.linalg.norm(plan.ship_state(plan.crewed, t)[0] - plan.body_state("earth", t)[0])
    assert tel["earth_km"] == pytest.approx(d)
    assert tel["light_time_s"] == pytest.approx(d / 299792.458)
    assert tel["phase"] == "Mars stay"


def test_dates_print_in_utc(plan):
    t = float(utc_to_tdb(__import__("datetime").datetime(2030, 3, 1, 12, 0, 0)))
    assert plan.clock.date(t) == "2030-03-01 12:00 UTC"
    assert plan.clock.met(plan.epoch + 10.5) == "MET 10 d 12 h"
    assert plan.clock.met(plan.epoch - 2) == "L-2 d 00 h"


def test_a_story_event_wins_the_card_over_a_milestone_at_the_same_instant(plan):
    # Each designed milestone shares its instant with the story's event ("Terra Nova leaves
    # Earth" and its departure burn): a steady-pace card shows the story's.
    for story, design in (("departure", "design-earth-departure"), ("mars-arrival", "design-mars-capture"),
                          ("mars-departure", "design-mars-departure"), ("landing-earth", "design-earth-approach")):
        ev, milestone = plan.event(story), plan.event(design)
        assert ev.t == pytest.approx(milestone.t, abs=1e-9) and milestone.source == "design"
        assert plan.active_event(ev.t).id == story
        assert plan.active_event(ev.t + 0.5).id == story
    # A milestone alone at its instant keeps its card.
    swing = plan.event("design-venus-swingby")
    assert plan.active_event(swing.t).id == "design-venus-swingby"
