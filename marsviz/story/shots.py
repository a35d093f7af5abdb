"""Camera shots as numbers: where each event is seen from, and smooth moves between shots.

A shot is a string: ``overview``, ``inner``, ``planet:<body>``, ``surface:<site>``,
``ship:<craft>`` or ``title``. :func:`shot_pose` turns a shot into a :class:`CameraPose`
(heliocentric J2000-ecliptic km) at a mission instant; :func:`blend` moves between two poses
along a smooth zoom-and-pan path (van Wijk and Nuij, "Smooth and efficient zooming and
panning", 2003), so a move from the whole Solar System to a landing site keeps a steady speed
on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from marsviz.mission.plan import AU_KM, PLANETS

VIEW_ANGLE_DEG = 30.0
RHO = math.sqrt(2.0)
#: Camera distance from the focal point, by shot family.
PLANET_VIEW_RADII = 30.0      # planet-centred: the capture orbit and the hyperbola fit
SURFACE_VIEW_RADII = 1.6      # a surface site: camera this far above the site (planet radii)
SHIP_VIEW_KM = 2.0e6          # riding with the ship: the ship and nearby planets
OVERVIEW_POS_AU = (0.0, -2.6, 5.6)
INNER_POS_AU = (0.0, -1.9, 4.4)
SHOT_FAMILIES = ("overview", "inner", "planet", "surface", "ship", "title")
DEFAULT_SITE = "landing"


@dataclass(frozen=True)
class CameraPose:
    """A camera: focal point, position and up vector (heliocentric J2000-ecliptic km).

    ``origin`` names the body or spacecraft the shot is about; a renderer can use it as its
    floating origin for precision.
    """

    focal_km: tuple
    position_km: tuple
    up: tuple
    view_angle_deg: float
    origin: str

    @property
    def distance_km(self) -> float:
        return float(np.linalg.norm(np.subtract(self.position_km, self.focal_km)))

    def to_dict(self) -> dict:
        return {"focal_km": [float(x) for x in self.focal_km],
                "position_km": [float(x) for x in self.position_km],
                "up": [float(x) for x in self.up], "view_angle_deg": float(self.view_angle_deg),
                "origin": self.origin}


def parse_shot(shot: str) -> tuple[str, str | None]:
    """(family, argument) of a shot string; raises ValueError for an unknown family."""
    fam, _, arg = shot.partition(":")
    if fam not in SHOT_FAMILIES:
        raise ValueError(f"unknown shot {shot!r}")
    return fam, (arg or None)


def shot_name(plan, shot: str) -> str:
    """A shot as a viewer reads it: "Mars", "Riding with Terra Nova", "Mars surface (landing)"."""
    fam, arg = parse_shot(shot)
    if fam == "planet":
        return arg.capitalize()
    if fam == "ship":
        return f"Riding with {plan.craft_name(arg)}"
    if fam == "surface":
        return f"Mars surface ({arg.replace('_', ' ')} site)"
    return {"overview": "Ecliptic overview", "inner": "Inner planets", "title": "Title"}[fam]


def asks_for_cut(shot: str) -> bool:
    """Title sequences start with a cut; every other shot is reached by a move."""
    return parse_shot(shot)[0] == "title"


# ---------------------------------------------------------------------------------------------
# Positions, cheaply (no orbital-mechanics engine: the plan keeps dense samples of every leg)
# ---------------------------------------------------------------------------------------------
def craft_rv(plan, cid: str, t: float):
    """Position (km) and unit direction of motion of spacecraft ``cid`` at ``t``."""
    t = float(plan.clamp(t))
    for tt, r in plan.path(cid):
        if tt[0] <= t <= tt[-1]:
            k = int(np.clip(np.searchsorted(tt, t), 1, len(tt) - 1))
            u = (t - tt[k - 1]) / (tt[k] - tt[k - 1])
            pos = r[k - 1] + u * (r[k] - r[k - 1])
            d = r[k] - r[k - 1]
            return pos, d / (np.linalg.norm(d) or 1.0)
    traj = plan.trajectories[cid]
    body = plan._parked_body(traj, [t])[0]
    r, v = plan.body_state(body, t)
    return np.asarray(r, dtype=float), np.asarray(v) / (np.linalg.norm(v) or 1.0)


def origin_position(plan, origin: str, t: float) -> np.ndarray:
    """Heliocentric position (km) of a shot's origin at ``t``."""
    if origin == "sun":
        return np.zeros(3)
    if origin in plan.trajectories:
        return craft_rv(plan, origin, t)[0]
    return np.asarray(plan.body_state(origin, float(plan.clamp(t)))[0], dtype=float)


def radius_km(plan, body: str) -> float:
    return float(plan.constants[body]["R"])


def site_position(plan, site: str, t: float, ev=None) -> np.ndarray:
    """Heliocentric position (km) of surface site ``site`` on Mars at ``t``.

    Uses the plan's own surface sites when it has them; otherwise a point on Mars's surface
    facing the Sun at the event, placed from the event's location (kept as an offset from Mars,
    so the site moves with the planet).
    """
    if hasattr(plan, "site_position"):
        try:
            return np.asarray(plan.site_position(site, t), dtype=float)
        except KeyError:
            pass
    mars = np.asarray(plan.body_state("mars", float(plan.clamp(t)))[0], dtype=float)
    t_ref = float(plan.clamp(plan.milestones.get("mars_arrival", t)))
    mars_ref = np.asarray(plan.body_state("mars", t_ref)[0], dtype=float)
    loc = plan.event_location(ev) if ev is not None else None
    if loc is not None:
        loc = np.asarray(loc) - np.asarray(plan.body_state("mars", float(plan.clamp(ev.t)))[0]) + mars_ref
    rel = (np.asarray(loc) - mars_ref) if loc is not None else np.zeros(3)
    R = radius_km(plan, "mars")
    if np.linalg.norm(rel) < 0.5 * R:
        # No site on the surface: the sub-solar side, 25 degrees north of the ecliptic.
        sun_dir = -mars_ref / np.linalg.norm(mars_ref)
        n = sun_dir * math.cos(math.radians(25)) + np.array([0.0, 0.0, math.sin(math.radians(25))])
        rel = R * n / np.linalg.norm(n)
    return mars + rel


# ---------------------------------------------------------------------------------------------
# Poses
# ---------------------------------------------------------------------------------------------
def _pose(focal, position, origin, up=(0.0, 0.0, 1.0)) -> CameraPose:
    return CameraPose(tuple(float(x) for x in focal), tuple(float(x) for x in position),
                      tuple(float(x) for x in up), VIEW_ANGLE_DEG, origin)


def shot_pose(plan, shot: str, t: float, ev=None) -> CameraPose:
    """The camera pose of ``shot`` at mission instant ``t`` (``ev``: the event it frames)."""
    fam, arg = parse_shot(shot)
    if fam == "overview":
        return _pose((0, 0, 0), np.array(OVERVIEW_POS_AU) * AU_KM, "sun")
    if fam == "inner":
        return _pose((0, 0, 0), np.array(INNER_POS_AU) * AU_KM, "sun")
    if fam == "title":
        where = ev.where if ev is not None else "mars"
        if where in PLANETS:
            return planet_pose(plan, where, t, 6.0 * PLANET_VIEW_RADII)
        return ship_pose(plan, where, t)
    if fam == "planet":
        return planet_pose(plan, arg, t)
    if fam == "ship":
        return ship_pose(plan, arg or plan.crewed, t)
    return surface_pose(plan, arg or DEFAULT_SITE, t, ev)


def planet_pose(plan, body: str, t: float, radii: float = PLANET_VIEW_RADII) -> CameraPose:
    c = origin_position(plan, body, t)
    outward = c / (np.linalg.norm(c) or 1.0)
    # On the sunward side, above the ecliptic, looking out: the planet is lit.
    off = -0.7 * outward + np.array([0.0, 0.0, 0.55])
    off = off / np.linalg.norm(off) * radii * radius_km(plan, body)
    return _pose(c, c + off, body)


def ship_pose(plan, cid: str, t: float) -> CameraPose:
    r, d = craft_rv(plan, cid, t)
    outward = r / (np.linalg.norm(r) or 1.0)
    # Behind, above and a little outside the ship, looking along its path.
    off = -0.75 * d + 0.35 * outward + np.array([0.0, 0.0, 0.6])
    off = off / np.linalg.norm(off) * SHIP_VIEW_KM
    return _pose(r, r + off, cid)


def surface_pose(plan, site: str, t: float, ev=None) -> CameraPose:
    s = site_position(plan, site, t, ev)
    mars = origin_position(plan, "mars", t)
    n = (s - mars) / np.linalg.norm(s - mars)
    side = np.cross([0.0, 0.0, 1.0], n)
    side = side / (np.linalg.norm(side) or 1.0)
    R = radius_km(plan, "mars")
    # Above the site, tilted so the horizon and the planet's limb are in view.
    pos = s + R * SURFACE_VIEW_RADII * (0.8 * n + 0.6 * side)
    up = n
    return _pose(s, pos, "mars", up=up)


# ---------------------------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------------------------
def ease(u: float) -> float:
    """Smooth start and stop (cubic smoothstep), 0 -> 0, 1 -> 1."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


def _width(p: CameraPose) -> float:
    return 2.0 * p.distance_km * math.tan(math.radians(p.view_angle_deg) / 2.0)


def move_length(a: CameraPose, b: CameraPose) -> float:
    """Length of the smooth zoom-and-pan path from ``a`` to ``b`` (in units of the view)."""
    return _zoom_path(np.array(a.focal_km), _width(a), np.array(b.focal_km), _width(b))[0] + \
        _angle(a, b) / math.radians(a.view_angle_deg)


def _angle(a: CameraPose, b: CameraPose) -> float:
    da = np.subtract(a.position_km, a.focal_km)
    db = np.subtract(b.position_km, b.focal_km)
    c = float(np.dot(da, db) / (np.linalg.norm(da) * np.linalg.norm(db)))
    return math.acos(min(1.0, max(-1.0, c)))


def _zoom_path(c0, w0, c1, w1):
    """(S, f) with f(s) -> (centre, width) along the optimal path of length S."""
    u1 = float(np.linalg.norm(c1 - c0))
    if u1 < 1e-9 * max(w0, w1):
        S = abs(math.log(w1 / w0)) / RHO
        k = 1.0 if w1 >= w0 else -1.0

        def f(s):
            return c0 + (c1 - c0) * (s / S if S > 0 else 1.0), w0 * math.exp(k * RHO * s)
        return S, f
    r2, r4 = RHO ** 2, RHO ** 4
    b0 = (w1 * w1 - w0 * w0 + r4 * u1 * u1) / (2.0 * w0 * r2 * u1)
    b1 = (w1 * w1 - w0 * w0 - r4 * u1 * u1) / (2.0 * w1 * r2 * u1)
    q0, q1 = -math.asinh(b0), -math.asinh(b1)
    S = (q1 - q0) / RHO
    unit = (c1 - c0) / u1

    def f(s):
        u = w0 / r2 * (math.cosh(q0) * math.tanh(RHO * s + q0) - math.sinh(q0))
        w = w0 * math.cosh(q0) / math.cosh(RHO * s + q0)
        return c0 + unit * u, w
    return S, f


def _slerp(a, b, u):
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    om = math.acos(min(1.0, max(-1.0, float(np.dot(a, b)))))
    if om < 1e-6:
        v = a + u * (b - a)
    elif om > math.pi - 1e-6:
        v = a + u * (b - a) + math.sin(math.pi * u) * np.array([0.0, 0.0, 1.0])
    else:
        v = (math.sin((1 - u) * om) * a + math.sin(u * om) * b) / math.sin(om)
    return v / np.linalg.norm(v)


def blend(a: CameraPose, b: CameraPose, u: float) -> CameraPose:
    """The pose a fraction ``u`` (0..1, already eased) of the way along the move from a to b."""
    if u <= 0.0:
        return a
    if u >= 1.0:
        return b
    S, f = _zoom_path(np.array(a.focal_km), _width(a), np.array(b.focal_km), _width(b))
    c, w = f(u * S)
    if S <= 0:
        c = np.array(a.focal_km) + u * (np.array(b.focal_km) - np.array(a.focal_km))
        w = _width(a)
    da = np.subtract(a.position_km, a.focal_km)
    db = np.subtract(b.position_km, b.focal_km)
    direction = _slerp(da, db, u)
    fov = a.view_angle_deg + u * (b.view_angle_deg - a.view_angle_deg)
    dist = w / (2.0 * math.tan(math.radians(fov) / 2.0))
    up = np.add(np.multiply(a.up, 1 - u), np.multiply(b.up, u))
    if np.linalg.norm(up) < 1e-6:
        up = np.array([0.0, 0.0, 1.0])
    up = up / np.linalg.norm(up)
    return CameraPose(tuple(float(x) for x in c), tuple(float(x) for x in c + direction * dist),
                      tuple(float(x) for x in up), fov, a.origin if u < 0.5 else b.origin)


def view_change(plan, a: CameraPose, ta: float, b: CameraPose, tb: float) -> float:
    """How far the view moved from pose ``a`` (at ``ta``) to ``b`` (at ``tb``), in views.

    Measured in the frame of ``a``'s origin (a camera riding with Mars has not moved when Mars
    has): the focal shift over the half-width of the view, plus the change of zoom (log) and
    of viewing direction over the view angle.
    """
    shift = origin_position(plan, a.origin, tb) - origin_position(plan, a.origin, ta)
    fa = np.array(a.focal_km)
    fb = np.array(b.focal_km) - shift
    half = a.distance_km * math.tan(math.radians(a.view_angle_deg) / 2.0)
    pan = float(np.linalg.norm(fb - fa)) / half
    zoom = abs(math.log(b.distance_km / a.distance_km))
    turn = _angle(a, b) / math.radians(a.view_angle_deg)
    return pan + zoom + turn
