"""Ship models, their overview icons, and the Sun's glow, built from PyVista primitives.

Each ship is one :class:`pyvista.PolyData` of triangles in kilometres, in its own model frame:

- ``+x`` is the thrust direction: every engine sits aft, along ``-x``, so the scene points
  ``+x`` along the burn. For the three landers ``+x`` is also their "up" (descent engines and
  legs at ``-x``): on the ground the scene points ``+x`` along the local vertical.
- ``+y`` is the span of the widest flat parts (Terra Nova's radiators), so the side view that
  shows a ship best looks along ``-z``. The overview icon is that side view.

Two cell arrays let one actor draw a whole ship: ``part`` (an index into :data:`PARTS`) and
``RGB`` (uint8 colours of :data:`PART_COLORS`; ``add_mesh(mesh, scalars="RGB", rgb=True)``).
Each model carries point ``Normals`` (smooth on curved walls, split at sharp edges): place and
turn it with the actor's user matrix rather than by editing its points, or the normals (and
so the lighting) would no longer match.

Dimensions. The story shows none of them; they are assumed, chosen in proportion with the
published NASA Mars architecture for nuclear thermal propulsion (Mars Design Reference
Architecture 5.0, 2009) so that every ship is at a plausible true size:

- **Terra Nova** (crew transfer vehicle, NTR), 89.3 m long, 20.8 m across the radiators:
  three NERVA-derived engines (111 kN class, as DRA 5.0) of 6.2 m each, nozzle exits 2.2 m
  across, reactors 1.3 m across; a 6.6 m shadow shield; a core LH2 tank 10 m across and 19 m
  long (the 10 m of a heavy-lift launcher's shroud); a 40 m truss, 2.8 m square, carrying two
  5.2 m drop tanks and two 16 x 9 m radiators; a TransHab-class inflatable crew module 9.2 m
  across and 11.6 m long with two 5 x 7 m solar wings; an Orion-size capsule (5.0 m across,
  3.3 m tall) forward for the Earth entry.
- **Shirase** (cargo lander) 12.4 m across the footpads, 7.0 m tall: an octagonal descent
  stage 8 m across with four descent engines, cargo containers, a surface-plant tank and a
  small crane on its deck.
- **Atlantis** (surface habitat) 12.4 m across the footpads, 12.2 m tall: the same descent
  stage carrying a vertical habitat 8 m across, with a band of windows, a side airlock and
  two solar wings on a mast.
- **Gagarin** (crew lander and ascent vehicle) 11.4 m across the footpads, 7.6 m tall: a
  7 m descent stage with an ascent capsule 4.4 m across and two spherical ascent tanks.
- In transit (:func:`transit_stack`) each lander rides forward of Terra Nova's nuclear stage
  (engines, shield, core tank: 30 m) behind a 13 m heat shield: 38.5 m (Shirase), 43.6 m
  (Atlantis) and 39.0 m (Gagarin) long, 13 m across.

No Qt here. PyVista is imported lazily inside the builders, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

M = 1e-3  # one metre in km: models are in km, dimensions written in metres

#: Part names, in the order of the ``part`` cell array's indices.
PARTS = (
    "nozzle", "reactor", "shadow_shield", "thrust_structure", "propellant_tank", "truss",
    "radiator", "crew_module", "solar_array", "capsule", "descent_stage", "leg", "cargo",
    "habitat", "window", "airlock", "heat_shield",
    # the structures at a site (the drill rig and the well)
    "derrick", "drill_pipe", "skid", "valve", "water_tank",
)

#: RGB colour of each part (as it would read in sunlight: foil, white insulation, blue cells).
PART_COLORS = {
    "nozzle": (70, 74, 82),
    "reactor": (184, 115, 51),
    "shadow_shield": (95, 99, 107),
    "thrust_structure": (150, 156, 166),
    "propellant_tank": (236, 230, 216),
    "truss": (170, 178, 188),
    "radiator": (226, 232, 240),
    "crew_module": (246, 246, 242),
    "solar_array": (34, 62, 130),
    "capsule": (200, 205, 212),
    "descent_stage": (204, 164, 72),
    "leg": (150, 156, 166),
    "cargo": (214, 196, 160),
    "habitat": (246, 246, 242),
    "window": (24, 34, 52),
    "airlock": (200, 205, 212),
    "heat_shield": (92, 70, 54),
    "derrick": (232, 112, 36),     # safety-orange lattice steel
    "drill_pipe": (150, 156, 166),
    "skid": (236, 196, 52),        # yellow machinery
    "valve": (208, 40, 36),        # the well head's red valves
    "water_tank": (226, 232, 240),
}

#: The parts each ship must have (what makes it recognisable).
REQUIRED_PARTS = {
    "terra_nova": {"nozzle", "reactor", "shadow_shield", "propellant_tank", "truss", "radiator",
                   "crew_module", "capsule"},
    "shirase": {"descent_stage", "nozzle", "leg", "cargo"},
    "atlantis": {"descent_stage", "nozzle", "leg", "habitat", "airlock", "solar_array"},
    "gagarin": {"descent_stage", "nozzle", "leg", "capsule", "propellant_tank"},
}

#: The parts each structure at a site must have.
STRUCTURE_PARTS = {
    "drill_rig": {"derrick", "drill_pipe", "skid"},
    "well_head": {"valve", "water_tank", "skid", "drill_pipe"},
}

#: Which model draws a spacecraft of a given scenario role (``[spacecraft.X] role``).
ROLE_MODELS = {
    "crew transfer vehicle": "terra_nova",
    "cargo lander": "shirase",
    "mars surface habitat": "atlantis",
    "surface habitat": "atlantis",
    "mars lander": "gagarin",
    "lander": "gagarin",
}


@dataclass(frozen=True)
class ShipSize:
    """Overall extents of a model along its axes, in metres (see the module's notes)."""

    length_m: float  # along x (thrust axis; height for the landers)
    span_y_m: float
    span_z_m: float


#: The documented true sizes; the tests hold each model's bounding box to them.
SIZES = {
    "terra_nova": ShipSize(89.3, 20.8, 24.0),
    "shirase": ShipSize(7.0, 12.4, 12.4),
    "atlantis": ShipSize(12.2, 12.4, 12.4),
    "gagarin": ShipSize(7.6, 11.4, 11.4),
}

#: The structures at a site (:func:`build_structure`; x up, as the landers).
STRUCTURE_SIZES = {
    "drill_rig": ShipSize(14.0, 10.5, 3.2),
    "well_head": ShipSize(2.5, 5.75, 1.8),
}

#: The landers' transit stacks (:func:`transit_stack`).
TRANSIT_SIZES = {
    "shirase": ShipSize(38.5, 13.0, 13.0),
    "atlantis": ShipSize(43.6, 13.0, 13.0),
    "gagarin": ShipSize(39.0, 13.0, 13.0),
}


# --------------------------------------------------------------------------- primitives

def _built_once(builder):
    """Build a model once per process for each set of arguments, and hand out copies.

    A model is a few hundred primitives merged (about 2.5 s for every ship, icon and structure
    a scene holds); the same arguments always give the same mesh, and callers may change the
    copy they get (move its points, add arrays) without touching the next one's.
    """
    cached = functools.lru_cache(maxsize=None)(builder)

    @functools.wraps(builder)
    def copy(*args, **kwargs):
        return cached(*args, **kwargs).copy(deep=True)

    copy.cache_clear = cached.cache_clear
    return copy


def _tag(mesh, part: str):
    mesh = mesh.triangulate()
    mesh.clear_data()
    mesh.cell_data["part"] = np.full(mesh.n_cells, PARTS.index(part), dtype=np.uint8)
    return mesh


def _revolve(profile, part: str, resolution: int):
    """A surface of revolution of ``profile`` [(x m, radius m), ...] about the model's x axis.

    Rows of radius 0 close the surface (domes, cones) without degenerate triangles; the
    winding gives outward normals where the profile runs forward along x and then back in
    to the axis (as every profile here does).
    """
    import pyvista as pv

    prof = np.asarray(profile, dtype=float)
    n, m = len(prof), int(resolution)
    th = np.arange(m) * 2 * np.pi / m
    a, r = prof[:, 0][:, None], prof[:, 1][:, None]
    u, v = r * np.cos(th), r * np.sin(th)  # (n, m)
    pts = np.stack([np.broadcast_to(a, u.shape), u, v], axis=-1).reshape(-1, 3)
    faces = []
    for i in range(n - 1):
        for j in range(m):
            j1 = (j + 1) % m
            p00, p01, p10, p11 = i * m + j, i * m + j1, (i + 1) * m + j, (i + 1) * m + j1
            if prof[i, 1] > 0:
                faces.append((p00, p01, p10))
            if prof[i + 1, 1] > 0:
                faces.append((p01, p11, p10))
    faces = np.asarray(faces, dtype=np.int64)
    mesh = pv.PolyData(pts * M, np.c_[np.full(len(faces), 3), faces].ravel())
    return _tag(mesh.clean(), part)


def _rod(a, b, radius: float, part: str, resolution: int = 6):
    """A capless cylinder of ``radius`` m between points ``a`` and ``b`` (m)."""
    import pyvista as pv

    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    mesh = pv.Cylinder(center=(a + b) / 2 * M, direction=d, radius=radius * M,
                       height=float(np.linalg.norm(d)) * M, resolution=resolution, capping=False)
    return _tag(mesh, part)


def _box(xmin, xmax, ymin, ymax, zmin, zmax, part: str):
    import pyvista as pv

    return _tag(pv.Box(bounds=np.array([xmin, xmax, ymin, ymax, zmin, zmax]) * M), part)


def _sphere(centre, radius: float, part: str, resolution: int):
    import pyvista as pv

    mesh = pv.Sphere(radius=radius * M, center=np.asarray(centre, float) * M,
                     theta_resolution=resolution, phi_resolution=max(resolution // 2, 4))
    return _tag(mesh, part)


def _disc_x(x0, x1, radius, part, resolution):
    """A closed cylinder along x from ``x0`` to ``x1`` (m)."""
    return _revolve([(x0, 0), (x0, radius), (x1, radius), (x1, 0)], part, resolution)


def _tank_x(x0, x1, radius, dome, part, resolution, centre=(0.0, 0.0, 0.0)):
    """A cylindrical tank along x with elliptical domes ``dome`` m deep at both ends."""
    k = 5
    t = np.linspace(0, np.pi / 2, k)
    aft = [(x0 + dome * (1 - np.sin(s)), radius * np.sin(s)) for s in t]
    fwd = [(x1 - dome * (1 - np.sin(s)), radius * np.sin(s)) for s in t[::-1]]
    mesh = _revolve(aft + fwd, part, resolution)
    mesh.points = np.asarray(mesh.points) + np.asarray(centre, float) * M
    return mesh


def _bell(x_exit, x_throat, r_exit, r_throat, x_chamber, r_chamber, resolution, centre_yz):
    """An engine bell, open at the exit (aft, lower x), with its converging section."""
    s = np.linspace(0, 1, 7)
    bell = [(x_exit + (x_throat - x_exit) * si, r_throat + (r_exit - r_throat) * (1 - si) ** 0.6)
            for si in s]
    prof = bell + [(x_chamber, r_chamber), (x_chamber, 0.0)]
    mesh = _revolve(prof, "nozzle", resolution)
    mesh.points = np.asarray(mesh.points) + np.array([0.0, *centre_yz]) * M
    return mesh


def _along_y(points):
    """Points of a part built along x, turned 90 degrees about z to lie along y."""
    p = np.asarray(points, dtype=float)
    return np.c_[-p[:, 1], p[:, 0], p[:, 2]]


def _finish(parts):
    import pyvista as pv

    mesh = pv.merge(parts, merge_points=False)
    # Smooth normals on curved walls, sharp edges kept (split at 40 degrees).
    mesh = mesh.compute_normals(cell_normals=False, split_vertices=True, feature_angle=40.0,
                                consistent_normals=False, auto_orient_normals=False)
    mesh.cell_data["RGB"] = np.array([PART_COLORS[PARTS[i]] for i in range(len(PARTS))],
                                     dtype=np.uint8)[np.asarray(mesh.cell_data["part"])]
    return mesh


# --------------------------------------------------------------------------- ships

def _ntr_stage(res):
    """The nuclear propulsion stage, x from -48 m (nozzle exits) to -18 m (forward adapter)."""
    parts = []
    # Three engines on a 2 m circle: bell, throat, reactor vessel above each.
    for k in range(3):
        ang = math.radians(90 + 120 * k)
        yz = (2.0 * math.cos(ang), 2.0 * math.sin(ang))
        parts.append(_bell(-48.0, -44.6, 1.1, 0.3, -44.0, 0.55, res, yz))
        reactor = _tank_x(-44.0, -41.8, 0.65, 0.25, "reactor", res, centre=(0.0, *yz))
        parts.append(reactor)
    parts.append(_disc_x(-41.7, -41.0, 3.3, "shadow_shield", res))
    parts.append(_revolve([(-41.0, 0), (-41.0, 3.0), (-38.6, 4.6), (-38.6, 0)],
                          "thrust_structure", res))
    parts.append(_tank_x(-38.6, -19.6, 5.0, 2.5, "propellant_tank", res))
    parts.append(_revolve([(-19.9, 0), (-19.9, 2.4), (-18.0, 1.8), (-18.0, 0)],
                          "thrust_structure", res))
    return parts


def terra_nova(resolution: int = 24):
    """Terra Nova, the NTR crew transfer vehicle (see the module's notes for its dimensions)."""
    res = resolution
    parts = _ntr_stage(res)
    # The truss: four longerons, a batten frame every 4 m, one diagonal per face and bay.
    h, x0, x1 = 1.4, -18.0, 22.0
    corners = [(h, h), (-h, h), (-h, -h), (h, -h)]
    for y, z in corners:
        parts.append(_rod((x0, y, z), (x1, y, z), 0.12, "truss"))
    xs = np.linspace(x0, x1, 11)
    for i, x in enumerate(xs):
        for c in range(4):
            (ya, za), (yb, zb) = corners[c], corners[(c + 1) % 4]
            parts.append(_rod((x, ya, za), (x, yb, zb), 0.08, "truss", 4))
            if i + 1 < len(xs):
                a, b = ((x, ya, za), (xs[i + 1], yb, zb)) if i % 2 else \
                       ((x, yb, zb), (xs[i + 1], ya, za))
                parts.append(_rod(a, b, 0.06, "truss", 4))
    # Two drop tanks beside the truss (+z and -z), each on two struts.
    for sz in (1, -1):
        zc = sz * 4.2
        parts.append(_tank_x(-15.0, 1.0, 2.6, 1.3, "propellant_tank", res, centre=(0, 0, zc)))
        for x in (-11.0, -3.0):
            parts.append(_rod((x, 0, sz * h), (x, 0, sz * 1.7), 0.15, "truss", 4))
    # Radiators: two flat panels spanning +y and -y, edge-on to the sunlight at any roll.
    for sy in (1, -1):
        parts.append(_box(3.0, 19.0, *sorted((sy * h, sy * 10.4)), -0.08, 0.08, "radiator"))
    # Crew module: an inflatable habitat, its docking tunnel, the Orion-size capsule forward.
    hab = [(22.0, 0), (22.0, 1.5), (23.0, 3.6), (24.0, 4.4), (25.0, 4.6), (31.0, 4.6),
           (32.2, 4.1), (33.3, 2.6), (33.6, 1.2), (33.6, 0)]
    parts.append(_revolve(hab, "crew_module", res))
    parts.append(_disc_x(33.6, 35.0, 1.0, "crew_module", res))
    parts.append(_disc_x(35.0, 38.0, 2.45, "capsule", res))
    parts.append(_revolve([(38.0, 0), (38.0, 2.5), (41.3, 0.8), (41.3, 0)], "capsule", res))
    # Two solar wings on the crew module (+z and -z), 5 m along x and 7 m out.
    for sz in (1, -1):
        parts.append(_rod((28.0, 0, sz * 4.5), (28.0, 0, sz * 5.0), 0.15, "truss", 4))
        parts.append(_box(25.5, 30.5, -0.05, 0.05, *sorted((sz * 5.0, sz * 12.0)), "solar_array"))
    return _finish(parts)


def _descent_stage(radius, legs_r, foot_x, resolution, engines=4):
    """An octagonal gold-foil descent stage with engines under it and four legs (m; +x up)."""
    parts = [_revolve([(1.5, 0), (1.5, radius), (3.5, radius), (3.5, 0)], "descent_stage", 8),
             _disc_x(3.5, 3.7, radius * 0.98, "thrust_structure", 8)]
    for k in range(engines):
        ang = math.radians(45 + 90 * k)
        yz = (0.45 * radius * math.cos(ang), 0.45 * radius * math.sin(ang))
        parts.append(_bell(0.6, 1.2, 0.6, 0.2, 1.5, 0.35, max(resolution // 2, 8), yz))
    for k in range(4):
        ang = math.radians(90 * k)
        c, s = math.cos(ang), math.sin(ang)
        top = (2.8, 0.9 * radius * c, 0.9 * radius * s)
        foot = (foot_x + 0.1, legs_r * c, legs_r * s)
        parts.append(_rod(top, foot, 0.14, "leg"))
        parts.append(_rod((1.6, 0.7 * radius * c, 0.7 * radius * s), foot, 0.09, "leg"))
        pad = _revolve([(foot_x, 0), (foot_x, 0.6), (foot_x + 0.15, 0.6), (foot_x + 0.15, 0)],
                       "leg", 8)
        pad.points = np.asarray(pad.points) + np.array([0.0, legs_r * c, legs_r * s]) * M
        parts.append(pad)
    return parts


def shirase(resolution: int = 24):
    """Shirase, the cargo lander: descent stage, containers and a surface-plant tank on deck."""
    parts = _descent_stage(4.0, 5.6, 0.0, resolution)
    parts.append(_box(3.7, 6.1, -3.2, -0.3, -1.4, 1.4, "cargo"))
    parts.append(_box(3.7, 5.6, 0.3, 3.0, -2.6, -0.2, "cargo"))
    tank = _tank_x(-1.6, 1.6, 1.1, 0.5, "propellant_tank", resolution)
    tank.points = _along_y(tank.points) + np.array([4.8, 1.6, 1.6]) * M
    parts.append(tank)
    # A small deck crane: mast and boom.
    parts.append(_rod((3.7, -3.4, 2.6), (7.0, -3.4, 2.6), 0.12, "truss"))
    parts.append(_rod((7.0, -3.4, 2.6), (6.2, -0.4, 2.6), 0.09, "truss"))
    return _finish(parts)


def atlantis(resolution: int = 24):
    """Atlantis, the surface habitat: a tall habitat on a descent stage, airlock, solar wings."""
    parts = _descent_stage(4.0, 5.6, 0.0, resolution)
    hab = [(3.7, 0), (3.7, 4.0), (9.6, 4.0), (10.4, 3.5), (11.0, 2.4), (11.2, 0)]
    parts.append(_revolve(hab, "habitat", resolution))
    # A band of windows round the upper deck (dark panels just proud of the wall).
    for k in range(8):
        ang = 2 * np.pi * (k + 0.5) / 8
        c, s = math.cos(ang), math.sin(ang)
        w = _box(7.6, 8.4, -0.45, 0.45, -0.05, 0.05, "window")
        rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])  # about x
        pts = np.asarray(w.points) / M
        pts[:, 2] += 4.02  # on the wall (radius 4 m) at angle 90 deg before rotation
        w.points = (pts @ rot.T) * M
        parts.append(w)
    # The airlock: a horizontal cylinder on the +y side, with its hatch end.
    parts.append(_tank_x(-1.0, 1.0, 1.1, 0.3, "airlock", resolution))
    parts[-1].points = _along_y(parts[-1].points) + np.array([5.0, 4.6, 0]) * M
    # Two solar wings on a mast above the habitat, spanning +z and -z.
    parts.append(_rod((11.2, 0, 0), (12.2, 0, 0), 0.12, "truss"))
    for sz in (1, -1):
        parts.append(_box(11.6, 12.2, -0.04, 0.04, *sorted((sz * 0.3, sz * 6.2)), "solar_array"))
    return _finish(parts)


def gagarin(resolution: int = 24):
    """Gagarin, the crew lander and ascent vehicle: descent stage, ascent capsule and tanks."""
    parts = _descent_stage(3.5, 5.1, 0.0, resolution)
    parts.append(_disc_x(3.7, 4.5, 2.0, "thrust_structure", resolution))
    parts.append(_revolve([(4.5, 0), (4.5, 2.2), (7.2, 0.9), (7.6, 0.6), (7.6, 0)],
                          "capsule", resolution))
    # The cabin's window band, just proud of the cone's wall.
    cone_r = lambda x: 2.2 + (0.9 - 2.2) * (x - 4.5) / 2.7  # noqa: E731
    parts.append(_revolve([(5.6, 0), (5.6, cone_r(5.6) + 0.03), (5.95, cone_r(5.95) + 0.03),
                           (5.95, 0)], "window", resolution))
    for sz in (1, -1):
        parts.append(_sphere((4.8, 0, sz * 2.55), 1.05, "propellant_tank", resolution))
    return _finish(parts)


BUILDERS = {"terra_nova": terra_nova, "shirase": shirase, "atlantis": atlantis,
            "gagarin": gagarin}

#: Where a lander's base sits on its transit stack (m): just forward of the heat shield.
TRANSIT_LANDER_BASE_X = -16.6


@_built_once
def transit_stack(name: str, resolution: int = 24):
    """A lander as it flies to Mars: on Terra Nova's nuclear stage, behind a heat shield.

    The seed calls all four Olympus ships NTR spacecraft. The stack is the propulsion stage
    of Terra Nova (engines at -x, shadow shield, core tank), a 13 m blunt heat shield on its
    forward adapter, and the lander (its +x "up" forward, legs stowed in the shield's shadow
    in reality; drawn deployed). Used for the cargo ships' transfers, arrivals and parking
    orbits; :func:`build_ship` gives the landed vehicle. ``terra_nova`` is returned as is.
    """
    if name == "terra_nova":
        return build_ship(name, resolution)
    import pyvista as pv

    lander = build_ship(name, resolution)
    parts = _ntr_stage(resolution)
    parts.append(_revolve([(-18.0, 0), (-18.0, 6.5), (-17.4, 6.5), (-16.6, 4.0), (-16.6, 0)],
                          "heat_shield", resolution))
    stage = _finish(parts)
    lander = lander.copy()
    lander.points = np.asarray(lander.points) + np.array([TRANSIT_LANDER_BASE_X * M, 0.0, 0.0])
    return pv.merge([stage, lander], merge_points=False)


# --------------------------------------------------------------------------- site structures
#
# The crew's drill rig and the well it makes, at the scenario's [sites.well]. The story shows a
# "drilling platform" whose beam an explosion knocks over; the sizes are assumed, those of a
# small truck-mounted water-well rig: a 14 m lattice mast (derrick) over the hole, a crown block
# at its top, the drill string hanging in it, a 1 m high drill floor, and beside the mast a
# 7 m skid with the power pack and a rack of drill pipe. The well head is what stays on the
# hole once they strike water: a red valve stack ("Christmas tree") on the casing, a pump, and
# a pipe to a 3 m water tank on its own skid (14 m tall and 10.5 m long for the rig;
# 2.5 m tall and 5.75 m long for the well head). Both are built with x up and their hole at the
# origin, so each stands on the ground like a landed lander; the well head stands under the
# mast of the rig, its tank and pump out to the side (-y), clear of the rig's skid (+y).


def drill_rig(resolution: int = 16):
    """The drill rig: a lattice mast over the hole (at the origin), the drill string, a drill
    floor, and a skid with the power pack and a pipe rack beside it (+y)."""
    res = resolution
    parts = []
    # The mast: four legs from a 2.4 m square at the floor to a 0.8 m square at the top.
    top, base_h, top_h = 14.0, 1.2, 0.4
    feet = [(1.0, base_h * a, base_h * b) for a, b in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
    heads = [(top - 0.6, top_h * a, top_h * b) for a, b in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
    for f, h in zip(feet, heads):
        parts.append(_rod(f, h, 0.09, "derrick"))
    # Girts every 2 m and one diagonal per face and bay.
    xs = np.arange(1.0, top - 0.5, 2.0)
    def corner(x, k):  # noqa: E306
        w = base_h + (top_h - base_h) * (x - 1.0) / (top - 1.6)
        a, b = ((1, 1), (-1, 1), (-1, -1), (1, -1))[k]
        return (x, w * a, w * b)
    for i, x in enumerate(xs):
        for k in range(4):
            parts.append(_rod(corner(x, k), corner(x, (k + 1) % 4), 0.05, "derrick", 4))
            if i + 1 < len(xs):
                parts.append(_rod(corner(x, k), corner(xs[i + 1], (k + 1) % 4), 0.04, "derrick", 4))
    # Crown block on top, the travelling block and the drill string hanging on the axis.
    parts.append(_box(top - 0.6, top, -0.6, 0.6, -0.6, 0.6, "derrick"))
    parts.append(_rod((top - 0.6, 0, 0), (9.0, 0, 0), 0.02, "drill_pipe", 4))  # the cable
    parts.append(_box(8.2, 9.0, -0.3, 0.3, -0.3, 0.3, "skid"))  # the travelling block / top drive
    parts.append(_rod((8.2, 0, 0), (2.6, 0, 0), 0.09, "drill_pipe", max(res // 2, 6)))
    # The drill floor: four beams round the hole, 1 m up on four posts.
    for a, b in ((1, 1), (-1, 1), (-1, -1), (1, -1)):
        parts.append(_rod((0.0, base_h * a, base_h * b), (1.0, base_h * a, base_h * b), 0.1, "derrick", 4))
    parts.append(_box(0.9, 1.05, -1.5, 1.5, 0.7, 1.5, "skid"))
    parts.append(_box(0.9, 1.05, -1.5, 1.5, -1.5, -0.7, "skid"))
    # The skid beside the mast (+y): a frame 7 m long, the power pack, a rack of pipe.
    parts.append(_box(0.0, 0.4, 2.0, 9.0, -1.6, 1.6, "skid"))
    parts.append(_box(0.4, 2.4, 5.6, 8.6, -1.2, 1.2, "skid"))  # the power pack
    for k in range(5):
        z = -0.9 + 0.45 * k
        parts.append(_rod((0.75, 2.2, z), (0.75, 5.2, z), 0.1, "drill_pipe", 6))
    for y in (2.4, 4.8):
        parts.append(_box(0.4, 0.7, y - 0.1, y + 0.1, -1.3, 1.3, "skid"))
    return _finish(parts)


def well_head(resolution: int = 16):
    """The well head: the casing and red valve stack on the hole (at the origin), a pump, and a
    pipe to a water tank on a skid beside it (-y)."""
    res = resolution
    parts = [_disc_x(0.0, 0.5, 0.35, "drill_pipe", res),        # the casing
             _disc_x(0.5, 0.7, 0.45, "valve", res),             # the casing head flange
             _disc_x(0.7, 1.6, 0.18, "valve", res),             # the master valves
             _disc_x(1.6, 1.75, 0.3, "valve", res),
             _disc_x(1.75, 2.2, 0.15, "valve", res)]
    parts.append(_sphere((2.3, 0, 0), 0.22, "valve", max(res // 2, 8)))
    # Handwheels on the master valve, the wing valve and the flow line out to -y.
    for x in (1.0, 1.35):
        parts.append(_rod((x, 0, 0.18), (x, 0, 0.5), 0.04, "valve", 4))
        parts.append(_revolve([(-0.03, 0), (-0.03, 0.28), (0.03, 0.28), (0.03, 0)], "valve", 10))
        wheel = parts[-1]
        pts = np.asarray(wheel.points) / M
        wheel.points = np.c_[x + pts[:, 1], pts[:, 2], 0.5 + pts[:, 0]] * M
    parts.append(_rod((1.9, 0, 0), (1.9, -1.6, 0), 0.08, "drill_pipe", 8))
    # The pump on its skid, the tank, the pipe between.
    parts.append(_box(0.0, 0.25, -2.2, -1.2, -0.7, 0.7, "skid"))
    parts.append(_box(0.25, 1.0, -2.0, -1.4, -0.4, 0.4, "skid"))  # the pump
    parts.append(_rod((1.9, -1.6, 0), (0.8, -1.7, 0), 0.08, "drill_pipe", 8))
    parts.append(_rod((0.7, -2.0, 0), (1.2, -2.5, 0), 0.08, "drill_pipe", 8))
    parts.append(_box(0.0, 0.3, -5.2, -2.4, -0.9, 0.9, "skid"))
    tank = _tank_x(-1.5, 1.5, 0.85, 0.3, "water_tank", res)
    tank.points = _along_y(tank.points) + np.array([1.2, -3.8, 0.0]) * M
    parts.append(tank)
    return _finish(parts)


STRUCTURES = {"drill_rig": drill_rig, "well_head": well_head}


@_built_once
def build_structure(name: str, resolution: int = 16):
    """The true-size model (km) of a site's structure ``name`` (a key of :data:`STRUCTURES`)."""
    try:
        builder = STRUCTURES[name]
    except KeyError:
        raise KeyError(f"no structure model '{name}'; models: {', '.join(STRUCTURES)}") from None
    return builder(resolution)


def model_for(spacecraft_id: str, role: str | None = None) -> str:
    """The model name for a spacecraft: its own id if it has one, else by its scenario role."""
    if spacecraft_id in BUILDERS:
        return spacecraft_id
    key = (role or "").strip().lower()
    if key in ROLE_MODELS:
        return ROLE_MODELS[key]
    raise KeyError(f"no ship model for spacecraft '{spacecraft_id}' (role '{role}'); "
                   f"models: {', '.join(BUILDERS)}; roles: {', '.join(sorted(ROLE_MODELS))}")


@_built_once
def build_ship(name: str, resolution: int = 24):
    """The true-size model (km) of ship ``name`` (a key of :data:`BUILDERS`)."""
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise KeyError(f"no ship model '{name}'; models: {', '.join(BUILDERS)}") from None
    return builder(resolution)


def parts_of(mesh) -> set[str]:
    """The names of the parts present in a model or icon."""
    return {PARTS[i] for i in np.unique(np.asarray(mesh.cell_data["part"]))}


# --------------------------------------------------------------------------- icons

#: Drawing order of the parts in a flat icon (later parts in front).
_ICON_ORDER = ("heat_shield", "truss", "radiator", "solar_array", "leg", "propellant_tank", "thrust_structure",
               "shadow_shield", "reactor", "nozzle", "descent_stage", "cargo", "habitat",
               "airlock", "crew_module", "capsule", "window", "derrick", "drill_pipe", "skid",
               "valve", "water_tank")


@_built_once
def icon(name: str, resolution: int = 10, transit: bool = False):
    """A flat side-view silhouette of ship ``name`` for overviews: unit length along x.

    ``transit=True`` draws a lander as it flies, on its nuclear stage (:func:`transit_stack`),
    which is what an overview of the cruise shows.

    The model (at a low ``resolution``) is projected onto its x-y plane, centred on the origin
    and scaled so that its longest side is 1; parts are layered a hair apart in z (front ones
    at higher z) so that overlapping colours never fight. The scene scales it to a constant
    number of pixels per frame (:func:`world_size_for_pixels`) and turns it to face the camera
    with ``+x`` along the ship's heading. Carries the same ``part`` and ``RGB`` cell arrays as
    the model.
    """
    mesh = transit_stack(name, resolution) if transit else build_ship(name, resolution)
    pts = np.asarray(mesh.points, dtype=float).copy()
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    scale = 1.0 / max(hi[0] - lo[0], hi[1] - lo[1])
    # Each cell's layer by part; duplicate points per cell so layers can differ.
    faces = np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]
    part = np.asarray(mesh.cell_data["part"])
    layer = np.array([_ICON_ORDER.index(PARTS[p]) for p in part], dtype=float)
    tri = (pts[faces] - centre) * scale  # (n, 3, 3)
    tri[..., 2] = (layer * 1e-3)[:, None]
    import pyvista as pv

    n = len(faces)
    flat = pv.PolyData(tri.reshape(-1, 3),
                       np.c_[np.full(n, 3), np.arange(3 * n).reshape(n, 3)].ravel())
    flat.cell_data["part"] = part
    flat.cell_data["RGB"] = np.asarray(mesh.cell_data["RGB"])
    return flat


def world_size_for_pixels(pixels: float, distance: float, view_angle_deg: float,
                          window_height_px: int, parallel_scale: float | None = None) -> float:
    """World length that spans ``pixels`` on screen at ``distance`` from the camera.

    Perspective: ``2 d tan(angle / 2) * pixels / height``. With ``parallel_scale`` (a parallel
    projection, half the view height in world units) the distance does not matter.
    """
    if window_height_px <= 0:
        raise ValueError(f"window height must be positive, got {window_height_px}")
    if parallel_scale is not None:
        view_h = 2.0 * parallel_scale
    else:
        view_h = 2.0 * distance * math.tan(math.radians(view_angle_deg) / 2)
    return view_h * pixels / window_height_px


def icon_matrix(position, heading, camera, window_height_px: int, pixels: float) -> np.ndarray:
    """The 4x4 user matrix that shows an :func:`icon` ``pixels`` long at ``position``.

    The icon faces the camera (its +z towards it) with its +x along ``heading`` as seen on
    screen (the heading projected onto the view plane; the camera's view-up when the heading
    points at or away from the camera). ``camera`` is a PyVista camera (position,
    focal_point, up, view_angle, parallel_projection, parallel_scale). Call it after every
    camera change, as for any constant-size marker.
    """
    pos = np.asarray(position, dtype=float)
    cam = np.asarray(camera.position, dtype=float)
    view = np.asarray(camera.focal_point, dtype=float) - cam
    view /= np.linalg.norm(view)
    toward = -view  # the icon's +z
    h = np.asarray(heading, dtype=float)
    x = h - np.dot(h, toward) * toward
    if np.linalg.norm(x) < 1e-9 * max(np.linalg.norm(h), 1e-300):
        up = np.asarray(camera.up, dtype=float)
        x = up - np.dot(up, toward) * toward
    x /= np.linalg.norm(x)
    y = np.cross(toward, x)
    depth = float(np.dot(pos - cam, view))
    size = world_size_for_pixels(pixels, depth, camera.view_angle, window_height_px,
                                 camera.parallel_scale if camera.parallel_projection else None)
    mat = np.eye(4)
    mat[:3, 0], mat[:3, 1], mat[:3, 2] = x * size, y * size, toward * size
    mat[:3, 3] = pos
    return mat


# --------------------------------------------------------------------------- the Sun, night sides

#: Lighting of a planet so its night side is dark (a faint ambient keeps the limb readable).
PLANET_LIGHTING = {"ambient": 0.03, "diffuse": 1.0, "specular": 0.0}


def glow_profile(r: np.ndarray, core: float = 0.15) -> np.ndarray:
    """Brightness of the Sun's glow at ``r`` (0 at the centre, 1 at the sprite's edge).

    Full inside the disc (``r <= core``), then a smooth corona that falls as an inverse
    square and reaches exactly 0 at the edge, so the sprite has no visible border or ring.
    """
    r = np.asarray(r, dtype=float)
    x = np.clip((r - core) / (1 - core), 0.0, 1.0)
    halo = 1.0 / (1.0 + (x * 6.0) ** 2)  # inverse-square fall-off outside the disc
    edge = (1.0 - x**2) ** 2  # tapers smoothly to 0 at the edge
    return np.where(r <= core, 1.0, halo * edge)


def sun_glow_image(size: int = 256, color=(255, 236, 180), core: float = 0.15) -> np.ndarray:
    """An RGBA radial-gradient sprite (``size`` x ``size``, uint8) of the glowing Sun.

    Colour white-hot in the middle, ``color`` outwards; alpha follows :func:`glow_profile`.
    Smooth to the last bit (no steps): consecutive radii differ by at most a few levels.
    """
    c = (np.arange(size) + 0.5) / size * 2 - 1
    xx, yy = np.meshgrid(c, c)
    r = np.hypot(xx, yy)
    a = glow_profile(r, core)
    white = np.clip(1 - (r / core) ** 2, 0, 1)[..., None]
    rgb = np.asarray(color, float) * (1 - white) + 255.0 * white
    img = np.empty((size, size, 4), dtype=np.uint8)
    img[..., :3] = np.clip(np.round(rgb), 0, 255)
    img[..., 3] = np.clip(np.round(255 * a), 0, 255)
    return img


def sun_glow_sprite(radius: float, size: int = 256, color=(255, 236, 180), core: float = 0.15):
    """The glow as a textured square (PolyData, texture) facing +z, centred on the origin.

    ``radius`` is the Sun's drawn radius (scene units); the square's half-width is
    ``radius / core`` so its bright disc matches the drawn Sun. Use :func:`add_sun_glow` to
    add it facing the camera.
    """
    import pyvista as pv

    half = radius / core
    quad = pv.Plane(center=(0, 0, 0), direction=(0, 0, 1), i_size=2 * half, j_size=2 * half,
                    i_resolution=1, j_resolution=1)
    tex = pv.Texture(sun_glow_image(size, color, core)[::-1])
    tex.interpolate = True
    tex.repeat = False
    tex.edge_clamp = True
    return quad, tex


def add_sun_glow(plotter, center, radius: float, name: str = "sun-glow", size: int = 256,
                 color=(255, 236, 180), core: float = 0.15):
    """Add the Sun's glow to ``plotter`` as a billboard that always faces the camera.

    A ``vtkFollower`` turns the sprite towards the active camera at every render, so nothing
    has to be updated per frame. Returns the actor (``SetPosition`` moves it). The sprite
    draws the Sun's disc as well (white-hot centre, ``color`` at the limb, the corona
    beyond), drawn unlit with its alpha blended: hide the Sun's sphere where the glow is
    used, since a sphere cut by the sprite's plane would show its rim as a ring.
    """
    import pyvista as pv
    from vtkmodules.vtkRenderingCore import vtkFollower

    quad, tex = sun_glow_sprite(radius, size, color, core)
    mapper = pv.DataSetMapper(quad)
    actor = vtkFollower()
    actor.SetMapper(mapper)
    actor.SetTexture(tex)
    actor.SetPosition(*center)
    prop = actor.GetProperty()
    prop.SetLighting(False)
    prop.SetAmbient(1.0)
    prop.SetDiffuse(0.0)
    actor.SetPickable(False)
    actor.SetCamera(plotter.renderer.GetActiveCamera())
    plotter.add_actor(actor, name=name, reset_camera=False)
    return actor


def textured_sphere(radius: float, nlon: int = 128, nlat: int = 64):
    """A sphere of ``radius`` with equirectangular texture coordinates and outward normals.

    The shipped maps' convention (assets/README.md): ``u = (lon + 180) / 360`` with east
    longitude measured from the model's +x axis towards +y, ``v = (lat + 90) / 180``, north
    along +z; the same as the scene's planets.
    """
    import pyvista as pv

    lon = np.linspace(-np.pi, np.pi, nlon + 1)
    lat = np.linspace(-np.pi / 2, np.pi / 2, nlat + 1)
    LON, LAT = np.meshgrid(lon, lat)
    normals = np.stack([np.cos(LAT) * np.cos(LON), np.cos(LAT) * np.sin(LON), np.sin(LAT)],
                       axis=-1).reshape(-1, 3)
    ncol = nlon + 1
    faces = []
    for i in range(nlat):
        for j in range(nlon):
            p00, p01 = i * ncol + j, i * ncol + j + 1
            p10, p11 = p00 + ncol, p01 + ncol
            if i > 0:
                faces.append((p00, p01, p11))
            if i < nlat - 1:
                faces.append((p00, p11, p10))
    faces = np.asarray(faces, dtype=np.int64)
    mesh = pv.PolyData(normals * radius, np.c_[np.full(len(faces), 3), faces].ravel())
    mesh.active_texture_coordinates = np.c_[(LON.ravel() + np.pi) / (2 * np.pi),
                                            (LAT.ravel() + np.pi / 2) / np.pi]
    mesh.point_data["Normals"] = normals
    mesh.point_data.active_normals_name = "Normals"
    return mesh


def night_lights(radius: float, nlon: int = 128, nlat: int = 64, lift: float = 1.001):
    """The shell that carries Earth's city lights over its night side.

    A sphere a hair above the ground (``lift`` times ``radius``) with a point array ``RGBA``
    whose alpha :func:`set_night_side` sets from the Sun's direction: opaque on the night
    side, transparent by day, smooth across the terminator. Drawn unlit with the night map
    (``earth_night.jpg``) by :func:`add_night_lights`, above the lit day globe.
    """
    mesh = textured_sphere(radius * lift, nlon, nlat)
    rgba = np.full((mesh.n_points, 4), 255, dtype=np.uint8)
    rgba[:, 3] = 0
    mesh.point_data["RGBA"] = rgba
    return mesh


def night_side_alpha(cos_sun: np.ndarray, day_edge: float = 0.05, night_edge: float = -0.15):
    """Opacity of the night lights where the Sun is ``cos_sun`` above the horizon (cosine).

    0 in daylight (``cos_sun >= day_edge``), 1 in full night (``<= night_edge``), a smoothstep
    between, so the lights come on through twilight rather than at a hard line.
    """
    t = np.clip((day_edge - np.asarray(cos_sun, float)) / (day_edge - night_edge), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def set_night_side(mesh, sun_direction) -> None:
    """Turn the lights of a :func:`night_lights` shell on where the Sun is down.

    ``sun_direction`` is the direction to the Sun in the shell's own frame (the frame of its
    points: if the scene rotates the globe with a user matrix, pass the direction rotated back
    by that matrix). Cheap enough for every frame (one dot product per point).
    """
    s = np.asarray(sun_direction, dtype=float)
    s = s / np.linalg.norm(s)
    alpha = night_side_alpha(np.asarray(mesh.point_data["Normals"]) @ s)
    arr = mesh.GetPointData().GetArray("RGBA")  # written in place: a drawn copy shares it
    from vtkmodules.util.numpy_support import vtk_to_numpy

    vtk_to_numpy(arr)[:, 3] = np.round(alpha * 255).astype(np.uint8)
    arr.Modified()
    mesh.Modified()


def add_night_lights(plotter, mesh, texture, name: str = "earth-night"):
    """Add a :func:`night_lights` shell to ``plotter`` with ``texture`` (the night map).

    The texture is multiplied by the shell's per-point colour, so its alpha fades the lights
    out on the day side. Returns the actor; move and turn it with the globe.
    """
    import pyvista as pv

    if not isinstance(texture, pv.Texture):
        texture = pv.read_texture(str(texture))
    return plotter.add_mesh(mesh, scalars="RGBA", rgba=True, texture=texture, lighting=False,
                            name=name, reset_camera=False, pickable=False, show_scalar_bar=False)
