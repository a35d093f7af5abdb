"""Patched-conic costs and the design search, against formulas worked independently."""

import math

import numpy as np
import pytest

from marsviz.mission import design

MU_EARTH = 398600.4418
MU_VENUS = 324858.592
R_EARTH = 6378.1366


def test_escape_from_circular_orbit_at_zero_vinf_is_sqrt2_minus_1():
    r = R_EARTH + 400
    v_circ = math.sqrt(MU_EARTH / r)
    assert design.escape_dv(0.0, MU_EARTH, r) == pytest.approx((math.sqrt(2) - 1) * v_circ, rel=1e-12)


def test_departure_burn_for_c3_of_mars_transfer():
    # C3 = 9 km^2/s^2 from a 400 km circular orbit: sqrt(C3 + 2 mu / r) - sqrt(mu / r) = 3.58 km/s
    r = R_EARTH + 400
    expected = math.sqrt(9 + 2 * MU_EARTH / r) - math.sqrt(MU_EARTH / r)
    assert design.escape_dv(3.0, MU_EARTH, r) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(3.58, abs=0.01)


def test_capture_into_an_ellipse_uses_periapsis_speed():
    mu, rp, ra = 42828.37, 3396.19 + 250, 3396.19 + 33793
    vinf = 3.0
    v_p = math.sqrt(mu * (2 / rp - 2 / (rp + ra)))
    assert design.escape_dv(vinf, mu, rp, ra) == pytest.approx(math.sqrt(vinf**2 + 2 * mu / rp) - v_p)


def test_entry_braking_only_above_the_speed_limit():
    r_e = R_EARTH + 121
    slow = design.entry_braking_dv(3.0, MU_EARTH, r_e, 12.0)
    assert slow == 0.0
    fast = float(design.entry_braking_dv(8.0, MU_EARTH, r_e, 12.0))
    assert design.entry_speed(8.0 - fast, MU_EARTH, r_e) == pytest.approx(12.0, rel=1e-12)


def test_unpowered_flyby_turn_matches_the_textbook_relation():
    # Equal v-infinity magnitudes turned by 40 degrees: e = 1 / sin(delta / 2), rp = (e - 1) mu / v^2
    vinf = 6.0
    delta = math.radians(40)
    vin = np.array([vinf, 0, 0])
    vout = vinf * np.array([math.cos(delta), math.sin(delta), 0])
    dv, rp, turn, max_turn, deficit = design.flyby(vin, vout, MU_VENUS, 6051.8 + 300)
    e = 1 / math.sin(delta / 2)
    assert float(rp) == pytest.approx((e - 1) * MU_VENUS / vinf**2, rel=1e-9)
    assert float(dv) == pytest.approx(0.0, abs=1e-9)
    assert float(turn) == pytest.approx(delta)
    assert float(deficit) == 0.0


def test_powered_flyby_pays_the_speed_difference_at_periapsis():
    vin = np.array([5.0, 0, 0])
    vout = 6.0 * np.array([math.cos(0.5), math.sin(0.5), 0])
    dv, rp, turn, _, deficit = design.flyby(vin, vout, MU_VENUS, 6051.8 + 300)
    rp = float(rp)
    # The periapsis solves asin(1/e_in) + asin(1/e_out) = turn ...
    e_in, e_out = 1 + rp * 25 / MU_VENUS, 1 + rp * 36 / MU_VENUS
    assert math.asin(1 / e_in) + math.asin(1 / e_out) == pytest.approx(0.5, abs=1e-9)
    # ... and the burn is the difference of the hyperbolic periapsis speeds.
    expected = math.sqrt(36 + 2 * MU_VENUS / rp) - math.sqrt(25 + 2 * MU_VENUS / rp)
    assert float(dv) == pytest.approx(expected, rel=1e-9)
    assert float(deficit) == 0.0


def test_flyby_beyond_the_planets_reach_is_flagged():
    vin = np.array([20.0, 0, 0])
    vout = np.array([0, 20.0, 0])  # 90 degrees at 20 km/s: far more than Venus can turn
    _, rp, turn, max_turn, deficit = design.flyby(vin, vout, MU_VENUS, 6051.8 + 300)
    assert float(turn) > float(max_turn)
    assert float(rp) == pytest.approx(6351.8)
    assert float(deficit) > 0


def test_vectorised_flyby_equals_scalar():
    rng = np.random.default_rng(3)
    vin = rng.normal(size=(50, 3)) * 5
    vout = rng.normal(size=(50, 3)) * 5
    all_ = design.flyby(vin, vout, MU_VENUS, 6351.8)
    for i in (0, 17, 49):
        one = design.flyby(vin[i], vout[i], MU_VENUS, 6351.8)
        for a, b in zip(all_, one):
            assert float(a[i]) == pytest.approx(float(b), rel=1e-12)


def test_rocket_equation():
    assert design.mass_fraction(9.0, 900) == pytest.approx(1 - math.exp(-9.0 / (900 * 9.80665e-3)))


def _brute_force(ev, search, sequence):
    """Minimum cost over every combination of grid dates, by explicit loops."""
    import itertools

    g = search.grid
    T = search.craft.round_trip_days
    m = sequence.index("mars")
    n_out, n_in = m - 1, len(sequence) - m - 2  # swing-bys each way
    best = (np.inf, None)
    for i in range(search.n_window):
        for a in range(i + 1, len(g)):
            for outs in itertools.combinations(range(i + 1, a), n_out):
                for d in range(a + 1, len(g)):
                    if g[d] >= g[i] + T:
                        break
                    for ins in itertools.combinations(range(d + 1, len(g)), n_in):
                        nodes = [g[i], *[g[k] for k in outs], g[a], g[d], *[g[k] for k in ins], g[i] + T]
                        if any(b <= x for x, b in zip(nodes, nodes[1:])) or ev.penalty(nodes) > 1e-9:
                            continue
                        legs = ev.solve(nodes)
                        if legs is None:
                            continue
                        total, deficit = ev._costs(legs)
                        if total + 3.0 * deficit < best[0]:
                            best = (total + 3.0 * deficit, nodes)
    return best


@pytest.mark.parametrize("sequence", ["earth-mars-earth", "earth-venus-mars-earth", "earth-mars-venus-earth"])
def test_grid_search_finds_the_brute_force_optimum(sequence):
    """The dynamic programme over the date grid equals an exhaustive search of the same grid."""
    from marsviz.mission.ephemeris import Ephemeris
    from marsviz.mission.scenario import parse_scenario, parse_sequence
    from marsviz.mission.timescale import utc_to_tdb
    from tests.conftest import DATA

    text = (DATA / "small.toml").read_text()
    text = text.replace('departure_window = ["2033-03-15", "2033-04-15"]',
                        'departure_window = ["2030-01-01", "2030-02-20"]')
    text = text.replace('sequences = ["earth-mars-earth"]', f'sequences = ["{sequence}"]')
    text = text.replace("stay_days = [30, 60]", "stay_days = [30, 70]")
    scen = parse_scenario(text, "grid.toml")
    craft = scen.crewed_craft
    seq = parse_sequence(sequence)
    w = tuple(utc_to_tdb(list(craft.departure_window)))
    eph = Ephemeris("de421")
    from marsviz.mission import engine

    table = eph.table(["venus", "earth", "mars"], w[0] - 5, w[1] + 700)
    ctx = design.Context(scen, table, engine.body_constants())
    search = design.GridSearch(ctx, craft, w, 15.0)
    found = search.search(seq, top=1)
    ev = design.Evaluator(ctx, craft, seq)
    cost, nodes = _brute_force(ev, search, seq)
    assert found, "the grid search found nothing"
    assert found[0][0] == pytest.approx(cost, rel=1e-9)
    np.testing.assert_allclose(found[0][1], nodes)
