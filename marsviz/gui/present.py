"""Presentation mode: full screen, large type, and a guided tour through the story's events.

The tour plays towards each stop, slows as it approaches, and pauses on the event with its card.
Space, Right or PageDown continue (what presenter clickers send); Left or PageUp go back; Esc
leaves. An event with a ``question`` first shows the question, and reveals the event on the next
press. An event with a ``signal`` sends a light-speed signal across the 3D view, with a
countdown of the one-way delay, played slowly enough to watch.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from marsviz.mission.timescale import SECONDS_PER_DAY
from marsviz.questions import revealed

TEXT_SCALE = 1.7


class Tour(QObject):
    """The guided tour over a window's plan.

    ``mode`` is one of ``travel`` (moving to the next stop), ``question`` (a prediction pause),
    ``card`` (paused on an event), ``signal`` (a light-time signal in flight) or ``end``.
    """

    stopChanged = Signal(int)

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        plan = win.plan
        cfg = plan.tour
        self.cruise = float(cfg["cruise_days_per_second"])
        self.approach = float(cfg["approach_days_per_second"])
        self.approach_days = float(cfg["approach_days"])
        self.signal_seconds = float(cfg["signal_seconds"])
        self.stops = [e for e in plan.events if e.tour]
        self.sb = win.storyboard()  # the camera flies along the storyboard's track
        self.i = -1
        self.mode = "idle"
        self.target = None
        self._signal_end = None
        self._saved = {}
        self.timer = QTimer(self)
        self.timer.setInterval(16)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()

    # -- entering and leaving --------------------------------------------------------------------
    def start(self) -> None:
        w = self.win
        w.set_playing(False)
        self._saved = {
            "docks": {d: d.isVisible() for d in (w.events_dock, w.telemetry_dock, w.design_dock) if d},
            "fullscreen": w.isFullScreen(),
        }
        for d in self._saved["docks"]:
            d.hide()
        w.menuBar().hide()
        w.toolbar.hide()
        w.transport.hide()
        w.statusBar().hide()
        w.timeline.set_scale(1.35)
        w.scene.opt.text_scale = TEXT_SCALE
        w.reset_cards()
        self._saved["geometry"] = w.geometry()
        screen = w.screen()
        if screen is not None:
            w.setGeometry(screen.geometry())  # without a window manager, fullscreen alone may not resize
        w.showFullScreen()
        w.relayout()
        self.goto(0, travel=False)

    def stop(self) -> None:
        w = self.win
        self.timer.stop()
        self.mode = "idle"
        w.scene.set_signal(None)
        w.scene.show_question(None)
        w.scene.show_event_card(None)
        w.scene.opt.text_scale = 1.0
        w.reset_cards()
        w.timeline.set_scale(1.0)
        w.menuBar().show()
        w.toolbar.show()
        w.transport.show()
        w.statusBar().show()
        for d, vis in self._saved.get("docks", {}).items():
            d.setVisible(vis)
        if not self._saved.get("fullscreen"):
            w.showNormal()
            if "geometry" in self._saved:
                w.setGeometry(self._saved["geometry"])
        w.tour = None
        w.relayout()
        w.set_camera(w.user_preset())  # back to the user's camera
        w.set_playhead(w.playhead)

    # -- moving between stops ----------------------------------------------------------------------
    @property
    def current(self):
        return self.stops[self.i] if 0 <= self.i < len(self.stops) else None

    def _clamped(self, t: float) -> float:
        lo, hi = self.win.plan.span
        return min(max(t, lo), hi)

    def goto(self, i: int, travel: bool = True, reveal: bool = False) -> None:
        """Head for stop ``i``: travel there (playing), or jump straight to it (``reveal``: skip
        the prediction question, for a stop already seen)."""
        w = self.win
        w.scene.set_signal(None)
        w.scene.show_question(None)
        if i >= len(self.stops):
            self.i = len(self.stops)
            self.mode = "end"
            self.timer.stop()
            w.scene.show_event_card(None)
            w.set_playhead(w.plan.span[1])
            return
        self.i = max(0, i)
        self.stopChanged.emit(self.i)
        ev = self.current
        self.target = self._clamped(ev.t)
        w.scene.show_event_card(None)
        if travel and abs(self.target - w.playhead) > 1e-9:
            self.mode = "travel"
            self.clock.start()
            self.timer.start()
        else:
            w.set_playhead(self.target)
            self._arrive(reveal)

    def stop_tau(self, ev) -> float:
        """Presentation time of a stop in the storyboard: where its card (or question) starts."""
        spans = [c for c in self.sb.cards if c.event_id == ev.id]
        return spans[0].start_s if spans else self.sb.tau_of(self._clamped(ev.t))

    def _arrive(self, reveal: bool = False) -> None:
        self.timer.stop()
        ev = self.current
        w = self.win
        w.set_playhead(self.target)
        w.show_story_camera(self.stop_tau(ev))
        if ev.question and not reveal:
            self.mode = "question"
            w.scene.show_question(ev)
            w.request_render()
        else:
            self._reveal()

    def _reveal(self) -> None:
        ev = self.current
        w = self.win
        w.scene.show_question(None)
        # A prediction question is answered on the reveal: the answer leads the card.
        w.scene.show_event_card(revealed(w.plan, ev))
        w.timeline.set_highlight(ev.id)
        w.events_panel.highlight(ev.id)
        self.mode = "card"
        if ev.signal and w.plan.in_range(ev.t):
            w.scene.set_signal(ev)
            st = w.scene.signal_state(ev.t)
            self._signal_end = ev.t + st[2] / SECONDS_PER_DAY
            self.mode = "signal"
            self.clock.start()
            self.timer.start()
        w.request_render()

    def advance(self) -> None:
        """Space / Right / PageDown."""
        if self.mode == "travel":
            self._arrive()
        elif self.mode == "question":
            self._reveal()
        elif self.mode == "signal":
            self._finish_signal()
        elif self.mode in ("card", "idle"):
            self.goto(self.i + 1, travel=True)

    def back(self) -> None:
        """Left / PageUp: the previous stop, shown at once."""
        self.timer.stop()
        self.goto(max(0, self.i - (0 if self.mode == "travel" else 1)), travel=False, reveal=True)

    def _finish_signal(self) -> None:
        self.timer.stop()
        self.win.set_playhead(self._signal_end)
        self.mode = "card"

    # -- animation -----------------------------------------------------------------------------------
    def speed_at(self, remaining_days: float) -> float:
        """Days per second: cruise far from the stop, slowing to the approach speed near it."""
        if remaining_days <= self.approach_days:
            return self.approach
        ramp = min(1.0, (remaining_days - self.approach_days) / max(self.approach_days, 1e-9))
        return self.approach + (self.cruise - self.approach) * ramp

    def _tick(self) -> None:
        self.play_for(self.clock.restart() / 1000.0)

    def play_for(self, dt: float) -> None:
        """Move the tour on by ``dt`` seconds of screen time (travel or a signal in flight)."""
        w = self.win
        if self.mode == "travel":
            remaining = self.target - w.playhead
            direction = 1.0 if remaining > 0 else -1.0
            step = self.speed_at(abs(remaining)) * dt
            if abs(remaining) > self.approach_days:
                # However slow the frames, never jump over the slow approach to a stop.
                step = min(step, abs(remaining) - 0.5 * self.approach_days)
            if step >= abs(remaining):
                self._arrive()
            else:
                w.set_playhead(w.playhead + direction * step)
                w.show_story_camera(min(self.sb.tau_of(w.playhead), self.stop_tau(self.current)))
        elif self.mode == "signal":
            ev = self.current
            rate = (self._signal_end - ev.t) / self.signal_seconds
            t = w.playhead + rate * dt
            if t >= self._signal_end:
                self._finish_signal()
            else:
                w.set_playhead(t)
