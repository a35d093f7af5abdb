"""The orbital-mechanics engine: every use of poliastro's API (through boinor) lives here.

boinor is the maintained fork of poliastro with the same API. Keeping all of its imports in
this one module means the engine can be swapped without touching the design code.

The batch functions below are compiled with numba (``cache=True``, so compilation is paid once
per machine, not once per run) and loop over boinor's jitted core routines: Izzo's Lambert
solver (``boinor.core.iod.izzo``) and Farnocchia's Kepler propagator
(``boinor.core.propagation.farnocchia``). They take and return plain float arrays in km, km/s
and s. The astropy-facing helpers at the end use boinor's high-level API and serve as
references and benchmark baselines.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from boinor.core.iod import izzo as _izzo
from boinor.core.propagation import farnocchia as _farnocchia

__all__ = [
    "body_constants", "lambert", "lambert_batch", "propagate", "propagate_batch",
    "lambert_quantity", "maneuver_lambert_dv", "porkchop_plotter_grid", "engine_versions",
    "rotation_elements",
]


@njit(cache=True)
def _lambert_loop(k, r1, r2, tof, v1_out, v2_out, ok):  # pragma: no cover - compiled
    n = tof.shape[0]
    for i in range(n):
        if not (tof[i] > 0.0):
            ok[i] = False
            continue
        try:
            v1, v2 = _izzo(k, r1[i], r2[i], tof[i], 0, True, True, 35, 1e-8)
            v1_out[i, 0] = v1[0]
            v1_out[i, 1] = v1[1]
            v1_out[i, 2] = v1[2]
            v2_out[i, 0] = v2[0]
            v2_out[i, 1] = v2[1]
            v2_out[i, 2] = v2[2]
            ok[i] = np.isfinite(v1[0]) and np.isfinite(v2[0])
        except Exception:
            ok[i] = False


@njit(cache=True)
def _propagate_loop(k, r0, v0, dt, r_out, v_out):  # pragma: no cover - compiled
    n = dt.shape[0]
    for i in range(n):
        if dt[i] == 0.0:
            r_out[i] = r0[i]
            v_out[i] = v0[i]
        else:
            r, v = _farnocchia(k, r0[i], v0[i], dt[i])
            r_out[i] = r
            v_out[i] = v


def lambert_batch(k: float, r1, r2, tof):
    """Solve many single-revolution prograde Lambert problems with boinor's Izzo solver.

    Parameters
    ----------
    k : float
        Gravitational parameter of the central body, km^3/s^2.
    r1, r2 : array_like, shape (n, 3)
        Initial and final positions, km.
    tof : array_like, shape (n,)
        Times of flight, s.

    Returns
    -------
    v1, v2 : ndarray, shape (n, 3)
        Velocities at departure and arrival, km/s (NaN where no solution was found).
    ok : ndarray of bool, shape (n,)
    """
    r1 = np.ascontiguousarray(r1, dtype=float).reshape(-1, 3)
    r2 = np.ascontiguousarray(r2, dtype=float).reshape(-1, 3)
    tof = np.ascontiguousarray(tof, dtype=float).reshape(-1)
    n = tof.shape[0]
    v1 = np.full((n, 3), np.nan)
    v2 = np.full((n, 3), np.nan)
    ok = np.zeros(n, dtype=np.bool_)
    if n:
        _lambert_loop(float(k), r1, r2, tof, v1, v2, ok)
    v1[~ok] = np.nan
    v2[~ok] = np.nan
    return v1, v2, ok


def lambert(k: float, r1, r2, tof: float):
    """One Lambert solve (km, s) -> (v1, v2) in km/s; raises ValueError when none converges."""
    v1, v2, ok = lambert_batch(k, np.asarray(r1)[None], np.asarray(r2)[None], np.array([tof]))
    if not ok[0]:
        raise ValueError("Lambert solver did not converge")
    return v1[0], v2[0]


def propagate_batch(k: float, r0, v0, dt):
    """Kepler-propagate states by ``dt`` seconds with boinor's Farnocchia method.

    ``r0``, ``v0`` are (n, 3) arrays (km, km/s) or single states broadcast over ``dt`` (n,).
    Returns positions and velocities, each (n, 3).
    """
    dt = np.ascontiguousarray(np.atleast_1d(dt), dtype=float)
    n = dt.shape[0]
    r0 = np.ascontiguousarray(np.broadcast_to(np.asarray(r0, dtype=float), (n, 3)))
    v0 = np.ascontiguousarray(np.broadcast_to(np.asarray(v0, dtype=float), (n, 3)))
    r = np.empty((n, 3))
    v = np.empty((n, 3))
    if n:
        _propagate_loop(float(k), r0, v0, dt, r, v)
    return r, v


def propagate(k: float, r0, v0, dt: float):
    r, v = propagate_batch(k, np.asarray(r0)[None], np.asarray(v0)[None], np.array([dt]))
    return r[0], v[0]


def body_constants() -> dict:
    """Gravitational parameters (km^3/s^2) and equatorial radii (km) from ``boinor.bodies``."""
    from boinor.bodies import Earth, Mars, Mercury, Moon, Sun, Venus

    out = {}
    for name, body in (("sun", Sun), ("mercury", Mercury), ("venus", Venus), ("earth", Earth),
                       ("mars", Mars), ("moon", Moon)):
        out[name] = {"k": float(body.k.to_value("km3/s2")), "R": float(body.R.to_value("km"))}
    return out


def rotation_elements(body: str, t_days) -> np.ndarray:
    """IAU (WGCCRE 2015) rotation elements of ``body``, as ``boinor.frames.fixed`` gives them.

    ``MarsFixed``, ``VenusFixed``... of ``boinor.frames.fixed`` evaluate the functions of
    ``boinor.core.fixed``; they are called here directly, as plain NumPy over the whole array
    (their ``py_func``), which spares a numba compilation and astropy's frame machinery.
    ``t_days`` are TDB days since J2000. Returns an (n, 3) array of degrees: right ascension and
    declination of the north pole (ICRF) and the prime meridian angle W (not wrapped).
    """
    from boinor.core import fixed

    funcs = {"mercury": fixed.mercury_rot_elements_at_epoch, "venus": fixed.venus_rot_elements_at_epoch,
             "mars": fixed.mars_rot_elements_at_epoch, "moon": fixed.moon_rot_elements_at_epoch,
             "sun": fixed.sun_rot_elements_at_epoch}
    d = np.atleast_1d(np.asarray(t_days, dtype=float))
    f = funcs[body]
    ra, dec, w = getattr(f, "py_func", f)(d / 36525.0, d)
    out = np.empty((len(d), 3))
    out[:, 0] = np.broadcast_to(ra, d.shape)
    out[:, 1] = np.broadcast_to(dec, d.shape)
    out[:, 2] = np.broadcast_to(w, d.shape)
    return out


def engine_versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("boinor", "numba", "numpy", "astropy")}


# ---------------------------------------------------------------------------------------------
# boinor's high-level API: references for tests and baselines for benchmarks
# ---------------------------------------------------------------------------------------------
def lambert_quantity(k, r0, r, tof, **kwargs):
    """``boinor.iod.izzo.lambert`` with astropy quantities (the poliastro high-level call)."""
    from boinor.iod.izzo import lambert as _lambert

    return _lambert(k, r0, r, tof, **kwargs)


def maneuver_lambert_dv(r_dep, v_dep, t_dep, r_arr, v_arr, t_arr):
    """Departure and arrival v-infinity (km/s) through ``Orbit.from_vectors`` and ``Maneuver.lambert``.

    The way poliastro's own examples solve one transfer: heliocentric orbits of the two bodies
    with astropy quantities and epochs, then a Lambert maneuver. ``t_dep``/``t_arr`` are TDB
    days since J2000.
    """
    from astropy import units as u
    from astropy.time import Time
    from boinor.bodies import Sun
    from boinor.maneuver import Maneuver
    from boinor.twobody import Orbit

    e0 = Time(2451545.0, t_dep, format="jd", scale="tdb")
    e1 = Time(2451545.0, t_arr, format="jd", scale="tdb")
    o0 = Orbit.from_vectors(Sun, np.asarray(r_dep) * u.km, np.asarray(v_dep) * u.km / u.s, epoch=e0)
    o1 = Orbit.from_vectors(Sun, np.asarray(r_arr) * u.km, np.asarray(v_arr) * u.km / u.s, epoch=e1)
    man = Maneuver.lambert(o0, o1)
    dv0 = man.impulses[0][1].to_value(u.km / u.s)
    dv1 = man.impulses[1][1].to_value(u.km / u.s)
    return np.linalg.norm(dv0), np.linalg.norm(dv1)


def porkchop_plotter_grid(dep_body: str, arr_body: str, launch, arrival, ephemeris_path: str):
    """C3 (km^2/s^2) over a grid with boinor's ``PorkchopPlotter`` (barycentric, one call per cell).

    ``launch`` and ``arrival`` are TDB days since J2000. Returns the C3 array with shape
    (len(arrival), len(launch)), as the plotter lays it out.
    """
    import matplotlib

    matplotlib.use("Agg")
    from astropy.coordinates import solar_system_ephemeris
    from astropy.time import Time
    from boinor import bodies
    from boinor.plotting.porkchop import PorkchopPlotter
    from matplotlib import pyplot as plt

    b = {"venus": bodies.Venus, "earth": bodies.Earth, "mars": bodies.Mars,
         "mercury": bodies.Mercury}
    ls = Time(np.full(len(launch), 2451545.0), np.asarray(launch, float), format="jd", scale="tdb")
    ar = Time(np.full(len(arrival), 2451545.0), np.asarray(arrival, float), format="jd", scale="tdb")
    fig, ax = plt.subplots()
    try:
        with solar_system_ephemeris.set(ephemeris_path):
            plotter = PorkchopPlotter(b[dep_body], b[arr_body], ls, ar, ax=ax, tfl=False, vhp=False)
            _, _, c3_launch, _, _ = plotter.porkchop()
    finally:
        plt.close(fig)
    return np.asarray(c3_launch, dtype=float)
