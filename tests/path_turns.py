"""How sharply the drawn paths turn on screen, against the trajectories they stand for.

A path near a planet is drawn in the planet's frame, far from it in the Sun's, blended between
(``marsviz.scene.paths``). The blend must not add a hairpin or make the line run back on itself
on screen where neither frame's trajectory does. :func:`worst_turns` measures that for the scene
as it is now (an instant and a camera): every visible leg's drawn points projected to pixels, the
turn at each vertex whose two arms are at least ``arm_px`` long (a vertex walk that keeps a point
once it lies ``arm_px`` from the last one kept, so that sub-pixel wiggles do not count), and the
same turn for the true trajectory at the same samples: the planet-centred one (``local_state``
in the frame of the planet the sample is nearest, anchored where that planet is now) and the
Sun-centred one. A turn is a fault by the amount it exceeds the sharper of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsviz.mission.plan import PLANETS


def projector(scene):
    """A function: scene points (n, 3) -> (pixels (n, 2) from the bottom left, in front (n,))."""
    w, h = scene.p.window_size
    cam = scene.p.renderer.GetActiveCamera()
    m = cam.GetCompositeProjectionTransformMatrix(w / h, -1.0, 1.0)
    M = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])

    def project(pts):
        q = np.c_[np.asarray(pts, dtype=float), np.ones(len(pts))] @ M.T
        front = q[:, 3] > 0
        ww = np.where(front, q[:, 3], 1.0)
        ndc = q[:, :2] / ww[:, None]
        return np.c_[(ndc[:, 0] + 1) * w / 2, (ndc[:, 1] + 1) * h / 2], front

    return project


def walk(xy: np.ndarray, arm_px: float) -> np.ndarray:
    """Indices of the vertices kept by walking ``xy``: the first, then each one ``arm_px`` or
    more from the last kept."""
    keep = [0]
    last = xy[0]
    for i in range(1, len(xy)):
        if np.hypot(*(xy[i] - last)) >= arm_px:
            keep.append(i)
            last = xy[i]
    return np.asarray(keep, dtype=int)


def _angles(a, b):
    """Angles (degrees) between rows of ``a`` and ``b``."""
    dot = np.einsum("ij,ij->i", a, b)
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return np.degrees(np.abs(np.arctan2(cross, dot)))


def vertex_turns(xy: np.ndarray, arm_px: float):
    """(kept indices, turn in degrees at each interior kept vertex) of a screen polyline."""
    k = walk(xy, arm_px)
    if len(k) < 3:
        return k, np.empty(0)
    d = np.diff(xy[k], axis=0)
    return k, _angles(d[:-1], d[1:])


def max_turn_between(xy: np.ndarray, times: np.ndarray, t0: float, t1: float, arm_px: float) -> float:
    """The sharpest turn of screen polyline ``xy`` (sampled at ``times``) between t0 and t1,
    with arms of ``arm_px`` (a hairpin smaller than that counts as one turn of 180 degrees)."""
    m = (times >= t0) & (times <= t1)
    if m.sum() < 3:
        return 0.0
    pts = xy[m]
    k, ang = vertex_turns(pts, arm_px)
    best = float(ang.max()) if len(ang) else 0.0
    # a whole excursion shorter than an arm but with the ends close: a tight turn of its own
    if len(k) < 3:
        span = np.linalg.norm(pts - pts[0], axis=1)
        if span.max() >= 0.5 * arm_px and np.hypot(*(pts[-1] - pts[0])) < 0.5 * span.max():
            best = 180.0
    return best


@dataclass
class Turn:
    excess: float  # degrees beyond the sharper true turn
    drawn: float  # degrees, drawn
    true: float  # degrees, the sharper of the planet-centred and Sun-centred turns
    craft: str
    leg: int
    t_sample: float  # instant of the vertex
    body: str  # planet the vertex is nearest (its frame is the planet-centred reference)
    d_radii: float  # planet-centred distance of the vertex, planet radii
    w: float  # that planet's frame weight in the drawn path (1: its frame; 0: the Sun's)
    px: tuple  # vertex, pixels from the bottom left
    arms_px: tuple  # lengths of the two arms


def occluded(scene, pts: np.ndarray) -> np.ndarray:
    """Which scene points ``pts`` a drawn planet hides from the camera."""
    cam = np.array(scene.p.renderer.GetActiveCamera().GetPosition())
    d = pts - cam
    L = np.linalg.norm(d, axis=1)
    u = d / np.where(L > 0, L, 1.0)[:, None]
    out = np.zeros(len(pts), dtype=bool)
    for b in PLANETS:
        c = np.array(scene.planet_actors[b].GetPosition()) - cam
        r = scene.radii_au[b]
        along = u @ c
        miss2 = float(c @ c) - along ** 2
        out |= (miss2 < r * r) & (L > along - np.sqrt(np.maximum(r * r - miss2, 0.0)))
    return out


def _frame_weights(scene, leg) -> dict:
    """Planet -> the frame weight of each of ``leg``'s samples as drawn now."""
    from marsviz.scene import paths

    traj = scene.trajectories
    tl = traj.timelines.get(leg.craft)
    out = {}
    if tl is None:
        return out
    scales = scene.ctx.scales
    for b, (wd, _pb) in tl.near.items():
        z = paths.zoom_weight(scales[b]) if scales else 1.0
        w = paths.path_weights(wd, tl.times, scene.ctx.t) * z
        out[b] = w[leg.start:leg.start + len(leg.times)]
    return out


def worst_turns(scene, arm_px: float = 4.0, window: float = 0.1, cargo: bool | None = None) -> list:
    """Every drawn vertex of a visible leg on (or within ``window`` of the frame size around)
    the screen whose turn exceeds the true trajectories' turn there, worst first (a list of
    :class:`Turn`; empty when none does)."""
    plan = scene.plan
    t = scene.ctx.t
    project = projector(scene)
    w_px, h_px = scene.p.window_size
    lo = np.array([-window * w_px, -window * h_px])
    hi = np.array([(1 + window) * w_px, (1 + window) * h_px])
    dmap = scene.ctx.dmap
    R = scene.ctx.true_radii_km
    now = {b: np.asarray(plan.table.state(b, t)[0], dtype=float) for b in PLANETS}
    out = []
    for leg in scene.trajectories.legs:
        if not leg.full_actor.GetVisibility():
            continue
        cells = np.asarray(leg.full.lines)[1:]
        pts = np.asarray(leg.points)[cells]
        times = leg.times[cells]
        xy, front = project(pts)
        on = front & np.all((xy >= lo) & (xy <= hi), axis=1)
        if on.sum() < 3:
            continue
        # the stretch in view (and in front of the camera), from its first to its last point
        i0, i1 = np.flatnonzero(on)[[0, -1]]
        if not front[i0:i1 + 1].all():
            continue  # runs behind the camera: no meaningful screen turn
        xy, times, pts = xy[i0:i1 + 1], times[i0:i1 + 1], pts[i0:i1 + 1]
        k, ang = vertex_turns(xy, arm_px)
        if not len(ang):
            continue
        hidden = occluded(scene, pts)
        # the true trajectories at the same samples: Sun-centred, and planet-centred about the
        # planet each sample is nearest (in planet radii), anchored where that planet is now
        helio = np.asarray(plan.local_state(leg.craft, times, "sun")[0], dtype=float)
        rel = {b: helio - np.asarray(plan.table.state(b, times)[0], dtype=float) for b in PLANETS}
        dr = np.array([np.linalg.norm(rel[b], axis=1) / R[b] for b in PLANETS])
        near = np.argmin(dr, axis=0)
        refs = {"sun": helio}
        for j, b in enumerate(PLANETS):
            if (near == j).any():
                refs[b] = rel[b] + now[b]
        ref_xy = {}
        for name, km in refs.items():
            km = dmap.apply(km) if dmap is not None else km
            ref_xy[name] = project(scene.world.to_scene(km))[0]
        weights = _frame_weights(scene, leg)
        cells_i0 = cells[i0:i1 + 1]
        for j in np.argsort(ang)[::-1]:
            a, v, c = k[j], k[j + 1], k[j + 2]
            if hidden[v] or not on[i0 + v]:
                continue  # behind a drawn planet or off the screen: not seen
            body = PLANETS[near[v]]
            true = max(max_turn_between(ref_xy[name], times, times[a], times[c], arm_px)
                       for name in ("sun", body))
            excess = float(ang[j] - true)
            if excess <= 0.0:
                continue
            wb = weights.get(body)
            out.append(Turn(excess, float(ang[j]), true, leg.craft, leg.index, float(times[v]), body,
                            float(dr[near[v], v]), float(wb[cells_i0[v]]) if wb is not None else 0.0,
                            (float(xy[v, 0]), float(xy[v, 1])),
                            (float(np.hypot(*(xy[v] - xy[a]))), float(np.hypot(*(xy[c] - xy[v]))))))
            if len([x for x in out if x.leg == leg.index and x.craft == leg.craft]) >= 5:
                break
    out.sort(key=lambda x: -x.excess)
    return out


def aim(scene, body: str, distance_radii: float, direction) -> None:
    """Camera looking at ``body``'s drawn centre from ``distance_radii`` of its true radii
    along ``direction`` (heliocentric ecliptic), the scene placed for that zoom."""
    direction = np.asarray(direction, dtype=float)
    direction = direction / np.linalg.norm(direction)
    scene.set_camera(body)  # a tracking preset: the origin on the planet
    cam = scene.p.camera
    centre = np.array(scene.planet_actors[body].GetPosition())
    d = scene.world.length(distance_radii * scene.ctx.true_radii_km[body])
    cam.focal_point = tuple(centre)
    cam.position = tuple(centre + direction * d)
    up = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.95 else np.array([0.0, 1.0, 0.0])
    cam.up = tuple(up)
    scene._place()
