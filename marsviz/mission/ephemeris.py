"""Planetary ephemerides: heliocentric states of the planets, offline.

JPL DE421 ships inside the ``skyfield-data`` package and is read by astropy (through jplephem).
astropy's ``builtin`` ephemeris (VSOP87-based, off by up to ~8,000 km for Mars around 2030) is
kept as a fallback. States are *heliocentric*: the Sun's barycentric state is subtracted from
each planet's before anything else uses them. They are expressed in the J2000 mean ecliptic
frame (x towards the vernal equinox, z towards the ecliptic north pole), in km and km/s.

:class:`BodyTable` samples the ephemeris once on a daily grid and interpolates it with cubic
Hermite polynomials (exact positions and velocities at the nodes; interpolation error below
0.1 km for the inner planets), so the hot loops of design and rendering never call astropy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from marsviz.errors import MarsvizError
from marsviz.mission.timescale import J2000_JD, SECONDS_PER_DAY, configure_astropy

#: Mean obliquity of the ecliptic at J2000 (IAU 2006), radians.
OBLIQUITY_J2000 = np.deg2rad(84381.406 / 3600.0)
_c, _s = np.cos(OBLIQUITY_J2000), np.sin(OBLIQUITY_J2000)
#: Rotation from ICRS (equatorial) to the J2000 mean ecliptic.
ICRS_TO_ECLIPTIC = np.array([[1.0, 0.0, 0.0], [0.0, _c, _s], [0.0, -_s, _c]])

EPHEMERIDES = ("de421", "builtin")
#: DE421's coverage, TDB days since J2000 (1899-07-29 .. 2053-10-09).
DE421_RANGE = (2414864.5 - J2000_JD, 2471184.5 - J2000_JD)


def de421_path() -> Path:
    """Path of the DE421 kernel shipped by ``skyfield-data`` (no network)."""
    path = Path(str(resources.files("skyfield_data") / "data" / "de421.bsp"))
    if not path.is_file():
        raise MarsvizError(f"{path}: DE421 kernel missing; reinstall the skyfield-data package")
    return path


class Ephemeris:
    """Heliocentric ecliptic states of the planets from DE421 (default) or astropy's builtin.

    Parameters
    ----------
    name : {"de421", "builtin"}
        Which ephemeris to use.
    """

    def __init__(self, name: str = "de421"):
        if name not in EPHEMERIDES:
            raise MarsvizError(f"unknown ephemeris {name!r} (use one of: {', '.join(EPHEMERIDES)})")
        self.name = name
        self._source = str(de421_path()) if name == "de421" else "builtin"

    def check_range(self, t: np.ndarray, what: str = "the mission") -> None:
        if self.name != "de421":
            return
        lo, hi = DE421_RANGE
        t = np.atleast_1d(t)
        if t.min() < lo or t.max() > hi:
            raise MarsvizError(f"{what} falls outside DE421's coverage (1899-07-29 to 2053-10-09)")

    def states(self, body: str, t) -> tuple[np.ndarray, np.ndarray]:
        """Heliocentric ecliptic position (km) and velocity (km/s) of ``body``.

        Parameters
        ----------
        body : str
            ``mercury``, ``venus``, ``earth`` or ``mars`` (planet centres).
        t : float or array_like
            TDB days since J2000.

        Returns
        -------
        r, v : ndarray, shape (n, 3)
        """
        from astropy.coordinates import get_body_barycentric_posvel
        from astropy.time import Time

        configure_astropy()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        self.check_range(t)
        when = Time(np.full_like(t, J2000_JD), t, format="jd", scale="tdb")
        rb, vb = get_body_barycentric_posvel(body, when, ephemeris=self._source)
        rs, vs = get_body_barycentric_posvel("sun", when, ephemeris=self._source)
        r = (rb - rs).xyz.to_value("km").T
        v = (vb - vs).xyz.to_value("km/s").T
        return r @ ICRS_TO_ECLIPTIC.T, v @ ICRS_TO_ECLIPTIC.T

    def table(self, bodies, t_start: float, t_end: float, step_days: float = 1.0) -> "BodyTable":
        """Sample ``bodies`` on a regular grid covering [t_start, t_end] (TDB days since J2000)."""
        n = int(np.ceil((t_end - t_start) / step_days)) + 1
        grid = t_start + step_days * np.arange(n)
        r = {}
        v = {}
        for b in bodies:
            r[b], v[b] = self.states(b, grid)
        return BodyTable(t_start, step_days, r, v)


@dataclass
class BodyTable:
    """Planet states on a regular time grid, interpolated with cubic Hermite polynomials.

    Attributes
    ----------
    t0 : float
        First node, TDB days since J2000.
    step : float
        Node spacing, days.
    r, v : dict of ndarray (n, 3)
        Positions (km) and velocities (km/s) at the nodes, by body name.
    """

    t0: float
    step: float
    r: dict
    v: dict

    @property
    def bodies(self) -> list[str]:
        return list(self.r)

    @property
    def t_end(self) -> float:
        n = len(next(iter(self.r.values())))
        return self.t0 + self.step * (n - 1)

    def _locate(self, t):
        t = np.asarray(t, dtype=float)
        n = len(next(iter(self.r.values())))
        x = (t - self.t0) / self.step
        if np.any(x < -1e-9) or np.any(x > n - 1 + 1e-9):
            raise MarsvizError(
                f"instant outside the sampled ephemeris ({self.t0:.1f} to {self.t_end:.1f} TDB days since J2000)"
            )
        i = np.clip(np.floor(x).astype(int), 0, n - 2)
        s = (x - i)[..., None]
        return i, s

    def state(self, body: str, t) -> tuple[np.ndarray, np.ndarray]:
        """Position (km) and velocity (km/s) of ``body`` at ``t`` (scalar or array of TDB days)."""
        if isinstance(t, float):
            return self._state_scalar(body, t)
        i, s = self._locate(t)
        r, v = self.r[body], self.v[body]
        h = self.step * SECONDS_PER_DAY
        p0, p1 = r[i], r[i + 1]
        m0, m1 = v[i] * h, v[i + 1] * h
        s2 = s * s
        s3 = s2 * s
        pos = (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * m0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * m1
        vel = ((6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * m0 + (-6 * s2 + 6 * s) * p1
               + (3 * s2 - 2 * s) * m1) / h
        return pos, vel

    def _state_scalar(self, body: str, t: float):
        r, v = self.r[body], self.v[body]
        x = (t - self.t0) / self.step
        n = len(r)
        if x < -1e-9 or x > n - 1 + 1e-9:
            self._locate(np.array([t]))  # raises the range error
        i = min(max(int(math.floor(x)), 0), n - 2)
        s = x - i
        h = self.step * SECONDS_PER_DAY
        s2 = s * s
        s3 = s2 * s
        c = (2 * s3 - 3 * s2 + 1, (s3 - 2 * s2 + s) * h, -2 * s3 + 3 * s2, (s3 - s2) * h)
        d = ((6 * s2 - 6 * s) / h, 3 * s2 - 4 * s + 1, (-6 * s2 + 6 * s) / h, 3 * s2 - 2 * s)
        p0, p1, m0, m1 = r[i], r[i + 1], v[i], v[i + 1]
        return (c[0] * p0 + c[1] * m0 + c[2] * p1 + c[3] * m1,
                d[0] * p0 + d[1] * m0 + d[2] * p1 + d[3] * m1)

    def position(self, body: str, t) -> np.ndarray:
        return self.state(body, t)[0]

    def to_dict(self) -> dict:
        return {
            "t0": self.t0, "step": self.step,
            "r": {b: a.tolist() for b, a in self.r.items()},
            "v": {b: a.tolist() for b, a in self.v.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "BodyTable":
        return cls(
            float(d["t0"]), float(d["step"]),
            {b: np.asarray(a, dtype=float) for b, a in d["r"].items()},
            {b: np.asarray(a, dtype=float) for b, a in d["v"].items()},
        )
