"""Planet-centred arcs, planet orientation, the Moon and the surface sites."""

import math

import numpy as np
import pytest
from jplephem.spk import SPK

from marsviz.mission.ephemeris import ICRS_TO_ECLIPTIC, de421_path
from marsviz.mission.local import elements
from marsviz.mission.scenario import parse_scenario
from marsviz.mission.timescale import J2000_JD, SECONDS_PER_DAY
from tests.conftest import olympus_text, scenario_error


def _enc(plan, craft, body, kind):
    out = [e for e in plan.encounters if e.craft == craft and e.body == body and e.kind == kind]
    assert len(out) == 1
    return out[0]


def _unit(v):
    return np.asarray(v) / np.linalg.norm(v)


def _angle(a, b):
    return math.acos(max(-1.0, min(1.0, float(np.dot(_unit(a), _unit(b))))))


# ---------------------------------------------------------------------------------------------
# The Venus swing-by
# ---------------------------------------------------------------------------------------------
def test_venus_hyperbola_has_the_plans_periapsis_and_turn(plan):
    fb = plan.crewed_trajectory.flybys[0]
    assert fb.body == "venus"
    k, R = plan.constants["venus"]["k"], plan.constants["venus"]["R"]
    rp_plan = R + fb.altitude_km
    enc = _enc(plan, plan.crewed, "venus", "flyby")
    # Elements recovered from sampled states, six hours before and after periapsis.
    before = elements(k, *plan.local_state(plan.crewed, enc.t_periapsis - 0.25, "venus"))
    after = elements(k, *plan.local_state(plan.crewed, enc.t_periapsis + 0.25, "venus"))
    assert before["rp"] == pytest.approx(rp_plan, rel=1e-6)
    assert after["rp"] == pytest.approx(rp_plan, rel=1e-6)
    turn = math.degrees(math.asin(1 / before["e"]) + math.asin(1 / after["e"]))
    assert turn == pytest.approx(fb.turn_deg, rel=1e-6)
    # At the periapsis instant the ship is at the periapsis radius, 1,187 km above Venus.
    r, v = plan.local_state(plan.crewed, fb.t, "venus")
    assert np.linalg.norm(r) == pytest.approx(rp_plan, rel=1e-9)
    assert abs(np.dot(r, v)) / (np.linalg.norm(r) * np.linalg.norm(v)) < 1e-9
    assert np.linalg.norm(r) - R == pytest.approx(1186.52, abs=0.01)


def test_venus_asymptotes_lie_along_the_legs_v_infinity(plan):
    legs = plan.crewed_trajectory.legs
    k = plan.constants["venus"]["k"]
    enc = _enc(plan, plan.crewed, "venus", "flyby")
    before = elements(k, *plan.local_state(plan.crewed, enc.t_periapsis - 0.25, "venus"))
    after = elements(k, *plan.local_state(plan.crewed, enc.t_periapsis + 0.25, "venus"))
    assert _angle(before["u_in"], legs[0].vinf_arr) < 1e-7
    assert _angle(after["u_out"], legs[1].vinf_dep) < 1e-7
    assert before["vinf"] == pytest.approx(legs[0].vinf_arr_kms, rel=1e-9)
    assert after["vinf"] == pytest.approx(legs[1].vinf_dep_kms, rel=1e-6)
    # The design's unpowered swing-by: no burn at periapsis.
    assert enc.dv_kms < 1e-6


def test_a_powered_flyby_burns_at_periapsis_and_leaves_along_v_infinity_out():
    from marsviz.mission.design import flyby
    from marsviz.mission.local import flyby_periapsis

    k, R = 324858.592, 6051.8  # Venus
    vin = np.array([3.0, -8.0, 1.0])
    vout = 1.15 * np.array([5.5, -6.0, -0.5]) * np.linalg.norm(vin) / np.linalg.norm([5.5, -6.0, -0.5])
    dv, rp, turn, max_turn, deficit = (float(x) for x in flyby(vin, vout, k, R + 300.0))
    assert deficit == 0.0 and dv > 0.3
    r_p, v_before, v_after = flyby_periapsis(k, rp, vin, vout)
    before = elements(k, r_p, v_before)
    after = elements(k, r_p, v_after)
    assert before["rp"] == pytest.approx(rp, rel=1e-9) and after["rp"] == pytest.approx(rp, rel=1e-9)
    assert _angle(before["u_in"], vin) < 1e-6
    assert _angle(after["u_out"], vout) < 1e-6  # holds only if rp gives the turn
    assert after["vinf"] == pytest.approx(np.linalg.norm(vout), rel=1e-9)
    assert np.linalg.norm(v_after) - np.linalg.norm(v_before) == pytest.approx(dv, rel=1e-6)
    assert abs(np.dot(v_after - v_before, r_p)) < 1e-9  # tangential


# ---------------------------------------------------------------------------------------------
# Mars: arrival, capture ellipse, stay, departure
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("craft", ["terra_nova", "shirase", "atlantis", "gagarin"])
def test_mars_arrival_hyperbola_reaches_the_capture_periapsis(plan, craft):
    k, R = plan.constants["mars"]["k"], plan.constants["mars"]["R"]
    enc = _enc(plan, craft, "mars", "arrival")
    traj = plan.trajectories[craft]
    leg = next(l for l in traj.legs if l.to_body == "mars")
    hyp = elements(k, *plan.local_state(craft, enc.t_periapsis - 0.2, "mars"))
    assert hyp["rp"] == pytest.approx(R + 250.0, rel=1e-9)
    assert _angle(hyp["u_in"], leg.vinf_arr) < 1e-7
    # Two hours after capture: the 250 x 33,793 km ellipse.
    ell = elements(k, *plan.local_state(craft, enc.t_periapsis + 2 / 24, "mars"))
    assert ell["rp"] == pytest.approx(R + 250.0, rel=1e-9)
    assert 2 * ell["a"] - ell["rp"] == pytest.approx(R + 33793.0, rel=1e-9)
    # The capture burn equals the design's.
    burn = next(b for b in traj.burns if b.id == "mars_arrival")
    assert enc.dv_kms == pytest.approx(burn.dv, rel=1e-9)


def test_terra_nova_stays_on_the_ellipse_and_leaves_from_its_periapsis(plan):
    k, R = plan.constants["mars"]["k"], plan.constants["mars"]["R"]
    arr = _enc(plan, plan.crewed, "mars", "arrival")
    dep = _enc(plan, plan.crewed, "mars", "departure")
    tt = np.linspace(arr.t_periapsis + 0.01, dep.t_periapsis - 0.01, 4000)
    r, _ = plan.local_state(plan.crewed, tt, "mars")
    d = np.linalg.norm(r, axis=1)
    assert d.min() >= R + 250.0 - 1e-6
    assert d.max() <= R + 33793.0 * 1.6  # the one phasing revolution reaches higher
    traj = plan.crewed_trajectory
    out = elements(k, *plan.local_state(plan.crewed, dep.t_periapsis + 0.2, "mars"))
    assert out["rp"] == pytest.approx(R + 250.0, rel=1e-9)
    assert _angle(out["u_out"], traj.legs[-1].vinf_dep) < 1e-7
    burn = next(b for b in traj.burns if b.id == "mars_departure")
    assert dep.dv_kms == pytest.approx(burn.dv, rel=1e-9)
    r_dep, _ = plan.local_state(plan.crewed, dep.t_periapsis, "mars")
    assert np.linalg.norm(r_dep) == pytest.approx(R + 250.0, rel=1e-9)


def test_earth_departure_and_return(plan):
    k, R = plan.constants["earth"]["k"], plan.constants["earth"]["R"]
    traj = plan.crewed_trajectory
    dep = _enc(plan, plan.crewed, "earth", "departure")
    park = elements(k, *plan.local_state(plan.crewed, dep.t_periapsis - 0.5, "earth"))
    assert park["rp"] == pytest.approx(R + 400.0, rel=1e-9) and park["e"] < 1e-9
    hyp = elements(k, *plan.local_state(plan.crewed, dep.t_periapsis + 0.2, "earth"))
    assert hyp["rp"] == pytest.approx(R + 400.0, rel=1e-9)
    assert _angle(hyp["u_out"], traj.legs[0].vinf_dep) < 1e-7
    assert dep.dv_kms == pytest.approx(traj.burns[0].dv, rel=1e-9)
    ret = _enc(plan, plan.crewed, "earth", "return")
    r, v = plan.local_state(plan.crewed, ret.t_entry - 1e-9, "earth")  # just before the interface
    assert np.linalg.norm(r) == pytest.approx(R + 121.0, rel=1e-7)
    fpa = math.degrees(math.asin(np.dot(r, v) / (np.linalg.norm(r) * np.linalg.norm(v))))
    assert fpa == pytest.approx(-6.0, abs=1e-4)
    assert np.linalg.norm(v) == pytest.approx(traj.entry_speed_braked_kms, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Handover between the heliocentric legs and the local arcs
# ---------------------------------------------------------------------------------------------
#: Bounds on the offset between conic and leg at one sphere-of-influence radius (km), absorbed
#: by the blend out to two radii. Measured: Venus 14,300; Mars 7,600 (in) and 11,100 (out);
#: Earth 53,000 (Terra Nova out) to 118,000 (Shirase out), 64,000 (return).
PATCH_BOUNDS = {"venus": 20_000.0, "mars": 25_000.0, "earth": 130_000.0}


def test_patch_offsets_are_bounded(plan):
    seen = 0
    for enc in plan.encounters:
        for side, km in enc.patch_offset_km.items():
            assert km < PATCH_BOUNDS[enc.body], (enc.craft, enc.body, side, km)
            assert km < 0.15 * enc.soi_km
            seen += 1
    assert seen == 12  # 4 Earth departures, 4 Mars arrivals, Venus in and out, Mars departure, return


@pytest.mark.parametrize("craft", ["terra_nova", "gagarin"])
def test_handover_is_continuous_at_every_patch_point(plan, craft):
    """No jump: at each edge of each arc and blend the step over 2 s is the speed times 2 s.

    (At an impulsive burn the speed changes along the velocity: the step is the mean speed
    times 2 s.)"""
    model = plan.local_model
    eps = 1.0 / SECONDS_PER_DAY
    for track in model.tracks[craft]:
        edges = [track.t0 - track.blend_in, track.t0, track.t1, track.t1 + track.blend_out]
        edges += [t for t0, t1, _ in track.arcs for t in (t0, t1)]
        for te in edges:
            if not math.isfinite(te) or not plan.in_range(te):
                continue
            r, v = plan.ship_state(craft, np.array([te - eps, te + eps]))
            jump = float(np.linalg.norm(r[1] - r[0]))
            expected = float(np.linalg.norm(v[0]) + np.linalg.norm(v[1]))
            assert jump == pytest.approx(expected, rel=0.02, abs=0.05), (track.body, te, jump, expected)


def test_outside_the_blends_the_local_state_is_the_leg(plan):
    enc = _enc(plan, plan.crewed, "venus", "flyby")
    t = enc.t_periapsis + np.array([-30.0, 30.0])
    r, v = plan.local_state(plan.crewed, t, "venus")
    rl, vl = plan.craft_state(plan.crewed, t)
    rb, vb = plan.body_state("venus", t)
    assert np.abs(r - (rl - rb)).max() < 1e-6
    assert np.abs(v - (vl - vb)).max() < 1e-9


def test_no_ship_ever_enters_a_planet(plan):
    tt = np.arange(plan.table.t0 + 1, plan.table.t_end - 1, 1 / 96)
    for craft in plan.trajectories:
        r, _ = plan.ship_state(craft, tt)
        for body in ("earth", "venus", "mars"):
            d = np.linalg.norm(r - plan.body_state(body, tt)[0], axis=1)
            assert d.min() >= plan.constants[body]["R"] - 1e-6, (craft, body, d.min())


def test_array_and_scalar_local_states_agree(plan):
    enc = _enc(plan, plan.crewed, "venus", "flyby")
    tt = enc.t_periapsis + np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    r, v = plan.local_state(plan.crewed, tt, "venus")
    for i, t in enumerate(tt):
        rs, vs = plan.local_state(plan.crewed, float(t), "venus")
        assert np.abs(rs - r[i]).max() < 1e-9 and np.abs(vs - v[i]).max() < 1e-12


# ---------------------------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------------------------
def test_segment_at(plan):
    traj = plan.crewed_trajectory
    legs = traj.legs
    s = plan.segment_at(plan.crewed, legs[0].t_dep - 1)
    assert (s.kind, s.body, s.leg) == ("before", "earth", None)
    s = plan.segment_at(plan.crewed, legs[1].t_dep + 10)
    assert (s.kind, s.leg, s.body) == ("leg", 1, None)
    s = plan.segment_at(plan.crewed, legs[1].t_arr + 10)
    assert (s.kind, s.leg, s.body) == ("parked", 1, "mars")
    assert (s.t0, s.t1) == (legs[1].t_arr, legs[2].t_dep)
    s = plan.segment_at(plan.crewed, legs[-1].t_arr + 1)
    assert (s.kind, s.leg, s.body) == ("after", 2, "earth")
    s = plan.segment_at("shirase", plan.trajectories["shirase"].t_end + 100)
    assert (s.kind, s.body) == ("after", "mars")


# ---------------------------------------------------------------------------------------------
# Orientation, sites, landers
# ---------------------------------------------------------------------------------------------
def _mars_wgccre(d):
    """IAU WGCCRE 2015 rotation elements of Mars (Archinal et al. 2018, table 2), by hand."""
    T = d / 36525.0
    s, c, r = math.sin, math.cos, math.radians
    ra = (317.269202 - 0.10927547 * T + 0.000068 * s(r(198.991226 + 19139.4819985 * T))
          + 0.000238 * s(r(226.292679 + 38280.8511281 * T)) + 0.000052 * s(r(249.663391 + 57420.7251593 * T))
          + 0.000009 * s(r(266.183510 + 76560.6367950 * T)) + 0.419057 * s(r(79.398797 + 0.5042615 * T)))
    dec = (54.432516 - 0.05827105 * T + 0.000051 * c(r(122.433576 + 19139.9407476 * T))
           + 0.000141 * c(r(43.058401 + 38280.8753272 * T)) + 0.000031 * c(r(57.663379 + 57420.7517205 * T))
           + 0.000005 * c(r(79.476401 + 76560.6495004 * T)) + 1.591274 * c(r(166.325722 + 0.5042615 * T)))
    w = (176.049863 + 350.891982443297 * d + 0.000145 * s(r(129.071773 + 19140.0328244 * T))
         + 0.000157 * s(r(36.352167 + 38281.0473591 * T)) + 0.000040 * s(r(56.668646 + 57420.9295360 * T))
         + 0.000001 * s(r(67.364003 + 76560.2552215 * T)) + 0.000001 * s(r(104.792680 + 95700.4387578 * T))
         + 0.584542 * s(r(95.391654 + 0.5042615 * T)))
    return ra, dec, w


def test_mars_orientation_matches_the_wgccre_formulas(plan):
    t = plan.milestones["mars_arrival"] + 0.3712  # between two tabulated instants
    ra, dec, w = (math.radians(x) for x in _mars_wgccre(t))
    pole = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    node = np.array([-math.sin(ra), math.cos(ra), 0.0])  # ascending node of the equator on the ICRF equator
    x = math.cos(w) * node + math.sin(w) * np.cross(pole, node)
    m = plan.body_rotation("mars", t)
    assert _angle(m[:, 2], ICRS_TO_ECLIPTIC @ pole) < 1e-8
    assert _angle(m[:, 0], ICRS_TO_ECLIPTIC @ x) < 1e-7
    assert np.abs(m.T @ m - np.eye(3)).max() < 1e-12


def test_earth_orientation_matches_astropy_itrs_to_gcrs(plan):
    import warnings

    from astropy import units as u
    from astropy.coordinates import GCRS, ITRS, CartesianRepresentation
    from astropy.time import Time
    from astropy.utils import iers

    t = plan.milestones["earth_departure"] + 0.6180
    with warnings.catch_warnings(), iers.conf.set_temp("iers_degraded_accuracy", "ignore"):
        warnings.simplefilter("ignore")
        when = Time(J2000_JD, t, format="jd", scale="tdb")
        site = ITRS(CartesianRepresentation([4000.0, -3000.0, 3500.0] * u.km), obstime=when)
        g = site.transform_to(GCRS(obstime=when)).cartesian.xyz.to_value(u.km)
    m = plan.body_rotation("earth", t)
    mine = m @ np.array([4000.0, -3000.0, 3500.0])
    assert np.linalg.norm(mine - ICRS_TO_ECLIPTIC @ g) < 0.01  # km: 1e-6 rad at 6,000 km


def test_sites_turn_with_mars(plan):
    site = plan.sites["base"]
    R = plan.constants["mars"]["R"]
    t = plan.milestones["mars_arrival"] + 5.0
    r0 = plan.site_local("base", t)
    assert np.linalg.norm(r0) == pytest.approx(R, rel=1e-12)
    pole = plan.body_rotation("mars", t)[:, 2]
    assert 90.0 - math.degrees(_angle(r0, pole)) == pytest.approx(site["latitude_deg"], abs=1e-9)
    # One hour later the site has turned 350.892 / 24 = 14.62 degrees about the pole.
    r1 = plan.site_local("base", t + 1 / 24)
    a0 = r0 - np.dot(r0, pole) * pole
    a1 = r1 - np.dot(r1, pole) * pole
    turned = math.degrees(math.atan2(np.dot(np.cross(a0, a1), pole), np.dot(a0, a1)))
    assert turned == pytest.approx(350.891982443297 / 24, abs=1e-4)
    # A sidereal day later it is back where it was (to a few metres).
    r2 = plan.site_local("base", t + 360.0 / 350.891982443297)
    assert np.linalg.norm(r2 - r0) < 0.01
    # Heliocentric: Mars's centre plus the local vector.
    assert np.abs(plan.site_position("base", t) - plan.position("mars", t) - r0).max() < 1e-6


def test_gagarin_lands_at_the_site_and_docks_with_terra_nova(plan):
    landing = plan.event("landing")
    ascent = plan.event("ascent")
    assert landing.site == "base" and ascent.site == "base"
    assert {plan.event(e).site for e in ("water", "hiromi", "drilling")} == {"well"}
    assert plan.event("chinese-water").site == "china_robot"
    on_ground = np.linspace(landing.t, ascent.t, 50)
    r, v = plan.local_state("gagarin", on_ground, "mars")
    site = np.array([plan.site_local("base", t) for t in on_ground])
    # 90 m west of the base's centre (its visit's east_m), on the ground.
    assert np.allclose(np.linalg.norm(r - site, axis=1), 0.090, atol=1e-6)
    assert np.allclose(np.linalg.norm(r, axis=1), plan.constants["mars"]["R"], atol=1e-6)
    spin = np.linalg.norm(v, axis=1)  # the ground turning: 2 pi R cos(lat) per sidereal day
    R = plan.constants["mars"]["R"]
    lat = math.radians(plan.sites["base"]["latitude_deg"])
    expected = 2 * math.pi * R * math.cos(lat) / (360.0 / 350.891982443297 * SECONDS_PER_DAY)
    assert np.allclose(spin, expected, rtol=1e-3)
    # Descent starts on Gagarin's capture ellipse, 12 h before touchdown.
    k = plan.constants["mars"]["k"]
    before = elements(k, *plan.local_state("gagarin", landing.t - 12.5 / 24, "mars"))
    assert before["rp"] == pytest.approx(R + 250.0, rel=1e-9)
    # Six hours after lift-off Gagarin is docked: it is where Terra Nova is.
    t_dock = ascent.t + 6 / 24
    for t in (t_dock, t_dock + 0.3):
        a = plan.local_state("gagarin", t, "mars")[0]
        b = plan.local_state(plan.crewed, t, "mars")[0]
        assert np.linalg.norm(a - b) < 1e-6
    # Left behind on Terra Nova's ellipse when Terra Nova leaves Mars.
    dep = _enc(plan, plan.crewed, "mars", "departure")
    left = elements(k, *plan.local_state("gagarin", dep.t_periapsis + 3.0, "mars"))
    assert left["rp"] == pytest.approx(R + 250.0, rel=1e-9)
    assert 2 * left["a"] - left["rp"] == pytest.approx(R + 33793.0, rel=1e-9)
    # Atlantis is on the ground at the base before the crew leaves Earth.
    ra = plan.local_state("atlantis", plan.milestones["earth_departure"], "mars")[0]
    assert np.linalg.norm(ra - plan.site_local("base", plan.milestones["earth_departure"])) < 1e-6


# ---------------------------------------------------------------------------------------------
# The Moon
# ---------------------------------------------------------------------------------------------
def test_moon_matches_de421_read_with_jplephem(plan):
    kernel = SPK.open(str(de421_path()))
    try:
        for t in (plan.milestones["earth_departure"] - 3.137, plan.milestones["earth_arrival"] + 0.41):
            jd = J2000_JD + t
            moon = kernel[0, 3].compute(jd) + kernel[3, 301].compute(jd) - kernel[0, 10].compute(jd)
            earth_moon = kernel[3, 301].compute(jd) - kernel[3, 399].compute(jd)
            # Tabulated every half day: Hermite interpolation within 0.3 km, the Earth's 0.1 km.
            assert np.linalg.norm(plan.position("moon", t) - ICRS_TO_ECLIPTIC @ moon) < 0.5
            geo = plan.position("moon", t) - plan.position("earth", t)
            assert np.linalg.norm(geo - ICRS_TO_ECLIPTIC @ earth_moon) < 0.4
            assert 356_000 < np.linalg.norm(geo) < 407_000
    finally:
        kernel.close()


# ---------------------------------------------------------------------------------------------
# The [sites] of the scenario
# ---------------------------------------------------------------------------------------------


def test_the_scenario_sites():
    s = parse_scenario(olympus_text(), "olympus.toml")
    assert set(s.sites) == {"base", "china_robot", "well"}
    base = s.sites["base"]
    assert (base.body, base.latitude_deg, base.longitude_deg) == ("mars", 25.30, 110.60)
    assert [v.spacecraft for v in base.visits] == ["atlantis", "gagarin"]
    assert all(site.assumed for site in s.sites.values())


def test_a_latitude_out_of_range_is_one_line_naming_the_field():
    text = olympus_text().replace("latitude_deg = 25.30", "latitude_deg = 125.30", 1)
    line = text.splitlines().index("latitude_deg = 125.30") + 1
    assert scenario_error(text) == f"bad.toml:{line}: sites.base.latitude_deg: must be between -90 and 90, got 125.3"


def test_an_unknown_site_of_an_event():
    text = olympus_text().replace('site = "well"', 'site = "wel"', 1)
    msg = scenario_error(text)
    assert msg.endswith("].site: unknown site 'wel' (known: base, china_robot, well)")
    assert "\n" not in msg


def test_a_visit_by_an_unknown_spacecraft():
    text = olympus_text().replace('{ spacecraft = "atlantis"', '{ spacecraft = "atlantic"', 1)
    msg = scenario_error(text)
    assert msg.endswith("sites.base.visits[0].spacecraft: unknown spacecraft 'atlantic' "
                        "(known: terra_nova, shirase, atlantis, gagarin)")


def test_a_visit_with_an_unknown_milestone():
    text = olympus_text().replace('land = "mars_arrival + 2 d"', 'land = "mars_arival + 2 d"', 1)
    msg = scenario_error(text)
    assert "sites.base.visits[1].land: unknown milestone 'mars_arival' for terra_nova" in msg
