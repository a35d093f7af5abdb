"""The real window under Xvfb with pytest-qt: playhead, events, keys, screenshot, coalescing."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from marsviz.mission.plan import AU_KM
from marsviz.scene import style
from tests.conftest import run_cli

pytestmark = pytest.mark.gui


def test_playhead_moves_everything_to_the_plan(window, plan):
    for dt in (-100.0, 20.0, 173.0, 360.0, 450.0):
        t = plan.epoch + dt
        window.set_playhead(t)
        assert window.playhead == pytest.approx(t)
        for body in ("venus", "earth", "mars"):
            np.testing.assert_allclose(window.scene.planet_actors[body].GetPosition(),
                                       plan.body_state(body, t)[0] / AU_KM, atol=1e-9)
        tel = plan.telemetry(t)
        assert window.telemetry.text("date") == tel["date"]
        assert window.telemetry.text("phase") == tel["phase"]
        assert window.timeline.t == pytest.approx(t)
    m = window.scene.craft_actors[plan.crewed].GetUserMatrix()
    np.testing.assert_allclose([m.GetElement(i, 3) for i in range(3)],
                               plan.craft_state(plan.crewed, plan.epoch + 450)[0] / AU_KM, atol=1e-9)


def test_landing_on_an_event_shows_its_card_and_highlights_it(window, plan, qtbot):
    window.jump_to_event("plea")
    ev = plan.event("plea")
    assert window.playhead == pytest.approx(ev.t)
    assert window.scene.card_event.id == "plea"
    assert window.scene._texts["card-title"].actor.GetInput().strip() == ev.title
    assert window.events_panel.highlighted == "plea"
    assert window.events_panel.currentItem().text(2) == ev.title
    assert window.timeline.highlight == "plea"


def test_prologue_event_card_outside_the_mission(window, plan):
    window.jump_to_event("test-lander")
    assert window.playhead == pytest.approx(plan.span[0])
    assert window.scene.card_event.id == "test-lander"
    window.jump_event(1)  # PageDown from the prologue: the first mission event
    assert window.scene.card_event.id == plan.mission_events[0].id


def test_keyboard_moves_the_playhead(window, plan, qtbot):
    window.set_playhead(plan.epoch + 100)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert window.playhead == pytest.approx(plan.epoch + 101)
    qtbot.keyClick(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.playhead == pytest.approx(plan.epoch + 91)
    qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.playhead == pytest.approx(plan.epoch + 101)
    qtbot.keyClick(window.view, Qt.Key.Key_PageDown)
    nxt = next(e for e in plan.events if e.t > plan.epoch + 101 + 1e-6)
    assert window.playhead == pytest.approx(nxt.t)
    qtbot.keyClick(window.view, Qt.Key.Key_PageUp)
    prv = max((e for e in plan.events if e.t < nxt.t - 1e-6 and e.era == "mission"), key=lambda e: e.t)
    assert window.playhead == pytest.approx(prv.t)
    qtbot.keyClick(window.view, Qt.Key.Key_End)
    assert window.playhead == pytest.approx(plan.span[1])
    qtbot.keyClick(window.view, Qt.Key.Key_Home)
    assert window.playhead == pytest.approx(plan.span[0])
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.playing
    start = window.playhead
    qtbot.wait(400)
    assert window.playhead > start + 2  # 20 days per second
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert not window.playing


def test_speed_keys(window, qtbot):
    window.set_speed(20)
    qtbot.keyClick(window.view, Qt.Key.Key_BracketRight)
    assert window.speed == 30
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    assert window.speed == 10


def test_renders_are_coalesced(window, plan, qtbot):
    qtbot.wait(50)
    before = window.render_count
    for i in range(60):
        window.set_playhead(plan.epoch + i)
    assert window.render_count == before  # nothing rendered synchronously
    qtbot.waitUntil(lambda: window.render_count > before, timeout=3000)
    qtbot.wait(50)
    assert window.render_count == before + 1


def test_timeline_click_and_drag(window, plan, qtbot):
    tl = window.timeline
    ev = plan.event("dust-devil")
    x = int(round(tl.event_x(ev)))
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(x, tl.height() // 2))
    assert window.playhead == pytest.approx(ev.t)
    tm = tl.t_of(tl._track().left() + 0.1 * tl._track().width())
    px = int(round(tl.x_of(tm)))
    # A spot free of event ticks scrubs instead of jumping.
    while tl.event_at(px, 0) is not None:
        px += 3
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(px, tl.height() // 2))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(px, tl.height() // 2))
    assert window.playhead == pytest.approx(tl.t_of(px), abs=1e-6)
    assert "dust devil" in tl.card_html(ev).lower()


def test_screenshot_has_real_content(window, plan, tmp_path, qtbot):
    window.set_playhead(plan.epoch + 250)
    qtbot.wait(100)
    path = window.save_screenshot(tmp_path / "win.png", whole_window=True)
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert img.shape[0] >= 700 and img.std() > 20
    leg = np.array(style.hex_to_rgb(style.LEG_COLORS[0])) * 255
    assert (np.abs(img - leg) < 40).all(axis=-1).sum() > 200
    view = window.save_screenshot(tmp_path / "view.png")
    assert Image.open(view).size[0] > 400


def test_camera_presets_and_toggles(window, plan, qtbot):
    window.set_playhead(plan.epoch + 100)
    window.set_camera("follow")
    np.testing.assert_allclose(window.scene.p.camera.focal_point,
                               window.scene.position_au(plan.crewed), atol=1e-9)
    assert window.camera_box.currentData() == "follow"
    window.toggle_actions["orbits"].setChecked(False)
    assert not window.scene.orbit_actors["mars"].GetVisibility()
    window.toggle_actions["orbits"].setChecked(True)
    assert window.scene.orbit_actors["mars"].GetVisibility()
    assert "PgDown" in window.shortcuts_text() or "PgDn" in window.shortcuts_text()


def test_no_display_is_one_clear_line():
    res = run_cli("gui", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "marsviz: error: no display available: use 'marsviz export --out DIR' to render without "
        "a screen, or run under 'xvfb-run marsviz'"]


def test_export_dialog_runs_the_exporter_with_progress(window, plan, qtbot, tmp_path):
    from marsviz.cli import build_parser
    from marsviz.gui.export_dialog import ExportDialog

    dlg = ExportDialog(window)
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(2)  # PNG frames
    dlg.out.setText(str(tmp_path / "frames"))
    dlg.size.setCurrentText("320x180")
    dlg.fps.setValue(4)
    dlg.speed.setValue(8)
    dlg.start.setCurrentIndex(dlg.start.findData("departure"))
    dlg.end.setCurrentIndex(dlg.end.findData("oxygen-generator"))
    dlg.workers.setValue(1)
    args = build_parser().parse_args(dlg.build_args())
    assert args.command == "export" and args.size == "320x180" and args.start == "departure"
    dlg.run()
    assert not dlg.run_button.isEnabled() and dlg.stop_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.result_code is not None, timeout=180_000)
    assert dlg.result_code == 0, dlg.status.text()
    assert dlg.status.text().startswith("Done")
    assert dlg.progress.value() == dlg.progress.maximum()
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 20  # 38 days, a frame every 2 days
    assert (tmp_path / "frames" / "manifest.json").is_file()


def test_export_dialog_stop_keeps_frames_for_resume(window, qtbot, tmp_path):
    from marsviz.gui.export_dialog import ExportDialog

    dlg = ExportDialog(window)
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(2)
    out = tmp_path / "long"
    dlg.out.setText(str(out))
    dlg.size.setCurrentText("320x180")
    dlg.fps.setValue(10)
    dlg.speed.setValue(2)
    dlg.workers.setValue(1)
    dlg.run()
    qtbot.waitUntil(lambda: len(list(out.glob("frame_*.png"))) >= 3, timeout=120_000)
    dlg.cancel_run()
    qtbot.waitUntil(lambda: dlg.result_code is not None, timeout=60_000)
    assert dlg.result_code == 130
    assert dlg.resume.isChecked()
    assert "--resume" in dlg.status.text() or "Resume" in dlg.status.text()
    assert not list(out.glob(".marsviz-*"))


def test_first_run_designs_with_progress_and_a_live_event_loop(qtbot, tmp_path, monkeypatch):
    """Without a cached plan the design runs in a child process; the interface keeps running."""
    from PySide6.QtCore import QTimer

    from marsviz.gui.app import application, obtain_plan
    from marsviz.mission.scenario import load_scenario
    from tests.conftest import DATA

    application()
    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path / "empty-cache"))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    plan = obtain_plan(load_scenario(DATA / "small.toml"))
    timer.stop()
    assert plan is not None and not plan.from_cache and plan.crewed_trajectory.feasible
    assert len(ticks) > 20  # the event loop ran all along: never a frozen window
    assert obtain_plan.messages and any("Designing" in m for m in obtain_plan.messages)
    assert not obtain_plan.last_dialog.isVisible()
    # The child process filled the cache: the next start is immediate.
    assert obtain_plan(load_scenario(DATA / "small.toml")).from_cache


def test_open_scenario_replaces_the_plan_and_reports_errors(window, qtbot, tmp_path):
    from tests.conftest import DATA

    window.load_scenario(str(DATA / "small.toml"))
    assert window.plan.crewed == "ship"
    assert window.scene.plan is window.plan and window.timeline.plan is window.plan
    # The scenario's two events and the designed milestones of its direct round trip.
    assert window.events_panel.topLevelItemCount() == len(window.plan.events) == 2 + 4
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\nname = \n")
    window.load_scenario(str(bad))
    assert window.plan.crewed == "ship"  # unchanged
    assert window.last_error.startswith(f"{bad}:2: TOML syntax error")


def test_present_command_opens_full_screen(tmp_path):
    out = tmp_path / "present.png"
    res = run_cli("present", "--screenshot", str(out))
    assert res.returncode == 0, res.stderr
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.std() > 10
    assert img.shape[1] >= 1600  # the whole virtual screen, not the 1440-pixel window
