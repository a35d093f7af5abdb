"""The ships' trajectories: each leg drawn whole (dim) and flown so far (bright).

Leg points are kept in heliocentric km, sampled every half day, densely around each encounter
and more densely still where a path changes frame (below); every frame they go through the
instant's display map (so that no drawn path runs through a drawn planet) and the world frame
(so that they are precise near the origin).

Near a planet a path is drawn in the planet's frame, far from it in the Sun's. Each sample at
instant ``tau`` is drawn at

    D(tau) = S(tau) - P(tau) + P(f(tau)),     f(tau) = tau + w(tau) (t - tau)

with ``S`` the ship's heliocentric place, ``P`` the planet's, ``t`` the instant shown: the
planet-centred arc anchored where the planet was at the *frame time* ``f`` (``w = 1``: where the
planet is now; ``w = 0``: where it was then, the Sun-centred path). Three properties follow:

- the ship (``tau = t``) is drawn where it is, on its path, whatever the weights;
- the path is smooth when ``f`` is smooth and never runs backwards when ``f`` never decreases:
  ``w`` is the lowest :func:`frame_weight` met along the path from the ship to the sample, so
  it only falls away from the ship (a path is in the planet's frame while the ship is near the
  planet, and from the ship outwards until the path leaves the planet's neighbourhood),
  rounded off (:func:`soft_floor`) where it falls below the ship's own weight: ``f``'s slope
  is ``w``'s times ``t - tau``, so a kink in ``w`` a month from the ship (the Mars stay) was a
  corner in the drawn line;
- a ship parked at a planet (the Mars stay) is near it, so its arrival and departure arcs stay
  on the planet; beyond them the path follows the planet's orbit back to where the leg arrived
  (where the parked ship truly went round the Sun) and then the leg as flown (a ship parked
  for good lets go after ``HOLD_DAYS``).

While a ship itself crosses the blend (a few hours at each encounter) the arcs behind or ahead
of it move, continuously, from the planet's frame to the Sun's; a sample so moved is kept out
of a planet drawn at true size by :func:`keep_clear`.

:func:`frame_weight` falls from 1 at ``LOCAL_RADII[0]`` planet radii to 0 at ``LOCAL_RADII[1]``
as a smooth step (C2) in an exponentially stretched log distance: the frame time then starts to move
very gently, so the turn from the planet's frame to the Sun's is spread over many samples (see
``BLEND_RATIO``) instead of making a corner.

The turn itself remains: in space the path bends from the planet-centred direction to the
Sun-centred one (about 30 degrees on the Earth return), and seen nearly along the planet-centred
arc (the earth-approach camera) that bend projects as a sharp turn on screen
(tests/test_scene_turns.py bounds it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, set_line_cells, write_points
from marsviz.scene.models import world_size_for_pixels
from marsviz.mission.plan import PLANETS
from marsviz.scene.scales import ChunkIndex, LegsIndex, dense_times, encounter_times, has_local_arcs, track_km

FLOWN_STEP_DAYS = 0.5
#: A path is in a planet's frame within LOCAL_RADII[0] planet radii of it, in the Sun's beyond
#: LOCAL_RADII[1] (true planet-centred distances), blended between.
LOCAL_RADII = (20.0, 100.0)
#: ... except for these planets. The Earth's frame reaches 300 radii (1.9 million km, about two
#: spheres of influence): the story's last events (the braking-thruster failure, the spacewalk)
#: happen 1.2 to 1.6 million km out, and a view of the Earth that shows the ship there must show
#: its path running in to the Earth, not to where the Earth will be days later.
BODY_LOCAL_RADII = {"earth": (300.0, 1500.0)}
#: Paths take a planet's frame fully while it is drawn at most ZOOM_SCALES[0] times its true
#: size, not at all from ZOOM_SCALES[1] times (see :func:`zoom_weight`).
ZOOM_SCALES = (2.0, 6.0)
#: A ship waiting before its first leg or parked after its last one (the cargo ships at Mars)
#: keeps its arcs on the planet for HOLD_DAYS[0] days, then lets them go to where they were
#: flown by HOLD_DAYS[1] days (the path back along the planet's orbit would otherwise come
#: round to the planet again after one orbit).
HOLD_DAYS = (60.0, 120.0)
#: Stretch of the blend (see :func:`frame_weight`): larger puts the turn further out.
BLEND_SHAPE = 6.0
#: Width, in units of the ship's own ``1 - w``, over which the frame weights of a path round
#: off where they fall below the ship's (see :func:`soft_floor`).
SOFT_WIDTH = 3.0
#: Where a path changes frame its samples are this close (ratio of consecutive distances).
BLEND_RATIO = 1.0015
#: In wide views a path is drawn through as few of its samples as keep every sample left out
#: within LOD_PX pixels of the drawn line (see :func:`simplify` and :func:`lod_tolerance_km`).
LOD_PX = 0.25
#: Allowance for perspective: a sample off the view axis moves up to this much more on screen
#: than one on it, for the same distance in space, in a view up to 60 degrees wide.
LOD_PERSPECTIVE = 1.5


def _smootherstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def local_radii(body: str | None = None) -> tuple:
    """(full, none): planet radii within which a path is in ``body``'s frame, beyond which in the Sun's."""
    return BODY_LOCAL_RADII.get(body, LOCAL_RADII)


def frame_weight(d_over_r, body: str | None = None):
    """Weight of a planet's frame for a sample ``d_over_r`` planet radii from the planet:
    1 within ``local_radii(body)[0]``, 0 beyond ``[1]``; between, a smooth step of
    ``(exp(a u) - 1) / (exp(a) - 1)`` (``a = BLEND_SHAPE``) with ``u`` the log distance across the blend (0 to 1)."""
    lo, hi = local_radii(body)
    d = np.maximum(np.asarray(d_over_r, dtype=float), 1e-300)
    u = np.clip(np.log(d / lo) / np.log(hi / lo), 0.0, 1.0)
    return 1.0 - _smootherstep(np.expm1(BLEND_SHAPE * u) / np.expm1(BLEND_SHAPE))


def path_weights(wd: np.ndarray, times: np.ndarray, t: float) -> np.ndarray:
    """Frame weights of samples at ``times`` (sorted) whose own :func:`frame_weight` is ``wd``,
    for the ship at ``t``: the lowest weight met along the path from the ship to each sample
    (the ship's own weight interpolated between samples; see HOLD_DAYS beyond them)."""
    n = len(times)
    k = int(np.searchsorted(times, t, side="right"))
    if k <= 0:
        w_ship = wd[0]
    elif k >= n:
        w_ship = wd[-1]
    else:
        a, b = times[k - 1], times[k]
        x = (t - a) / (b - a) if b > a else 0.0
        w_ship = wd[k - 1] + x * (wd[k] - wd[k - 1])
    if k <= 0 or k >= n:  # before the first leg or after the last: let go after HOLD_DAYS
        x = np.clip((abs(t - times[0 if k <= 0 else -1]) - HOLD_DAYS[0]) / (HOLD_DAYS[1] - HOLD_DAYS[0]), 0.0, 1.0)
        w_ship = w_ship * (1.0 - _smootherstep(x))
    if w_ship <= 0.0:
        return np.zeros(n)
    w = np.empty(n)
    if k:
        w[:k] = np.minimum.accumulate(wd[:k][::-1])[::-1]
    w[k:] = np.minimum.accumulate(wd[k:])
    return 1.0 - soft_floor(1.0 - w, 1.0 - w_ship)


def soft_floor(q, q0: float):
    """``max(q, q0)`` for ``q`` in [0, 1], rounded off (C2) where ``q`` rises past ``q0``:
    ``q0`` while ``q <= q0``, then rising with a slope growing smoothly from 0 over a width
    ``delta`` (SOFT_WIDTH ``q0``, less as ``q0`` nears 1), reaching 1 with ``q``. ``q0 = 0``:
    ``q`` itself.

    In :func:`path_weights` ``1 - w`` is the part of the planet's motion a sample's frame takes;
    a hard ``max`` makes the frame time's slope jump where the path leaves the level of the
    ship's own weight, and far (in time) from the ship that slope is large: a corner."""
    q = np.asarray(q, dtype=float)
    q0 = float(q0)
    if q0 <= 0.0:
        return np.maximum(q, 0.0)
    if q0 >= 1.0:
        return np.ones_like(q)
    delta = SOFT_WIDTH * q0 * (1.0 - q0) / (1.0 + (SOFT_WIDTH - 1.0) * q0)
    lam = (1.0 - q0) / (1.0 - q0 - 0.5 * delta)
    x = np.clip((q - q0) / delta, 0.0, None)
    g = np.where(x < 1.0, x ** 3 - 0.5 * x ** 4, x - 0.5)  # slope 3x^2 - 2x^3, then 1
    return q0 + lam * delta * g


def frame_times(times, w, t):
    """The frame time ``f = tau + w (t - tau)`` of each sample (see the module's notes)."""
    times = np.asarray(times, dtype=float)
    return times + np.asarray(w, dtype=float) * (t - times)


def blend_times(times: np.ndarray, d_over_r: np.ndarray, enc: list, body: str | None = None) -> np.ndarray:
    """Extra samples where a path crosses the blend (between ``local_radii(body)``): consecutive
    planet-centred distances in the ratio BLEND_RATIO (assuming the distance grows with the
    time from the nearest encounter)."""
    lo, hi = local_radii(body)
    lo, hi = lo / 1.2, hi * 1.2
    inside = (d_over_r > lo) & (d_over_r < hi)
    extra = []
    if not inside.any() or not enc:
        return np.empty(0)
    enc = np.asarray(enc, dtype=float)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        i0, i1 = max(a - 1, 0), min(b, len(times) - 1)
        ta, tb = times[i0], times[i1]
        te = enc[np.argmin(np.abs(enc - 0.5 * (ta + tb)))]
        da, db = abs(ta - te), abs(tb - te)
        if min(da, db) <= 0 or (ta - te) * (tb - te) <= 0:
            continue
        ratio = max(d_over_r[i0], d_over_r[i1]) / max(min(d_over_r[i0], d_over_r[i1]), 1e-9)
        n = int(np.ceil(np.log(max(ratio, 1.0)) / np.log(BLEND_RATIO))) + 2
        off = np.geomspace(min(da, db), max(da, db), n)
        extra.append(te + np.sign(ta - te) * off)
    return np.concatenate(extra) if extra else np.empty(0)


def keep_clear(pts_km: np.ndarray, centre, radius_km: float, shift_km: np.ndarray) -> np.ndarray:
    """Points of a path between frames pushed radially out of a planet drawn at true size, as
    :class:`~marsviz.scene.scales.DisplayMap` does (``rho' = sqrt(rho**2 + A**2)`` near the
    centre, tapered to nothing by 2.5 A), with ``A = MARGIN R`` once the sample is drawn
    ``R / 100`` or more from its place in the planet's frame (``shift_km``; less before, so that
    it moves continuously: the closest true arcs pass 1.9 % of a radius above the surface).
    A path that changes frame slides past the planet instead of through it; arcs in the
    planet's frame (``w = 1``, true planet-centred, outside the planet) are left alone."""
    from marsviz.scene.scales import MARGIN, TAPER

    pts = np.array(pts_km, dtype=float, copy=True)
    a2 = (MARGIN * radius_km) ** 2 * np.clip(np.asarray(shift_km, dtype=float) / (0.01 * radius_km), 0.0, 1.0)
    rel = pts - np.asarray(centre, dtype=float)
    rho2 = np.einsum("ij,ij->i", rel, rel)
    near = (a2 > 0) & (rho2 < TAPER[1] ** 2 * a2)
    if not near.any():
        return pts
    r, rho, a2 = rel[near], np.sqrt(rho2[near]), a2[near]
    a = np.sqrt(a2)
    taper = 1.0 - _smootherstep((rho / a - TAPER[0]) / (TAPER[1] - TAPER[0]))
    new_rho = np.sqrt(rho * rho + a2 * taper)
    u = r.copy()
    u[:, 2] += 0.5 * np.sqrt(a2 * taper) * a2 * taper / (rho * rho + a2 * taper + 1e-300)
    n = np.linalg.norm(u, axis=1)
    n[n == 0] = 1.0
    pts[near] = np.asarray(centre, dtype=float) + u / n[:, None] * new_rho[:, None]
    return pts


def simplify(pts: np.ndarray, tol: float) -> np.ndarray:
    """Indices (sorted, first and last included) of the points of polyline ``pts`` (n, 3) that
    Douglas-Peucker keeps at tolerance ``tol``: every point left out lies within ``tol`` of the
    segment between the kept points on each side of it."""
    pts = np.asarray(pts, dtype=float)
    n = len(pts)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[[0, n - 1]] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = pts[i], pts[j]
        d = b - a
        rel = pts[i + 1:j] - a
        dd = float(d @ d)
        u = np.clip(rel @ d / dd, 0.0, 1.0) if dd > 0 else np.zeros(j - i - 1)
        dist2 = np.einsum("ij,ij->i", rel - u[:, None] * d, rel - u[:, None] * d)
        m = int(np.argmax(dist2))
        if dist2[m] > tol * tol:
            m += i + 1
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return np.flatnonzero(keep)


def lod_tolerance_km(camera, height_px: int, lo_km: np.ndarray, hi_km: np.ndarray, world) -> float:
    """The largest distance (km) a sample of a set lying in the box ``lo_km``..``hi_km`` may be
    from the drawn line and still be within LOD_PX pixels of it on screen, for ``camera`` (0
    where any of the box is at or behind the camera: draw every sample)."""
    unit = world.km_per_unit
    parallel = camera.GetParallelScale() if camera.GetParallelProjection() else None
    depth = 0.0
    if parallel is None:
        pos = np.asarray(camera.GetPosition(), dtype=float)
        fwd = np.asarray(camera.GetDirectionOfProjection(), dtype=float)
        corners = np.array([[x, y, z] for x in (lo_km[0], hi_km[0]) for y in (lo_km[1], hi_km[1])
                            for z in (lo_km[2], hi_km[2])])
        depth = float(((world.to_scene(corners) - pos) @ fwd).min())  # nearest, scene units
        if depth <= 0.0:
            return 0.0
    px_km = world_size_for_pixels(1.0, depth, camera.GetViewAngle(), max(1, height_px), parallel) * unit
    return LOD_PX * px_km / LOD_PERSPECTIVE


def lod_level(tol_km: float):
    """The tolerance level (a power of two in km, at most ``tol_km``) a set is simplified at,
    or None for every sample."""
    if not tol_km > 1.0:
        return None
    return int(np.floor(np.log2(tol_km)))


def spans_around(lod: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Every index between the kept points ``lod`` (sorted, first and last of the set) on each
    side of each index in ``idx``: the stretches drawn sample by sample where points move."""
    if not len(idx):
        return idx
    q = np.unique(np.clip(np.searchsorted(lod, idx, side="right"), 1, len(lod) - 1))
    lo, hi = lod[q - 1], lod[q]
    out = [np.arange(a, b + 1) for a, b in zip(lo, hi)]
    return np.unique(np.concatenate(out))


@dataclass
class Leg:
    craft: str
    index: int
    times: np.ndarray
    km: np.ndarray  # heliocentric km, as the track gives them
    points: np.ndarray = None  # scene units, as drawn now
    full: pv.PolyData = None
    full_actor: object = None
    flown: pv.PolyData = None
    flown_actor: object = None
    k: int = -1  # points of the leg flown, as drawn now
    chunks: ChunkIndex = None  # where the leg's points are, to map only those near a planet
    base: np.ndarray = None  # scene points before any display map, for base_origin
    base_origin: tuple = None
    moved: bool = True  # whether the drawn points differ from ``base``
    start: int = 0  # index of the leg's first sample in its ship's timeline
    coarse: np.ndarray = None  # indices of the base samples (None: every sample is one)
    wide: bool = False  # drawn through a simplified set of its samples (no planet frame in use)
    lo_km: np.ndarray = None  # bounding box of ``km``
    hi_km: np.ndarray = None
    lod: dict = None  # tolerance level -> indices kept by :func:`simplify` (of the base samples)
    every: np.ndarray = None  # indices of the samples the leg is drawn through now
    level: int = None  # its tolerance level for the camera (see :func:`lod_level`)
    moved_idx: np.ndarray = None  # indices the display map moved at this instant


@dataclass
class Timeline:
    """All samples of one ship's legs in time order, with each planet's frame weight."""

    times: np.ndarray
    km: np.ndarray
    legs: list  # the ship's Leg objects, in order
    near: dict  # body -> (own frame weights, planet km at the samples), bodies the ship nears


def craft_color(plan, cid: str, leg_index: int) -> str:
    if cid == plan.crewed:
        return style.LEG_COLORS[leg_index % len(style.LEG_COLORS)]
    return plan.spacecraft.get(cid, {}).get("color") or style.DEFAULT_CRAFT_COLOR


def flown_color(plan, cid: str, leg_index: int) -> tuple:
    """RGB (0-1) of the flown part of ship ``cid``'s leg ``leg_index``: the crewed ship's legs
    in their own colours, a cargo ship's path in its colour, a little dimmer."""
    color = craft_color(plan, cid, leg_index)
    return style.hex_to_rgb(color) if cid == plan.crewed else style.dim(color, 0.75)


@dataclass(frozen=True)
class LegendEntry:
    """One line of the path legend: which paths it names (``key``), its text and colour."""

    key: tuple  # (ship, leg index) for each of the crewed ship's legs, (ship, None) for a cargo ship
    label: str
    color: tuple  # RGB 0-1, the flown path's colour


def legend_entries(plan) -> list:
    """The path legend of ``plan``: each leg of the crewed ship by where it goes ("Earth to
    Venus"), then each other ship by name (its legs share one colour)."""
    out = []
    for cid, traj in plan.trajectories.items():
        if cid == plan.crewed:
            for i, leg in enumerate(traj.legs):
                out.append(LegendEntry((cid, i), f"{plan.name_of(leg.from_body)} to {plan.name_of(leg.to_body)}",
                                       flown_color(plan, cid, i)))
    for cid in plan.trajectories:
        if cid != plan.crewed:
            out.append(LegendEntry((cid, None), f"{plan.craft_name(cid)} (cargo)", flown_color(plan, cid, 0)))
    return out


def legend_key(plan, cid: str, leg_index: int) -> tuple:
    """The :class:`LegendEntry` key that names leg ``leg_index`` of ship ``cid``."""
    return (cid, leg_index) if cid == plan.crewed else (cid, None)


def hidden_by(points: np.ndarray, eye, spheres) -> np.ndarray:
    """Which ``points`` (scene units) are hidden from ``eye`` behind one of ``spheres``
    ((centre, radius) of each drawn planet)."""
    pts = np.asarray(points, dtype=float)
    out = np.zeros(len(pts), dtype=bool)
    eye = np.asarray(eye, dtype=float)
    d = pts - eye
    dd = np.einsum("ij,ij->i", d, d)
    for centre, radius in spheres:
        c = np.asarray(centre, dtype=float) - eye
        cc = float(c @ c)
        if cc <= radius * radius:
            continue  # the eye inside the sphere: nothing to say
        along = d @ c  # |d| * the distance along the sight line to the closest approach, times |d|
        miss2 = cc - along * along / np.maximum(dd, 1e-300)
        # the sight line meets the sphere in front of the point (and in front of the eye)
        near = along / np.sqrt(np.maximum(dd, 1e-300)) - np.sqrt(np.maximum(radius * radius - miss2, 0.0))
        out |= (miss2 < radius * radius) & (along > 0) & (near * near < dd) & (near > 0)
    return out


#: A path is looked for in the frame through at most this many of its points (evenly spread
#: over its samples, which are denser where it curves near a planet).
IN_FRAME_POINTS = 600


def in_frame(points: np.ndarray, matrix: np.ndarray, eye=None, spheres=(), min_ndc=(0.0, 0.0)) -> bool:
    """Whether a polyline (scene units) shows in the frame of the camera ``matrix`` (the 4x4
    composite projection): points inside it spread over at least ``min_ndc`` (x, y; a frame
    is 2 wide and 2 high) in one direction, or a segment crossing it as far; with
    ``eye`` (the camera's place) and ``spheres`` (the drawn planets), not counting points
    hidden behind a planet (a segment: both its ends hidden)."""
    pts = np.asarray(points, dtype=float)
    if len(pts) > IN_FRAME_POINTS:
        step = -(-len(pts) // IN_FRAME_POINTS)
        pts = np.vstack([pts[::step], pts[-1:]])
    if not len(pts):
        return False
    clip = pts @ matrix[:3, :3].T + matrix[:3, 3]
    w = pts @ matrix[3, :3] + matrix[3, 3]
    front = w > 1e-12
    ndc = np.where(front[:, None], clip[:, :2] / np.where(front, w, 1.0)[:, None], np.nan)
    inside = np.flatnonzero(front & (np.abs(ndc[:, 0]) <= 1.0) & (np.abs(ndc[:, 1]) <= 1.0))
    occlude = eye is not None and bool(spheres)
    if len(inside) and occlude:
        inside = inside[~hidden_by(pts[inside], eye, spheres)]
    if len(inside):
        seen = ndc[inside]
        extent = seen.max(axis=0) - seen.min(axis=0)
        if extent[0] >= min_ndc[0] or extent[1] >= min_ndc[1]:
            return True
    both = np.flatnonzero(front[:-1] & front[1:])
    if not len(both):
        return False
    # Segments with both ends outside the frame: the part of each inside it (Liang-Barsky).
    a, b = ndc[both], ndc[both + 1]
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    ok = np.ones(len(a), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for pk, qk in ((-d[:, 0], a[:, 0] + 1.0), (d[:, 0], 1.0 - a[:, 0]),
                       (-d[:, 1], a[:, 1] + 1.0), (d[:, 1], 1.0 - a[:, 1])):
            r = qk / pk
            ok &= ~((pk == 0) & (qk < 0))
            t0 = np.where(pk < 0, np.maximum(t0, r), t0)
            t1 = np.where(pk > 0, np.minimum(t1, r), t1)
    cut = np.clip(t1 - t0, 0.0, None)
    span = both[ok & (t0 <= t1) & ((cut * np.abs(d[:, 0]) >= min_ndc[0]) | (cut * np.abs(d[:, 1]) >= min_ndc[1]))]
    if not len(span):
        return False
    if not occlude:
        return True
    return bool(not (hidden_by(pts[span], eye, spheres) & hidden_by(pts[span + 1], eye, spheres)).all())


def camera_matrix(ren) -> np.ndarray:
    """The 4x4 world-to-clip matrix of ``ren``'s active camera for its viewport's aspect."""
    w, h = ren.GetSize()
    m = ren.GetActiveCamera().GetCompositeProjectionTransformMatrix(w / max(1, h), -1.0, 1.0)
    return np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])


def leg_samples(plan, cid: str, radii_km: dict, local: bool = True, with_base: bool = False):
    """(times, heliocentric km) of each leg of ship ``cid`` as the scene draws it: every half
    day, densely around encounters and (with planet-centred arcs) where the path changes frame.
    ``with_base``: each also with a mask of its base samples (those but the frame changes')."""
    enc = encounter_times(plan, cid)
    out = []
    for tt, _r in plan.path(cid, FLOWN_STEP_DAYS):
        tt = dense_times(np.asarray(tt, dtype=float), enc, float(tt[0]), float(tt[-1]))
        km = track_km(plan, cid, tt)[0]
        base = np.ones(len(tt), dtype=bool)
        if local and has_local_arcs(plan):
            extra = [blend_times(tt, np.linalg.norm(km - np.asarray(plan.table.state(b, tt)[0]), axis=1)
                                 / radii_km[b], enc, b) for b in PLANETS]
            extra = np.concatenate(extra)
            extra = extra[(extra > tt[0]) & (extra < tt[-1])]
            extra = np.setdiff1d(extra, tt)
            if len(extra):
                km = np.concatenate([np.asarray(km, dtype=float), np.asarray(track_km(plan, cid, extra)[0])])
                tt = np.concatenate([tt, extra])
                base = np.concatenate([base, np.zeros(len(extra), dtype=bool)])
                order = np.argsort(tt)
                tt, km, base = tt[order], km[order], base[order]
        sample = (tt, np.asarray(km, dtype=float))
        out.append((*sample, base) if with_base else sample)
    return out


def make_timeline(plan, legs, radii_km: dict) -> Timeline:
    """The frame weights of a ship's samples (legs: objects with ``times`` and ``km``)."""
    times = np.concatenate([leg.times for leg in legs])
    km = np.concatenate([leg.km for leg in legs])
    near = {}
    if has_local_arcs(plan):
        for b in PLANETS:
            pb = np.asarray(plan.table.state(b, times)[0], dtype=float)
            wd = frame_weight(np.linalg.norm(km - pb, axis=1) / radii_km[b], b)
            if wd.any():
                near[b] = (wd, pb)
    return Timeline(times, km, list(legs), near)


def zoom_weight(scale: float) -> float:
    """How much of a planet's frame a path takes at a planet exaggeration ``scale``: all of it
    up to ZOOM_SCALES[0], none from ZOOM_SCALES[1] (the blend then lies inside the drawn planet,
    where the display map keeps the Sun-centred path clear of it), smooth in log scale."""
    lo, hi = ZOOM_SCALES
    x = (np.log(max(float(scale), 1.0)) - np.log(lo)) / (np.log(hi) - np.log(lo))
    return float(1.0 - _smootherstep(x))


def drawn_km(plan, tl: Timeline, t: float, radii_km: dict, scales: dict | None = None, zoom: dict | None = None):
    """Where the samples of a ship's timeline are drawn at instant ``t`` (before any display
    map), with planets drawn ``scales`` times their true size (default: true size):
    ``(indices, heliocentric km)`` of the samples not drawn where the Sun-centred path has
    them, and their frame weights. ``zoom``: each planet's :func:`zoom_weight` for ``scales``,
    if known."""
    idx_all, km_all, w_all = [], [], []
    for b, (wd, pb) in tl.near.items():
        z = zoom[b] if zoom is not None else zoom_weight(scales[b]) if scales else 1.0
        if z <= 0.0:
            continue
        w = path_weights(wd, tl.times, t) * z
        idx = np.flatnonzero(w > 0)
        if not len(idx):
            continue
        wi = w[idx]
        f = frame_times(tl.times[idx], wi, t)
        now = np.asarray(plan.table.state(b, t)[0], dtype=float)
        shift = np.asarray(plan.table.state(b, f)[0], dtype=float) - now
        km = keep_clear(tl.km[idx] - pb[idx] + now + shift, now, radii_km[b], np.linalg.norm(shift, axis=1))
        idx_all.append(idx)
        km_all.append(km)
        w_all.append(wi)
    if not idx_all:
        return np.empty(0, dtype=int), np.empty((0, 3)), np.empty(0)
    return np.concatenate(idx_all), np.concatenate(km_all), np.concatenate(w_all)


class Trajectories(Visual):
    def build(self) -> None:
        self.legs: list[Leg] = []
        self.timelines: dict = {}
        plan = self.plan
        local = has_local_arcs(plan)
        for cid in plan.trajectories:
            crewed = cid == plan.crewed
            mine = []
            start = 0
            for i, (tt, km, base) in enumerate(leg_samples(plan, cid, self.ctx.true_radii_km, local, True)):
                leg = Leg(cid, i, tt, km, self.world.to_scene(km), chunks=ChunkIndex(km), start=start,
                          coarse=None if base.all() else np.flatnonzero(base),
                          lo_km=km.min(axis=0), hi_km=km.max(axis=0), lod={})
                start += len(tt)
                color = craft_color(plan, cid, i)
                leg.full = polyline(leg.points)
                leg.full_actor = self.sized(self.p.add_mesh(
                    leg.full, color=style.dim(color, 0.42 if crewed else 0.3),
                    line_width=2.0 if crewed else 1.2, lighting=False, pickable=False,
                    name=f"path-{cid}-{i}", reset_camera=False), line=2.0 if crewed else 1.2)
                # the flown part: the leg's points and one more, the ship as drawn
                leg.flown = polyline(np.vstack([leg.points, leg.points[-1:]]))
                leg.flown_actor = self.sized(self.p.add_mesh(
                    leg.flown, color=flown_color(plan, cid, i),
                    line_width=4.0 if crewed else 2.0, lighting=False, pickable=False,
                    name=f"flown-{cid}-{i}", reset_camera=False), line=4.0 if crewed else 2.0)
                self.legs.append(leg)
                mine.append(leg)
            if local:
                self.timelines[cid] = make_timeline(plan, mine, self.ctx.true_radii_km)
        self.index = LegsIndex([leg.chunks for leg in self.legs])
        self._lod_key = None  # (camera, frame height, origin) the legs' tolerance levels are for

    def _levels(self) -> None:
        """Each leg's tolerance level for the camera as it is now (computed when it changes)."""
        cam = self.p.renderer.GetActiveCamera()
        key = (cam.GetMTime(), self.ctx.size[1], tuple(self.world.origin_km))
        if key == self._lod_key:
            return
        self._lod_key = key
        for leg in self.legs:
            leg.level = lod_level(lod_tolerance_km(cam, self.ctx.size[1], leg.lo_km, leg.hi_km, self.world))

    def samples(self, leg: Leg, wide: bool, moved=None) -> np.ndarray:
        """Indices of the samples leg ``leg`` is drawn through now: all of them up close; in
        wide views those of its base samples :func:`simplify` keeps at the camera's tolerance,
        with every base sample of the stretches where the display map moves points (``moved``)."""
        n = len(leg.times)
        if not wide:
            return np.arange(n)
        base = leg.coarse if leg.coarse is not None else np.arange(n)
        if leg.level is None:
            return base
        kept = leg.lod.get(leg.level)
        if kept is None:
            kept = leg.lod[leg.level] = base[simplify(leg.km[base], 2.0 ** leg.level)]
        if moved is not None and len(moved):
            span = spans_around(kept, moved)
            if leg.coarse is not None:
                span = np.intersect1d(span, base, assume_unique=True)
            kept = np.union1d(kept, span)
        return kept

    def refresh_lod(self) -> None:
        """Before a render: if the camera moved since the last update, draw each leg through
        the samples the new camera needs (a zoom in shows more of them)."""
        if not self.legs:
            return
        key = self._lod_key
        self._levels()
        if key != self._lod_key and any(leg.wide for leg in self.legs):
            for leg in self.legs:
                if leg.wide:
                    self._cells(leg, self.samples(leg, True, leg.moved_idx), leg.k)

    def update(self, t: float, shown: dict) -> None:
        """Draw each leg in its planet's frame or the Sun's (see the module's notes) and through
        the display map; grow its flown part to the ship as drawn (``shown``: scene positions
        of the ships)."""
        crewed = self.plan.crewed
        dmap = self.ctx.dmap
        origin = tuple(self.world.origin_km)
        framed: dict = {}  # id(leg) -> (indices in the leg, km)
        scales = self.ctx.scales
        zoom = {b: zoom_weight(s) for b, s in scales.items()} if scales else None
        # With no planet drawn near enough to true size for its frame (the wide views), a path
        # is drawn through its base samples only (the samples added where it changes frame lie
        # on the same Sun-centred curve there), simplified to what the camera can tell apart:
        # each segment drawn costs the software renderer time.
        wide = zoom is None or not any(z > 0.0 for z in zoom.values())
        if wide:
            self._levels()
        for tl in self.timelines.values():
            if zoom is not None and not any(zoom[b] > 0.0 for b in tl.near):
                continue  # every planet it nears drawn too large for its frame: Sun-centred
            idx, km, _w = drawn_km(self.plan, tl, t, self.ctx.true_radii_km, scales, zoom)
            if not len(idx):
                continue
            order = np.argsort(idx)
            idx, km = idx[order], km[order]
            for leg in tl.legs:
                a, b = np.searchsorted(idx, (leg.start, leg.start + len(leg.times)))
                if b > a:
                    framed[id(leg)] = (idx[a:b] - leg.start, km[a:b])
        # The points each leg draws away from its Sun-centred place: those a planet's display
        # map may move and those drawn in a planet's frame; all legs through the map at once.
        near = self.index.split(self.index.near(dmap)) if dmap is not None else None
        todo = []  # (leg, indices, km) of the legs with points to move
        for i, leg in enumerate(self.legs):
            idx = near[i] if near is not None else np.empty(0, dtype=int)
            fr = framed.get(id(leg))
            if fr is not None:
                idx = np.union1d(idx, fr[0])
            if len(idx):
                km = leg.km[idx]
                if fr is not None:
                    km = km.copy()
                    km[np.searchsorted(idx, fr[0])] = fr[1]
                todo.append((leg, idx, km))
        moved = {}
        if todo:
            km = np.concatenate([x[2] for x in todo])
            drawn = self.world.to_scene(km if dmap is None else dmap.apply(km))
            cut = np.cumsum([0] + [len(x[1]) for x in todo])
            moved = {id(leg): (idx, drawn[cut[j]:cut[j + 1]]) for j, (leg, idx, _km) in enumerate(todo)}
        for leg in self.legs:
            fresh = leg.base_origin != origin
            if fresh:
                leg.base = self.world.to_scene(leg.km)
                leg.base_origin = origin
            mv = moved.get(id(leg))
            if mv is not None and np.array_equal(mv[1], leg.base[mv[0]]):
                mv = None  # within a planet's reach box, but the map moved none of its points
            wrote = mv is not None or fresh or leg.moved
            if mv is not None:
                pts = leg.base.copy()
                pts[mv[0]] = mv[1]
                leg.points, leg.moved = pts, True
                write_points(leg.full, pts)
            elif fresh or leg.moved:
                leg.points, leg.moved = leg.base, False
                write_points(leg.full, leg.base)
            n = len(leg.times)
            k = int(np.searchsorted(leg.times, t, side="right"))
            inside = 0 < k < n
            leg.wide = wide
            leg.moved_idx = mv[0] if mv is not None else None
            if wrote or inside:
                ship = shown[leg.craft] if inside else leg.points[-1]
                write_points(leg.flown, np.vstack([leg.points, ship[None, :]]))
            self._cells(leg, self.samples(leg, wide, leg.moved_idx), k)
            flown = k > 0 and (k >= 2 or inside)
            leg.flown_actor.SetVisibility(bool(flown and (self.ctx.opt.cargo or leg.craft == crewed)))

    def _cells(self, leg: Leg, every: np.ndarray, k: int) -> None:
        """Draw leg ``leg`` through its samples ``every``, flown up to sample ``k`` (the ship):
        the flown part bright, the rest dim (only ahead of the ship: behind it the flown part
        would cover it)."""
        n = len(leg.times)
        changed = leg.every is None or not np.array_equal(every, leg.every)
        if not changed and k == leg.k:
            return
        leg.every = every
        leg.k = k
        inside = 0 < k < n
        if k <= 0:
            flown, ahead = np.empty(0, dtype=int), every
        elif not inside:
            flown, ahead = every, np.empty(0, dtype=int)
        else:
            j = int(np.searchsorted(every, k))
            flown, ahead = np.append(every[:j], n), every[max(j - 1, 0):]
        set_line_cells(leg.flown, flown)
        set_line_cells(leg.full, ahead)

    def in_view(self, matrix: np.ndarray, eye=None, spheres=(), min_ndc=(0.0, 0.0)) -> set:
        """Legend keys (see :class:`LegendEntry`) of the legs drawn in the frame of ``matrix``
        (and not hidden behind ``spheres`` from ``eye``, see :func:`in_frame`)."""
        seen = set()
        for leg in self.legs:
            key = legend_key(self.plan, leg.craft, leg.index)
            if key in seen or not leg.full_actor.GetVisibility():
                continue
            pts = leg.points if leg.every is None else leg.points[leg.every]  # as drawn
            if in_frame(pts, matrix, eye, spheres, min_ndc):
                seen.add(key)
        return seen

    def apply_options(self, opt) -> None:
        for leg in self.legs:
            show = opt.cargo or leg.craft == self.plan.crewed
            leg.full_actor.SetVisibility(show)
            leg.flown_actor.SetVisibility(show)


#: Points around a drawn parking orbit (evenly spaced in eccentric anomaly).
ORBIT_POINTS = 720
#: A parking orbit is drawn while its planet is drawn at most this many times its true size
#: (about the planet at or near true size; hidden in wide views, where the planet drawn
#: enlarged would swallow it).
ORBIT_MAX_SCALE = ZOOM_SCALES[0]


def orbit_style(plan, cid: str, leg_index: int) -> tuple:
    """(colour, line width at 720 px) of ship ``cid``'s parking orbit: its path's colour (the
    leg it arrived on), dimmer and thinner than the flown path."""
    crewed = cid == plan.crewed
    color = craft_color(plan, cid, max(leg_index, 0))
    return style.dim(color, 0.6 if crewed else 0.45), (1.5 if crewed else 1.0)


class ParkingOrbits(Visual):
    """The closed orbit each parked ship is on (a capture ellipse, a parking orbit), drawn in
    its planet's frame at true scale where that planet is drawn at or near true size, so that
    a ship in orbit sits on a line (see ``Plan.parking_orbit``)."""

    def build(self) -> None:
        self.polys: dict = {}
        self.actors: dict = {}
        self.current: dict = {}  # cid -> (body, conic) drawn now, or None
        self._local: dict = {}  # cid -> (conic id, planet-centred km of its points)
        self.shown_km: dict = {}  # cid -> heliocentric km of the points as drawn (after the map)
        if not has_local_arcs(self.plan) or not hasattr(self.plan, "parking_orbit"):
            return
        for cid in self.plan.trajectories:
            poly = polyline(np.zeros((ORBIT_POINTS + 1, 3)))
            color, width = orbit_style(self.plan, cid, 0)
            actor = self.sized(self.p.add_mesh(
                poly, color=color, line_width=width, lighting=False, pickable=False,
                name=f"parking-orbit-{cid}", reset_camera=False), line=width)
            actor.SetVisibility(False)
            self.polys[cid], self.actors[cid] = poly, actor
            self.current[cid] = None

    def points_km(self, cid: str, conic) -> np.ndarray:
        """Planet-centred km of the drawn orbit (closed: the first point again at the end)."""
        from marsviz.mission.local import ellipse_points

        key = id(conic)
        got = self._local.get(cid)
        if got is None or got[0] != key:
            pts = ellipse_points(conic, ORBIT_POINTS)
            got = (key, np.vstack([pts, pts[:1]]))
            self._local[cid] = got
        return got[1]

    def update(self, t: float) -> None:
        plan, ctx = self.plan, self.ctx
        self.shown_km = {}
        for cid, actor in self.actors.items():
            orbit = plan.parking_orbit(cid, t)
            show = orbit is not None and (cid == plan.crewed or ctx.opt.cargo)
            if show:
                body, conic = orbit
                show = ctx.scales.get(body, 1.0) <= ORBIT_MAX_SCALE
            if not show:
                actor.SetVisibility(False)
                self.current[cid] = None
                continue
            if self.current[cid] is None or self.current[cid][1] is not conic:
                seg = plan.segment_at(cid, t)
                color, _w = orbit_style(plan, cid, seg.leg if seg.leg is not None else 0)
                actor.GetProperty().SetColor(*color)
            self.current[cid] = orbit
            km = self.points_km(cid, conic) + np.asarray(plan.table.state(body, t)[0], dtype=float)
            if ctx.dmap is not None:
                km = ctx.dmap.apply(km)
            self.shown_km[cid] = km
            write_points(self.polys[cid], self.world.to_scene(km))
            actor.SetVisibility(True)

    def in_view(self, matrix: np.ndarray, eye=None, spheres=(), min_ndc=(0.0, 0.0)) -> set:
        """Legend keys of the parking orbits drawn in the frame of ``matrix`` (each drawn in the
        colour of the leg its ship arrived on)."""
        seen = set()
        for cid, actor in self.actors.items():
            if actor.GetVisibility() and in_frame(np.asarray(self.polys[cid].points), matrix, eye, spheres, min_ndc):
                seg = self.plan.segment_at(cid, self.ctx.t)
                seen.add(legend_key(self.plan, cid, seg.leg if seg.leg is not None else 0))
        return seen

    def apply_options(self, opt) -> None:
        self.update(self.ctx.t)
