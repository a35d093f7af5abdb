"""Labels: one layout pass in screen space, by priority, before every render.

Candidates, most important first: the active event, the ships, the planets (and the Moon), the
ships gathered at a planet in a wide view ("Shirase, Atlantis, Gagarin at Mars", see
:mod:`marsviz.scene.crowd`), the other events at a surface site, the milestones of the crewed
trajectory, the grid's AU rings.

A label stands beside its icon or marker as drawn (moved off a small planet by the crowd pass),
and only where that thing is seen: items the crowd pass hides, actors not drawn, and icons or
markers behind a planet's (or the Moon's) globe get no label. Each is tried at a few places
around its icon, marker or disc (above, right, left, below, then further out; an item at a small
planet's disc takes the places away from the disc first, and the planet's label the places away
from the items at it); it takes the first place inside the frame that overlaps no heads-up text,
event card, ship icon or model (any ship's, its own too), small planet disc, moved marker or the
active event's ring, and keeps a clear gap (GAP of the font size, at least MIN_GAP_PX) to every
label already placed. A label that fits nowhere is dropped, never stacked. Text scales with the
frame height but is never smaller than LABEL_MIN_PX. Text boxes are measured with VTK's own
text renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (the text renderer behind vtkTextRenderer)
from vtkmodules.vtkRenderingCore import vtkTextActor, vtkTextRenderer

from marsviz.mission.plan import PLANETS
from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.ships import ICON_PX

#: Kinds of label, in order of priority: (font size as a fraction of the frame height, colour).
KINDS = {
    "event": (0.024, "#ffffff"),
    "ship": (0.022, "#e6ecf5"),
    "planet": (0.022, "#e6ecf5"),
    "group": (0.0176, "#c9d2df"),
    "site": (0.0176, "#d4dbe6"),
    "milestone": (0.0176, "#aab4c3"),
    "grid": (0.0165, "#6f7d99"),
}
PRIORITY = {k: i for i, k in enumerate(KINDS)}
#: Clear space between two labels: this fraction of the larger font size, at least MIN_GAP_PX.
GAP = 0.3
MIN_GAP_PX = 5.0
#: Clear space (pixels) between a label and the heads-up text or the card: a drawn label's
#: descenders reach a pixel or two below the box it is placed by.
BLOCK_PAD_PX = 2.0
#: A ship's icon (or model) is kept clear of labels: a square this fraction of the icon's
#: length on each side of the ship.
SHIP_CLEAR = 0.25
#: A planet drawn with a radius under this fraction of the frame height is kept clear of
#: labels (with DISC_GAP_PX around it), so that a label never covers a small planet; on a
#: larger disc (a close view, a surface shot) labels may sit on the ground beside their marker.
DISC_CLEAR = 0.08
DISC_GAP_PX = 2.0
#: Label text is never drawn smaller than this font size (pixels; the text then stands 10 to
#: 11 pixels high), whatever the frame height: at 640 x 360 the sizes above would give 6-pixel
#: text. Where labels at this size do not fit, the layout drops the less important ones.
LABEL_MIN_PX = 11
#: The Moon is labelled (as a planet) when its drawn radius is at least this many pixels (at
#: 720 px): a dot smaller than that is no more than a star.
MOON_LABEL_MIN_PX = 2.0
#: An item behind a planet or the Moon (further along the line of sight than the globe's near
#: side, by more than this fraction of its radius) and wholly inside its disc on screen is not
#: seen: it gets no label.
OCCLUDE_TOL = 0.02
#: ... (at least the inner SEEN_PART of its half-size inside the disc: an icon whose tip only
#: shows past the limb is not seen either).
SEEN_PART = 0.5
#: A ship icon or model drawn larger than this fraction of the frame height (a close view of
#: the ship) is no obstacle: its label sits beside its centre, as on a large planet.
SHIP_BOX_MAX = 0.6
#: An icon or marker within this many pixels (at 720 px) of a small planet's disc is "at" the
#: planet: the planet's label goes on the disc's other side and the item's label away from the
#: disc, so that neither label stands between the two.
NEAR_DISC_PX = 12.0
#: A planet that fills the view (drawn radius over this fraction of the frame height: a
#: close view, a surface shot, whose title names it) gets no label: around such a disc the
#: layout's places fall on the ground, among the site's own labels.
PLANET_LABEL_MAX = 0.3


@dataclass
class Placed:
    kind: str
    text: str
    box: tuple  # x0, y0, x1, y1 in display pixels (y up)
    px: int = 0  # font size


def _crosses(x, y, box, placed) -> bool:
    """Whether the line from (x, y) to ``box``'s nearest point runs through a placed label."""
    ex, ey = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    for u in np.linspace(0.0, 1.0, 12):
        px, py = x + u * (ex - x), y + u * (ey - y)
        if any(p.box[0] - 1 <= px <= p.box[2] + 1 and p.box[1] - 1 <= py <= p.box[3] + 1 for p in placed):
            return True
    return False


def text_box(actor, ren) -> tuple:
    """Display box (x0, y0, x1, y1; y up) of a text actor as rendered in ``ren``."""
    bb = [0.0] * 4
    actor.GetBoundingBox(ren, bb)  # relative to the actor's anchor
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(ren)
    return x + bb[0], y + bb[2], x + bb[1], y + bb[3]


def overlaps(a, b, pad: float = 0.0) -> bool:
    """Whether boxes ``a`` and ``b`` (x0, y0, x1, y1) come closer than ``pad``; ``b`` may be a
    disc (x, y, radius) instead, a planet's as drawn."""
    if len(b) == 3:
        qx, qy = min(max(b[0], a[0]), a[2]), min(max(b[1], a[1]), a[3])
        return float(np.hypot(qx - b[0], qy - b[1])) < b[2] + pad
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


class Labels(Visual):
    def __init__(self, ctx, markers, hud, crowd=None):
        super().__init__(ctx)
        self.markers = markers
        self.hud = hud
        self.crowd = crowd
        self.candidates: list = []
        self.placed: list[Placed] = []
        self.dropped: list[tuple] = []
        self.unseen: list[tuple] = []  # (kind, text) of labels whose thing is not seen now
        self._pool: list[vtkTextActor] = []
        self._measure = vtkTextRenderer()
        self._sizes: dict = {}
        self.font_px = {k: 10 for k in KINDS}
        self.visible = True
        self.grid_visible = True

    def build(self) -> None:
        plan = self.plan
        self.grid_au = (0.5, 1.0, 1.5, 2.0)
        self.craft_names = {c: plan.craft_name(c) for c in plan.trajectories}

    # -- candidates (scene positions), from the instant's placement ----------------------------
    def update(self, t: float, pos: dict, shown_craft) -> None:
        """Collect this instant's labels (the active event's is added when laid out)."""
        plan = self.plan
        c = []
        for cid in [plan.crewed] + [k for k in plan.trajectories if k != plan.crewed]:
            if shown_craft(cid):
                c.append(("ship", self.craft_names[cid], pos[cid], 0.0, ("ship", cid)))
        for b in PLANETS:
            c.append(("planet", b.capitalize(), pos[b], self.ctx.radii[b], ("planet", b)))
        if "moon" in pos and self._moon_actor() is not None:
            c.append(("planet", "Moon", pos["moon"], self._moon_radius(), ("planet", "moon")))
        ms = np.asarray(self.markers.milestone_pts.points)
        for j, (text, p) in enumerate(zip(self.markers.milestone_labels, ms)):
            c.append(("milestone", text, np.array(p), 0.0, ("milestone", j)))
        for r in self.grid_au:
            c.append(("grid", f"{r:g} AU", self.world.from_au((0.0, -r, 0.0)), 0.0, None))
        self.candidates = c

    def layout(self, height: int, text_scale: float) -> None:
        for k, (frac, _color) in KINDS.items():
            self.font_px[k] = max(LABEL_MIN_PX, int(round(frac * height * text_scale)))

    # -- the screen-space pass ----------------------------------------------------------------
    def _size(self, text: str, px: int, bold: bool = False) -> tuple[float, float]:
        """Width and height (pixels) of ``text`` as drawn (bold for the active event)."""
        key = (text, px, bold)
        if key not in self._sizes:
            prop = self._pool_prop
            prop.SetFontSize(px)
            prop.SetBold(bold)
            bbox = [0, 0, 0, 0]
            self._measure.GetBoundingBox(prop, text, bbox, self._dpi)
            self._sizes[key] = (bbox[1] - bbox[0] + 1, bbox[3] - bbox[2] + 1)
        return self._sizes[key]

    def _actor(self, i: int) -> vtkTextActor:
        while len(self._pool) <= i:
            a = vtkTextActor()
            a.GetPositionCoordinate().SetCoordinateSystemToDisplay()
            prop = a.GetTextProperty()
            prop.SetFontFamilyToArial()
            prop.SetShadow(True)
            prop.SetJustificationToLeft()
            prop.SetVerticalJustificationToBottom()
            self.p.add_actor(a, name=f"label-{len(self._pool)}", reset_camera=False, pickable=False)
            self._pool.append(a)
        return self._pool[i]

    @property
    def _pool_prop(self):
        if not hasattr(self, "_prop"):
            a = vtkTextActor()
            self._prop = a.GetTextProperty()
            self._prop.SetFontFamilyToArial()
            self._prop.SetShadow(True)
        return self._prop

    def keep_out(self) -> list[tuple]:
        """Display boxes no label may cover: visible heads-up text and the event card."""
        boxes = []
        ren = self.p.renderer
        for t in self.hud.texts.values():
            a = t.actor
            if a.GetVisibility() and (a.GetInput() or "").strip():
                boxes.append(text_box(a, ren))
        if self.hud.bar_actor.GetVisibility():
            w, h = self.ctx.size
            pts = np.asarray(self.hud.bar.points)
            boxes.append((pts[:, 0].min() * w - 2, pts[:, 1].min() * h - 2,
                          pts[:, 0].max() * w + 2, pts[:, 1].max() * h + 2))
        for key in self.hud.plates:
            plate = self.hud.plate_box(key)
            if plate is not None:
                boxes.append(plate)
        return boxes

    def place(self) -> None:
        """Lay out every candidate label for the camera and frame as they are now."""
        ren = self.p.renderer
        w, h = (int(x) for x in self.p.window_size)
        self._dpi = self.p.ren_win.GetDPI()
        blocked = self.keep_out()
        candidates = self._candidates()
        placed: list[Placed] = []
        self.dropped = []
        self.unseen = []
        segs: list = []
        used = 0
        if self.visible:
            cam = ren.GetActiveCamera()
            cpos = np.array(cam.GetPosition())
            view = np.array(cam.GetFocalPoint()) - cpos
            view /= np.linalg.norm(view) or 1.0
            up = np.array(cam.GetViewUp())
            up = up - np.dot(up, view) * view  # the screen's up: a radius drawn across the view
            up /= np.linalg.norm(up) or 1.0
            spheres = self._occluders(ren, cpos, view, up)
            # Everything drawn that a label may not cover, each with its owner's key (an item's
            # own box is kept clear by placing its label around it): the ships' icons or models,
            # small discs, moved icons, leader lines, and every marker drawn (the active event's
            # ring too, at its full size).
            owned = self._crowd_keep_out(h)
            ships = self._ship_boxes(ren, cpos, view, h, spheres)
            for cid, (b, _c) in ships.items():
                if b is not None:
                    owned.append((b, ("ship", cid)))
            mark_f = {}  # key -> half-size (px) of its marker: its label starts beside it
            all_marks = []
            active = ("event", self.markers.active_id) if self.markers.active_id is not None else None
            for mx, my, f, mkey in self._marks(spheres, cpos):
                mark_f[mkey] = f
                all_marks.append(((mx - f, my - f, mx + f, my + f), mkey))
                if mkey == active and self.markers.active_actor.GetVisibility():
                    # The active event's ring (a translucent disc drawn under the labels) is
                    # kept clear by every label.
                    owned.append(((mx - f, my - f, mx + f, my + f), mkey))
            marks = self._site_marks(ren, cpos, view)
            for i, (mx, my, f, _u) in marks.items():  # a site's markers stay clear
                owned.append(((mx - f, my - f, mx + f, my + f), ("event", i)))
                mark_f[("event", i)] = max(mark_f.get(("event", i), 0.0), f)
            if self.crowd is not None:
                discs = {b: d for b, d in self.crowd.discs.items()}
            else:
                discs = {}
            if "moon" in spheres:  # a small Moon is kept clear, as a small planet
                _c, _r, mx, my, mr = spheres["moon"]
                discs["moon"] = (mx, my, mr)
                if mr < DISC_CLEAR * h:
                    owned.append(((mx, my, mr + DISC_GAP_PX * self.ctx.px), ("planet", "moon")))
            # A ring's labels: those beside the ring's sides first (they need no slide), then
            # those at its top and bottom (they can go above or below, or slide out).
            sites = [c for c in candidates if c[0] == "site"]
            sites.sort(key=lambda c: abs(marks[c[4][1]][3][1]) if marks.get(c[4][1]) is not None
                       and marks[c[4][1]][3] is not None else 0.0)
            it = iter(sites)
            candidates = [next(it) if c[0] == "site" else c for c in candidates]
            for kind, text, anchor, radius, key in candidates:
                if kind == "grid" and not self.grid_visible:
                    continue
                anchor = np.asarray(anchor, dtype=float)
                if np.dot(anchor - cpos, view) <= 0:
                    continue  # behind the camera
                if not self._drawn(kind, key):
                    self.unseen.append((kind, text))
                    continue  # its icon, marker or globe is not drawn now
                x, y = self._project(ren, anchor)
                if not (0 <= x <= w and 0 <= y <= h):
                    continue
                hx = hy = 0.0
                if kind == "ship":
                    if key[1] not in ships:
                        self.unseen.append((kind, text))
                        continue  # hidden behind a planet (or not drawn)
                    bx = ships[key[1]][0]
                    if bx is not None:
                        hx, hy = max(x - bx[0], bx[2] - x, 0.0), max(y - bx[1], bx[3] - y, 0.0)
                    else:
                        hx = hy = SHIP_CLEAR * ICON_PX * self.ctx.px
                if radius > 0:
                    x2, y2 = self._project(ren, anchor + up * radius)
                    r_px = float(np.hypot(x2 - x, y2 - y))
                    if kind == "planet" and r_px > PLANET_LABEL_MAX * h:
                        continue
                    if key == ("planet", "moon") and r_px < MOON_LABEL_MIN_PX * self.ctx.px:
                        continue
                    hx, hy = max(hx, r_px), max(hy, r_px)
                if key is not None and key in mark_f:  # beside its own marker, not on it
                    hx, hy = max(hx, mark_f[key]), max(hy, mark_f[key])
                if kind not in ("ship", "planet", "group", "grid") and self._occluded(
                        anchor, x, y, hx, cpos, spheres):
                    self.unseen.append((kind, text))
                    continue  # behind a planet
                if kind == "planet" and self._occluded(anchor, x, y, hx, cpos, spheres, key[1]):
                    self.unseen.append((kind, text))
                    continue
                away = None
                if kind == "planet":
                    away = self._away_from_items(x, y, hx, owned, key, NEAR_DISC_PX * self.ctx.px)
                elif kind != "group":
                    disc = self._disc_near(x, y, max(hx, hy), h, discs)
                    if disc is not None:
                        dx, dy, dr = disc
                        d = float(np.hypot(x - dx, y - dy))
                        if d > 0.3 * dr:
                            away = np.array([x - dx, y - dy]) / d
                if away is None and kind != "planet":
                    under = self._disc_under(x, y, h)
                    hx, hy = max(hx, under), max(hy, under)
                px = self.font_px[kind]
                bw, bh = self._size(text, px, kind == "event")
                own = list(blocked) + [b for b, k in owned if k != key]
                if kind == "ship":  # its own icon too: the label stands beside it
                    own += [b for b, k in owned if k == key]
                # A name beside a planet keeps off every marker drawn; a milestone's or a ring's
                # label (the least important) off every marker but its own. Ships, planets and
                # events may stand over another marker rather than be left out.
                if kind in ("group", "milestone", "grid"):
                    own += [b for b, k in all_marks if kind == "group" or k != key]
                prefer = marks[key[1]][3] if key is not None and key[0] == "event" and key[1] in marks else None
                box = self._fit(x, y, hx, hy, bw, bh, px, w, h, placed, own, prefer, away)
                if box is None:
                    self.dropped.append((kind, text))
                    continue
                a = self._actor(used)
                used += 1
                a.SetInput(text)
                prop = a.GetTextProperty()
                prop.SetFontSize(px)
                prop.SetColor(*style.hex_to_rgb(KINDS[kind][1]))
                prop.SetBold(kind == "event")
                a.SetPosition(box[0], box[1])
                a.SetVisibility(True)
                placed.append(Placed(kind, text, box, px))
                if prefer is not None:
                    # Slid along its column: a thin line from the marker to the label's
                    # nearest corner.
                    f = marks[key[1]][2]
                    ex, ey = min(max(x, box[0] - 1.0), box[2] + 1.0), min(max(y, box[1] - 1.0), box[3] + 1.0)
                    d = float(np.hypot(ex - x, ey - y))
                    if d > f + 0.6 * px:
                        segs.append(((x + (ex - x) * f / d, y + (ey - y) * f / d), (ex, ey)))
        for a in self._pool[used:]:
            a.SetVisibility(False)
        self.placed = placed
        self._draw_leaders(segs)

    # -- what is drawn, where, and what hides it ------------------------------------------------
    def _moon_actor(self):
        planets = self.ctx.planets
        return getattr(planets, "moon_actor", None) if planets is not None else None

    def _moon_radius(self) -> float:
        """The drawn Moon's radius (scene units): enlarged as the Earth is."""
        from marsviz.scene.bodies import MOON_RADIUS_KM

        return float(self.world.length(MOON_RADIUS_KM * self.ctx.scales.get("earth", 1.0)))

    def _drawn(self, kind: str, key) -> bool:
        """Whether the thing a label of ``kind`` names is drawn now (its actor shown)."""
        mk = self.markers
        if kind == "ship":
            ships = self.crowd.ships if self.crowd is not None else None
            if ships is None:
                return True
            cid = key[1]
            return bool(ships.craft_actors[cid].GetVisibility() or ships.model_actors[cid].GetVisibility())
        if kind == "planet":
            if key[1] == "moon":
                a = self._moon_actor()
                return a is not None and bool(a.GetVisibility())
            planets = self.ctx.planets
            a = planets.planet_actors.get(key[1]) if planets is not None else None
            return a is None or bool(a.GetVisibility())
        if kind in ("event", "site"):
            ev = mk._events_by_id.get(key[1])
            cat = mk.marker_actors.get(ev.category) if ev is not None else None
            on = cat is not None and bool(cat.GetVisibility())
            if kind == "event":
                on = on or bool(mk.active_actor.GetVisibility())
            return on
        if kind == "milestone":
            return bool(mk.milestone_actor.GetVisibility())
        return True

    def _occluders(self, ren, cpos, view, up) -> dict:
        """name -> (scene centre, radius, x, y, radius px) of the globes drawn now in front of
        the camera (planets and the Moon): what may hide an icon or a marker."""
        out = {}
        planets = self.ctx.planets
        bodies = [(b, self.ctx.pos.get(b), self.ctx.radii.get(b)) for b in PLANETS]
        moon = self._moon_actor()
        if moon is not None and moon.GetVisibility() and "moon" in self.ctx.pos:
            bodies.append(("moon", self.ctx.pos["moon"], self._moon_radius()))
        for b, c, r in bodies:
            if c is None or not r:
                continue
            if planets is not None and b in planets.planet_actors and not planets.planet_actors[b].GetVisibility():
                continue
            c = np.asarray(c, dtype=float)
            if np.dot(c - cpos, view) <= 0:
                continue
            x, y = self._project(ren, c)
            x2, y2 = self._project(ren, c + up * r)
            out[b] = (c, float(r), x, y, float(np.hypot(x2 - x, y2 - y)))
        return out

    @staticmethod
    def _occluded(p, x, y, half_px, cpos, spheres, skip=None) -> bool:
        """Whether the item at scene point ``p`` (drawn at (x, y), ``half_px`` pixels about
        it) is hidden: behind a globe's near side and inside its disc on screen (but for a
        tip: see :data:`SEEN_PART`)."""
        d = np.asarray(p, dtype=float) - cpos
        dist = float(np.linalg.norm(d))
        if dist <= 0:
            return False
        u = d / dist
        for b, (c, r, cx, cy, r_px) in spheres.items():
            if b == skip or np.hypot(x - cx, y - cy) + SEEN_PART * half_px > r_px:
                continue
            oc = c - cpos
            tc = float(np.dot(oc, u))
            d2 = float(np.dot(oc, oc)) - tc * tc
            if tc <= 0 or d2 >= r * r:
                continue
            if tc - np.sqrt(r * r - d2) < dist - OCCLUDE_TOL * r:
                return True
        return False

    def _ship_boxes(self, ren, cpos, view, h, spheres) -> dict:
        """cid -> (display box of its icon or model as drawn, or None when it fills the view;
        scene position) of every ship drawn now and not hidden behind a planet."""
        out = {}
        ships = self.crowd.ships if self.crowd is not None else None
        if ships is None:
            return out
        for cid, (r, _v) in ships.shown.items():
            icon, model = ships.craft_actors[cid], ships.model_actors[cid]
            actor = icon if icon.GetVisibility() else model if model.GetVisibility() else None
            if actor is None:
                continue
            p = np.asarray(self.crowd.anchor(("ship", cid), r), dtype=float)
            if np.dot(p - cpos, view) <= 0:
                continue
            box = self._actor_box(ren, actor)
            if box is None:
                continue
            x, y = self._project(ren, p)
            half = 0.5 * max(box[2] - box[0], box[3] - box[1])
            if self._occluded(p, x, y, half, cpos, spheres):
                continue
            if max(box[2] - box[0], box[3] - box[1]) > SHIP_BOX_MAX * h:
                box = None
            out[cid] = (box, p)
        return out

    def _actor_box(self, ren, actor):
        """Display box of an actor's data as drawn (its bounding box's corners projected)."""
        data = actor.GetMapper().GetInput() if actor.GetMapper() is not None else None
        if data is None:
            return None
        b = data.GetBounds()
        if b[0] > b[1]:
            return None
        m = np.array([[actor.GetMatrix().GetElement(i, j) for j in range(4)] for i in range(4)])
        corners = np.array([[x, y, z, 1.0] for x in b[0:2] for y in b[2:4] for z in b[4:6]]) @ m.T
        pts = [self._project(ren, c[:3] / (c[3] or 1.0)) for c in corners]
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        return min(xs), min(ys), max(xs), max(ys)

    def _marks(self, spheres, cpos) -> list:
        """(x, y, half-size px, key) of every marker drawn now and not hidden behind a planet:
        the crowd pass's (the active event's ring at its full size)."""
        crowd = self.crowd
        if crowd is None:
            return []
        mk = self.markers
        ms = np.asarray(mk.milestone_pts.points)
        out = []
        for x, y, f, key in crowd.marks:
            if key[0] == "event":
                p = mk.event_positions.get(key[1])
            else:
                p = ms[key[1]] if key[1] < len(ms) else None
            if p is not None and self._occluded(crowd.anchor(key, p), x, y, f, cpos, spheres):
                continue
            out.append((x, y, f, key))
        return out

    @staticmethod
    def _disc_near(x, y, half, h, discs):
        """The small disc (x, y, radius px) an item drawn at (x, y), ``half`` pixels about it,
        lies on or beside (within NEAR_DISC_PX), or None."""
        best = None
        for dx, dy, r in discs.values():
            if r >= DISC_CLEAR * h:
                continue
            d = float(np.hypot(x - dx, y - dy))
            if d < r + half + NEAR_DISC_PX * h / 720.0 and (best is None or d - r < best[0]):
                best = (d - r, (dx, dy, r))
        return None if best is None else best[1]

    @staticmethod
    def _away_from_items(x, y, r_px, owned, key, margin):
        """For a planet's label: the unit direction (screen) away from the ship icons and
        markers drawn on or beside its disc (centre (x, y), radius ``r_px``), or None."""
        v = np.zeros(2)
        near = r_px + margin
        for b, k in owned:
            if k is None or k == key or k[0] not in ("ship", "event", "milestone") or b is None:
                continue
            cx, cy = 0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])
            half = 0.5 * max(b[2] - b[0], b[3] - b[1])
            d = float(np.hypot(cx - x, cy - y))
            if 1.0 < d < near + half:
                v -= np.array([cx - x, cy - y]) / d
        n = float(np.linalg.norm(v))
        return v / n if n > 1e-6 else None

    def _candidates(self) -> list:
        """This frame's candidates, in order of priority, each (kind, text, scene anchor as
        drawn, radius, key): the active event first, then the instant's ships and planets, the
        ships gathered at a planet, the other events of the surface sites, the milestones and
        the grid."""
        crowd = self.crowd
        mk = self.markers
        c = []
        ev = self.hud.card_event
        if (ev is not None and self.hud.question is None and self.hud.card_visible()
                and ev.id in mk.event_positions):
            c.append(("event", ev.title, mk.event_positions[ev.id], 0.0, ("event", ev.id)))
        rest = [x for x in self.candidates if x[0] in ("ship", "planet")]
        if crowd is not None:
            for b, text in crowd.groups:
                rest.append(("group", text, self.ctx.pos[b], self.ctx.radii[b], ("group", b)))
        ids = {mk._events_by_id[i].title: i for i in mk.site_of}
        for kind, text, where, r in mk.site_label_candidates():
            rest.append(("site", text, where, r, ("event", ids[text])))
        rest += [x for x in self.candidates if x[0] not in ("ship", "planet")]
        c += [x for x in rest if not (c and x[4] == c[0][4])]
        if crowd is None:
            return c
        return [(kind, text, crowd.anchor(key, anchor), radius, key)
                for kind, text, anchor, radius, key in c if not crowd.is_hidden(key)]

    def _disc_under(self, x: float, y: float, h: int) -> float:
        """The radius (px) of the clear space round a small drawn planet disc that a label
        anchored at (x, y) lies in, or 0: an event or ship at the planet has its label start
        beside the disc, not on it (where the disc's keep-out would drop it)."""
        if self.crowd is None:
            return 0.0
        g = DISC_GAP_PX * self.ctx.px
        best = 0.0
        for dx, dy, r in self.crowd.discs.values():
            if r < DISC_CLEAR * h and max(abs(x - dx), abs(y - dy)) < r + g:
                best = max(best, r + g + max(abs(x - dx), abs(y - dy)))
        return best

    def _crowd_keep_out(self, h: int) -> list:
        """(display box, key of the item it belongs to) that labels keep clear of: planet discs
        drawn small (key: the planet, whose own label sits beside its disc) and the icons and
        markers the crowd pass moved beside them."""
        crowd = self.crowd
        if crowd is None:
            return []
        out = []
        g = DISC_GAP_PX * self.ctx.px
        for b, (x, y, r) in crowd.discs.items():
            if r < DISC_CLEAR * h:
                out.append(((x, y, r + g), ("planet", b)))
        for key, (x, y, f, _b) in crowd.slots.items():
            if key[0] != "ship":  # a ship's own icon is kept clear above
                out.append(((x - f, y - f, x + f, y + f), key))
        for (x0, y0), (x1, y1) in crowd.segments:  # no label across a leader line
            n = max(2, int(np.hypot(x1 - x0, y1 - y0) / 3.0) + 1)
            for u in np.linspace(0.0, 1.0, n):
                x, y = x0 + u * (x1 - x0), y0 + u * (y1 - y0)
                out.append(((x - 1.0, y - 1.0, x + 1.0, y + 1.0), None))
        return out

    @staticmethod
    def _project(ren, p) -> tuple[float, float]:
        ren.SetWorldPoint(float(p[0]), float(p[1]), float(p[2]), 1.0)
        ren.WorldToDisplay()
        x, y, _ = ren.GetDisplayPoint()
        return x, y

    def _draw_leaders(self, segs) -> None:
        from marsviz.scene.crowd import draw_segments

        if not hasattr(self, "_leaders"):
            from marsviz.scene.crowd import leader_actor

            self._leaders = leader_actor(self, "label-leaders")
        draw_segments(*self._leaders, segs)

    def _site_marks(self, ren, cpos, view) -> dict:
        """Event id -> (x, y, half-size px, outward unit vector or None) of the surface events'
        markers drawn now: a site's events ring their site, and each one's label goes on the
        outer side of the ring (the side away from the ring's centre), never across it."""
        mk = self.markers
        if not mk.site_of or not any(a.GetVisibility() for a in mk.marker_actors.values()):
            return {}
        crowd = self.crowd
        pts = {}
        for i in mk.site_of:
            key = ("event", i)
            if i not in mk.event_positions or (crowd is not None and crowd.is_hidden(key)):
                continue
            p = np.asarray(crowd.anchor(key, mk.event_positions[i]) if crowd else mk.event_positions[i])
            if np.dot(p - cpos, view) <= 0:
                continue
            pts[i] = self._project(ren, p)
        k = self.ctx.px
        from marsviz.scene.markers import RING_PX

        out = {}
        for i, (x, y) in pts.items():
            near = [q for q in pts.values() if np.hypot(q[0] - x, q[1] - y) < 3.0 * RING_PX * k]
            c = np.mean(near, axis=0)
            d = np.array([x - c[0], y - c[1]])
            n = float(np.linalg.norm(d))
            f = (13.0 if i == mk.active_id else 7.5 if mk.site_of and self._failure(i) else 5.0) * k
            out[i] = (x, y, f, d / n if n > 1.0 and len(near) > 1 else None)
        return out

    def _failure(self, i) -> bool:
        ev = self.markers._events_by_id.get(i)
        return ev is not None and ev.category == "failure"

    @staticmethod
    def _fit(x, y, hx, hy, bw, bh, px, w, h, placed, blocked, prefer=None, away=None):
        """The first free box for a ``bw`` x ``bh`` label around the item drawn at (x, y),
        ``hx`` and ``hy`` pixels about it: above, right, left, below, then the diagonals (the
        places facing ``away`` first, when given), then further out; None when none is free."""
        for k in (1.0, 2.2, 3.6):
            gx, gy = hx + 0.35 * px * k, hy + 0.35 * px * k
            offsets = ((-bw / 2, gy), (gx, -bh / 2), (-gx - bw, -bh / 2), (-bw / 2, -gy - bh),
                       (gx * 0.7, gy * 0.7), (-gx * 0.7 - bw, gy * 0.7), (gx * 0.7, -gy * 0.7 - bh),
                       (-gx * 0.7 - bw, -gy * 0.7 - bh))
            if away is not None and prefer is None:
                score = [float(np.dot(np.array([dx + bw / 2, dy + bh / 2]), away)
                               / (np.hypot(dx + bw / 2, dy + bh / 2) or 1.0)) for dx, dy in offsets]
                # Facing ``away`` first; those facing back (towards the disc or the items the
                # label keeps away from) only in the last, furthest ring.
                offsets = [o for s_, o in sorted(zip(score, offsets), key=lambda so: -so[0])
                           if s_ > -0.25 or k > 3.0]
            if prefer is not None:
                # Outward: beside the marker on its side of the ring (above or below it at the
                # ring's top and bottom), so that labels form two columns; a label may slide
                # up to three rows along its column, away from the ring's middle first (a leader
                # line then ties it to its marker); then the other outward places; never back
                # across the ring.
                side = [offsets[1] if prefer[0] >= 0 else offsets[2]]
                if abs(prefer[1]) > 0.85:
                    side.insert(0, offsets[0] if prefer[1] > 0 else offsets[3])
                row = bh + max(MIN_GAP_PX, GAP * px)
                sv = 1.0 if prefer[1] >= 0 else -1.0
                slide = [sv * j * 0.5 * row for j in (1, 2, 3, 4, 5, 6)] + [-sv * j * 0.5 * row for j in (1, 2, 3)]
                column = side + [(side[-1][0], side[-1][1] + d) for d in slide] if k < 3 else side
                dirs = [np.array([dx + bw / 2, dy + bh / 2]) for dx, dy in offsets]
                score = [float(np.dot(d / (np.linalg.norm(d) or 1.0), prefer)) for d in dirs]
                offsets = column + [o for s_, o in sorted(zip(score, offsets), key=lambda so: -so[0])
                                    if s_ > 0.0 and o not in column]
            for dx, dy in offsets:
                box = (x + dx, y + dy, x + dx + bw, y + dy + bh)
                if box[0] < 1 or box[1] < 1 or box[2] > w - 1 or box[3] > h - 1:
                    continue
                if (any(overlaps(box, p.box, max(MIN_GAP_PX, GAP * max(px, p.px))) for p in placed)
                        or any(overlaps(box, b, BLOCK_PAD_PX) for b in blocked)):
                    continue
                if prefer is not None and not (box[1] <= y <= box[3]) and _crosses(x, y, box, placed):
                    continue  # its leader line would run through another label
                return box
        return None

    def shift(self, offset) -> None:
        pass  # candidates are collected in scene units on every update

    def apply_options(self, opt) -> None:
        self.visible = opt.labels
        self.grid_visible = opt.grid and opt.labels
