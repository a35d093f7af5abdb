"""The boinor adapter against textbook Lambert problems and independent propagation."""

import numpy as np
import pytest
from astropy import units as u

from marsviz.mission import engine

K_EARTH = 398600.4418  # km^3/s^2, as boinor's Earth.k


def batch(k, r0, r, tof_s):
    v1, v2, ok = engine.lambert_batch(k, np.array([r0]), np.array([r]), np.array([tof_s]))
    assert ok[0]
    return v1[0], v2[0]


def test_body_constants_are_boinors():
    c = engine.body_constants()
    assert c["earth"]["k"] == pytest.approx(K_EARTH, rel=1e-9)
    assert c["sun"]["k"] == pytest.approx(1.3271244e11, rel=1e-7)  # IAU 2015 nominal GM_sun
    assert c["mars"]["R"] == pytest.approx(3396.19, rel=1e-4)


def test_vallado_example_7_5():
    # Vallado, Fundamentals of Astrodynamics and Applications, example 7-5
    va, vb = batch(K_EARTH, [15945.34, 0.0, 0.0], [12214.83399, 10249.46731, 0.0], 76.0 * 60)
    np.testing.assert_allclose(va, [2.058925, 2.915956, 0.0], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(vb, [-3.451569, 0.910301, 0.0], rtol=1e-4, atol=1e-9)


def test_curtis_example_5_2():
    # Curtis, Orbital Mechanics for Engineering Students, example 5.2
    va, vb = batch(K_EARTH, [5000.0, 10000.0, 2100.0], [-14600.0, 2500.0, 7000.0], 3600.0)
    np.testing.assert_allclose(va, [-5.9925, 1.9254, 3.2456], rtol=1e-4)
    np.testing.assert_allclose(vb, [-3.3125, -4.1966, -0.38529], rtol=1e-4)


def test_der_molniya_zero_revolutions():
    # Der, "The Superior Lambert Algorithm", Molniya case, as in poliastro's own tests
    r0 = [22592.145603, -1599.915239, -19783.950506]
    r = [1922.067697, 4054.157051, -8925.727465]
    va, vb = batch(K_EARTH, r0, r, 10 * 3600.0)
    np.testing.assert_allclose(va, [2.000652697, 0.387688615, -2.666947760], rtol=1e-6)
    np.testing.assert_allclose(vb, [-3.79246619, -1.77707641, 6.856814395], rtol=1e-6)


def test_der_molniya_one_revolution_through_the_high_level_api():
    r0 = [22592.145603, -1599.915239, -19783.950506] * u.km
    r = [1922.067697, 4054.157051, -8925.727465] * u.km
    k = K_EARTH * u.km**3 / u.s**2
    va_l, vb_l = engine.lambert_quantity(k, r0, r, 10 * u.h, M=1, lowpath=False)
    va_r, vb_r = engine.lambert_quantity(k, r0, r, 10 * u.h, M=1, lowpath=True)
    np.testing.assert_allclose(va_l.to_value(u.km / u.s), [0.50335770, 0.61869408, -1.57176904], rtol=1e-5)
    np.testing.assert_allclose(vb_l.to_value(u.km / u.s), [-4.18334626, -1.13262727, 6.13307091], rtol=1e-5)
    np.testing.assert_allclose(va_r.to_value(u.km / u.s), [-2.45759553, 1.16945801, 0.43161258], rtol=1e-5)
    np.testing.assert_allclose(vb_r.to_value(u.km / u.s), [-5.53841370, 0.01822220, 5.49641054], rtol=1e-4)


def test_batch_matches_single_solves_and_flags_failures():
    rng = np.random.default_rng(1)
    r1 = rng.normal(size=(20, 3)) * 1.5e8
    r2 = rng.normal(size=(20, 3)) * 2.2e8
    tof = rng.uniform(80, 400, 20) * 86400.0
    tof[3] = -1.0  # impossible: negative time of flight
    k = 1.32712440018e11
    v1, v2, ok = engine.lambert_batch(k, r1, r2, tof)
    assert not ok[3] and np.isnan(v1[3]).all()
    for i in np.nonzero(ok)[0][:5]:
        a, b = engine.lambert_quantity(k * u.km**3 / u.s**2, r1[i] * u.km, r2[i] * u.km, tof[i] * u.s)
        np.testing.assert_allclose(v1[i], a.to_value(u.km / u.s), rtol=1e-9)
        np.testing.assert_allclose(v2[i], b.to_value(u.km / u.s), rtol=1e-9)


def test_lambert_arc_propagates_onto_its_target():
    k = 1.32712440018e11
    r1 = np.array([1.4e8, -4.0e7, 1.0e6])
    r2 = np.array([-1.2e8, 1.9e8, -3.0e6])
    tof = 250 * 86400.0
    v1, _ = engine.lambert(k, r1, r2, tof)
    r, _ = engine.propagate(k, r1, v1, tof)
    assert np.linalg.norm(r - r2) < 1e-3  # km


def test_propagation_of_a_circular_orbit_quarter_period():
    r0 = np.array([7000.0, 0.0, 0.0])
    v = np.sqrt(K_EARTH / 7000.0)
    period = 2 * np.pi * np.sqrt(7000.0**3 / K_EARTH)
    r, vv = engine.propagate_batch(K_EARTH, r0, np.array([0.0, v, 0.0]),
                                   np.array([0.0, period / 4, period / 2]))
    np.testing.assert_allclose(r[0], r0, atol=1e-9)
    np.testing.assert_allclose(r[1], [0.0, 7000.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(r[2], [-7000.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(vv[1], [-v, 0.0, 0.0], atol=1e-9)
