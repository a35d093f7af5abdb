"""Camera shots as numbers: where each event is seen from, and smooth moves between shots.

A shot is a string: ``overview``, ``inner``, ``planet:<body>``, ``surface:<site>``,
``ship:<craft>`` or ``title``; the storyboard's own ``planet:<body>/<craft>`` is a planet seen so
that a ship there is not behind it (that ship's own arrival, departure or landing). :func:`shot_pose` turns a shot into a :class:`CameraPose`
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
SHOT_FAMILIES = ("overview", "inner", "planet", "surface", "ship", "title", "preset")
#: The camera presets of the window and the exporter (``marsviz.scene.camera``), as numbers:
#: fixed ones about the Sun (position, focal point in AU) ...
PRESET_FIXED_AU = {
    "overview": ((0.0, -2.6, 5.6), (0.0, 0.0, 0.0)),
    "inner": ((0.0, -0.9, 3.4), (0.0, 0.0, 0.0)),
}
#: ... and tracking ones: (target, None for the crewed ship; camera distance in km).
PRESET_TRACK_KM = {
    "follow": (None, 0.5 * AU_KM),
    "earth": ("earth", 0.5 * AU_KM),
    "mars": ("mars", 0.5 * AU_KM),
    "venus": ("venus", 0.5 * AU_KM),
    "venus-flyby": ("venus", 80_000.0),
    "mars-arrival": ("mars", 150_000.0),
    "mars-stay": ("mars", 45_000.0),  # a plan with no parking orbit at Mars: Mars alone
    "earth-approach": ("earth", 255_000.0),
    "ship": (None, 0.22),
}
#: Presets that look at one encounter of the crewed ship: (planet, kind of encounter). Their
#: line of sight comes from the encounter's geometry (see :func:`encounter_offset`).
ENCOUNTER_PRESETS = {"venus-flyby": ("venus", "flyby"), "earth-approach": ("earth", "return"),
                     "mars-stay": ("mars", "stay")}
#: venus-flyby: the camera this far (degrees) from the hyperbola's pole, tipped away from the
#: periapsis: the whole swing-by in view, the ship never behind the planet (that needs 33 deg).
FLYBY_TILT_DEG = 25.0
#: earth-approach: the camera behind the Earth, this far (degrees) off the line to the incoming
#: ship: the ship, from 1.6 million km out to the entry interface, in the upper half of the view.
APPROACH_TILT_DEG = 10.0
#: mars-stay: the part of the frame (left, right, bottom, top; fractions of the width and the
#: height, from the bottom left) that Mars and every orbit of the stay fill: above the event
#: card (and the light-time countdown over it) and below the heads-up text, at 16:9.
STAY_REGION = (0.06, 0.94, 0.43, 0.79)
STAY_ASPECT = 16.0 / 9.0
#: mars-stay: Terra Nova's capture ellipse is seen at most this far (degrees) from face-on, so
#: that it reads as an ellipse; within that, the line of sight that needs the nearest camera.
STAY_FACE_ON_DEG = 55.0
PRESETS = (*PRESET_FIXED_AU, *PRESET_TRACK_KM)
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
    if fam not in SHOT_FAMILIES and shot in PRESETS:
        return "preset", shot  # a camera preset by its own name ("mars-stay")
    if fam not in SHOT_FAMILIES or (fam == "preset" and arg not in PRESETS):
        raise ValueError(f"unknown shot {shot!r}")
    return fam, (arg or None)


def shown_shot(shot: str) -> str:
    """A shot as a frame state names it: a preset by its own name ("preset:inner" -> "inner")."""
    fam, arg = parse_shot(shot)
    return arg if fam == "preset" else shot


def shot_name(plan, shot: str) -> str:
    """A shot as a viewer reads it: "Mars", "Riding with Terra Nova", "Mars surface (landing)"."""
    fam, arg = parse_shot(shot)
    if fam == "planet":
        return arg.partition("/")[0].capitalize()
    if fam == "ship":
        return f"Riding with {plan.craft_name(arg)}"
    if fam == "surface":
        return f"Mars surface ({arg.replace('_', ' ')} site)"
    if fam == "preset":
        return arg.replace("-", " ").capitalize()
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


def default_site(plan) -> str:
    """The site a surface shot shows when an event names none: the plan's first Mars site."""
    for sid, site in (getattr(plan, "sites", None) or {}).items():
        if getattr(site, "body", None) == "mars" or (isinstance(site, dict) and site.get("body") == "mars"):
            return sid
    return DEFAULT_SITE


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
    if fam == "preset":
        return preset_pose(plan, arg, t)
    if fam == "title":
        where = ev.where if ev is not None else "mars"
        if where in PLANETS:
            return planet_pose(plan, where, t, 6.0 * PLANET_VIEW_RADII)
        return ship_pose(plan, where, t)
    if fam == "planet":
        body, _, cid = arg.partition("/")
        keep = None
        if cid in plan.trajectories:  # a ship's own milestone: keep the ship seen
            keep = ship_side(plan, cid, body, ev.t if ev is not None else t)
        return planet_pose(plan, body, t, keep=keep)
    if fam == "ship":
        return ship_pose(plan, arg or plan.crewed, t)
    return surface_pose(plan, arg or default_site(plan), t, ev)


def preset_pose(plan, preset: str, t: float) -> CameraPose:
    """The pose of camera preset ``preset`` at ``t``, as the scene's camera rig sets it: fixed
    above the Sun, or beside its target (a planet, or the crewed ship) at a set distance."""
    if preset in PRESET_FIXED_AU:
        position, focal = PRESET_FIXED_AU[preset]
        return _pose(np.array(focal) * AU_KM, np.array(position) * AU_KM, "sun")
    target, dist = PRESET_TRACK_KM[preset]
    target = target or plan.crewed
    c = np.asarray(plan.position(target, float(plan.clamp(t))), dtype=float)
    outward = c / (np.linalg.norm(c) or 1.0)
    if preset == "mars-stay":
        frame = stay_frame(plan)
        if frame is not None:
            focal_off, off, up, dist = frame
            return _pose(c + focal_off, c + focal_off + off * dist, target, up)
    framed = encounter_offset(plan, preset, t)
    if framed is not None:
        off, up = framed
        return _pose(c, c + off * dist, target, up)
    if preset in ("follow", "ship"):
        # Above and beside the craft, looking back towards the Sun.
        side = np.cross([0.0, 0.0, 1.0], outward)
        off = 0.35 * outward - 0.75 * side + np.array([0.0, 0.0, 0.7])
    else:
        off = -0.7 * outward + np.array([0.0, 0.0, 0.55])
    off = off / np.linalg.norm(off) * dist
    return _pose(c, c + off, target)


def encounter_offset(plan, preset: str, t: float):
    """(unit offset of the camera from the planet, up vector) of an encounter preset, from the
    crewed ship's encounter there nearest to ``t``; None for other presets or a plan without
    that encounter (the preset then looks from the sunward side, above the ecliptic).

    ``venus-flyby`` looks down on the swing-by hyperbola (from the side of its pole north of the
    ecliptic), tipped FLYBY_TILT_DEG away from the periapsis, with the periapsis up: both
    asymptotes in view and the ship beside the planet, never behind it. ``earth-approach``
    looks past the Earth at the incoming ship: the camera on the far side of the Earth,
    APPROACH_TILT_DEG off the incoming asymptote, the ship above the Earth on screen all the way
    in (at any distance it stays within that angle of the centre).
    """
    if preset not in ENCOUNTER_PRESETS or ENCOUNTER_PRESETS[preset][1] == "stay":
        return None
    body, kind = ENCOUNTER_PRESETS[preset]
    try:
        encs = [e for e in plan.encounters if e.craft == plan.crewed and e.body == body and e.kind == kind]
    except (AttributeError, KeyError):
        return None
    if not encs:
        return None
    enc = min(encs, key=lambda e: abs(e.t_periapsis - float(t)))
    z = np.array([0.0, 0.0, 1.0])
    if kind == "flyby":
        n = np.asarray(enc.normal, dtype=float)
        n = n if n[2] >= 0 else -n
        p = np.asarray(enc.periapsis_dir, dtype=float)
        p = p - np.dot(p, n) * n
        p = p / np.linalg.norm(p)
        a = math.radians(FLYBY_TILT_DEG)
        off = math.cos(a) * n - math.sin(a) * p
        up = p - np.dot(p, off) * off
        return off / np.linalg.norm(off), up / np.linalg.norm(up)
    u = -np.asarray(enc.v_inf_in, dtype=float)
    u = u / np.linalg.norm(u)  # from the Earth towards the incoming ship
    w = z - np.dot(z, u) * u
    w = w / np.linalg.norm(w) if np.linalg.norm(w) > 1e-9 else np.array([1.0, 0.0, 0.0])
    a = math.radians(APPROACH_TILT_DEG)
    off = -(math.cos(a) * u - math.sin(a) * w)
    up = math.sin(a) * u + math.cos(a) * w
    return off, up


def stay_span(plan):
    """(start, end) of the crewed ship's stay at Mars (TDB days), or None: from its arrival to
    its departure, or to the end of the plan when it does not leave."""
    t0 = plan.milestones.get("mars_arrival")
    if t0 is None:
        return None
    t1 = plan.milestones.get("mars_departure", float(plan.span[1]))
    return (float(t0), float(t1)) if t1 > t0 else None


def stay_orbits(plan, samples: int = 241) -> list:
    """Every closed orbit about Mars that a ship is on at some instant of the crewed stay
    (Terra Nova's capture, phasing and departure ellipses, the parked ships' orbits): the
    planet-centred conics of ``plan.parking_orbit``, each once, Terra Nova's first."""
    span = stay_span(plan)
    if span is None or not hasattr(plan, "parking_orbit"):
        return []
    from marsviz.mission.local import conic_elements

    out, seen, ids = [], set(), set()
    crafts = [plan.crewed] + [c for c in plan.trajectories if c != plan.crewed]
    for cid in crafts:
        for t in np.linspace(span[0], span[1], samples):
            got = plan.parking_orbit(cid, float(t))
            if got is None or got[0] != "mars" or id(got[1]) in ids:
                continue
            ids.add(id(got[1]))
            el = conic_elements(got[1])
            key = (tuple(np.round(el["P"], 6)), tuple(np.round(el["Q"], 6)), round(el["a_km"], 3))
            if key not in seen:
                seen.add(key)
                out.append(got[1])
    return out


def stay_frame(plan):
    """The mars-stay camera relative to Mars, fixed through the stay: ``(focal offset km,
    unit offset of the camera from the focal point, up, distance km)``; None for a plan with
    no orbit about Mars during the crewed stay (computed once per plan).

    Mars and every orbit of the stay (:func:`stay_orbits`; a ship on one is somewhere on it at
    every instant) are framed together in ``STAY_REGION`` of a 16:9 frame, in perspective.
    The line of sight is, among those within ``STAY_FACE_ON_DEG`` of the pole of Terra Nova's
    capture ellipse and from the sunlit side, the one that needs the nearest camera (so Mars is
    drawn as large as it can be); the picture is rolled so the orbits' long extent is across it,
    ecliptic north up where it can be.
    """
    cache = plan.__dict__.setdefault("_shots_cache", {}) if hasattr(plan, "__dict__") else {}
    if "stay" in cache:
        return cache["stay"]
    cache["stay"] = frame = _stay_frame(plan)
    return frame


def _stay_frame(plan):
    from marsviz.mission.local import conic_elements, ellipse_points

    orbits = stay_orbits(plan)
    if not orbits:
        return None
    R = radius_km(plan, "mars")
    g = np.linspace(-1.0, 1.0, 5)
    ball = np.array([(x, y, z) for x in g for y in g for z in g])
    ball = R * ball / np.maximum(np.linalg.norm(ball, axis=1), 1e-9)[:, None]
    pts = np.vstack([ellipse_points(c, 180) for c in orbits] + [ball])
    el = conic_elements(orbits[0])
    pole = np.cross(el["P"], el["Q"])
    pole = pole / np.linalg.norm(pole)
    span = stay_span(plan)
    mid = 0.5 * (span[0] + span[1])
    sun = -np.asarray(plan.body_state("mars", float(plan.clamp(mid)))[0], dtype=float)
    sun = sun / np.linalg.norm(sun)
    # Candidate lines of sight (camera to Mars): a Fibonacci spiral on the sphere.
    n = 3000
    k = np.arange(n) + 0.5
    zc = 1.0 - 2.0 * k / n
    phi = math.pi * (1.0 + math.sqrt(5.0)) * k
    dirs = np.c_[np.sqrt(1 - zc * zc) * np.cos(phi), np.sqrt(1 - zc * zc) * np.sin(phi), zc]
    cos_lim = math.cos(math.radians(STAY_FACE_ON_DEG))
    dirs = dirs[(np.abs(dirs @ pole) >= cos_lim) & (dirs @ sun <= 0.0)]
    x0, x1, y0, y1 = STAY_REGION
    tan_v = math.tan(math.radians(VIEW_ANGLE_DEG) / 2.0)
    best = None
    for d in dirs:
        a, b = _stay_axes(pts, d)
        u, v = pts @ a, pts @ b
        # The orthographic size first (cheap); the perspective fit below for the best one.
        need = max((v.max() - v.min()) / (y1 - y0), (u.max() - u.min()) / ((x1 - x0) * STAY_ASPECT))
        if best is None or need < best[0]:
            best = (need, d, a, b)
    _, d, a, b = best
    return _stay_fit(pts, d, a, b, tan_v)


def _stay_axes(pts, d):
    """Screen right and up for line of sight ``d``: the points' long extent across the screen,
    and up towards ecliptic north where the roll leaves a choice."""
    z = np.array([0.0, 0.0, 1.0])
    a = np.cross(d, z)
    if np.linalg.norm(a) < 1e-9:
        a = np.cross(d, [1.0, 0.0, 0.0])
    a = a / np.linalg.norm(a)
    b = np.cross(a, d)
    q = np.c_[pts @ a, pts @ b]
    w, e = np.linalg.eigh(np.cov((q - q.mean(axis=0)).T))
    ax = e[:, 1]
    right = ax[0] * a + ax[1] * b
    up = np.cross(right, d)
    if up[2] < 0:
        right, up = -right, -up
    return right, up


def _stay_fit(pts, d, a, b, tan_v):
    """Focal offset and distance that put ``pts`` in ``STAY_REGION`` in perspective."""
    x0, x1, y0, y1 = STAY_REGION
    tan_h = tan_v * STAY_ASPECT
    focal = pts.mean(axis=0)
    dist = 2.0 * float(np.max(np.linalg.norm(pts - focal, axis=1))) / tan_v
    for _ in range(60):
        cam = focal - d * dist
        rel = pts - cam
        depth = rel @ d
        sx = 0.5 + 0.5 * (rel @ a) / depth / tan_h
        sy = 0.5 + 0.5 * (rel @ b) / depth / tan_v
        # Move the picture's box to the region's centre, and scale it to fill the region.
        cx, cy = 0.5 * (sx.min() + sx.max()), 0.5 * (sy.min() + sy.max())
        tx, ty = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        grow = max((sx.max() - sx.min()) / (x1 - x0), (sy.max() - sy.min()) / (y1 - y0))
        half_w, half_h = dist * tan_h, dist * tan_v
        focal = focal + a * (cx - tx) * 2.0 * half_w + b * (cy - ty) * 2.0 * half_h
        dist *= grow
        if abs(grow - 1.0) < 1e-6 and abs(cx - tx) < 1e-6 and abs(cy - ty) < 1e-6:
            break
    return focal, -d, b, float(dist)


def planet_pose(plan, body: str, t: float, radii: float = PLANET_VIEW_RADII, keep=None) -> CameraPose:
    """Looking at planet ``body`` from ``radii`` of its radii; ``keep``: a unit direction from
    the planet (where a ship is) that must not be behind it (see :data:`SHIP_SIDE_MAX_DEG`)."""
    c = origin_position(plan, body, t)
    outward = c / (np.linalg.norm(c) or 1.0)
    # On the sunward side, above the ecliptic, looking out: the planet is lit.
    off = -0.7 * outward + np.array([0.0, 0.0, 0.55])
    off = off / np.linalg.norm(off)
    if keep is not None and float(np.dot(off, keep)) < 0.0:  # the ship on the far side
        off = toward(off, keep, SHIP_SIDE_MAX_DEG)
    return _pose(c, c + off * radii * radius_km(plan, body), body)


#: A planet shot of a ship's own milestone (its arrival, its departure, its landing) that would
#: have the ship on the planet's far side looks at the planet from this far (degrees) from the
#: ship's side of it instead: a ship a few hundred km up is then just beside the limb.
SHIP_SIDE_MAX_DEG = 70.0


def toward(a, b, max_deg: float) -> np.ndarray:
    """Unit vector ``a`` turned towards unit vector ``b`` until it is at most ``max_deg`` from it
    (``a`` itself when it already is)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    c = float(np.clip(np.dot(a, b), -1.0, 1.0))
    lim = math.radians(max_deg)
    if math.acos(c) <= lim:
        return a
    w = a - c * b
    n = np.linalg.norm(w)
    if n < 1e-12:  # exactly opposite: turn over the ecliptic pole's side
        w = np.array([0.0, 0.0, 1.0]) - b[2] * b
        n = np.linalg.norm(w) or 1.0
    return math.cos(lim) * b + math.sin(lim) * w / n


def ship_side(plan, cid: str, body: str, t: float):
    """Unit direction from planet ``body`` to ship ``cid`` at ``t`` as drawn (its planet-centred
    arc when the plan has one), or None when the ship is at the planet's centre."""
    t = float(plan.clamp(t))
    try:
        r = np.asarray(plan.local_state(cid, t, body)[0], dtype=float)
    except (AttributeError, KeyError, ValueError):
        r = craft_rv(plan, cid, t)[0] - origin_position(plan, body, t)
    n = float(np.linalg.norm(r))
    return r / n if n > 1e-6 * radius_km(plan, body) else None


def ship_pose(plan, cid: str, t: float) -> CameraPose:
    r, d = craft_rv(plan, cid, t)
    outward = r / (np.linalg.norm(r) or 1.0)
    # Behind, above and a little outside the ship, looking along its path.
    off = -0.75 * d + 0.35 * outward + np.array([0.0, 0.0, 0.6])
    off = off / np.linalg.norm(off) * SHIP_VIEW_KM
    return _pose(r, r + off, cid)


def site_body(plan, site: str) -> str:
    """The body a surface site is on (Mars when the plan does not know the site)."""
    info = (getattr(plan, "sites", None) or {}).get(site)
    return info["body"] if isinstance(info, dict) and info.get("body") else "mars"


def site_fixed(plan, site: str, ev=None) -> np.ndarray:
    """Body-fixed position (km) of surface site ``site``: it turns with its planet.

    A site the plan does not know is placed by :func:`site_position` at the event (or at the
    Mars arrival) and kept at that spot of the surface.
    """
    if site in (getattr(plan, "sites", None) or {}) and hasattr(plan, "site_fixed"):
        return np.asarray(plan.site_fixed(site), dtype=float)
    t_ref = float(plan.clamp(ev.t if ev is not None else plan.milestones.get("mars_arrival", plan.span[0])))
    rel = site_position(plan, site, t_ref, ev) - origin_position(plan, "mars", t_ref)
    return np.asarray(plan.body_rotation("mars", t_ref), dtype=float).T @ rel


def surface_pose(plan, site: str, t: float, ev=None) -> CameraPose:
    """Above a surface site, riding with its planet: the pose is fixed in the body frame.

    The camera stands 1.6 planet radii from the site, tilted towards the east so the horizon
    and the limb are in view, with the local vertical up; as the planet turns, the camera
    turns with it, so the site stays put on screen while the Sun moves across its sky.
    """
    body = site_body(plan, site)
    s = site_fixed(plan, site, ev)
    n = s / np.linalg.norm(s)
    east = np.cross([0.0, 0.0, 1.0], n)
    if np.linalg.norm(east) < 1e-9:  # a pole: any horizontal direction
        east = np.array([0.0, 1.0, 0.0])
    east = east / np.linalg.norm(east)
    R = radius_km(plan, body)
    pos = s + R * SURFACE_VIEW_RADII * (0.8 * n + 0.6 * east)
    rot = np.asarray(plan.body_rotation(body, float(plan.clamp(t))), dtype=float)
    c = origin_position(plan, body, t)
    return _pose(c + rot @ s, c + rot @ pos, body, up=rot @ n)


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


def _square_up(up, d) -> np.ndarray:
    """``up`` made square to line of sight ``d`` (unit); as a renderer does."""
    d = np.asarray(d, dtype=float) / np.linalg.norm(d)
    v = np.asarray(up, dtype=float)
    w = v - np.dot(v, d) * d
    n = np.linalg.norm(w)
    return w / n if n > 1e-9 else v / np.linalg.norm(v)


def _carry(v, x, y) -> np.ndarray:
    """``v`` turned by the smallest rotation that takes direction ``x`` to direction ``y``."""
    x = np.asarray(x, dtype=float) / np.linalg.norm(x)
    y = np.asarray(y, dtype=float) / np.linalg.norm(y)
    k = np.cross(x, y)
    s, c = float(np.linalg.norm(k)), float(np.dot(x, y))
    if s < 1e-12:
        return np.asarray(v, dtype=float)
    k = k / s
    return v * c + np.cross(k, v) * s + k * np.dot(k, v) * (1.0 - c)


def _turn(v, axis, angle) -> np.ndarray:
    """``v`` turned by ``angle`` (rad) about unit ``axis`` (right-handed)."""
    c, s = math.cos(angle), math.sin(angle)
    return v * c + np.cross(axis, v) * s + axis * np.dot(axis, v) * (1.0 - c)


def move_roll(a: CameraPose, b: CameraPose) -> float:
    """The roll (rad, about the line of sight) a move from ``a`` to ``b`` makes, halfway along.

    A storyboard keeps it per move and gives it to :func:`blend` as ``roll_ref``.
    """
    da = np.subtract(a.position_km, a.focal_km)
    db = np.subtract(b.position_km, b.focal_km)
    d = _slerp(da, db, 0.5)
    ta = _carry(_square_up(a.up, da), da, d)
    tb = _carry(_square_up(b.up, db), db, d)
    return math.atan2(float(np.dot(np.cross(ta, tb), d)), float(np.dot(ta, tb)))


def blend(a: CameraPose, b: CameraPose, u: float, roll_ref: float | None = None) -> CameraPose:
    """The pose a fraction ``u`` (0..1, already eased) of the way along the move from a to b.

    The roll between the two ends' up vectors is spread evenly over the move; ``roll_ref``
    (from :func:`move_roll`) says which way round when it is about half a turn.
    """
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
    # Each end's up, square to its own line of sight, carried along with the turning line of
    # sight and mixed: the picture never spins when the line of sight passes near an up vector.
    # The roll between the two is spread over the move (a move over a pole rolls half a turn).
    ta = _carry(_square_up(a.up, da), da, direction)
    tb = _carry(_square_up(b.up, db), db, direction)
    phi = math.atan2(float(np.dot(np.cross(ta, tb), direction)), float(np.dot(ta, tb)))
    if roll_ref is not None:
        # The same way round as the move's reference (about half a turn could go either way,
        # and the two ends drift with mission time during the move).
        phi += 2.0 * math.pi * round((roll_ref - phi) / (2.0 * math.pi))
    up = _turn(ta, direction, u * phi)
    up = up - np.dot(up, direction) * direction
    if np.linalg.norm(up) < 1e-9:
        up = np.array([0.0, 0.0, 1.0])
    up = up / np.linalg.norm(up)
    return CameraPose(tuple(float(x) for x in c), tuple(float(x) for x in c + direction * dist),
                      tuple(float(x) for x in up), fov, a.origin if u < 0.5 else b.origin)


def _in_body_frame(plan, p: CameraPose, t: float, body: str) -> CameraPose:
    """Pose ``p`` at ``t`` in the frame that rides with ``body`` (its centre, its turning axes)."""
    rot = np.asarray(plan.body_rotation(body, float(plan.clamp(t))), dtype=float).T
    c = origin_position(plan, body, t)
    return CameraPose(tuple(rot @ (np.array(p.focal_km) - c)), tuple(rot @ (np.array(p.position_km) - c)),
                      tuple(rot @ np.array(p.up)), p.view_angle_deg, p.origin)


def view_change(plan, a: CameraPose, ta: float, b: CameraPose, tb: float, shot: str | None = None) -> float:
    """How far the view moved from pose ``a`` (at ``ta``) to ``b`` (at ``tb``), in views.

    Measured in the frame of ``a``'s origin (a camera riding with Mars has not moved when Mars
    has): the focal shift over the half-width of the view, plus the change of zoom (log) and
    of viewing direction over the view angle, and the roll about the line of sight (radians:
    a point at the edge of the view moves that many half-widths). When ``shot`` (the shot ``a`` belongs to) is a
    surface shot, the frame also turns with the body, as a surface shot's camera does: the
    site staying put on screen is no change, a camera left behind by the turning planet is.
    """
    if shot is not None and parse_shot(shot)[0] == "surface" and a.origin in PLANETS:
        a, b = _in_body_frame(plan, a, ta, a.origin), _in_body_frame(plan, b, tb, a.origin)
        shift = np.zeros(3)
    else:
        shift = origin_position(plan, a.origin, tb) - origin_position(plan, a.origin, ta)
    fa = np.array(a.focal_km)
    fb = np.array(b.focal_km) - shift
    half = a.distance_km * math.tan(math.radians(a.view_angle_deg) / 2.0)
    pan = float(np.linalg.norm(fb - fa)) / half
    zoom = abs(math.log(b.distance_km / a.distance_km))
    turn = _angle(a, b) / math.radians(a.view_angle_deg)
    return pan + zoom + turn + _roll(a, b)


def _roll(a: CameraPose, b: CameraPose) -> float:
    """Angle (rad) between the two poses' up vectors, each square to its own line of sight."""
    ups = []
    for p in (a, b):
        d = np.subtract(p.focal_km, p.position_km)
        d = d / np.linalg.norm(d)
        u = np.asarray(p.up, dtype=float)
        u = u - np.dot(u, d) * d
        n = np.linalg.norm(u)
        if n < 1e-9:
            return 0.0
        ups.append(u / n)
    return math.acos(min(1.0, max(-1.0, float(np.dot(ups[0], ups[1])))))
