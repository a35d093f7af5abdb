"""The timeline scrubber: phase bands, a date axis, event ticks and the playhead.

The main track spans the mission; events before it (the prologue) and after it (the
epilogue) sit in compact zones at either end. Dragging or clicking moves the playhead;
clicking an event tick jumps to the event; hovering shows the event's card.
"""

from __future__ import annotations

import datetime as _dt
import html

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from marsviz.scene import style

ZONE_W = 74  # width of the prologue/epilogue zones, px
MARGIN = 10
HIT_PX = 6


class TimelineWidget(QWidget):
    """A custom scrubber over a :class:`marsviz.mission.plan.Plan`.

    Signals
    -------
    scrubbed(float)
        The user moved the playhead to this instant (TDB days).
    eventClicked(str)
        The user clicked the tick of this event id.
    """

    scrubbed = Signal(float)
    eventClicked = Signal(str)

    def __init__(self, plan, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTipDuration(20000)
        self.plan = plan
        self.t = plan.epoch
        self.highlight = None
        self._hover = None
        self._dragging = False
        self.scale = 1.0
        self.set_plan(plan)

    def set_plan(self, plan) -> None:
        self.plan = plan
        self.t0, self.t1 = plan.span
        self.before = [e for e in plan.events if e.t < self.t0]
        self.after = [e for e in plan.events if e.t > self.t1]
        self.inside = [e for e in plan.events if self.t0 <= e.t <= self.t1]
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(900, int(104 * self.scale))

    def set_scale(self, k: float) -> None:
        self.scale = k
        self.setMinimumHeight(int(96 * k))
        self.updateGeometry()
        self.update()

    # -- geometry ------------------------------------------------------------------------------
    def _track(self) -> QRectF:
        left = MARGIN + (ZONE_W if self.before else 0)
        right = self.width() - MARGIN - (ZONE_W if self.after else 0)
        return QRectF(left, 8 * self.scale, max(10.0, right - left), self.height() - 16 * self.scale)

    def x_of(self, t: float) -> float:
        r = self._track()
        return r.left() + (t - self.t0) / (self.t1 - self.t0) * r.width()

    def t_of(self, x: float) -> float:
        r = self._track()
        f = (x - r.left()) / r.width()
        return self.t0 + min(max(f, 0.0), 1.0) * (self.t1 - self.t0)

    def _zone_x(self, ev) -> float:
        """x of a prologue/epilogue event inside its compact zone."""
        if ev in self.before:
            items, left = self.before, MARGIN
        else:
            items, left = self.after, self.width() - MARGIN - ZONE_W
        i = items.index(ev)
        return left + ZONE_W * (i + 1) / (len(items) + 1)

    def event_x(self, ev) -> float:
        if ev in self.inside:
            return self.x_of(ev.t)
        return self._zone_x(ev)

    def event_at(self, x: float, y: float):
        best, bd = None, HIT_PX + 1
        for ev in self.plan.events:
            d = abs(self.event_x(ev) - x)
            if d < bd:
                best, bd = ev, d
        return best

    # -- state ----------------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        if t != self.t:
            self.t = t
            self.update()

    def set_highlight(self, event_id) -> None:
        if event_id != self.highlight:
            self.highlight = event_id
            self.update()

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        k = self.scale
        p.fillRect(self.rect(), QColor("#0d1320"))
        track = self._track()
        band_top = track.top() + 18 * k
        band_h = 20 * k
        font = QFont(self.font())
        font.setPointSizeF(8.5 * k)
        p.setFont(font)
        fm = p.fontMetrics()

        # Phase bands with their names when they fit.
        for ph in self.plan.phases:
            x0, x1 = self.x_of(ph.t0), self.x_of(min(ph.t1, self.t1))
            rect = QRectF(x0, band_top, max(1.0, x1 - x0), band_h)
            p.fillRect(rect, QColor(style.PHASE_COLORS.get(ph.kind, "#333a4a")))
            if fm.horizontalAdvance(ph.name) + 8 < rect.width():
                p.setPen(QColor("#e6ecf5"))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, ph.name)

        # Compact prologue/epilogue zones.
        for items, left, label in ((self.before, MARGIN, "Prologue"),
                                   (self.after, self.width() - MARGIN - ZONE_W, "Epilogue")):
            if not items:
                continue
            rect = QRectF(left + 2, band_top, ZONE_W - 8, band_h)
            p.fillRect(rect, QColor(style.PHASE_COLORS["prologue"]))
            p.setPen(QPen(QColor("#59647a"), 1, Qt.PenStyle.DashLine))
            p.drawRect(rect)
            p.setPen(QColor("#aab4c3"))
            years = sorted({self.plan.clock.utc(e.t).year for e in items})
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "/".join(map(str, years)))
            p.setPen(QColor("#7d8aa3"))
            p.drawText(QRectF(left, band_top + band_h + 4 * k, ZONE_W, 16 * k),
                       Qt.AlignmentFlag.AlignCenter, label)

        # Date axis: month ticks, labels every few months depending on width.
        axis_y = band_top + band_h + 4 * k
        p.setPen(QPen(QColor("#3a4660"), 1))
        p.drawLine(QPointF(track.left(), axis_y), QPointF(track.right(), axis_y))
        self._draw_axis(p, track, axis_y, fm)

        # Event ticks.
        tick_top = band_top - 14 * k
        for ev in self.plan.events:
            x = self.event_x(ev)
            color = QColor(style.CATEGORY_COLORS.get(ev.category, "#ffffff"))
            failure = ev.category == "failure"
            h = (band_h + 18 * k) if failure else (band_h + 12 * k)
            y0 = band_top - (10 * k if failure else 4 * k)
            pen = QPen(color, (2.4 if failure else 1.6) * (1.6 if ev.id == self.highlight else 1.0))
            p.setPen(pen)
            p.drawLine(QPointF(x, y0), QPointF(x, y0 + h))
            if failure:
                tri = QPolygonF([QPointF(x - 5 * k, tick_top), QPointF(x + 5 * k, tick_top),
                                 QPointF(x, tick_top + 8 * k)])
                p.setBrush(color)
                p.setPen(Qt.PenStyle.NoPen)
                p.drawPolygon(tri)
            if ev.id == self.highlight or (self._hover is not None and ev.id == self._hover.id):
                p.setPen(QPen(QColor("#ffffff"), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x, band_top + band_h / 2), 6 * k, 6 * k)

        # Playhead.
        x = self.x_of(self.t)
        p.setPen(QPen(QColor("#ffffff"), 2))
        p.drawLine(QPointF(x, track.top()), QPointF(x, track.bottom()))
        head = QPainterPath()
        head.addRoundedRect(QRectF(x - 6 * k, track.top() - 2, 12 * k, 10 * k), 3, 3)
        p.fillPath(head, QColor("#ffffff"))
        p.end()

    def _draw_axis(self, p, track, axis_y, fm) -> None:
        clock = self.plan.clock
        start = clock.utc(self.t0)
        end = clock.utc(self.t1)
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        px_per_month = track.width() / max(1, months)
        label_every = 1
        for n in (1, 2, 3, 4, 6, 12):
            if px_per_month * n >= fm.horizontalAdvance("2030-07") + 10:
                label_every = n
                break
        else:
            label_every = 12
        y, m = start.year, start.month + 1
        if m > 12:
            y, m = y + 1, 1
        while True:
            d = _dt.datetime(y, m, 1)
            if d > end:
                break
            x = self.x_of(clock.from_utc(d))
            major = (m - 1) % label_every == 0
            p.setPen(QPen(QColor("#5c6985" if major else "#2e3850"), 1))
            p.drawLine(QPointF(x, axis_y), QPointF(x, axis_y + (7 if major else 4) * self.scale))
            if major:
                text = str(y) if m == 1 and label_every >= 6 else f"{y}-{m:02d}"
                p.setPen(QColor("#9aa6bc"))
                p.drawText(QPointF(x - fm.horizontalAdvance(text) / 2, axis_y + 8 * self.scale + fm.ascent()),
                           text)
            m += 1
            if m > 12:
                y, m = y + 1, 1

    # -- mouse ------------------------------------------------------------------------------------
    def mousePressEvent(self, e) -> None:  # noqa: N802
        if e.button() != Qt.MouseButton.LeftButton:
            return
        pos = e.position()
        ev = self.event_at(pos.x(), pos.y())
        if ev is not None:
            self.eventClicked.emit(ev.id)
            return
        self._dragging = True
        self.scrubbed.emit(self.t_of(pos.x()))

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        pos = e.position()
        if self._dragging:
            self.scrubbed.emit(self.t_of(pos.x()))
            return
        ev = self.event_at(pos.x(), pos.y())
        if ev is not self._hover:
            self._hover = ev
            self.update()
        if ev is not None:
            QToolTip.showText(e.globalPosition().toPoint(), self.card_html(ev), self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802
        self._dragging = False

    def leaveEvent(self, e) -> None:  # noqa: N802
        self._hover = None
        self.update()

    def card_html(self, ev) -> str:
        clock = self.plan.clock
        color = style.CATEGORY_COLORS.get(ev.category, "#ffffff")
        src = "From the story" if ev.source == "seed" else "Assumed"
        if ev.assumed:
            src += f" (assumed: {html.escape(ev.assumed)})"
        return (f"<div style='max-width:360px'><b style='color:{color}'>{html.escape(ev.title)}</b><br>"
                f"{clock.date(ev.t)} &nbsp; {clock.met(ev.t)}<br>"
                f"<i>{style.CATEGORY_LABELS[ev.category]} · {html.escape(ev.phase)} · "
                f"{html.escape(self.plan.name_of(ev.where))}</i><br>{html.escape(ev.description)}"
                f"<br><span style='color:#8fa3bf'>{src}</span></div>")
