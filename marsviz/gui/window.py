"""The main window: the 3D view, the timeline scrubber, the event list and the telemetry.

Widgets only reflect state. The playhead lives here; moving it updates the scene (cheap) and
asks for a render, and renders are coalesced: however many playhead changes arrive between two
frames, one render follows.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from PySide6.QtCore import QDateTime, QElapsedTimer, QEvent, QObject, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QHBoxLayout, QLabel,
                               QMainWindow, QMessageBox, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from marsviz.scene import style

_S = 1.0 / 86400.0
#: Keys of the camera presets, in the order of ``style.CAMERA_NAMES``: along the number row.
CAMERA_KEYS = "1234567890-="
#: The camera box's entry for the story's camera (a storyboard shot, not a preset).
STORY_CAMERA = "story"
STORY_CAMERA_NAME = "Story camera"
#: Width (px) of the Events dock when the window opens: room for a date, a MET and a title.
EVENTS_DOCK_WIDTH = 470


def initial_size() -> tuple[int, int]:
    """The window's size when it opens: 1720 x 960 (the view and a readable Events dock), or
    most of a smaller screen."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return 1720, 960
    g = screen.availableGeometry()
    return min(1720, int(g.width() * 0.94)), min(960, int(g.height() * 0.9))


# Playback rates in mission days per screen second: from real time (1 s per s), slow enough
# to watch a 12-minute light-time signal cross, up to 120 days per second.
SPEEDS = [_S, 10 * _S, 60 * _S, 600 * _S, 3600 * _S, 6 * 3600 * _S, 1, 2, 5, 10, 20, 30, 60, 120]
DEFAULT_SPEED = 20


def speed_label(days_per_second: float) -> str:
    """``real time (1 s/s)``, ``10 min/s``, ``6 h/s``, ``1 day/s``, ``20 days/s``."""
    s = days_per_second * 86400.0
    if abs(s - 1.0) < 1e-9:
        return "real time (1 s/s)"
    for unit, size in (("day", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if s >= size - 1e-9:
            n = s / size
            name = unit + ("s" if unit == "day" and abs(n - 1) > 1e-9 else "")
            return f"{n:g} {name}/s"
    return f"{s:g} s/s"


def apply_pose(view, pose) -> None:
    """Set a VTK camera from a storyboard camera pose (heliocentric km; the scene draws in AU)."""
    import numpy as np

    from marsviz.mission.plan import AU_KM

    cam = view.renderer.GetActiveCamera()
    cam.SetFocalPoint(*(np.asarray(pose.focal_km, dtype=float) / AU_KM))
    cam.SetPosition(*(np.asarray(pose.position_km, dtype=float) / AU_KM))
    cam.SetViewUp(*pose.up)
    cam.SetViewAngle(pose.view_angle_deg)
    view.renderer.ResetCameraClippingRange()


class _ResizeWatcher(QObject):
    def __init__(self, callback):
        super().__init__()
        self.callback = callback

    def eventFilter(self, obj, ev):  # noqa: N802
        if ev.type() == QEvent.Type.Resize:
            self.callback()
        return False


class MainWindow(QMainWindow):
    """The mission window for one plan."""

    playheadChanged = Signal(float)
    rendered = Signal()

    def __init__(self, plan, scenario_path=None, ephemeris=None):
        super().__init__()
        from pyvistaqt import QtInteractor

        from marsviz.gui.panels import EventsPanel, TelemetryPanel
        from marsviz.gui.timeline import TimelineWidget
        from marsviz.scene.scene import MissionScene

        self.plan = plan
        self.scenario_path = scenario_path
        self.ephemeris = ephemeris
        self.playhead = plan.epoch
        self.speed = DEFAULT_SPEED
        self.direction = 1
        self.pace = "story"  # "story": the storyboard's pace and camera; "constant": a steady rate
        self.tau = 0.0  # presentation seconds into the storyboard (story pace)
        self.last_pose = None  # the last storyboard camera pose shown
        self._story_camera = False  # the view is the story's camera (not a preset the user chose)
        self.era_event = None  # a prologue/epilogue event whose card is up (its date shown)
        self._storyboard = None
        self.playing = False
        self._render_pending = False
        self.render_count = 0
        self.last_render_ms = 0.0
        self.tour = None
        self._forced_event = None
        from marsviz.gui.cards import CardSchedule

        self.cards = CardSchedule(plan.events)
        self._card_shown = None
        self._asked = None  # the event whose prediction question was last on screen
        self.screen_s = 0.0  # screen seconds of playback so far: the clock of the cards
        self._signals = self._signal_spans(plan)
        self.setWindowTitle(f"marsviz: {plan.title}")
        self.resize(*initial_size())

        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.view = QtInteractor(central, auto_update=False)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._clear_vtk_keys()
        lay.addWidget(self.view, 1)
        self.scene = MissionScene(self.view, plan)
        self.scene.opt.card_mode = "off"  # the window decides which card is up, by screen time
        self._watch = _ResizeWatcher(self._on_resize)
        self.view.installEventFilter(self._watch)

        bar = QWidget(central)
        bar.setObjectName("transport")
        blay = QHBoxLayout(bar)
        blay.setContentsMargins(8, 4, 8, 4)
        self.reverse_button = QToolButton(bar)
        self.reverse_button.setText("◀ Reverse")
        self.reverse_button.setToolTip("Play backwards / pause (Shift+Space)")
        self.reverse_button.clicked.connect(self.toggle_reverse)
        self.play_button = QToolButton(bar)
        self.play_button.setText("Play ▶")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.speed_box = QComboBox(bar)
        for s in SPEEDS:
            self.speed_box.addItem(speed_label(s), s)
        self.speed_box.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.speed_box.setToolTip("Playback rate: mission time per second on screen ([ slower, ] faster)")
        self.pace_box = QComboBox(bar)
        self.pace_box.addItem("Story pace", "story")
        self.pace_box.addItem("Constant rate", "constant")
        self.pace_box.setToolTip("Story pace: slows down and moves the camera to each event, and "
                                 "holds each card long enough to read. Constant rate: the rate on "
                                 "the right, with the camera you choose.")
        self.pace_box.currentIndexChanged.connect(lambda i: self.set_pace(self.pace_box.itemData(i)))
        from PySide6.QtWidgets import QDateTimeEdit

        self.date_edit = QDateTimeEdit(bar)
        self.date_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.date_edit.setTimeZone(QTimeZone.utc())
        self.date_edit.setKeyboardTracking(False)
        self.date_edit.setToolTip("Go to a date and time (UTC): type it and press Enter")
        self.date_edit.editingFinished.connect(self._on_date_entered)
        self._set_date_range()
        self.time_label = QLabel(bar)
        self.time_label.setMinimumWidth(220)
        blay.addWidget(self.reverse_button)
        blay.addWidget(self.play_button)
        blay.addWidget(self.pace_box)
        blay.addWidget(self.speed_box)
        blay.addSpacing(12)
        blay.addWidget(self.date_edit)
        blay.addSpacing(8)
        blay.addWidget(self.time_label, 1)
        self.hint_label = QLabel("Space play · Shift+Space reverse · ←/→ 1 day · PgUp/PgDn events", bar)
        self.hint_label.setStyleSheet("color: #7d8aa3")
        # the hint gives way (cut at its right end) to a long date line (the epilogue's)
        self.hint_label.setMinimumWidth(1)
        blay.addWidget(self.hint_label)
        lay.addWidget(bar)
        self.transport = bar
        self.timeline = TimelineWidget(plan, central)
        self.timeline.scrubbed.connect(self._on_scrub)
        self.timeline.eventClicked.connect(self.jump_to_event)
        lay.addWidget(self.timeline)
        self.setCentralWidget(central)

        self.events_panel = EventsPanel(plan)
        self.events_panel.eventActivated.connect(self.jump_to_event)
        self.events_dock = QDockWidget("Events", self)
        self.events_dock.setObjectName("events")
        self.events_dock.setWidget(self.events_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.events_dock)
        self.telemetry = TelemetryPanel()
        self.telemetry_dock = QDockWidget(self._telemetry_title(plan), self)
        self.telemetry_dock.setObjectName("telemetry")
        self.telemetry_dock.setWidget(self.telemetry)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.telemetry_dock)
        self._docks_sized = False
        self._size_docks()
        self.design_dock = None

        self._build_actions()
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(16)
        self.play_timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.statusBar().showMessage(
            f"Plan {'loaded from the cache' if getattr(plan, 'from_cache', False) else 'designed'}: "
            f"{plan.crewed_trajectory.sequence_name}, total Δv {plan.crewed_trajectory.total_dv:.2f} km/s")
        self.set_speed(self.speed)
        self.speed_box.setEnabled(self.pace == "constant")
        self.last_error = None
        self.set_playhead(plan.epoch)
        QTimer.singleShot(0, self._warm_engine)

    @staticmethod
    def _warm_engine() -> None:
        """Load the orbital-mechanics engine (numba, boinor) in the background after the first
        frame: the first frame needs no propagation, so the window appears sooner."""
        import threading

        def warm():
            from marsviz.mission import engine

            engine.propagate(1.0, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0.5)

        threading.Thread(target=warm, name="marsviz-warm-engine", daemon=True).start()

    # -----------------------------------------------------------------------------------------
    # Actions, menus, toolbar
    # -----------------------------------------------------------------------------------------
    def _clear_vtk_keys(self) -> None:
        """pyvista binds single keys (q quits, w wireframe...): our own shortcuts replace them."""
        try:
            self.view._key_press_event_callbacks.clear()
        except AttributeError:
            pass

    def _act(self, text, slot, shortcut=None, checkable=False, checked=False, tip=None):
        a = QAction(text, self)
        if shortcut:
            if isinstance(shortcut, (list, tuple)):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if checkable:
            a.setCheckable(True)
            a.setChecked(checked)
            a.toggled.connect(slot)
        else:
            a.triggered.connect(lambda _=False: slot())
        if tip:
            a.setStatusTip(tip)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        A = self.actions_by_name = {}
        f = mb.addMenu("&File")
        A["open"] = self._act("&Open scenario...", self.open_scenario_dialog, "Ctrl+O")
        A["screenshot"] = self._act("Save &screenshot...", self.save_screenshot_dialog, "Ctrl+S")
        A["export"] = self._act("&Export frames or video...", self.open_export_dialog, "Ctrl+E")
        A["lesson"] = self._act("Export &lesson pack...", self.open_lesson_dialog, "Ctrl+L")
        A["quit"] = self._act("&Quit", self.close, "Ctrl+Q")
        for k in ("open", "screenshot", "export", "lesson"):
            f.addAction(A[k])
        f.addSeparator()
        f.addAction(A["quit"])

        v = mb.addMenu("&View")
        cams = v.addMenu("&Camera")
        group = QActionGroup(self)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)  # none: the story's
        self.camera_actions = {}
        for i, (key, name) in enumerate(style.CAMERA_NAMES.items()):
            a = QAction(name, self, checkable=True)
            if i < len(CAMERA_KEYS):  # the number row: 1 to 9, 0, then - and =
                a.setShortcut(QKeySequence(CAMERA_KEYS[i]))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(lambda _=False, k=key: self.set_camera(k))
            group.addAction(a)
            cams.addAction(a)
            self.addAction(a)
            self.camera_actions[key] = a
        self.camera_actions["overview"].setChecked(True)
        v.addSeparator()
        opt = self.scene.opt
        self.toggle_actions = {}
        for key, label, sc in (("labels", "&Labels", "L"), ("orbits", "Planet &orbits", "O"),
                               ("stars", "&Stars", None), ("grid", "AU &rings", "G"),
                               ("cargo", "&Cargo ships", "C"), ("events", "&Event markers", "M"),
                               ("captions", "Event c&ards", "A"), ("hud", "&Heads-up text", "H"),
                               ("legend", "Path le&gend", "K")):
            a = self._act(label, lambda on, k=key: self.set_option(k, on), sc, checkable=True,
                          checked=getattr(opt, key))
            v.addAction(a)
            self.toggle_actions[key] = a
        v.addSeparator()
        v.addAction(self.events_dock.toggleViewAction())
        v.addAction(self.telemetry_dock.toggleViewAction())
        A["design"] = self._act("Mission &design panel", self.toggle_design_panel, "D")
        v.addAction(A["design"])
        v.addSeparator()
        A["present"] = self._act("&Presentation mode (guided tour)", self.start_presentation, "F5")
        A["fullscreen"] = self._act("&Full screen", self.toggle_fullscreen, "F11")
        A["leave"] = self._act("Leave presentation", self.leave_presentation, "Esc")
        v.addAction(A["present"])
        v.addAction(A["fullscreen"])

        pm = mb.addMenu("&Playback")
        A["play"] = self._act("&Play / pause", self.toggle_play, "Space")
        A["reverse"] = self._act("Play &backwards / pause", self.toggle_reverse, "Shift+Space")
        A["back1"] = self._act("Back one day", lambda: self.step(-1), "Left")
        A["fwd1"] = self._act("Forward one day", lambda: self.step(1), "Right")
        A["back10"] = self._act("Back ten days", lambda: self.step(-10), "Shift+Left")
        A["fwd10"] = self._act("Forward ten days", lambda: self.step(10), "Shift+Right")
        A["prev"] = self._act("Previous event", lambda: self.jump_event(-1), "PgUp")
        A["next"] = self._act("Next event", lambda: self.jump_event(1), "PgDown")
        A["home"] = self._act("Mission start", self.go_start, "Home")
        A["end"] = self._act("Mission end", self.go_end, "End")
        A["slower"] = self._act("Slower", lambda: self.change_speed(-1), "[")
        A["faster"] = self._act("Faster", lambda: self.change_speed(1), "]")
        for k in ("play", "reverse", "back1", "fwd1", "back10", "fwd10", "prev", "next", "home", "end",
                  "slower", "faster"):
            pm.addAction(A[k])

        hm = mb.addMenu("&Help")
        A["keys"] = self._act("&Keyboard shortcuts", self.show_shortcuts, "F1")
        A["about"] = self._act("&About marsviz", self.show_about)
        hm.addAction(A["keys"])
        hm.addAction(A["about"])

        from PySide6.QtWidgets import QStyle

        icons = {"open": QStyle.StandardPixmap.SP_DialogOpenButton,
                 "screenshot": QStyle.StandardPixmap.SP_DialogSaveButton,
                 "export": QStyle.StandardPixmap.SP_DriveFDIcon,
                 "play": QStyle.StandardPixmap.SP_MediaPlay,
                 "present": QStyle.StandardPixmap.SP_DesktopIcon,
                 "design": QStyle.StandardPixmap.SP_FileDialogDetailedView}
        for k, pm in icons.items():
            A[k].setIcon(self.style().standardIcon(pm))
        tb = self.addToolBar("Main")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        for k in ("open", "screenshot", "export"):
            tb.addAction(A[k])
        tb.addSeparator()
        tb.addWidget(QLabel(" Camera: "))
        self.camera_box = QComboBox()
        for key, name in style.CAMERA_NAMES.items():
            self.camera_box.addItem(name, key)
        self.camera_box.insertSeparator(self.camera_box.count())
        self.camera_box.addItem(STORY_CAMERA_NAME, STORY_CAMERA)
        self.camera_box.setItemData(self.camera_box.count() - 1, "The story's own camera, which goes to each event "
                                    "(story pace)", Qt.ItemDataRole.ToolTipRole)
        self.camera_box.activated.connect(lambda i: self._camera_chosen(self.camera_box.itemData(i)))
        tb.addWidget(self.camera_box)
        tb.addSeparator()
        tb.addAction(A["design"])
        tb.addAction(A["present"])
        self.toolbar = tb

    # -----------------------------------------------------------------------------------------
    # Playhead
    # -----------------------------------------------------------------------------------------
    def set_playhead(self, t: float, forced_event=None, how: str = "set", frame_card=None) -> None:
        """Move the playhead (clamped to the mission); cheap, and coalesces the render.

        ``how`` says what moved it, which decides the event card: ``"play"`` (playback: a passed
        event's card comes up for a few seconds of screen time), ``"step"`` (a key step: a passed
        event's card comes up and stays), ``"set"`` (scrubbing, a typed date: the card goes).
        ``forced_event`` shows that event's card (a jump to it)."""
        t0, t1 = self.plan.span
        t = float(min(max(t, t0), t1))
        prev = self.playhead
        self.playhead = t
        self._forced_event = forced_event
        self.scene.set_time(t)
        self.timeline.set_time(t)
        if self.tour is None:
            now = self.screen_s
            if forced_event is not None:
                self.cards.show(forced_event, now)
            elif how == "story":  # the storyboard decides the card
                if frame_card is None:
                    self.cards.clear()
                elif self.cards.card is None or self.cards.card.id != frame_card.id:
                    self.cards.show(frame_card, now)
            elif how in ("play", "step"):
                self.cards.moved(prev, t, now, playing=how == "play")
            else:
                self.cards.clear()
            self._show_card(t)
            self.scene.set_signal(self.signal_event(t))
            active = self.cards.card
        else:
            active = self.scene.card_event
        aid = active.id if active is not None else None
        self.timeline.set_highlight(aid)
        self.events_panel.highlight(aid)
        era = active if active is not None and not (self.plan.span[0] <= active.t <= self.plan.span[1]) else None
        self.era_event = era
        if era is None:
            self.telemetry.update_from(self.plan.telemetry(t))
        else:
            self.telemetry.show_era(self.plan, era, t)
        self._show_date(t, era)
        if how != "story" and self.pace == "story" and self._storyboard is not None:
            self.tau = self._storyboard.tau_of(t)  # scrubbing anywhere: the story goes on from here
            if self.story_camera and self.tour is None:
                # The story's camera stays with the story's shot (Mars does not drift out of a
                # surface view when the playhead steps a day).
                pose, shot = self._storyboard.camera_at(self.tau, t)
                self.last_pose = pose
                self.scene.set_pose(pose, shot)
        self.request_render()
        if t != prev:
            self.playheadChanged.emit(t)

    def reset_cards(self) -> None:
        """Take the window's card down (the tour shows its own cards)."""
        self.cards.clear()
        self._card_shown = None
        self._asked = None  # the event whose prediction question was last on screen
        self.scene.show_event_card(None)

    def _show_card(self, t: float) -> None:
        """Put the schedule's card on screen, saying how long ago its event was once it is past."""
        import dataclasses

        ev = self.cards.card
        age = self.cards.age_text(t) if ev is not None and self.plan.span[0] <= ev.t <= self.plan.span[1] else ""
        key = None if ev is None else (ev.id, age)
        if key == self._card_shown:
            return
        asked = ev is not None and self._asked == ev.id
        self._card_shown = key
        self.scene.show_event_card(None)
        if ev is not None:
            if self.pace == "story" and ev.question:
                from marsviz.questions import revealed

                # the answer leads the card; the question first unless it was just on screen
                ev = revealed(self.plan, ev, ask=not asked)
            self.scene.show_event_card(dataclasses.replace(ev, title=f"{ev.title}   ({age})") if age else ev)

    @staticmethod
    def _signal_spans(plan) -> list:
        """(event, one-way light time in days) of every signal event inside the ephemeris."""
        import numpy as np

        from marsviz.mission.plan import C_KMS
        from marsviz.mission.timescale import SECONDS_PER_DAY
        from marsviz.questions import signal_ends

        out = []
        for ev in plan.mission_events:
            if ev.signal and plan.in_range(ev.t):
                src, dst = signal_ends(plan, ev)
                d = float(np.linalg.norm(np.asarray(plan.position(dst, ev.t)) - np.asarray(plan.position(src, ev.t))))
                out.append((ev, d / C_KMS / SECONDS_PER_DAY))
        return out

    def signal_event(self, t: float):
        """The signal on its way at ``t`` (or the one whose card is up, to show it arrived)."""
        for ev, one_way in reversed(self._signals):
            if ev.t <= t <= ev.t + one_way:
                return ev
        card = self.cards.card
        if card is not None and any(card.id == ev.id for ev, _ in self._signals):
            return card
        return None

    def _set_date_range(self) -> None:
        clock = self.plan.clock
        lo, hi = (QDateTime.fromSecsSinceEpoch(int(clock.utc(x).replace(tzinfo=_dt.timezone.utc).timestamp()),
                                               QTimeZone.utc()) for x in self.plan.span)
        self.date_edit.setDateTimeRange(lo, hi)

    def _show_date(self, t: float, era=None) -> None:
        """The playhead's date and mission time; with ``era`` (a prologue or epilogue event, whose
        card is up) that event's date instead, the date box greyed out: the planets stay where
        they are at the mission's edge (``t``), which the label says."""
        clock = self.plan.clock
        if era is None:
            self.time_label.setText(f"{clock.met(t)}   {self.plan.phase_at(t).name}")
        else:
            self.time_label.setText(f"{era.era.capitalize()}   (planets shown on {clock.day(t)})")
        self.time_label.setMinimumWidth(max(220, self.time_label.sizeHint().width()))
        when = t if era is None else era.t
        if era is not None or not self.date_edit.hasFocus():
            secs = int(clock.utc(when).replace(tzinfo=_dt.timezone.utc).timestamp())
            self.date_edit.blockSignals(True)
            if era is not None:
                self.date_edit.clearFocus()
                self.date_edit.setDateTimeRange(QDateTime.fromSecsSinceEpoch(min(secs, 0), QTimeZone.utc()),
                                                QDateTime.fromSecsSinceEpoch(max(secs, 4102444800), QTimeZone.utc()))
            elif not self.date_edit.isEnabled():
                self._set_date_range()
            self.date_edit.setDateTime(QDateTime.fromSecsSinceEpoch(secs, QTimeZone.utc()))
            self.date_edit.setEnabled(era is None)
            self.date_edit.blockSignals(False)

    def go_to_date(self, when: _dt.datetime) -> None:
        """Move the playhead to a UTC date and time (clamped to the mission)."""
        self.set_playhead(self.plan.clock.from_utc(when.replace(tzinfo=None)))

    def _on_date_entered(self) -> None:
        secs = self.date_edit.dateTime().toSecsSinceEpoch()
        self.go_to_date(_dt.datetime.fromtimestamp(secs, _dt.timezone.utc))
        self.view.setFocus()

    def request_render(self) -> None:
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self._render_now)

    def _render_now(self) -> None:
        self._render_pending = False
        start = time.perf_counter()
        self.view.render()
        self.last_render_ms = (time.perf_counter() - start) * 1000
        self.render_count += 1
        self.rendered.emit()

    def _on_scrub(self, t: float) -> None:
        self.set_playhead(t)

    def _on_resize(self) -> None:
        r = self.view.devicePixelRatioF()
        self.scene.layout(int(self.view.width() * r), int(self.view.height() * r))
        self.request_render()

    def step(self, days: float) -> None:
        if self.tour is not None:
            (self.tour.advance if days > 0 else self.tour.back)()
            return
        self.set_playhead(self.playhead + days, how="step")

    def go_start(self) -> None:
        self.set_playhead(self.plan.span[0])

    def go_end(self) -> None:
        self.set_playhead(self.plan.span[1])

    def jump_to_event(self, event_id: str) -> None:
        ev = self.plan.event(event_id)
        self.set_playhead(ev.t, forced_event=ev)

    def story_frame(self, event_id: str):
        """The storyboard's frame state where ``event_id``'s own card comes up (the instant
        story playback and the guided tour show it), or None when the story has no card for it."""
        sb = self.storyboard()
        span = next((c for c in sb.cards if c.event_id == event_id and c.kind in ("event", "title")), None)
        return None if span is None else sb.at(span.start_s)

    def open_on_event(self, event_id: str, camera: str | None = None) -> None:
        """Open on an event (``--at``): the playhead on it, its card up and its row highlighted,
        seen through the story's camera at its card, or through camera preset ``camera``."""
        if camera is not None:
            self.set_camera(camera)
            self.jump_to_event(event_id)
            return
        self.jump_to_event(event_id)
        state = self.story_frame(event_id)
        if state is None:
            return
        self.tau = state.tau_s  # story playback goes on from this card
        self.last_pose = state.camera
        self.story_camera = True  # the camera box says so
        if hasattr(self.scene, "apply"):
            self.scene.apply(state)
            self._card_shown = None
            self._asked = None  # opened on the event: its card asks its question first
            self._show_card(self.playhead)  # the window's own card (a question's answer) on top
        else:
            apply_pose(self.view, state.camera)
        self.request_render()

    def jump_event(self, direction: int) -> None:
        """PageUp/PageDown: the previous/next event (prologue and epilogue included)."""
        if self.tour is not None:
            (self.tour.advance if direction > 0 else self.tour.back)()
            return
        events = self.plan.events
        cur = self._forced_event
        if cur is not None:
            i = events.index(cur) + direction
        else:
            eps = 1e-6
            if direction > 0:
                i = next((k for k, e in enumerate(events) if e.t > self.playhead + eps), len(events))
            else:
                i = max((k for k, e in enumerate(events) if e.t < self.playhead - eps), default=-1)
        if 0 <= i < len(events):
            self.jump_to_event(events[i].id)

    # -----------------------------------------------------------------------------------------
    # Playback
    # -----------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.tour is not None:
            self.tour.advance()
            return
        self.set_playing(not (self.playing and self.direction > 0), direction=1)

    def toggle_reverse(self) -> None:
        if self.tour is not None:
            self.tour.back()
            return
        self.set_playing(not (self.playing and self.direction < 0), direction=-1)

    def set_playing(self, on: bool, direction: int | None = None) -> None:
        if direction is not None:
            self.direction = 1 if direction >= 0 else -1
        self.playing = on
        forward = on and self.direction > 0
        backward = on and self.direction < 0
        self.play_button.setText("Pause" if forward else "Play ▶")
        self.reverse_button.setText("Pause" if backward else "◀ Reverse")
        if on:
            t0, t1 = self.plan.span
            if forward and self.playhead >= t1:
                self.set_playhead(t0)
            elif backward and self.playhead <= t0:
                self.set_playhead(t1)
            if self.pace == "story":
                self.tau = self.storyboard().tau_of(self.playhead)
            self.clock.start()
            self.play_timer.start()
        else:
            self.play_timer.stop()

    def set_pace(self, pace: str) -> None:
        """Play in ``"story"`` pace (the storyboard: eased time, held cards, a camera that goes
        to each event) or at a ``"constant"`` rate (the rate box, the user's camera)."""
        if pace not in ("story", "constant"):
            raise ValueError(f"unknown pace {pace!r} (use story or constant)")
        self.pace = pace
        i = self.pace_box.findData(pace)
        if i != self.pace_box.currentIndex():
            self.pace_box.blockSignals(True)
            self.pace_box.setCurrentIndex(i)
            self.pace_box.blockSignals(False)
        self.speed_box.setEnabled(pace == "constant")
        if pace == "story":
            self.tau = self.storyboard().tau_of(self.playhead)
        else:
            self.set_camera(self.user_preset())

    def user_preset(self) -> str:
        """The camera preset the user chose last (storyboard shots are not presets)."""
        return getattr(self, "user_camera", None) or "overview"

    def storyboard(self):
        """The story-pace storyboard of the plan (built on first use, about 30 ms)."""
        if self._storyboard is None:
            from marsviz.story import Storyboard

            self._storyboard = Storyboard.build(self.plan, pace="story")
        return self._storyboard

    def apply_frame(self, state, card=None) -> None:
        """Show a storyboard frame state: its mission time, card, signal and camera pose.

        ``card``: an event to show in place of the state's card (the tour's answered card)."""
        ev = self.plan.event(state.card) if state.card else None
        self.tau = state.tau_s
        self.last_pose = state.camera
        self.story_camera = True  # the camera box says so
        if hasattr(self.scene, "apply"):
            # A scene that applies whole frame states (floating origin, true-size close-ups);
            # the window's own card (the answer, how long ago) is put back on top just after.
            if card is not None:
                import dataclasses

                state = dataclasses.replace(state, card=card)
            self.scene.apply(state)
            self._card_shown = None
        else:
            apply_pose(self.view, state.camera)
        self.set_playhead(state.t, how="story", frame_card=ev)
        if ev is not None and state.card_kind == "question" and ev.question:
            # The prediction question comes before its event; the event's card answers it.
            self.scene.show_question(ev)
            self._card_shown = ("question", ev.id)
            self._asked = ev.id  # its answer card need not ask it again
        self.request_render()

    def relayout(self) -> None:
        """Lay the 3D view's text out again for its current size (after a change of screen)."""
        self._on_resize()

    def set_speed(self, days_per_second: float) -> None:
        self.speed = float(days_per_second)
        match = [i for i, s in enumerate(SPEEDS) if abs(s - self.speed) <= 1e-9 * s]
        if match:
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(match[0])
            self.speed_box.blockSignals(False)

    def change_speed(self, direction: int) -> None:
        i = SPEEDS.index(min(SPEEDS, key=lambda s: abs(s - self.speed)))
        self.set_speed(SPEEDS[min(max(i + direction, 0), len(SPEEDS) - 1)])

    def advance_by(self, seconds: float) -> None:
        """Play on for ``seconds`` of screen time at the chosen pace, rate and direction."""
        t0, t1 = self.plan.span
        self.screen_s += seconds
        if self.pace == "story":
            sb = self.storyboard()
            tau = self.tau + self.direction * seconds
            if tau >= sb.duration_s or tau <= 0.0:
                tau = min(max(tau, 0.0), sb.duration_s)
                self.set_playing(False)
            self.apply_frame(sb.at(tau))
            return
        t = self.playhead + self.direction * self.speed * seconds
        if t >= t1 or t <= t0:
            t = min(max(t, t0), t1)
            self.set_playing(False)
        self.set_playhead(t, how="play")

    def _tick(self) -> None:
        self.advance_by(self.clock.restart() / 1000.0)

    # -----------------------------------------------------------------------------------------
    # View
    # -----------------------------------------------------------------------------------------
    def set_camera(self, key: str) -> None:
        self.scene.set_camera(key)
        self.user_camera = key  # the preset the user chose (a storyboard shot is not one)
        self.story_camera = False
        if key in self.camera_actions:
            self.camera_actions[key].setChecked(True)
        self.scene.set_time(self.playhead)
        self.request_render()

    @property
    def story_camera(self) -> bool:
        """Whether the story's camera is in charge (a storyboard shot), not a preset."""
        return self._story_camera

    @story_camera.setter
    def story_camera(self, on: bool) -> None:
        self._story_camera = bool(on)
        if not hasattr(self, "camera_box"):
            return
        i = self.camera_box.findData(STORY_CAMERA if on else self.user_preset())
        if i >= 0 and i != self.camera_box.currentIndex():
            self.camera_box.blockSignals(True)
            self.camera_box.setCurrentIndex(i)
            self.camera_box.blockSignals(False)
        if on:  # no preset is in charge
            for a in self.camera_actions.values():
                a.setChecked(False)

    def _camera_chosen(self, key: str) -> None:
        """The camera box: a preset, or back to the story's camera (story pace)."""
        if key == STORY_CAMERA:
            self.use_story_camera()
        else:
            self.set_camera(key)

    def use_story_camera(self) -> None:
        """Give the camera back to the story (story pace): its shot at the current instant."""
        if self.tour is not None:
            return
        if self.pace != "story":
            self.set_pace("story")
        sb = self.storyboard()
        self.tau = sb.tau_of(self.playhead)
        pose, shot = sb.camera_at(self.tau, self.playhead)
        self.last_pose = pose
        self.scene.set_pose(pose, shot)
        self.story_camera = True
        self.request_render()

    def set_option(self, key: str, on: bool) -> None:
        setattr(self.scene.opt, key, bool(on))
        self.scene.apply_options()
        self.request_render()

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    # -----------------------------------------------------------------------------------------
    # Files
    # -----------------------------------------------------------------------------------------
    def save_screenshot(self, path: str, whole_window: bool = False, overwrite: bool = False) -> Path:
        """Save the 3D view (or the whole window) as PNG, through :mod:`marsviz.safeio`.

        An existing file is replaced only with ``overwrite`` (the save dialog has asked the
        user); otherwise, or if the file cannot be written, :class:`OSError` says why.
        """
        import io

        import numpy as np
        from PIL import Image
        from PySide6.QtCore import QBuffer, QIODevice

        from marsviz import safeio
        from marsviz.errors import MarsvizError

        path = Path(path)
        self._render_now()
        if whole_window:
            buf = QBuffer()
            buf.open(QIODevice.OpenModeFlag.WriteOnly)
            if not self.grab().toImage().save(buf, "PNG"):
                raise OSError(f"cannot encode the window as PNG for {path}")
            data = bytes(buf.data())
        else:
            img = np.asarray(self.view.screenshot(return_img=True))
            out = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(img[..., :3])).save(out, format="PNG")
            data = out.getvalue()
        try:
            safeio.write_bytes(path, data, overwrite=overwrite)
        except MarsvizError as exc:  # exists already, or is not a regular file
            raise FileExistsError(str(exc)) from None
        return path

    def save_screenshot_dialog(self) -> None:
        default = f"olympus-{self.plan.clock.day(self.playhead)}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", default, "PNG images (*.png)")
        if not path:
            return
        try:
            self.save_screenshot(path, overwrite=True)  # the save dialog asked before replacing
            self.statusBar().showMessage(f"Saved {path}", 5000)
        except OSError as exc:
            self.show_error("Screenshot not saved", f"{path}: {exc}")

    def open_scenario_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", "", "Scenarios (*.toml)")
        if path:
            self.load_scenario(path)

    def load_scenario(self, path: str) -> None:
        from marsviz.errors import MarsvizError
        from marsviz.gui.app import obtain_plan
        from marsviz.mission import load_scenario

        try:
            scenario = load_scenario(path)
            plan = obtain_plan(scenario, self.ephemeris, parent=self)
        except MarsvizError as exc:
            self.show_error("Cannot open scenario", str(exc))
            return
        if plan is None:
            return
        self.scenario_path = path
        self.replace_plan(plan)

    @staticmethod
    def _telemetry_title(plan) -> str:
        """The telemetry panel's title names the ship it describes (the crewed one)."""
        return f"Telemetry: {plan.craft_name(plan.crewed)}"

    def replace_plan(self, plan) -> None:
        from marsviz.scene.scene import MissionScene

        import dataclasses

        from marsviz.gui.cards import CardSchedule

        self.set_playing(False)
        # The user's view state survives a new plan: options, camera preset, rate, direction.
        options = dataclasses.replace(self.scene.opt)
        preset = self.user_preset()
        self.plan = plan
        self.telemetry_dock.setWindowTitle(self._telemetry_title(plan))
        self.scene.close()
        self.view.clear()
        self.view.clear_actors()
        self.scene = MissionScene(self.view, plan, options)
        self.scene.opt.card_mode = "off"
        self.scene.apply_options()
        self.cards = CardSchedule(plan.events)
        self._card_shown = None
        self._asked = None  # the event whose prediction question was last on screen
        self._storyboard = None
        self._signals = self._signal_spans(plan)
        self._set_date_range()
        self.set_speed(self.speed)
        self._on_resize()
        self.timeline.set_plan(plan)
        self.events_panel.set_plan(plan)
        self.setWindowTitle(f"marsviz: {plan.title}")
        self._forced_event = None
        if self.design_dock is not None:  # the design panel showed the old plan
            self.removeDockWidget(self.design_dock)
            self.design_dock.deleteLater()
            self.design_dock = None
        self.set_playhead(plan.epoch)
        if preset in style.CAMERA_NAMES:
            self.set_camera(preset)

    def open_export_dialog(self) -> None:
        from marsviz.gui.export_dialog import ExportDialog

        dlg = ExportDialog(self)
        dlg.exec()

    def open_lesson_dialog(self) -> None:
        from marsviz.gui.export_dialog import LessonDialog

        LessonDialog(self).exec()

    def toggle_design_panel(self) -> None:
        from marsviz.gui.design_panel import DesignPanel

        if self.design_dock is None:
            self.design_dock = QDockWidget("Mission design", self)
            self.design_dock.setObjectName("design")
            self.design_panel = DesignPanel(self)
            self.design_dock.setWidget(self.design_panel)
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.design_dock)
            self.resizeDocks([self.design_dock], [600], Qt.Orientation.Horizontal)
            self.design_dock.visibilityChanged.connect(self._on_design_visibility)
            self.design_dock.show()
            return
        self.design_dock.setVisible(not self.design_dock.isVisible())

    def _on_design_visibility(self, visible: bool) -> None:
        """A porkchop preview belongs to the design panel: it leaves the 3D view with it."""
        if not visible:
            self.scene.set_preview(None)
            self.request_render()

    def leave_presentation(self) -> None:
        if self.tour is not None:
            self.tour.stop()
        elif self.isFullScreen():
            self.showNormal()

    def start_presentation(self) -> None:
        from marsviz.gui.present import Tour

        if self.tour is None:
            self.tour = Tour(self)
            self.tour.start()

    def show_error(self, title: str, text: str) -> None:
        """A one-line error in a message box that does not block the window."""
        self.last_error = text
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -----------------------------------------------------------------------------------------
    # Help
    # -----------------------------------------------------------------------------------------
    def shortcuts_text(self) -> str:
        rows = []
        for key in ("play", "reverse", "back1", "fwd1", "back10", "fwd10", "prev", "next", "home", "end",
                    "slower", "faster", "present", "fullscreen", "design", "open", "screenshot",
                    "export", "lesson", "quit"):
            a = self.actions_by_name[key]
            rows.append((a.shortcut().toString(), a.text().replace("&", "")))
        for key, a in self.camera_actions.items():
            rows.append((a.shortcut().toString(), f"Camera: {a.text()}"))
        for key, a in self.toggle_actions.items():
            if not a.shortcut().isEmpty():
                rows.append((a.shortcut().toString(), f"Show/hide {a.text().replace('&', '').lower()}"))
        rows.append(("Esc", "Leave presentation mode"))
        rows.append(("Mouse", "Left-drag rotate, right-drag or wheel zoom, middle-drag pan"))
        return "\n".join(f"{k:<14} {v}" for k, v in rows)

    def show_shortcuts(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("<pre>" + self.shortcuts_text() + "</pre>")
        box.exec()

    def show_about(self) -> None:
        from marsviz import __version__

        tn = self.plan.crewed_trajectory
        QMessageBox.about(
            self, "About marsviz",
            f"<b>marsviz {__version__}</b><br>{self.plan.title}<br><br>"
            f"Trajectories designed with poliastro's Lambert solver (boinor) over JPL "
            f"{self.plan.ephemeris.upper()} ephemerides.<br>Chosen: {tn.sequence_name}, "
            f"total Δv {tn.total_dv:.2f} km/s.<br><br>Planet imagery: NASA Blue Marble and city "
            "lights; Mars courtesy NASA/JPL-Caltech; Moon USGS; Venus and Mercury generated "
            "by marsviz (see assets/README.md).")

    # -----------------------------------------------------------------------------------------
    def _size_docks(self) -> None:
        """The Events dock wide enough for whole titles (Qt honours dock sizes once shown)."""
        self.resizeDocks([self.events_dock, self.telemetry_dock], [520, 260], Qt.Orientation.Vertical)
        self.resizeDocks([self.events_dock], [EVENTS_DOCK_WIDTH], Qt.Orientation.Horizontal)

    def showEvent(self, ev) -> None:  # noqa: N802
        super().showEvent(ev)
        if not self._docks_sized:  # the dock opens this wide, then the user may narrow it
            self._docks_sized = True
            self.events_dock.setMinimumWidth(min(EVENTS_DOCK_WIDTH, self.width() // 3))
            QTimer.singleShot(0, lambda: self.events_dock.setMinimumWidth(0))

    def closeEvent(self, ev) -> None:  # noqa: N802
        self.play_timer.stop()
        if self.tour is not None:
            self.tour.stop()
        try:
            self.scene.close()
            self.view.close()
        finally:
            super().closeEvent(ev)
