"""Heliocentric ephemerides against DE421 read independently with jplephem."""

import numpy as np
import pytest
from jplephem.spk import SPK

from marsviz.mission.ephemeris import Ephemeris, de421_path
from marsviz.mission.timescale import J2000_JD

# Independent rotation: the IAU 1976 obliquity 23° 26' 21.448" differs from IAU 2006 by 0.04",
# about 30 km at 1 AU; the comparison below allows for that.
EPS = np.deg2rad(23 + 26 / 60 + 21.406 / 3600)


def heliocentric_de421(kernel, body_chain, jd):
    pos = np.zeros(3)
    for a, b in body_chain:
        pos = pos + kernel[a, b].compute(jd)
    sun = kernel[0, 10].compute(jd)
    x, y, z = pos - sun
    c, s = np.cos(EPS), np.sin(EPS)
    return np.array([x, c * y + s * z, -s * y + c * z])


@pytest.fixture(scope="module")
def kernel():
    k = SPK.open(str(de421_path()))
    yield k
    k.close()


@pytest.mark.parametrize("t_jd", [2462502.5, 2462700.25, 2463100.0, 2463284.75])
def test_earth_and_mars_match_de421(kernel, t_jd):
    eph = Ephemeris("de421")
    t = t_jd - J2000_JD
    earth = heliocentric_de421(kernel, [(0, 3), (3, 399)], t_jd)
    mars = heliocentric_de421(kernel, [(0, 4), (4, 499)], t_jd)
    assert np.linalg.norm(eph.states("earth", t)[0][0] - earth) < 1.0
    assert np.linalg.norm(eph.states("mars", t)[0][0] - mars) < 1.0


def test_heliocentric_not_barycentric(kernel):
    eph = Ephemeris("de421")
    t = 2462600.5 - J2000_JD
    bary = kernel[0, 4].compute(2462600.5) + kernel[4, 499].compute(2462600.5)
    helio = eph.states("mars", t)[0][0]
    # The Sun moves up to ~1e6 km about the barycentre: states must differ by its offset.
    assert np.linalg.norm(np.linalg.norm(helio) - np.linalg.norm(bary)) > 1e3


def test_velocity_is_the_derivative_of_position():
    eph = Ephemeris("de421")
    t = np.array([11000.0 - 0.01, 11000.0, 11000.0 + 0.01])
    r, v = eph.states("mars", t)
    dr = (r[2] - r[0]) / (0.02 * 86400.0)
    np.testing.assert_allclose(v[1], dr, rtol=1e-6)


def test_hermite_table_interpolates_to_a_kilometre():
    eph = Ephemeris("de421")
    table = eph.table(["earth", "mars", "venus"], 11000.0, 11100.0)
    t = np.array([11000.5, 11033.25, 11077.75])
    for body in ("earth", "mars", "venus"):
        exact_r, exact_v = eph.states(body, t)
        r, v = table.state(body, t)
        assert np.max(np.linalg.norm(r - exact_r, axis=1)) < 1.0
        assert np.max(np.linalg.norm(v - exact_v, axis=1)) < 1e-5
        r1, _ = table.state(body, float(t[1]))
        np.testing.assert_allclose(r1, r[1], atol=1e-6)


def test_builtin_ephemeris_is_selectable_and_close():
    t = 11100.0
    de = Ephemeris("de421").states("mars", t)[0][0]
    bi = Ephemeris("builtin").states("mars", t)[0][0]
    assert 1.0 < np.linalg.norm(de - bi) < 20_000.0


def test_outside_de421_is_a_clear_error():
    from marsviz.errors import MarsvizError

    with pytest.raises(MarsvizError, match="outside DE421"):
        Ephemeris("de421").states("mars", 35000.0)
