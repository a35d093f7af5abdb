"""Dock panels: the event list and the telemetry readout."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QFormLayout, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from marsviz.mission.plan import AU_KM
from marsviz.mission.timescale import format_duration
from marsviz.scene import style


class EventsPanel(QTreeWidget):
    """Every event in time order; the active one is highlighted, a click jumps to it."""

    eventActivated = Signal(str)

    def __init__(self, plan, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Date (UTC)", "MET", "Event"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.itemClicked.connect(lambda item, _col: self.eventActivated.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        self.itemActivated.connect(lambda item, _col: self.eventActivated.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        self.highlighted = None
        self.set_plan(plan)

    def set_plan(self, plan) -> None:
        self.plan = plan
        self.clear()
        self.items = {}
        for ev in plan.events:
            item = QTreeWidgetItem([plan.clock.day(ev.t), plan.clock.met(ev.t).replace("MET ", ""), ev.title])
            item.setData(0, Qt.ItemDataRole.UserRole, ev.id)
            color = QColor(style.CATEGORY_COLORS.get(ev.category, "#ffffff"))
            item.setForeground(2, QBrush(color))
            tip = f"{ev.title}\n{ev.description}\n{ev.category}, {'from the story' if ev.source == 'seed' else 'assumed'}"
            for c in range(3):
                item.setToolTip(c, tip)
            self.addTopLevelItem(item)
            self.items[ev.id] = item
        for c in range(2):
            self.resizeColumnToContents(c)
            self.setColumnWidth(c, self.columnWidth(c) + 16)  # room for the bold highlight
        self.highlighted = None

    def highlight(self, event_id) -> None:
        if event_id == self.highlighted:
            return
        if self.highlighted in self.items:
            item = self.items[self.highlighted]
            for c in range(3):
                f = item.font(c)
                f.setBold(False)
                item.setFont(c, f)
                item.setBackground(c, QBrush())
        self.highlighted = event_id
        if event_id not in self.items:
            self.clearSelection()
            self.setCurrentItem(None)
        if event_id in self.items:
            item = self.items[event_id]
            for c in range(3):
                f = item.font(c)
                f.setBold(True)
                item.setFont(c, f)
                item.setBackground(c, QBrush(QColor("#24324d")))
            self.setCurrentItem(item)
            self.scrollToItem(item)


class TelemetryPanel(QWidget):
    """Date, MET, phase, distances, speed and light time, updated with the playhead."""

    FIELDS = [("date", "Date (UTC)"), ("met", "Mission elapsed"), ("phase", "Phase"),
              ("sun", "From the Sun"), ("earth", "From Earth"), ("mars", "From Mars"),
              ("speed", "Heliocentric speed"), ("light", "Light time to Earth")]

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values = {}
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for key, label in self.FIELDS:
            v = QLabel("-")
            if key in ("earth", "mars"):
                v.setToolTip(f"Distance from {label[5:]}'s centre; near it, also the altitude above its mean radius")
            v.setFont(mono)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = v
            form.addRow(label, v)
        lay.addLayout(form)
        lay.addStretch(1)

    @staticmethod
    def _dist(km: float) -> str:
        if km < 0.01 * AU_KM:
            return f"{km:,.0f} km"
        return f"{km / AU_KM:.3f} AU  ({km / 1e6:,.1f} million km)"

    @classmethod
    def _from_planet(cls, km: float, alt_km: float) -> str:
        """Distance from a planet's centre; near the planet (under 0.01 AU), its altitude too."""
        if km < 0.01 * AU_KM:
            return f"{km:,.0f} km (altitude {alt_km:,.0f} km)"
        return cls._dist(km)

    def update_from(self, tel: dict) -> None:
        v = self.values
        v["date"].setText(tel["date"])
        v["met"].setText(tel["met"])
        v["phase"].setText(tel["phase"])
        v["sun"].setText(self._dist(tel["sun_km"]))
        v["earth"].setText(self._from_planet(tel["earth_km"], tel["earth_alt_km"]))
        v["mars"].setText(self._from_planet(tel["mars_km"], tel["mars_alt_km"]))
        v["speed"].setText(f"{tel['speed_kms']:.2f} km/s")
        v["light"].setText(format_duration(tel["light_time_s"]))

    def show_era(self, plan, ev, t: float) -> None:
        """A prologue or epilogue event's card is up: its date, mission time and phase, and no
        ship figures (they belong to the mission, not to ``ev``'s time)."""
        v = self.values
        v["date"].setText(plan.clock.date(ev.t))
        v["met"].setText(plan.clock.met(ev.t))
        v["phase"].setText(getattr(ev, "phase", None) or ev.era.capitalize())
        for key in ("sun", "earth", "mars", "speed", "light"):
            v[key].setText(f"n/a ({ev.era})")

    def text(self, key: str) -> str:
        return self.values[key].text()
