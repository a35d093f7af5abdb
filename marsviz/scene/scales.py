"""From the Solar System down to a planet: how large things are drawn at each zoom.

Planets are drawn enlarged in wide views (or they would be invisible) and at true size when the
camera comes close: :func:`exaggeration` is a planet's drawn radius over its true radius, a
continuous function of the camera's distance that never lets a planet look larger than a few
per cent of that distance.

A drawn trajectory must never run through a drawn planet, and a ship must never jump.
:class:`DisplayMap` moves every drawn point of a ship (its path and the ship itself, by the same
map) radially away from each planet's centre:

    rho' = sqrt(rho**2 + A**2 w(rho)),   A**2 = (s**2 - 1) m**2 R**2 + F**2

with ``s`` the planet's exaggeration, ``R`` its true radius, ``m`` a small margin and ``w`` a
smooth taper that is 1 within ``1.5 A`` of the centre and 0 beyond ``2.5 A`` (far points are not moved at all).
For every point at least ``R`` from the centre, ``rho' >= s R``: outside the drawn sphere. At
true size (``s = 1``) and with true planet-centred arcs the map is the identity. ``F`` is a
floor used while the ship's positions near a planet come from the heliocentric legs, which run
through the planet's centre: it keeps them ``m R`` out.

:func:`track_km` is the one place that says where a ship is drawn from: the heliocentric state of
the plan, and (when the mission model provides ``Plan.local_state``) the planet-centred arc.
"""

from __future__ import annotations

import numpy as np

#: A planet is drawn no larger than this fraction of the camera's distance to it (radius).
VIEW_FRACTION = 0.02
#: Drawn points are kept this factor outside a drawn planet's radius.
MARGIN = 1.05
#: Taper of the display map: full within TAPER[0] * A, none beyond TAPER[1] * A.
TAPER = (1.5, 2.5)


def exaggeration(camera_distance_km: float, radius_km: float, cap: float) -> float:
    """Drawn / true radius of a planet seen from ``camera_distance_km`` (1 <= result <= cap)."""
    return float(min(cap, max(1.0, VIEW_FRACTION * camera_distance_km / radius_km)))


def has_local_arcs(plan) -> bool:
    """True when the mission model gives planet-centred arcs at true scale."""
    return callable(getattr(plan, "local_state", None))


class FlatPlan:
    """A plan seen as the scene drew it before true scale: no planet-centred arcs (paths and
    ships from the patched conics). With ``SceneOptions.extra["flat_scale"]`` the scene also
    draws planets at one exaggeration at every zoom and no display map: the benchmark's
    baseline for the overview."""

    def __init__(self, plan):
        self._plan = plan

    def __getattr__(self, name):
        if name == "local_state":
            raise AttributeError(name)
        return getattr(self._plan, name)


def track_km(plan, cid: str, t):
    """Heliocentric position (km) and velocity (km/s) of ship ``cid`` as drawn, at ``t``.

    The single source of the drawn path. With ``Plan.local_state`` (``body="sun"``): the
    heliocentric legs with the planet-centred arcs at true scale near each planet (the
    departure from the parking orbit, the swing-by hyperbola at its designed periapsis, the
    arrival down to the capture ellipse), so no display floor is needed. Without it: the
    plan's patched conics, whose legs meet at planet centres.
    """
    if has_local_arcs(plan):
        return plan.local_state(cid, t, "sun")
    return plan.craft_state(cid, t)


def encounter_times(plan, cid: str) -> list[float]:
    """Instants a ship passes through a planet's centre on its heliocentric legs, and the
    periapsis instants of its planet-centred arcs (when the plan has them)."""
    out = []
    for leg in plan.trajectories[cid].legs:
        out.extend((float(leg.t_dep), float(leg.t_arr)))
    if has_local_arcs(plan):
        for enc in getattr(plan, "encounters", ()):
            if getattr(enc, "craft", cid) == cid:
                out.append(float(enc.t_periapsis))
    return sorted(set(out))


def dense_times(times: np.ndarray, encounters, t0: float, t1: float) -> np.ndarray:
    """``times`` plus samples packed geometrically around each encounter (20 s to 3 days)."""
    offsets = 20.0 * 1.15 ** np.arange(0, 69) / 86400.0
    extra = [times]
    for te in encounters:
        extra.append(te + offsets)
        extra.append(te - offsets)
        extra.append(np.array([te]))
    tt = np.unique(np.concatenate(extra))
    return tt[(tt >= t0) & (tt <= t1)]


class ChunkIndex:
    """Bounding boxes of consecutive chunks of a fixed point set (km), to find quickly the few
    points a display map moves."""

    def __init__(self, pts_km: np.ndarray, size: int = 32):
        pts = np.asarray(pts_km, dtype=float)
        self.size = size
        self.n = len(pts)
        starts = np.arange(0, self.n, size)
        self.lo = np.array([pts[i:i + size].min(axis=0) for i in starts]).reshape(-1, 3)
        self.hi = np.array([pts[i:i + size].max(axis=0) for i in starts]).reshape(-1, 3)

    def near(self, dmap: "DisplayMap") -> np.ndarray:
        """Indices of the points that may lie within reach of a planet of ``dmap``."""
        if not dmap.terms:
            return np.empty(0, dtype=int)
        c, r = dmap.centres[:, None, :], dmap.reach[:, None, None]
        hit = ((c + r >= self.lo[None]) & (c - r <= self.hi[None])).all(axis=2).any(axis=0)
        if not hit.any():
            return np.empty(0, dtype=int)
        chunks = np.nonzero(hit)[0]
        idx = (chunks[:, None] * self.size + np.arange(self.size)[None, :]).ravel()
        return idx[idx < self.n]


class LegsIndex:
    """:class:`ChunkIndex` over several point sets at once (a scene's legs, one after another):
    one query per frame for all of them, each chunk within one set (so a set none of whose own
    chunks is near a planet gets no index)."""

    def __init__(self, idx: list):
        """``idx``: the :class:`ChunkIndex` of each set (of one chunk size)."""
        self.size = size = idx[0].size if idx else 32
        assert all(c.size == size for c in idx)
        self.offsets = np.cumsum([0] + [c.n for c in idx])
        self.lo = np.concatenate([c.lo for c in idx] + [np.empty((0, 3))]).reshape(-1, 3)
        self.hi = np.concatenate([c.hi for c in idx] + [np.empty((0, 3))]).reshape(-1, 3)
        self.start = np.concatenate([off + np.arange(0, c.n, size) for off, c in zip(self.offsets, idx)]
                                    + [np.empty(0)]).astype(int)
        self.end = np.concatenate([np.minimum(np.arange(0, c.n, size) + size, c.n) + off
                                   for off, c in zip(self.offsets, idx)] + [np.empty(0)]).astype(int)

    def near(self, dmap: "DisplayMap") -> np.ndarray:
        """Indices (into the sets one after another) of the points that may lie within reach of
        a planet of ``dmap``; the same points as each set's own :meth:`ChunkIndex.near`."""
        if not dmap.terms or not len(self.lo):
            return np.empty(0, dtype=int)
        c, r = dmap.centres[:, None, :], dmap.reach[:, None, None]
        hit = ((c + r >= self.lo[None]) & (c - r <= self.hi[None])).all(axis=2).any(axis=0)
        chunks = np.nonzero(hit)[0]
        if not len(chunks):
            return np.empty(0, dtype=int)
        idx = (self.start[chunks][:, None] + np.arange(self.size)[None, :])
        return idx[idx < self.end[chunks][:, None]]

    def split(self, idx: np.ndarray) -> list:
        """Sorted indices into the sets one after another, as indices into each set."""
        cut = np.searchsorted(idx, self.offsets)
        return [idx[cut[i]:cut[i + 1]] - self.offsets[i] for i in range(len(self.offsets) - 1)]


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


class DisplayMap:
    """Pushes drawn points (heliocentric km) out of the drawn planets."""

    def __init__(self, bodies: dict, floor: bool):
        # bodies: name -> (centre km (3,), true radius km, exaggeration)
        self.terms = []
        for name, (c, R, s) in bodies.items():
            a2 = (s * s - 1.0) * (MARGIN * R) ** 2 + ((MARGIN * R) ** 2 if floor else 0.0)
            if a2 > 0:
                c = np.asarray(c, dtype=float)
                self.terms.append((name, c, a2, TAPER[1] * float(np.sqrt(a2)), tuple(float(x) for x in c)))
        self.centres = np.array([t[1] for t in self.terms]).reshape(-1, 3)
        self.reach = np.array([t[3] for t in self.terms])

    def apply(self, pts_km: np.ndarray, lo=None, hi=None) -> np.ndarray:
        """The drawn places of ``pts_km`` (``lo``, ``hi``: their bounding box, if known)."""
        pts = np.array(pts_km, dtype=float, copy=True)
        single = pts.ndim == 1
        pts = np.atleast_2d(pts)
        if lo is not None:
            lo, hi = tuple(float(x) for x in lo), tuple(float(x) for x in hi)
        for _name, c, a2, reach, (cx, cy, cz) in self.terms:
            a = np.sqrt(a2)
            if lo is not None and (cx + reach < lo[0] or cy + reach < lo[1] or cz + reach < lo[2]
                                   or cx - reach > hi[0] or cy - reach > hi[1] or cz - reach > hi[2]):
                continue  # no point of the set is near this planet
            rel = pts - c
            rho2 = np.einsum("ij,ij->i", rel, rel)
            near = rho2 < (TAPER[1] * a) ** 2
            if not near.any():
                continue
            r = rel[near]
            rho = np.sqrt(rho2[near])
            w = 1.0 - _smoothstep((rho / a - TAPER[0]) / (TAPER[1] - TAPER[0]))
            aw2 = a2 * w
            new_rho = np.sqrt(rho * rho + aw2)
            # Direction: the point's own, bent towards ecliptic north at the very centre so
            # that a ship parked at a planet's centre is drawn above it, continuously.
            kappa = 0.5 * np.sqrt(aw2) * aw2 / (rho * rho + aw2 + 1e-300)
            u = r.copy()
            u[:, 2] += kappa
            n = np.linalg.norm(u, axis=1)
            n[n == 0] = 1.0
            pts[near] = c + u / n[:, None] * new_rho[:, None]
        return pts[0] if single else pts
