"""Presentation mode: full screen, large type, and a guided tour through the story's events.

The tour plays the storyboard (:mod:`marsviz.story`), exactly as the window's story-pace
playback does: travelling to the next stop runs presentation time at one second per second,
from where the tour is to the start of the stop's card, and shows the storyboard's mission
time, camera, cards and signals on the way. At a stop it pauses on the card (or first on the
prediction question) until the presenter goes on. Space, Right or PageDown continue (what
presenter clickers send); Left or PageUp go back; Esc leaves. An event with a ``signal`` plays
its light-speed signal at the storyboard's pace, then pauses on its card.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from marsviz.questions import revealed

TEXT_SCALE = 1.7


class Tour(QObject):
    """The guided tour over a window's plan, played along the window's storyboard.

    ``tau`` is the tour's presentation time (seconds into the storyboard). ``mode`` is one of
    ``travel`` (playing towards the next stop), ``question`` (a prediction pause), ``card``
    (paused on an event), ``signal`` (a light-time signal in flight) or ``end``.
    """

    stopChanged = Signal(int)

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.stops = [e for e in win.plan.events if e.tour]
        self.sb = win.storyboard()  # the one pacing model: time, camera, cards and signals
        self.tau = 0.0
        self.i = -1
        self.mode = "idle"
        self.target_tau = None  # where the current travel or signal stops
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

    # -- where the stops are in the storyboard -----------------------------------------------------
    @property
    def current(self):
        return self.stops[self.i] if 0 <= self.i < len(self.stops) else None

    @property
    def target(self) -> float | None:
        """Mission time the tour is heading for (the storyboard's time at its target)."""
        return None if self.target_tau is None else float(self.sb.at(self.target_tau).t)

    def _spans(self, ev, kinds) -> list:
        return [c for c in self.sb.cards if c.event_id == ev.id and c.kind in kinds]

    def _tau_of_event(self, ev) -> float:
        lo, hi = self.win.plan.span
        return self.sb.tau_of(min(max(ev.t, lo), hi))

    def stop_tau(self, ev) -> float:
        """Presentation time of a stop in the storyboard: where its card (or question) starts."""
        spans = self._spans(ev, ("question", "event", "title"))
        return spans[0].start_s if spans else self._tau_of_event(ev)

    def card_span(self, ev):
        """The storyboard's span of ``ev``'s own card (after its question), or None."""
        spans = self._spans(ev, ("event", "title"))
        return spans[0] if spans else None

    def reveal_tau(self, ev) -> float:
        span = self.card_span(ev)
        return span.start_s if span is not None else self._tau_of_event(ev)

    # -- showing the storyboard ----------------------------------------------------------------------
    def show(self, tau: float) -> None:
        """Show the storyboard at presentation time ``tau``, exactly as story playback does;
        at a stop, its card is the tour's (a question's answer leads it)."""
        tau = min(max(float(tau), 0.0), self.sb.duration_s)
        self.tau = tau
        state = self.sb.at(tau)
        w = self.win
        ev = self.current
        if ev is not None and self.mode in ("card", "signal") and state.card == ev.id:
            w.apply_frame(state, card=revealed(w.plan, ev))
        else:
            w.apply_frame(state)

    # -- moving between stops ----------------------------------------------------------------------
    def goto(self, i: int, travel: bool = True, reveal: bool = False) -> None:
        """Head for stop ``i``: travel there (playing the storyboard), or jump straight to it
        (``reveal``: skip the prediction question, for a stop already seen)."""
        w = self.win
        self.timer.stop()
        w.scene.show_question(None)
        if i >= len(self.stops):
            self.i = len(self.stops)
            self.mode = "end"
            self.target_tau = None
            self.show(self.sb.duration_s)
            w.scene.show_event_card(None)
            return
        self.i = max(0, i)
        self.stopChanged.emit(self.i)
        ev = self.current
        self.target_tau = self.stop_tau(ev)
        if travel and self.target_tau > self.tau + 1e-9:
            self.mode = "travel"
            self.clock.start()
            self.timer.start()
        else:
            self._arrive(reveal)

    def _arrive(self, reveal: bool = False) -> None:
        self.timer.stop()
        ev = self.current
        w = self.win
        if ev.question and not reveal and self._spans(ev, ("question",)):
            self.mode = "question"
            self.target_tau = self.stop_tau(ev)
            self.show(self.target_tau)
            w.scene.show_question(ev)
            w.request_render()
        else:
            self._reveal()

    def _reveal(self) -> None:
        ev = self.current
        w = self.win
        w.scene.show_question(None)
        w.scene.show_event_card(None)  # the card is laid out afresh, with its answer
        self.mode = "card"
        self.target_tau = self.reveal_tau(ev)
        # A prediction question is answered on the reveal: the answer leads the card.
        self.show(self.target_tau)
        w.timeline.set_highlight(ev.id)
        w.events_panel.highlight(ev.id)
        span = self.card_span(ev)
        if ev.signal and span is not None and self.sb.at(span.start_s).signal is not None:
            # The signal crosses while the card is up, at the storyboard's pace.
            self.mode = "signal"
            self.target_tau = span.end_s
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
        """The signal has arrived: the card stays, showing it received (its last instant)."""
        self.timer.stop()
        span = self.card_span(self.current)
        self.mode = "card"
        self.target_tau = None
        self.show(max(span.start_s, span.end_s - 1e-6))
        self.win.request_render()

    # -- animation -----------------------------------------------------------------------------------
    def _tick(self) -> None:
        self.play_for(self.clock.restart() / 1000.0)

    def play_for(self, dt: float) -> None:
        """Move the tour on by ``dt`` seconds of screen time: presentation time runs at one
        second per second while travelling or while a signal is in flight."""
        if self.mode not in ("travel", "signal") or self.target_tau is None:
            return
        tau = self.tau + max(0.0, float(dt))
        if tau >= self.target_tau - 1e-9:
            if self.mode == "travel":
                self._arrive()
            else:
                self._finish_signal()
        else:
            self.show(tau)
