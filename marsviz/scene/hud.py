"""Heads-up text (title, date, mission time, view, scale, signal countdown, footer) and the
event card."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import math

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkCoordinate, vtkPolyDataMapper2D, vtkTextActor

from marsviz.mission.plan import AU_KM
from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.story.shots import shot_name

CARD_KEYS = ("card-title", "card-meta", "card-body")
CARD_LINE = 1.2  # line height of card text, in font sizes
#: The dark plates behind the sizes line with the scale bar, and behind the path legend: paths
#: drawn there are dimmed to (1 - PLATE_OPACITY) of their brightness, so the text reads over them.
PLATE_COLOR = "#0b1220"
PLATE_OPACITY = 0.68
PLATE_PAD_PX = 4.0  # around the text, at a 720-pixel-high frame
#: Legend lines: their height in font sizes; the swatch before each name (a drawn line's colour).
LEGEND_LINE = 1.3
LEGEND_SWATCH = "\u2014\u2014 "


@dataclass
class Text:
    actor: vtkTextActor
    size: float  # font size as a fraction of the window height
    anchor: tuple  # normalized viewport position
    justify: str = "left"
    valign: str = "top"


class Hud(Visual):
    def __init__(self, ctx):
        super().__init__(ctx)
        self.texts: dict[str, Text] = {}
        self.card_event = None
        self.card_key = None
        self.forced = None  # an event whose card is shown regardless of the playhead
        self.question = None  # an event whose prediction question is shown
        self.auto = True  # False: only forced cards and questions (a storyboard decides)
        self.legend: list = []  # the LegendEntry each legend line can show
        self.legend_shown: list = []  # those shown now, top to bottom

    def _text(self, key, size, anchor, justify="left", valign="top", color="#e6ecf5", bold=False,
              background=None, opacity=0.0) -> Text:
        a = vtkTextActor()
        a.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        a.SetPosition(*anchor)
        prop = a.GetTextProperty()
        prop.SetColor(*style.hex_to_rgb(color))
        prop.SetBold(bold)
        prop.SetFontFamilyToArial()
        prop.SetShadow(background is None)
        {"left": prop.SetJustificationToLeft, "center": prop.SetJustificationToCentered,
         "right": prop.SetJustificationToRight}[justify]()
        {"top": prop.SetVerticalJustificationToTop, "bottom": prop.SetVerticalJustificationToBottom,
         "center": prop.SetVerticalJustificationToCentered}[valign]()
        if background:
            prop.SetBackgroundColor(*style.hex_to_rgb(background))
            prop.SetBackgroundOpacity(opacity)
            prop.SetFrame(False)
        self.p.add_actor(a, name=f"hud-{key}", reset_camera=False, pickable=False)
        t = Text(a, size, anchor, justify, valign)
        self.texts[key] = t
        return t

    def _plate(self, key: str) -> None:
        """A dark translucent rectangle (display pixels) drawn under the heads-up text built
        after it (2D actors are drawn in the order they were added)."""
        poly = pv.PolyData(np.zeros((4, 3)), faces=np.array([4, 0, 1, 2, 3]))
        coord = vtkCoordinate()
        coord.SetCoordinateSystemToDisplay()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(poly)
        mapper.SetTransformCoordinate(coord)
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*style.hex_to_rgb(PLATE_COLOR))
        actor.GetProperty().SetOpacity(PLATE_OPACITY)
        actor.SetVisibility(False)
        self.p.add_actor(actor, name=f"hud-plate-{key}", reset_camera=False, pickable=False)
        self.plates[key] = (poly, actor)

    def _set_plate(self, key: str, box) -> None:
        """Put plate ``key`` round display box ``box`` (x0, y0, x1, y1), or hide it (None)."""
        poly, actor = self.plates[key]
        if box is None:
            actor.SetVisibility(False)
            return
        pad = max(2.0, PLATE_PAD_PX * self.ctx.px)
        x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
        pts = np.array([[x0, y0, 0], [x1, y0, 0], [x1, y1, 0], [x0, y1, 0]], dtype=float)
        if not np.array_equal(np.asarray(poly.points), pts):
            poly.points = pts
            poly.Modified()
        actor.SetVisibility(True)

    def plate_box(self, key: str):
        """Display box (x0, y0, x1, y1) of plate ``key`` as drawn now, or None when hidden."""
        poly, actor = self.plates[key]
        if not actor.GetVisibility():
            return None
        pts = np.asarray(poly.points)
        return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))

    def build(self) -> None:
        from marsviz.scene.paths import legend_entries

        self.plates: dict = {}
        for key in ("sizes", "legend"):  # first: under every text
            self._plate(key)
        self._text("title", 0.022, (0.015, 0.975), color="#8fa3bf")
        self._text("date", 0.042, (0.015, 0.94), bold=True)
        self._text("met", 0.028, (0.015, 0.875), color="#cfd8e3")
        self._text("camera", 0.022, (0.985, 0.975), justify="right", color="#8fa3bf")
        self._text("scale", 0.02, (0.015, 0.02), valign="bottom", color="#7d8aa3")
        self._text("signal", 0.03, (0.5, 0.93), justify="center", color="#fff59d", bold=True)
        self._text("footer", 0.024, (0.985, 0.02), justify="right", valign="bottom", color="#cfd8e3")
        self.texts["footer"].actor.SetVisibility(False)
        self._text("card-title", 0.034, (0.5, 0.245), justify="center", valign="bottom", bold=True,
                   background="#0b1220", opacity=0.82)
        self._text("card-meta", 0.022, (0.5, 0.205), justify="center", valign="bottom",
                   color="#aab4c3", background="#0b1220", opacity=0.82)
        self._text("card-body", 0.025, (0.5, 0.19), justify="center", valign="top",
                   color="#e6ecf5", background="#0b1220", opacity=0.82)
        self.texts["title"].actor.SetInput(self.plan.title)
        self._scale_text = None
        self.texts["scale"].actor.SetInput(self.scale_text(None))
        self._build_scale_bar()
        self.legend = legend_entries(self.plan)
        for i, entry in enumerate(self.legend):
            a = self._text(f"legend-{i}", 0.02, (0.985, 0.9), justify="right", color="#ffffff").actor
            a.GetTextProperty().SetColor(*entry.color)
            a.SetInput(LEGEND_SWATCH + entry.label)
            a.SetVisibility(False)

    # -- sizes and the scale bar ------------------------------------------------------------------
    def scale_text(self, scales) -> str:
        """What the frame says about sizes: each planet's exaggeration (x1 is true size)."""
        cap = self.ctx.planet_scale
        rings = f"Rings every 0.5 AU (1 AU = {AU_KM / 1e6:.1f} million km)"
        if scales is None or all(s >= cap for s in scales.values()):
            return f"Planet sizes x{cap:,.0f}, Sun x{self.ctx.sun_scale:g}   {rings}"
        parts = [f"{b.capitalize()} {'true size' if s <= 1.0 else f'x{s:,.0f}'}"
                 for b, s in scales.items() if s < cap]
        rest = "other planets" if len(parts) < len(scales) else ""
        tail = f", {rest} x{cap:,.0f}" if rest else ""
        return "Sizes: " + ", ".join(parts) + tail

    def _build_scale_bar(self) -> None:
        self.bar = pv.PolyData(np.zeros((6, 3)), lines=np.array([2, 0, 1, 2, 2, 3, 2, 4, 5]))
        coord = vtkCoordinate()
        coord.SetCoordinateSystemToNormalizedViewport()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self.bar)
        mapper.SetTransformCoordinate(coord)
        self.bar_actor = vtkActor2D()
        self.bar_actor.SetMapper(mapper)
        self.bar_actor.GetProperty().SetColor(*style.hex_to_rgb("#c9d3e3"))
        self.bar_actor.GetProperty().SetLineWidth(2.0)
        self.p.add_actor(self.bar_actor, name="hud-scale-bar", reset_camera=False, pickable=False)
        self.sized(self.bar_actor, line=2.0)
        self._text("bar", 0.022, (0.0, 0.0), valign="center", color="#c9d3e3")
        self.bar_km = None
        self.bar_frac = 0.0

    def settle(self, ren, paths_seen=None) -> None:
        """Before a render: the scale bar gives way to the event card where they would meet; the
        plate goes under the sizes line and the bar; the legend names the paths in view
        (``paths_seen``: their legend keys)."""
        from marsviz.scene.labels import overlaps, text_box

        show = self.ctx.opt.hud and self.bar_km is not None
        if show and self.card_visible():
            w, h = self.ctx.size
            pts = np.asarray(self.bar.points)
            bar = text_box(self.texts["bar"].actor, ren)
            box = (pts[:, 0].min() * w, pts[:, 1].min() * h, max(pts[:, 0].max() * w, bar[2]),
                   max(pts[:, 1].max() * h, bar[3]))
            card = [text_box(self.texts[k].actor, ren) for k in CARD_KEYS]
            show = not any(overlaps(box, c) for c in card)
        self.bar_actor.SetVisibility(show)
        self.texts["bar"].actor.SetVisibility(show)
        self._settle_sizes_plate(ren)
        self._settle_legend(ren, paths_seen or set())

    def _settle_sizes_plate(self, ren) -> None:
        from marsviz.scene.labels import text_box

        scale = self.texts["scale"].actor
        if not (scale.GetVisibility() and (scale.GetInput() or "").strip()):
            self._set_plate("sizes", None)
            return
        boxes = [text_box(scale, ren)]
        if self.bar_actor.GetVisibility():
            w, h = self.ctx.size
            pts = np.asarray(self.bar.points)
            boxes.append((pts[:, 0].min() * w, pts[:, 1].min() * h, pts[:, 0].max() * w, pts[:, 1].max() * h))
            boxes.append(text_box(self.texts["bar"].actor, ren))
        b = np.array(boxes)
        self._set_plate("sizes", (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))

    def keep_clear_boxes(self, ren) -> list:
        """Display boxes of the heads-up text shown now other than the legend (and the bar)."""
        from marsviz.scene.labels import text_box

        boxes = []
        for key, t in self.texts.items():
            a = t.actor
            if not key.startswith("legend-") and a.GetVisibility() and (a.GetInput() or "").strip():
                boxes.append(text_box(a, ren))
        if self.bar_actor.GetVisibility():
            w, h = self.ctx.size
            pts = np.asarray(self.bar.points)
            boxes.append((pts[:, 0].min() * w, pts[:, 1].min() * h, pts[:, 0].max() * w, pts[:, 1].max() * h))
        sizes = self.plate_box("sizes")
        if sizes is not None:
            boxes.append(sizes)
        return boxes

    def _settle_legend(self, ren, seen: set) -> None:
        """The legend in the top right corner, under the view's name: one line per path in view,
        in its colour, on a dark plate. Lines that would meet other heads-up text (a tall card,
        the signal's countdown) are left out from the bottom up."""
        from marsviz.scene.labels import overlaps, text_box

        opt = self.ctx.opt
        on = opt.hud and getattr(opt, "legend", True)
        entries = [i for i, e in enumerate(self.legend) if e.key in seen] if on else []
        h = max(1, self.ctx.size[1])
        cam = self.texts["camera"].actor
        top = cam.GetPosition()[1] - LEGEND_LINE * self.px["camera"] / h - 0.004
        shown, boxes = [], []
        blocked = self.keep_clear_boxes(ren) if entries else []
        pad = max(2.0, PLATE_PAD_PX * self.ctx.px) + 2.0
        y = top
        for i in entries:
            a = self.texts[f"legend-{i}"].actor
            a.SetPosition(0.985, y)
            box = text_box(a, ren)
            if box[1] - pad < 0 or any(overlaps(box, b, pad) for b in blocked):
                break
            shown.append(i)
            boxes.append(box)
            y -= LEGEND_LINE * self.px[f"legend-{i}"] / h
        for i in range(len(self.legend)):
            self.texts[f"legend-{i}"].actor.SetVisibility(i in shown)
        self.legend_shown = [self.legend[i] for i in shown]
        if boxes:
            b = np.array(boxes)
            self._set_plate("legend", (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
        else:
            self._set_plate("legend", None)

    def update_scale(self, scales, camera) -> None:
        """The sizes line and a bar of a round length at the distance the camera looks at."""
        text = self.scale_text(scales)
        if text != self._scale_text:
            self._scale_text = text
            self.texts["scale"].actor.SetInput(text)
        w, h = self.ctx.size
        d_km = camera.GetDistance() * self.world.km_per_unit
        km_per_px = 2.0 * d_km * math.tan(math.radians(camera.GetViewAngle()) / 2.0) / max(1, h)
        raw = 0.14 * w * km_per_px
        if not (raw > 0 and math.isfinite(raw)):
            return  # no frame yet (a window not shown) or a degenerate camera
        mag = 10.0 ** math.floor(math.log10(raw))
        nice = max(m * mag for m in (1.0, 2.0, 5.0) if m * mag <= raw)
        self.bar_km = nice
        self.bar_frac = nice / km_per_px / max(1, w)  # of the frame width
        x0, y = 0.015, 0.02 + 1.9 * self.px["scale"] / max(1, h) + 0.5 * self.px["bar"] / max(1, h)
        x1 = x0 + self.bar_frac
        tick = 0.012
        self.bar.points = np.array([[x0, y, 0], [x1, y, 0], [x0, y - tick, 0], [x0, y + tick, 0],
                                    [x1, y - tick, 0], [x1, y + tick, 0]], dtype=float)
        self.bar.Modified()
        label = (f"{nice / 1e6:,.4g} million km" if nice >= 1e6 else f"{nice:,.0f} km" if nice >= 1
                 else f"{nice * 1000:,.0f} m")
        bar = self.texts["bar"].actor
        bar.SetInput(label)
        bar.SetPosition(x1 + 0.01, y)

    def layout(self, width: int, height: int, text_scale: float) -> None:
        """Font sizes from the frame height; the top-left block and the card stacked."""
        h = max(1, int(height))
        px = {}
        for key, t in self.texts.items():
            px[key] = max(11, int(round(t.size * h * text_scale)))
            t.actor.GetTextProperty().SetFontSize(px[key])
        self.px = px
        y = 0.975
        for key in ("title", "date", "met"):
            self.texts[key].actor.SetPosition(0.015, y)
            y -= 1.3 * px[key] / h
        self.texts["signal"].actor.GetTextProperty().SetVerticalJustificationToBottom()
        self._stack_card()

    def _stack_card(self) -> None:
        """Stack the card from the bottom up (body, meta, title, then the light-time countdown)
        so that however many lines it has, it clears the bottom line of the HUD."""
        T = self.texts
        h = max(1, self.ctx.size[1])
        px = {k: T[k].actor.GetTextProperty().GetFontSize() for k in T}
        lines = {k: T[k].actor.GetInput().count("\n") + 1 if T[k].actor.GetInput() else 1
                 for k in ("card-meta", "card-body")}
        floor = 0.02 + CARD_LINE * max(px["scale"], px["footer"]) / h + 0.012
        body_top = max(T["card-body"].anchor[1], floor + lines["card-body"] * CARD_LINE * px["card-body"] / h)
        T["card-body"].actor.SetPosition(0.5, body_top)
        meta_bottom = body_top + 0.012
        T["card-meta"].actor.SetPosition(0.5, meta_bottom)
        title_bottom = meta_bottom + (lines["card-meta"] * CARD_LINE + 0.25) * px["card-meta"] / h
        T["card-title"].actor.SetPosition(0.5, title_bottom)
        # The light-time countdown sits just above the card.
        T["signal"].actor.SetPosition(0.5, title_bottom + 1.6 * px["card-title"] / h)

    def _card_meta(self, head: str, tail: str) -> str:
        """The card's detail line, split so that no line is wider than the card."""
        width = self._wrap_width(self.texts["card-meta"].size)
        if len(head) + len(tail) + 3 <= width:
            return f" {head}   {tail} "
        rows = textwrap.wrap(head, width) + textwrap.wrap(tail, width)
        return "\n".join(f" {r} " for r in rows)

    def update(self, t: float, camera_preset: str):
        """Date, mission time, view name and the card for ``t``; returns the event carded."""
        plan = self.plan
        T = self.texts
        forced = self.forced
        if forced is not None and not (plan.span[0] <= forced.t <= plan.span[1]):
            # A prologue/epilogue card: its own date; the planets stay at the mission's edge.
            T["date"].actor.SetInput(plan.clock.date(forced.t))
            T["met"].actor.SetInput(f"{forced.era.capitalize()}   (planets shown on {plan.clock.day(t)})")
        else:
            T["date"].actor.SetInput(plan.clock.date(t))
            T["met"].actor.SetInput(f"{plan.clock.met(t)}   {plan.phase_at(t).name}")
        T["camera"].actor.SetInput(f"View: {self.view_name(camera_preset)}")
        if self.question is not None:
            self._show_question(self.question)
            return None
        ev = None
        if forced is not None:
            ev = forced
        elif self.auto and self.ctx.opt.captions and self.ctx.opt.card_mode == "auto":
            ev = plan.active_event(t, self.ctx.opt.card_days)
        self._show_card(ev)
        return ev

    def view_name(self, key: str) -> str:
        """A camera preset's name, or a storyboard shot's ("planet:mars", "ship:<craft>", ...)."""
        if key in style.CAMERA_NAMES:
            return style.CAMERA_NAMES[key]
        return shot_name(self.plan, key)

    def _wrap_width(self, size_frac: float) -> int:
        w, h = self.ctx.size
        px = max(8.0, size_frac * h * self.ctx.opt.text_scale)
        return max(20, int(0.8 * w / (0.55 * px)))

    def card_visible(self) -> bool:
        return self.texts["card-title"].actor.GetVisibility() == 1

    def _show_card(self, ev) -> None:
        T = self.texts
        self.card_event = ev
        visible = ev is not None and self.ctx.opt.captions
        for key in CARD_KEYS:
            T[key].actor.SetVisibility(visible)
        if not visible:
            self.card_key = None
            return
        key = (ev.id, self._wrap_width(T["card-body"].size))
        if key == self.card_key:
            return  # the same card, already laid out: nothing to do on this frame
        self.card_key = key
        plan = self.plan
        color = style.CATEGORY_COLORS.get(ev.category, "#ffffff")
        T["card-title"].actor.GetTextProperty().SetColor(*style.hex_to_rgb(color))
        T["card-title"].actor.SetInput(f" {ev.title} ")
        src = getattr(ev, "source_label", None) or ("from the story" if ev.source == "seed" else "assumed")
        if ev.assumed and ev.source == "seed":
            src += f" (assumed: {ev.assumed})"
        T["card-meta"].actor.SetInput(self._card_meta(
            f"{plan.clock.date(ev.t)}   {plan.clock.met(ev.t)}   {style.CATEGORY_LABELS[ev.category]}",
            src))
        body = "\n".join(textwrap.wrap(ev.description, self._wrap_width(T["card-body"].size))) or " "
        T["card-body"].actor.SetInput(body)
        self._stack_card()

    def _show_question(self, ev) -> None:
        T = self.texts
        self.card_key = None
        for key in CARD_KEYS:
            T[key].actor.SetVisibility(True)
        T["card-title"].actor.GetTextProperty().SetColor(*style.hex_to_rgb("#fff59d"))
        T["card-title"].actor.SetInput(" Before we see what happens... ")
        T["card-meta"].actor.SetInput(f" {self.plan.clock.date(ev.t)}   {self.plan.clock.met(ev.t)} ")
        T["card-body"].actor.SetInput("\n".join(textwrap.wrap(ev.question, self._wrap_width(T["card-body"].size))))
        self._stack_card()

    def set_footer(self, text: str | None) -> None:
        a = self.texts["footer"].actor
        a.SetVisibility(bool(text))
        a.SetInput(text or " ")

    def apply_options(self, opt) -> None:
        for key in ("title", "date", "met", "camera", "scale", "bar"):
            self.texts[key].actor.SetVisibility(opt.hud)
        self.bar_actor.SetVisibility(opt.hud)
        if not opt.hud:
            for key in self.plates:
                self._set_plate(key, None)
            for i in range(len(self.legend)):
                self.texts[f"legend-{i}"].actor.SetVisibility(False)
