"""Starting the window: the Qt application, the plan (cached or designed with progress), the window."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time

from marsviz.errors import MarsvizError

try:
    from marsviz.cli import _T_START
except ImportError:  # pragma: no cover
    _T_START = time.time()


def _dark_palette(app) -> None:
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    c = {
        QPalette.ColorRole.Window: "#121826", QPalette.ColorRole.WindowText: "#e6ecf5",
        QPalette.ColorRole.Base: "#0d1320", QPalette.ColorRole.AlternateBase: "#141c2d",
        QPalette.ColorRole.ToolTipBase: "#1b2438", QPalette.ColorRole.ToolTipText: "#e6ecf5",
        QPalette.ColorRole.Text: "#e6ecf5", QPalette.ColorRole.Button: "#1b2438",
        QPalette.ColorRole.ButtonText: "#e6ecf5", QPalette.ColorRole.Highlight: "#2f6f8f",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.PlaceholderText: "#7d8aa3",
    }
    for role, color in c.items():
        pal.setColor(role, QColor(color))
    app.setPalette(pal)


def application():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("marsviz")
        app.setOrganizationName("marsviz")
        _dark_palette(app)
    return app


def _design_worker(scenario_path, ephemeris, queue) -> None:  # runs in a child process
    try:
        from marsviz.mission import build_plan, load_scenario

        scenario = load_scenario(scenario_path)
        plan = build_plan(scenario, ephemeris=ephemeris, progress=lambda m: queue.put(("progress", m)))
        queue.put(("done", plan.to_dict()))
    except MarsvizError as exc:
        queue.put(("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the user, not swallowed
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


DESIGN_TIME_HINT = "roughly 20 to 60 s, a minute more on a first run while it compiles"


def obtain_plan(scenario, ephemeris=None, parent=None):
    """The plan of ``scenario``: at once from the cache, or designed in a child process while a
    progress dialog keeps the interface alive. Returns None if the user cancels."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QProgressDialog

    from marsviz.mission import cache
    from marsviz.mission.plan import PLAN_FORMAT, Plan

    eph = (ephemeris or scenario.ephemeris).lower()
    from marsviz.loading import shipped_plan

    shipped = shipped_plan(scenario, ephemeris)  # the built-in mission ships designed
    if shipped is not None:
        return shipped
    data = cache.load(cache.plan_key(scenario.digest, eph, PLAN_FORMAT))
    if data is not None:
        try:
            plan = Plan(data)
            plan.from_cache = True
            return plan
        except (KeyError, TypeError, ValueError):
            pass

    obtain_plan.messages = []
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    path = None if scenario.display_path.endswith("(built in)") else str(scenario.path)
    proc = ctx.Process(target=_design_worker, args=(path, ephemeris, queue), daemon=True)
    proc.start()
    dlg = QProgressDialog(f"Designing the mission: {DESIGN_TIME_HINT}...", "Cancel", 0, 0, parent)
    dlg.setWindowTitle("marsviz")
    dlg.setWindowModality(Qt.WindowModality.ApplicationModal)  # no re-entry while designing
    dlg.setMinimumDuration(0)
    dlg.setMinimumWidth(480)
    dlg.show()
    obtain_plan.last_dialog = dlg
    loop = QEventLoop()
    result = {}

    def poll():
        while not queue.empty():
            kind, payload = queue.get()
            if kind == "progress":
                dlg.setLabelText(f"Designing the mission ({DESIGN_TIME_HINT}): {payload}...")
                obtain_plan.messages.append(payload)
            else:
                result[kind] = payload
                loop.quit()
                return
        if not proc.is_alive() and not result:
            result["error"] = "the design process stopped unexpectedly"
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    dlg.canceled.connect(loop.quit)
    loop.exec()
    timer.stop()
    dlg.close()
    if "done" in result:
        proc.join(timeout=5)
        plan = Plan(result["done"])
        plan.from_cache = False
        return plan
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=5)
    if "error" in result:
        raise MarsvizError(result["error"])
    return None


def _parse_at(plan, text):
    """``--at``: an event id or a UTC date (a time zone is converted), inside the mission."""
    from marsviz.export import _parse_instant

    return _parse_instant(plan, text, plan.span[0], "--at")


def _event(plan, at: str):
    return next((e for e in plan.events if e.id == at), None)


def place_at(win, at: str, t: float, camera: str | None = None) -> None:
    """``--at``: an event id puts the playhead on the event with its card up and its row
    highlighted (as a jump to it does, prologue and epilogue included), seen through the story's
    camera at that card (as story playback and the tour show it) unless ``camera`` (a preset)
    is given; a date just moves the playhead."""
    event = _event(win.plan, at)
    if event is not None:
        win.open_on_event(event.id, camera)
    else:
        if camera is not None:
            win.set_camera(camera)
        win.set_playhead(t)


def start_tour_at(win, at: str, t: float) -> None:
    """``present --at``: the guided tour opens on that event's stop (or, for a date or an event
    the tour does not stop at, the first stop from that instant), shown at once."""
    stops = win.tour.stops
    event = _event(win.plan, at)
    t = event.t if event is not None else t
    i = next((k for k, e in enumerate(stops) if event is not None and e.id == event.id), None)
    if i is None:
        i = next((k for k, e in enumerate(stops) if e.t >= t - 1e-9), len(stops) - 1)
    win.tour.goto(i, travel=False)


def run(args, present: bool = False) -> int:
    """Open the window (``marsviz`` / ``marsviz gui`` / ``marsviz present``)."""
    from marsviz.mission import load_scenario

    scenario = load_scenario(args.scenario)  # validation errors before any window appears
    shot = getattr(args, "screenshot", None)
    if shot:
        from pathlib import Path

        from marsviz import safeio

        safeio.check_destination(Path(shot))  # never replaced: refused before any window appears
    app = application()
    from marsviz.gui.window import MainWindow

    plan = obtain_plan(scenario, args.ephemeris)
    if plan is None:
        return 1
    win = MainWindow(plan, scenario_path=args.scenario, ephemeris=args.ephemeris)
    first = {}

    def on_first_render(*_a):
        if not first:
            first["t"] = time.time() - _T_START
            if os.environ.get("MARSVIZ_TIMING"):
                print(f"marsviz: first frame rendered {first['t']:.2f} s after start", file=sys.stderr)

    win.view.ren_win.AddObserver("EndEvent", on_first_render)
    at = getattr(args, "at", None)
    t_at = _parse_at(plan, at) if at else None  # a bad value: one line before the window opens
    camera = getattr(args, "camera", None)
    if at and not present:
        place_at(win, at, t_at, camera)
    elif camera is not None and not present:
        win.set_camera(camera)
    win.show()
    if present:
        win.start_presentation()
        if at:
            start_tour_at(win, at, t_at)
    failed = []
    if shot:
        from PySide6.QtCore import QTimer

        from marsviz.textsafe import safe_text

        def capture():
            try:
                win._render_now()
                app.processEvents()
                win.save_screenshot(shot, whole_window=True)
                print(f"marsviz: wrote {safe_text(shot)}", file=sys.stderr)
            except MarsvizError as exc:  # e.g. the file appeared meanwhile: one line, no hang
                failed.append(exc)
            finally:
                win.close()
                app.quit()

        QTimer.singleShot(300, capture)
    app.exec()
    if failed:
        raise failed[0]
    return 0
