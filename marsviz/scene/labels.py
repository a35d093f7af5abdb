"""Labels: one layout pass in screen space, by priority, before every render.

Candidates, most important first: the active event, the ships, the planets, the ships gathered
at a planet in a wide view ("Shirase, Atlantis, Gagarin at Mars", see :mod:`marsviz.scene.crowd`),
the other events at a surface site, the milestones of the crewed trajectory, the grid's AU rings.
A label stands beside its icon or marker as drawn (moved off a small planet by the crowd pass);
items the crowd pass hides get no label. Each is tried at a few places around its anchor
(above, right, left, below, then further out); it takes the first place inside the frame that
overlaps no heads-up text, event card, ship, small planet disc or moved marker, and keeps a clear gap (GAP of the font size,
at least MIN_GAP_PX) to every label already placed. A label that fits nowhere
is dropped, never stacked. Text boxes are measured with VTK's own text renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (the text renderer behind vtkTextRenderer)
from vtkmodules.vtkRenderingCore import vtkTextActor, vtkTextRenderer

from marsviz.mission.plan import PLANETS
from marsviz.scene import style
from marsviz.scene.base import Visual

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


def _centred(box, x, y) -> bool:
    """Whether ``box`` is the clear square about the point (x, y) (a ship's own)."""
    return abs(0.5 * (box[0] + box[2]) - x) < 0.5 and abs(0.5 * (box[1] + box[3]) - y) < 0.5


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
        ms = np.asarray(self.markers.milestone_pts.points)
        for j, (text, p) in enumerate(zip(self.markers.milestone_labels, ms)):
            c.append(("milestone", text, np.array(p), 0.0, ("milestone", j)))
        for r in self.grid_au:
            c.append(("grid", f"{r:g} AU", self.world.from_au((0.0, -r, 0.0)), 0.0, None))
        self.candidates = c

    def layout(self, height: int, text_scale: float) -> None:
        for k, (frac, _color) in KINDS.items():
            self.font_px[k] = max(7 if k in ("event", "ship", "planet") else 6, int(round(frac * height * text_scale)))

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
            from marsviz.scene.ships import ICON_PX

            ship_px = SHIP_CLEAR * ICON_PX * self.ctx.px
            for kind, text, anchor, _radius, _key in candidates:  # the ships themselves stay clear
                if kind == "ship" and np.dot(np.asarray(anchor, dtype=float) - cpos, view) > 0:
                    x, y = self._project(ren, anchor)
                    blocked.append((x - ship_px, y - ship_px, x + ship_px, y + ship_px))
            owned = self._crowd_keep_out(h)  # (box, key): small discs, moved icons and markers
            marks = self._site_marks(ren, cpos, view)
            for i, (mx, my, f, _u) in marks.items():  # a site's markers stay clear
                owned.append(((mx - f, my - f, mx + f, my + f), ("event", i)))
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
                x, y = self._project(ren, anchor)
                if not (0 <= x <= w and 0 <= y <= h):
                    continue
                r_px = ship_px if kind == "ship" else 0.0
                if radius > 0:
                    x2, y2 = self._project(ren, anchor + up * radius)
                    r_px = float(np.hypot(x2 - x, y2 - y))
                    if kind == "planet" and r_px > PLANET_LABEL_MAX * h:
                        continue
                if kind != "planet":
                    r_px = max(r_px, self._disc_under(x, y, h))
                px = self.font_px[kind]
                bw, bh = self._size(text, px, kind == "event")
                own = [b for b in blocked if kind != "ship" or not _centred(b, x, y)]
                own += [b for b, k in owned if k != key]
                if kind == "group" and self.crowd is not None:  # a name beside a planet: off markers
                    own += [(mx - f, my - f, mx + f, my + f) for mx, my, f in self.crowd.marks]
                prefer = marks[key[1]][3] if key is not None and key[0] == "event" and key[1] in marks else None
                box = self._fit(x, y, r_px, bw, bh, px, w, h, placed, own, prefer)
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
                out.append(((x - r - g, y - r - g, x + r + g, y + r + g), ("planet", b)))
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
    def _fit(x, y, r, bw, bh, px, w, h, placed, blocked, prefer=None):
        gap = 0.35 * px + r
        for k in (1.0, 2.2, 3.6):
            g = gap * k if r == 0 else r + 0.35 * px * k
            offsets = ((-bw / 2, g), (g, -bh / 2), (-g - bw, -bh / 2), (-bw / 2, -g - bh),
                       (g * 0.7, g * 0.7), (-g * 0.7 - bw, g * 0.7), (g * 0.7, -g * 0.7 - bh),
                       (-g * 0.7 - bw, -g * 0.7 - bh))
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
