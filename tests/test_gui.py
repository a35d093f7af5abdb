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


def test_telemetry_gives_the_distance_and_altitude_of_the_ship_in_orbit(window, plan):
    """Parked before Earth departure and in orbit through the Mars stay, Terra Nova is not at the
    planet's centre: the panel gives its distance from the centre and its altitude, |r| - R from
    the ship's planet-centred state, formatted as the panel formats them. The panel's title
    names the ship."""
    from marsviz.mission.local import conic_elements

    assert window.telemetry_dock.windowTitle() == "Telemetry: Terra Nova"

    ms = plan.milestones
    stay = [plan.event(e).t for e in ("mars-arrival", "landing", "dust-devil", "water", "ascent")]
    cases = [("earth", plan.span[0]), ("earth", ms["earth_departure"] - 2.3), ("earth", ms["earth_departure"])]
    cases += [("mars", t) for t in stay] + [("mars", ms["mars_arrival"] + 1.6)]
    for body, t in cases:
        window.set_playhead(t)
        r = np.linalg.norm(plan.local_state(plan.crewed, t, body)[0])
        alt = r - plan.constants[body]["R"]
        assert window.telemetry.text(body) == f"{r:,.0f} km (altitude {alt:,.0f} km)", (body, t)
        got = plan.parking_orbit(plan.crewed, t)
        if got is not None:  # on its orbit: between its periapsis and apoapsis
            el = conic_elements(got[1])
            assert el["rp_km"] * (1 - 1e-9) <= r <= el["ra_km"] * (1 + 1e-9)
        assert alt >= 250.0 - 1e-6 if body == "mars" else alt >= 399.0
    # Far from both planets: the distance only, as before.
    window.set_playhead(ms["mars_arrival"] - 100)
    assert window.telemetry.text("mars").endswith("million km)")


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
    window.set_pace("constant")
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.playing
    start = window.playhead
    qtbot.wait(400)
    assert window.playhead > start + 2  # 20 days per second
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.playing, timeout=2000)


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
    dlg.pace.setCurrentIndex(dlg.pace.findData("constant"))
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
    dlg.pace.setCurrentIndex(dlg.pace.findData("constant"))
    dlg.speed.setValue(2)
    dlg.workers.setValue(1)
    dlg.run()
    qtbot.waitUntil(lambda: len(list(out.glob("frame_*.png"))) >= 3, timeout=120_000)
    dlg.cancel_run()
    qtbot.waitUntil(lambda: dlg.result_code is not None, timeout=180_000)  # a loaded machine is slow
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

    window.set_camera("follow")
    window.toggle_actions["orbits"].setChecked(False)
    window.set_speed(5)
    window.load_scenario(str(DATA / "small.toml"))
    assert window.plan.crewed == "ship"
    # The user's view state survives the new plan.
    assert window.scene.camera_preset == "follow" and window.camera_box.currentData() == "follow"
    assert not window.scene.opt.orbits and not window.scene.orbit_actors["mars"].GetVisibility()
    assert window.speed == 5 and window.speed_box.currentText() == "5 days/s"
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


def test_rates_run_from_real_time_to_120_days_per_second(window):
    from marsviz.gui.window import SPEEDS

    assert SPEEDS[0] * 86400 == pytest.approx(1.0) and SPEEDS[-1] == 120
    assert all(a < b for a, b in zip(SPEEDS, SPEEDS[1:]))
    labels = [window.speed_box.itemText(i) for i in range(window.speed_box.count())]
    assert labels[0] == "real time (1 s/s)" and labels[-1] == "120 days/s"
    assert {"10 s/s", "1 min/s", "10 min/s", "1 h/s", "1 day/s", "20 days/s"} <= set(labels)
    window.set_speed(SPEEDS[0])
    window.change_speed(-1)
    assert window.speed == SPEEDS[0]  # no slower than real time
    window.change_speed(1)
    assert window.speed * 86400 == pytest.approx(10.0)
    window.speed_box.setCurrentIndex(len(SPEEDS) - 1)
    assert window.speed == 120


def test_reverse_play_runs_the_mission_backwards(window, plan, qtbot):
    window.set_pace("constant")
    window.set_playhead(plan.epoch + 300)
    window.set_speed(20)
    qtbot.keyClick(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert window.playing and window.direction == -1
    assert window.reverse_button.text() == "Pause" and window.play_button.text() == "Play ▶"
    window.play_timer.stop()
    start = window.playhead
    window.advance_by(0.5)
    assert window.playhead == pytest.approx(start - 10.0)  # 20 days per second, backwards
    window.set_playhead(plan.span[0] + 3)
    window.advance_by(1.0)  # runs into the start and stops there
    assert window.playhead == plan.span[0] and not window.playing
    window.reverse_button.click()  # reverse from the start begins at the end
    assert window.playing and window.playhead == plan.span[1]
    window.play_button.click()  # forward play from the end restarts at the start
    assert window.playing and window.direction == 1 and window.playhead == plan.span[0]
    window.play_button.click()
    assert not window.playing


def test_typed_date_moves_the_playhead(window, plan, qtbot):
    import datetime as dt

    from PySide6.QtCore import QDateTime, QTimeZone

    when = dt.datetime(2031, 1, 15, 12, 30, 5, tzinfo=dt.timezone.utc)
    window.date_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))
    window.date_edit.editingFinished.emit()
    assert window.playhead == pytest.approx(plan.clock.from_utc(when.replace(tzinfo=None)), abs=1e-8)
    assert plan.clock.date(window.playhead, seconds=True) == "2031-01-15 12:30:05 UTC"
    window.set_playhead(plan.epoch + 100.25)
    shown = window.date_edit.dateTime().toSecsSinceEpoch()
    expect = plan.clock.utc(plan.epoch + 100.25).replace(tzinfo=dt.timezone.utc).timestamp()
    assert shown == int(expect)
    assert window.date_edit.displayFormat() == "yyyy-MM-dd HH:mm:ss 'UTC'"


def _card(window):
    ev = window.scene.card_event
    return None if ev is None else (ev.id, window.scene._texts["card-title"].actor.GetInput().strip())


@pytest.mark.parametrize("rate", [1.0, 20.0])
def test_a_card_lasts_screen_time_at_any_rate(window, plan, rate):
    from marsviz.gui.cards import HOLD_S

    ev = plan.event("guidance-computer")  # the next event is months later
    window.set_pace("constant")
    window.set_speed(rate)
    window.set_playhead(ev.t - 0.25 * rate)
    window.set_playing(True, direction=1)
    window.play_timer.stop()
    window.advance_by(0.26)  # just past the event: its card, current
    assert _card(window) == ("guidance-computer", ev.title)
    window.advance_by(HOLD_S - 0.5)  # still up after 3.5 s of screen time, at either rate
    assert window.scene.card_event.id == "guidance-computer"
    # Once its event is behind the playhead, the card says so: it never looks current.
    assert _card(window)[1] == f"{ev.title}   ({(HOLD_S - 0.5 + 0.01) * rate:.0f} days ago)"
    window.advance_by(0.6)  # 4.1 s after it came up: gone
    assert window.scene.card_event is None and window.timeline.highlight is None


def test_a_card_gives_way_to_the_next_event(window, plan):
    dd, plea = plan.event("dust-devil"), plan.event("plea")
    window.set_pace("constant")
    window.set_speed(20)
    window.set_playhead(dd.t - 0.2)
    window.set_playing(True, direction=1)
    window.play_timer.stop()
    window.advance_by(0.02)  # 0.4 days: past the dust devil
    assert window.scene.card_event.id == "dust-devil"
    window.advance_by((plea.t - window.playhead + 0.1) / 20)
    assert window.scene.card_event.id == "plea" and window.events_panel.highlighted == "plea"
    window.set_playhead(plea.t + 40)  # scrubbing away takes the card down
    assert window.scene.card_event is None


@pytest.mark.parametrize("seconds_per_second", [1.0, 10.0])
def test_light_time_countdown_runs_at_the_chosen_rate(window, plan, seconds_per_second):
    from marsviz.mission.plan import C_KMS

    ev = plan.event("plea")
    one_way = np.linalg.norm(plan.craft_state("gagarin", ev.t)[0] - plan.body_state("earth", ev.t)[0]) / C_KMS
    assert 600 < one_way < 800
    window.set_pace("constant")
    window.set_speed(seconds_per_second / 86400)
    window.jump_to_event("plea")
    assert window.scene.signal_state()[1] == pytest.approx(one_way, abs=0.01)
    window.set_playing(True, direction=1)
    window.play_timer.stop()
    window.advance_by(3.0)
    remaining = window.scene.signal_state()[1]
    assert remaining == pytest.approx(one_way - 3.0 * seconds_per_second, abs=0.01)
    assert "to go" in window.scene._texts["signal"].actor.GetInput()
    # The signal is drawn while it is in flight even when the playhead got there by scrubbing.
    window.set_playhead(ev.t + 300 / 86400)
    assert window.scene.signal_state()[1] == pytest.approx(one_way - 300, abs=0.01)
    window.set_playhead(ev.t + 2 * one_way / 86400)
    assert window.scene.signal_state() is None or window.scene._signal.id != "plea"


def test_story_pace_is_the_default_and_follows_the_storyboard(window, plan):
    from marsviz.story import Storyboard

    assert window.pace == "story" and window.pace_box.currentData() == "story"
    assert not window.speed_box.isEnabled()
    sb = Storyboard.build(plan, pace="story")  # an independent storyboard of the same plan
    window.set_playhead(plan.span[0])
    window.set_playing(True)
    window.play_timer.stop()
    for k in range(1, 6):
        window.advance_by(7.3)
        assert window.tau == pytest.approx(7.3 * k)  # presentation seconds, one per second
        state = sb.at(7.3 * k)
        assert window.playhead == pytest.approx(state.t, abs=1e-9)
        # The camera looks along the storyboard's line of sight with its view angle (the same in
        # any scene units or floating origin).
        cam = window.view.renderer.GetActiveCamera()
        look = np.subtract(cam.GetFocalPoint(), cam.GetPosition())
        want = np.subtract(state.camera.focal_km, state.camera.position_km)
        np.testing.assert_allclose(look / np.linalg.norm(look), want / np.linalg.norm(want), atol=1e-6)
        assert cam.GetViewAngle() == pytest.approx(state.camera.view_angle_deg)
        shown = window.scene.card_event.id if window.scene.card_event is not None else None
        assert shown == state.card
    assert window.tau == pytest.approx(36.5)
    # Scrubbing works anywhere: the story goes on from the new instant.
    ev = plan.event("dust-devil")
    window.set_playhead(ev.t)
    assert window.tau == pytest.approx(sb.tau_of(ev.t))
    window.advance_by(0.5)
    assert window.playhead == pytest.approx(sb.at(sb.tau_of(ev.t) + 0.5).t, abs=1e-9)
    # The card of a story-paced event is up for its whole hold.
    span = next(c for c in sb.cards if c.event_id == "dust-devil" and c.kind == "event")
    window.apply_frame(sb.at(span.start_s + 0.01))
    assert window.scene.card_event.id == "dust-devil"
    window.apply_frame(sb.at(span.end_s - 0.01))
    assert window.scene.card_event.id == "dust-devil"
    window.set_pace("constant")
    assert window.speed_box.isEnabled()


def test_story_pace_asks_each_question_then_answers_it(window, plan):
    from marsviz.story import Storyboard

    sb = Storyboard.build(plan, pace="story")
    ev = plan.event("departure")
    q = next(c for c in sb.cards if c.event_id == "departure" and c.kind == "question")
    e = next(c for c in sb.cards if c.event_id == "departure" and c.kind == "event")
    window.apply_frame(sb.at(0.5 * (q.start_s + q.end_s)))
    body = window.scene._texts["card-body"].actor.GetInput().replace("\n", " ")
    assert body == ev.question
    window.apply_frame(sb.at(0.5 * (e.start_s + e.end_s)))
    body = window.scene._texts["card-body"].actor.GetInput().replace("\n", " ")
    assert window.scene.card_event.id == "departure"
    assert body.startswith("Answer: on the far side of the Sun") and ev.description in body


def test_at_with_a_time_zone_is_the_same_instant_and_a_bad_one_is_one_line(plan):
    from marsviz.errors import UsageError
    from marsviz.gui.app import _parse_at

    assert _parse_at(plan, "2030-07-11T02:00+02:00") == pytest.approx(_parse_at(plan, "2030-07-11T00:00"))
    with pytest.raises(UsageError, match=r"^--at: 2100-01-01 is outside the mission"):
        _parse_at(plan, "2100-01-01")
    with pytest.raises(UsageError, match=r"^--at: 'yesterday' is neither a date"):
        _parse_at(plan, "yesterday")


def test_screenshot_never_replaces_a_file_and_opens_no_window_for_it(tmp_path):
    out = tmp_path / "mine.png"
    out.write_bytes(b"the user's picture")
    res = run_cli("gui", "--screenshot", str(out), timeout=120)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f"marsviz: error: {out}: already exists; choose another name, delete it, or add --overwrite"]
    assert out.read_bytes() == b"the user's picture"


def test_export_and_lesson_dialogs_pass_the_users_choice_to_replace(window, qtbot):
    from marsviz.cli import build_parser
    from marsviz.gui.export_dialog import ExportDialog, LessonDialog

    dlg = ExportDialog(window)
    qtbot.addWidget(dlg)
    assert not build_parser().parse_args(dlg.build_args()).overwrite
    dlg.overwrite.setChecked(True)
    assert build_parser().parse_args(dlg.build_args()).overwrite
    les = LessonDialog(window)
    qtbot.addWidget(les)
    assert not build_parser().parse_args(les.build_args()).overwrite
    les.overwrite.setChecked(True)
    assert build_parser().parse_args(les.build_args()).overwrite


def test_export_dialog_offers_pace_clean_transparent_and_quality(window, plan, tmp_path):
    """The dialog's choices reach the exporter's own settings; options that do not apply to the
    chosen format or pace cannot be set."""
    from marsviz.cli import build_parser
    from marsviz.export import make_settings
    from marsviz.gui.export_dialog import ExportDialog

    dlg = ExportDialog(window)

    def settings():
        return make_settings(plan, build_parser().parse_args(dlg.build_args()))[0]

    # MP4 of the whole mission: story pace by default, CRF 18; no alpha for a video
    dlg.format.setCurrentIndex(dlg.format.findData(".mp4"))
    dlg.out.setText(str(tmp_path / "clip.mp4"))
    assert dlg.pace.currentData() == "story"
    assert not dlg.speed.isEnabled() and not dlg.duration.isEnabled()
    assert not dlg.hold.isEnabled() and not dlg.camera.isEnabled()
    assert not dlg.transparent.isEnabled() and dlg.crf.isEnabled() and dlg.lossless.isEnabled()
    s = settings()
    assert (s.kind, s.pace, s.crf, s.lossless, s.clean, s.transparent, s.captions) == (
        "mp4", "story", 18, False, False, False, True)
    assert (s.t_from, s.t_to) == (plan.span[0], plan.span[1])
    assert s.preset == "superfast" and dlg.preset.isEnabled()
    dlg.crf.setValue(23)
    dlg.preset.setCurrentIndex(dlg.preset.findData("slow"))
    assert (settings().crf, settings().preset) == (23, "slow")
    dlg.lossless.setChecked(True)
    assert not dlg.crf.isEnabled()
    s = settings()
    assert s.lossless and "--crf" not in dlg.build_args()

    # constant pace: speed, camera and hold come back
    dlg.pace.setCurrentIndex(dlg.pace.findData("constant"))
    assert dlg.speed.isEnabled() and dlg.hold.isEnabled() and dlg.camera.isEnabled()
    dlg.speed.setValue(12)
    dlg.hold.setValue(1.5)
    s = settings()
    assert (s.pace, s.days_per_second, s.hold) == ("constant", 12.0, 1.5)

    # clean frames: no burned-in text at all, the captions box no longer applies
    dlg.clean.setChecked(True)
    assert not dlg.captions.isEnabled()
    s = settings()
    assert s.clean and not s.captions

    # PNG frames: transparent allowed, no video quality
    dlg.format.setCurrentIndex(dlg.format.findData(""))
    dlg.out.setText(str(tmp_path / "frames"))
    assert dlg.transparent.isEnabled() and not dlg.crf.isEnabled() and not dlg.lossless.isEnabled()
    dlg.transparent.setChecked(True)
    s = settings()
    assert (s.kind, s.transparent, s.lossless) == ("frames", True, False)

    # GIF: neither alpha nor H.264 quality, even with the boxes still ticked from before
    dlg.format.setCurrentIndex(dlg.format.findData(".gif"))
    dlg.out.setText(str(tmp_path / "clip.gif"))
    assert not dlg.transparent.isEnabled() and not dlg.crf.isEnabled() and not dlg.preset.isEnabled()
    argv = dlg.build_args()
    assert "--transparent" not in argv and "--lossless" not in argv and "--crf" not in argv
    assert "--preset" not in argv
    s = settings()
    assert (s.kind, s.transparent, s.lossless) == ("gif", False, False)
    for w in (dlg.pace, dlg.clean, dlg.transparent, dlg.crf, dlg.lossless, dlg.preset):
        assert w.toolTip()
