"""Labels: one layout pass in screen space, by priority, before every render.

Candidates, most important first: the active event, the ships, the planets, the milestones of
the crewed trajectory, the grid's AU rings. Each is tried at a few places around its anchor
(above, right, left, below, then further out); it takes the first place inside the frame that
overlaps no heads-up text, event card or ship, and keeps a clear gap (GAP of the font size,
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


@dataclass
class Placed:
    kind: str
    text: str
    box: tuple  # x0, y0, x1, y1 in display pixels (y up)
    px: int = 0  # font size


def _centred(box, x, y) -> bool:
    """Whether ``box`` is the clear square about the point (x, y) (a ship's own)."""
    return abs(0.5 * (box[0] + box[2]) - x) < 0.5 and abs(0.5 * (box[1] + box[3]) - y) < 0.5


def text_box(actor, ren) -> tuple:
    """Display box (x0, y0, x1, y1; y up) of a text actor as rendered in ``ren``."""
    bb = [0.0] * 4
    actor.GetBoundingBox(ren, bb)  # relative to the actor's anchor
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(ren)
    return x + bb[0], y + bb[2], x + bb[1], y + bb[3]


def overlaps(a, b, pad: float = 0.0) -> bool:
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


class Labels(Visual):
    def __init__(self, ctx, markers, hud):
        super().__init__(ctx)
        self.markers = markers
        self.hud = hud
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
                c.append(("ship", self.craft_names[cid], pos[cid], 0.0))
        for b in PLANETS:
            c.append(("planet", b.capitalize(), pos[b], self.ctx.radii[b]))
        ms = np.asarray(self.markers.milestone_pts.points)
        for text, p in zip(self.markers.milestone_labels, ms):
            c.append(("milestone", text, p, 0.0))
        for r in self.grid_au:
            c.append(("grid", f"{r:g} AU", self.world.from_au((0.0, -r, 0.0)), 0.0))
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
        return boxes

    def place(self) -> None:
        """Lay out every candidate label for the camera and frame as they are now."""
        ren = self.p.renderer
        w, h = (int(x) for x in self.p.window_size)
        self._dpi = self.p.ren_win.GetDPI()
        blocked = self.keep_out()
        candidates = list(self.candidates)
        ev = self.hud.card_event
        if (ev is not None and self.hud.question is None and self.hud.card_visible()
                and ev.id in self.markers.event_positions):
            candidates.insert(0, ("event", ev.title, self.markers.event_positions[ev.id], 0.0))
        placed: list[Placed] = []
        self.dropped = []
        used = 0
        if self.visible:
            cam = ren.GetActiveCamera()
            cpos = np.array(cam.GetPosition())
            view = np.array(cam.GetFocalPoint()) - cpos
            view /= np.linalg.norm(view) or 1.0
            up = np.array(cam.GetViewUp())
            from marsviz.scene.ships import ICON_PX

            ship_px = SHIP_CLEAR * ICON_PX * self.ctx.px
            for kind, text, anchor, _radius in candidates:  # the ships themselves stay clear
                if kind == "ship" and np.dot(np.asarray(anchor, dtype=float) - cpos, view) > 0:
                    x, y = self._project(ren, anchor)
                    blocked.append((x - ship_px, y - ship_px, x + ship_px, y + ship_px))
            for kind, text, anchor, radius in candidates:
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
                px = self.font_px[kind]
                bw, bh = self._size(text, px, kind == "event")
                own = [b for b in blocked if kind != "ship" or not _centred(b, x, y)]
                box = self._fit(x, y, r_px, bw, bh, px, w, h, placed, own)
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
        for a in self._pool[used:]:
            a.SetVisibility(False)
        self.placed = placed

    @staticmethod
    def _project(ren, p) -> tuple[float, float]:
        ren.SetWorldPoint(float(p[0]), float(p[1]), float(p[2]), 1.0)
        ren.WorldToDisplay()
        x, y, _ = ren.GetDisplayPoint()
        return x, y

    @staticmethod
    def _fit(x, y, r, bw, bh, px, w, h, placed, blocked):
        gap = 0.35 * px + r
        for k in (1.0, 2.2, 3.6):
            g = gap * k if r == 0 else r + 0.35 * px * k
            for dx, dy in ((-bw / 2, g), (g, -bh / 2), (-g - bw, -bh / 2), (-bw / 2, -g - bh),
                           (g * 0.7, g * 0.7), (-g * 0.7 - bw, g * 0.7), (g * 0.7, -g * 0.7 - bh),
                           (-g * 0.7 - bw, -g * 0.7 - bh)):
                box = (x + dx, y + dy, x + dx + bw, y + dy + bh)
                if box[0] < 1 or box[1] < 1 or box[2] > w - 1 or box[3] > h - 1:
                    continue
                if (any(overlaps(box, p.box, max(MIN_GAP_PX, GAP * max(px, p.px))) for p in placed)
                        or any(overlaps(box, b, BLOCK_PAD_PX) for b in blocked)):
                    continue
                return box
        return None

    def shift(self, offset) -> None:
        pass  # candidates are collected in scene units on every update

    def apply_options(self, opt) -> None:
        self.visible = opt.labels
        self.grid_visible = opt.grid and opt.labels
