"""Keeping small drawn planets in sight: ship icons and event markers that fall on a planet's
disc in a wide view are moved just outside it, hidden or grouped.

In an overview, a planet is a disc a few pixels wide while a ship's icon is 30 to 40 pixels
long and an event marker 10 to 26: everything at Mars during the stay (Terra Nova, the three
cargo ships, the surface events, the active event's ring) would be drawn on top of Mars. Before
every render, in screen space, for each planet whose drawn disc is small beside an item that
touches it (the item would cover more than about 1/SMALL**2 of the disc):

- the crewed ship's icon and the active event's marker are moved radially just outside the disc
  (:data:`LEADER_PX` out), with a thin leader line from the disc's edge to them, as NASA's Eyes
  and Celestia draw a satellite next to a planet too small to show its orbit;
- the other ships' icons there are hidden and named together in one label beside the planet
  ("Shirase, Atlantis, Gagarin at Mars");
- markers of the other events at a surface site are hidden on a small disc, or wherever two of
  them overlap (they cannot be told apart; the timeline and the events list keep them), other
  markers that touch the disc are nudged just outside it;
- nothing is moved on a disc that is large beside the item (a close view, a surface shot), and
  no ship or off-surface marker near a planet drawn at true size: there they stand where they
  are.

The moved places, the hidden items and the discs are what the label layout reads
(:mod:`marsviz.scene.labels`): a label sits beside the icon or marker as drawn, hidden items get
no label, and labels keep off small discs.
"""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D

from marsviz.mission.plan import PLANETS
from marsviz.scene import models
from marsviz.scene.base import Visual
from marsviz.scene.geometry import write_points

#: An item is moved off a disc whose radius is under SMALL times the item's own half-size.
SMALL = 4.0
#: ... and the markers of a surface site's events (a ring of them, squeezed onto the disc when
#: it is small: see ``markers.RING_MAX_RADII``) are left out together on a disc under SITE_SMALL
#: half-sizes of an ordinary marker (5 pixels at 720 px): there the ring is too small for its
#: markers to be told apart, and for their labels.
SITE_SMALL = 12.0
SITE_HALF_PX = 5.0
#: Two markers closer than this fraction of their half-sizes together overlap.
OVERLAP = 0.8
#: Ships and markers off the surface are moved only off a planet drawn enlarged (more than
#: this factor): at true size (a planet-centred shot, the capture orbit drawn) a ship in low
#: orbit is drawn where it is, over the planet if it is in front of it. Surface events' markers
#: are crowded at any scale (their ring is squeezed onto a small disc).
ENLARGED = 1.5
#: Moved items: their footprint's edge this far outside the disc (pixels at 720 px), along a
#: leader line; nudged items (only touching the disc's edge) just GAP_PX outside.
LEADER_PX = 14.0
GAP_PX = 2.0
#: Clear space between two moved items (pixels at 720 px).
ITEM_GAP_PX = 3.0
#: Half the size (pixels at 720 px) of the active event's ring (``Markers.active_actor``).
RING_HALF_PX = 13.0
#: ... drawn round a ship's icon when the event is on board: this much (pixels at 720 px)
#: wider than the icon's half-length.
HALO_GAP_PX = 4.0
#: Leader lines: colour, opacity, width (pixels at 720 px).
LEADER_COLOR = (0.80, 0.84, 0.90)
LEADER_OPACITY = 0.75
LEADER_WIDTH = 1.0
#: Preferred directions (degrees, screen, counter-clockwise from +x) of the moved items whose
#: own place is near the disc's centre: the crewed ship above right, the active event below left.
DEFAULT_DEG = {"ship": 60.0, "event": 225.0}


def leader_actor(visual, name: str):
    """A (polydata, 2D actor) pair for thin leader lines drawn in display pixels."""
    poly = pv.PolyData()
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(poly)
    actor = vtkActor2D()
    actor.SetMapper(mapper)
    prop = actor.GetProperty()
    prop.SetColor(*LEADER_COLOR)
    prop.SetOpacity(LEADER_OPACITY)
    prop.SetLineWidth(max(1.0, LEADER_WIDTH * visual.ctx.px))
    actor.SetVisibility(False)
    visual.p.add_actor(actor, name=name, reset_camera=False, pickable=False)
    visual.sized(actor, line=LEADER_WIDTH)
    return poly, actor


def draw_segments(poly, actor, segs) -> None:
    """Show ``segs`` (((x0, y0), (x1, y1)) in display pixels, y up) as leader lines."""
    if segs:
        poly.points = np.array([[x, y, 0.0] for s in segs for x, y in s])
        poly.lines = np.hstack([[2, 2 * i, 2 * i + 1] for i in range(len(segs))])
        poly.Modified()
    actor.SetVisibility(bool(segs))


class Crowd(Visual):
    """Screen-space pass that keeps ships and markers off small planet discs (see module)."""

    def __init__(self, ctx, ships, markers):
        super().__init__(ctx)
        self.ships = ships
        self.markers = markers

    def build(self) -> None:
        self.moved: dict = {}  # key -> scene position as drawn now
        self.hidden: set = set()  # keys of items not drawn now
        self.slots: dict = {}  # key -> (x, y, half-size px): moved items with a leader line
        self.discs: dict = {}  # planet -> (x, y, radius px) as drawn now (in front of the camera)
        self.groups: list = []  # (planet, text): ships hidden at a planet, named together
        self.segments: list = []  # leader lines drawn now, ((x0, y0), (x1, y1)) display pixels
        self.marks: list = []  # (x, y, half-size px, key) of the event and milestone markers drawn now
        self._dirty = False
        self._ring_pushed = False
        self._verts: dict = {}
        self.leader, self.leader_actor = leader_actor(self, "crowd-leaders")
        self.cat_of = {}
        for cat, (_poly, ids) in self.markers.marker_sets.items():
            for i in ids:
                self.cat_of[i] = cat

    # -- projection helpers -----------------------------------------------------------------------
    def _project(self, p) -> tuple[float, float, float]:
        ren = self.p.renderer
        ren.SetWorldPoint(float(p[0]), float(p[1]), float(p[2]), 1.0)
        ren.WorldToDisplay()
        return ren.GetDisplayPoint()

    def _unproject(self, x: float, y: float, z: float) -> np.ndarray:
        ren = self.p.renderer
        ren.SetDisplayPoint(float(x), float(y), float(z))
        ren.DisplayToWorld()
        w = ren.GetWorldPoint()
        return np.array(w[:3], dtype=float) / (w[3] or 1.0)

    def _in_front(self, p, cpos, view) -> bool:
        return float(np.dot(np.asarray(p, dtype=float) - cpos, view)) > 0

    # -- the pass ---------------------------------------------------------------------------------
    def arrange(self) -> None:
        """Decide, for the camera as it is now, what is moved, hidden or grouped, and draw it."""
        ctx = self.ctx
        ren = self.p.renderer
        cam = ren.GetActiveCamera()
        cpos = np.asarray(cam.GetPosition(), dtype=float)
        view = np.asarray(cam.GetFocalPoint(), dtype=float) - cpos
        view /= np.linalg.norm(view) or 1.0
        up = np.asarray(cam.GetViewUp(), dtype=float)
        up = up - np.dot(up, view) * view  # the screen's up (a camera's view-up may lean)
        up /= np.linalg.norm(up) or 1.0
        k = ctx.px
        discs = {}
        for b in PLANETS:
            c = ctx.pos.get(b)
            if c is None or not self._in_front(c, cpos, view):
                continue
            x, y, _ = self._project(c)
            w, h = ctx.size
            if not (-0.5 * w <= x <= 1.5 * w and -0.5 * h <= y <= 1.5 * h):
                continue  # far out of the frame (its projected size would mean nothing)
            x2, y2, _ = self._project(np.asarray(c, dtype=float) + up * ctx.radii[b])
            discs[b] = (x, y, float(math.hypot(x2 - x, y2 - y)))
        self.discs = discs
        items = self._items(cpos, view)
        moved, hidden, slots, nudged, groups = {}, set(), {}, {}, {}
        site_events = self.markers.site_of
        # A site's markers drawn on top of one another (a ring seen edge-on at the limb, or
        # squeezed) cannot be told apart: all but the active event's are left out.
        ring = [(key, x, y, f) for key, kind, (x, y, _z), f, _p in items if kind == "site"]
        if any(math.hypot(a[1] - b_[1], a[2] - b_[2]) < OVERLAP * (a[3] + b_[3])
               for i, a in enumerate(ring) for b_ in ring[i + 1:]):
            hidden.update(key for key, *_ in ring)
        for b, (cx, cy, r) in discs.items():
            mine = []
            enlarged = ctx.scales.get(b, 1.0) > ENLARGED
            for it in items:
                key, kind, (x, y, z), f, _p = it
                if key in hidden or key in moved:
                    continue
                if not enlarged and not (key[0] == "event" and key[1] in site_events):
                    continue  # at true size a ship or a marker near a planet is drawn where it is
                d = math.hypot(x - cx, y - cy)
                if kind == "site" and d < r + f and r < SITE_SMALL * SITE_HALF_PX * ctx.px:
                    mine.append((it, d))
                elif kind != "site" and d < r + f and r < SMALL * f:
                    mine.append((it, d))
            if not mine:
                continue
            placed = []  # (x, y, f) of the items moved round this disc
            # Items that stay where they are and only touch the disc keep their place unless
            # they are moved: the order is by importance.
            for (key, kind, (x, y, z), f, prio), d in sorted(mine, key=lambda m: m[0][4]):
                if kind == "cargo":
                    hidden.add(key)
                    groups.setdefault(b, []).append(key[1])
                    continue
                if kind == "site":
                    hidden.add(key)
                    continue
                lead = kind in ("ship", "event")
                if d > 0.5 * r:
                    a0 = math.degrees(math.atan2(y - cy, x - cx))
                else:
                    a0 = DEFAULT_DEG.get(kind, 90.0)
                rho = r + f + (LEADER_PX if lead else GAP_PX) * k
                spot = self._free_spot(cx, cy, rho, a0, f, placed, lead, k)
                if spot is None:
                    if not lead:  # the crewed ship and the active event are never hidden
                        hidden.add(key)
                    continue
                sx, sy = spot
                placed.append((sx, sy, f))
                moved[key] = self._unproject(sx, sy, z)
                if lead:
                    slots[key] = (sx, sy, f, b)
                else:
                    nudged[key] = (sx, sy, f)
        self.moved, self.hidden, self.slots = moved, hidden, slots
        self.marks = []  # (x, y, half-size px, key) of every marker drawn now
        for key, kind, (x, y, _z), f, _p in items:
            if kind in ("ship", "cargo") or key in hidden:
                continue
            if key in slots:
                x, y = slots[key][:2]
            elif key in nudged:
                x, y = nudged[key][:2]
            self.marks.append((x, y, f, key))
        self.groups = [(b, ", ".join(self.plan.craft_name(c) for c in cids) + " at " + b.capitalize())
                       for b, cids in groups.items()]
        self._apply(cpos, view)
        halo = self._ring_behind_ship(cpos, view)
        if halo is not None:  # the ring as drawn round the ship
            key = ("event", self.markers.active_id)
            self.marks = [m for m in self.marks if m[3] != key] + [(*halo, key)]

    def _ring_behind_ship(self, cpos, view):
        """The active event's ring on a ship's icon (an event on board: the spacewalk) is
        drawn round the whole icon, centred on it and just behind it along the line of sight,
        so that the ship is drawn over the translucent ring, not under it. Returns the ring's
        (x, y, half-size px) then, else None (the ring as the markers place it)."""
        mk = self.markers
        i = mk.active_id
        p = None if i is None else self.moved.get(("event", i), mk.event_positions.get(i))
        k = self.ctx.px
        halo = None
        if p is not None and mk.active_actor.GetVisibility() and self._in_front(p, cpos, view):
            x, y, _ = self._project(p)
            ships = self.ships
            for cid, (r, _v) in ships.shown.items():
                if not ships.craft_actors[cid].GetVisibility():
                    continue  # a ship drawn as its model is larger than the ring
                c = np.asarray(self.moved.get(("ship", cid), r), dtype=float)
                sx, sy, _ = self._project(c)
                if math.hypot(x - sx, y - sy) < 0.5 * ships.icon_pixels(cid):
                    cam = self.p.renderer.GetActiveCamera()
                    depth = max(float(np.dot(c - cpos, view)), 1e-300)
                    unit = models.world_size_for_pixels(
                        1.0, depth, cam.GetViewAngle(), max(1, self.ctx.size[1]),
                        cam.GetParallelScale() if cam.GetParallelProjection() else None)
                    f = 0.5 * ships.icon_pixels(cid) + HALO_GAP_PX * k
                    d = c - cpos
                    q = cpos + d * (1.0 + 3.0 * f * unit / (float(np.linalg.norm(d)) or 1.0))
                    write_points(mk.active_marker, q[None, :])
                    mk.active_actor.GetProperty().SetPointSize(2.0 * f)
                    halo = (sx, sy, f)
                    break
        if halo is None and self._ring_pushed:  # back to the event's own place and size
            if p is not None:
                write_points(mk.active_marker, np.asarray(p, dtype=float)[None, :])
            mk.active_actor.GetProperty().SetPointSize(2.0 * RING_HALF_PX * k)
        self._ring_pushed = halo is not None
        return halo

    def _items(self, cpos, view) -> list:
        """(key, kind, display point, half-size px, priority) of everything that may crowd."""
        ctx = self.ctx
        k = ctx.px
        out = []
        ships = self.ships
        crewed = self.plan.crewed
        for cid, (r, _v) in ships.shown.items():
            if not ships.visible.get(cid) or ships.drawn_as.get(cid) != "icon":
                continue
            if not self._in_front(r, cpos, view):
                continue
            f = 0.5 * ships.icon_pixels(cid)
            out.append((("ship", cid), "ship" if cid == crewed else "cargo", self._project(r), f,
                        0 if cid == crewed else 2))
        mk = self.markers
        if any(a.GetVisibility() for a in mk.marker_actors.values()):
            active = mk.active_id
            for i, p in mk.event_positions.items():
                if not self._in_front(p, cpos, view):
                    continue
                size = 26.0 if i == active else (15.0 if self.cat_of.get(i) == "failure" else 10.0)
                kind = "event" if i == active else ("site" if i in mk.site_of else "marker")
                out.append((("event", i), kind, self._project(p), 0.5 * size * k, 1 if i == active else 3))
        if mk.milestone_actor.GetVisibility():
            for j, p in enumerate(np.asarray(mk.milestone_pts.points)):
                if self._in_front(p, cpos, view):
                    out.append((("milestone", j), "milestone", self._project(p), 4.0 * k, 4))
        return out

    def _free_spot(self, cx, cy, rho, a0, f, placed, lead, k):
        """The first place at distance ``rho`` from the disc's centre, from angle ``a0`` turning
        either way, inside the frame, whose footprint clears the items already moved round this
        disc (and the other discs); None when there is none within two rings."""
        for ring in range(2):
            rr = rho + ring * 2.0 * f
            step = math.degrees(min(math.pi / 6, (f + ITEM_GAP_PX * k) / max(rr, 1.0)))
            n = int(180.0 / step) + 1
            for j in range(2 * n):
                a = a0 + (j + 1) // 2 * step * (1 if j % 2 else -1)
                x = cx + rr * math.cos(math.radians(a))
                y = cy + rr * math.sin(math.radians(a))
                if not (f <= x <= self.ctx.size[0] - f and f <= y <= self.ctx.size[1] - f):
                    continue  # in the frame, or its label would go with it
                if any(math.hypot(x - px, y - py) < f + pf + ITEM_GAP_PX * k for px, py, pf in placed):
                    continue
                if any(math.hypot(x - ox, y - oy) < orr + f for ox, oy, orr in self.discs.values()
                       if (ox, oy) != (cx, cy)):
                    continue
                return x, y
            if not lead:
                break
        return None

    def _apply(self, cpos, view) -> None:
        """Draw the decision: icons moved or hidden, marker points moved or left out, leaders."""
        ships, mk = self.ships, self.markers
        cam = None
        for cid in ships.craft_actors:
            key = ("ship", cid)
            if key in self.hidden:
                ships.craft_actors[cid].SetVisibility(False)
            elif key in self.moved:
                from marsviz.scene.ships import _camera, _set_matrix

                cam = cam or _camera(self.p.renderer.GetActiveCamera())
                h = ships.heading.get(cid, np.array([1.0, 0.0, 0.0]))
                _set_matrix(ships.craft_actors[cid], models.icon_matrix(
                    self.moved[key], h, cam, max(1, self.ctx.size[1]), ships.icon_pixels(cid)))
        touched = bool(self.moved or self.hidden)
        if touched or self._dirty:
            for cat, (poly, ids) in mk.marker_sets.items():
                pts = np.array([self.moved.get(("event", i), mk.event_positions[i]) for i in ids])
                write_points(poly, pts)
                self._set_verts(cat, poly, [j for j, i in enumerate(ids) if ("event", i) not in self.hidden])
            ms = np.asarray(mk.milestone_pts.points)
            if any(k[0] == "milestone" for k in (*self.moved, *self.hidden)) or self._dirty:
                pts = np.array([self.moved.get(("milestone", j), p) for j, p in enumerate(ms)])
                write_points(mk.milestone_pts, pts)
                self._set_verts("milestones", mk.milestone_pts,
                                [j for j in range(len(ms)) if ("milestone", j) not in self.hidden])
            if mk.active_id is not None:
                a = self.moved.get(("event", mk.active_id), mk.event_positions.get(mk.active_id))
                if a is not None:
                    write_points(mk.active_marker, np.asarray(a, dtype=float)[None, :])
        self._dirty = touched
        # Leader lines, in display pixels: from just outside the disc to the item's edge.
        segs = []
        for key, (sx, sy, f, b) in self.slots.items():
            cx, cy, r = self.discs[b]
            d = math.hypot(sx - cx, sy - cy) or 1.0
            u = ((sx - cx) / d, (sy - cy) / d)
            inner = self._extent(key, u, f)
            a, e = r + 1.0 * self.ctx.px, d - inner - 1.0
            if e > a + 2.0:
                segs.append(((cx + u[0] * a, cy + u[1] * a), (cx + u[0] * e, cy + u[1] * e)))
        self.segments = segs
        draw_segments(self.leader, self.leader_actor, segs)

    def _extent(self, key, u, f) -> float:
        """How far (pixels) the drawn item reaches from its centre towards the disc (-u)."""
        if key[0] != "ship":
            return f
        cid = key[1]
        p = self.moved[key]
        h = self.ships.heading.get(cid, np.array([1.0, 0.0, 0.0]))
        x0, y0, _ = self._project(p)
        dist = float(np.linalg.norm(p - np.asarray(self.p.renderer.GetActiveCamera().GetPosition())))
        x1, y1, _ = self._project(np.asarray(p) + 1e-3 * dist * np.asarray(h))
        e = np.array([x1 - x0, y1 - y0])
        n = float(np.linalg.norm(e))
        if n < 1e-12:
            return f
        e /= n
        along = abs(e[0] * u[0] + e[1] * u[1])
        across = abs(-e[1] * u[0] + e[0] * u[1])
        return f * along + 0.35 * f * across

    def _set_verts(self, name, poly, keep) -> None:
        keep = tuple(keep)
        if self._verts.get(name) == keep:
            return
        self._verts[name] = keep
        n = len(keep)
        poly.verts = np.column_stack([np.ones(n, dtype=int), np.asarray(keep, dtype=int)]).ravel() \
            if n else np.empty(0, dtype=int)
        poly.Modified()

    # -- what the label layout reads -------------------------------------------------------------
    def anchor(self, key, default):
        """Where the item ``key`` is drawn now (scene units)."""
        if key is None:
            return default
        return self.moved.get(key, default)

    def is_hidden(self, key) -> bool:
        return key is not None and key in self.hidden

    def apply_options(self, opt) -> None:
        self._dirty = True
