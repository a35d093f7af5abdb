"""``marsviz gui --at`` and ``marsviz present --at``: an event id opens on that event with its
card up; a date only moves the playhead; the tour opens on the stop asked for."""

import numpy as np
import pytest

from marsviz.gui.app import _parse_at, place_at, start_tour_at
from tests.conftest import run_cli

pytestmark = pytest.mark.gui


def test_at_an_event_shows_its_card_and_highlights_its_row_a_date_only_moves(window, plan):
    for event_id in ("landing", "test-lander", "hiromi"):
        ev = plan.event(event_id)
        place_at(window, event_id, _parse_at(plan, event_id))
        assert window.playhead == pytest.approx(min(max(ev.t, plan.span[0]), plan.span[1]))
        assert window.scene.card_event.id == event_id
        assert window.scene._texts["card-title"].actor.GetInput().strip() == ev.title
        assert window.events_panel.highlighted == event_id
        assert window.timeline.highlight == event_id
    t = _parse_at(plan, "2030-10-01T12:00")
    place_at(window, "2030-10-01T12:00", t)
    assert window.playhead == pytest.approx(t)
    assert plan.clock.utc(t).strftime("%Y-%m-%d %H:%M") == "2030-10-01 12:00"
    assert window.scene.card_event is None


def camera_km(window):
    """The window's camera (position, focal point) in heliocentric km."""
    cam = window.scene.p.renderer.GetActiveCamera()
    w = window.scene.world
    return w.to_km(cam.GetPosition()), w.to_km(cam.GetFocalPoint())


def test_at_an_event_opens_on_the_storys_camera_at_its_card(window, plan):
    """--at dust-devil opens on the Mars surface, not the Solar System: the camera is the
    storyboard's at the start of the event's card (story playback and the tour show the same),
    a few Mars radii from Mars."""
    sb = window.storyboard()
    R = plan.constants["mars"]["R"]
    for event_id in ("dust-devil", "landing", "accepted"):
        place_at(window, event_id, _parse_at(plan, event_id))
        span = next(c for c in sb.cards if c.event_id == event_id and c.kind == "event")
        want = sb.at(span.start_s)
        pos, focal = camera_km(window)
        assert np.linalg.norm(pos - np.asarray(want.camera.position_km)) < 1.0, event_id
        assert np.linalg.norm(focal - np.asarray(want.camera.focal_km)) < 1.0, event_id
        assert window.scene.card_event.id == event_id
        assert window.scene._texts["card-title"].actor.GetInput().strip() == plan.event(event_id).title
        assert window.events_panel.highlighted == event_id
        assert window.tau == pytest.approx(span.start_s)  # story playback goes on from this card
        if event_id == "dust-devil":
            mars = np.asarray(plan.position("mars", plan.event(event_id).t))
            assert np.linalg.norm(pos - mars) < 4 * R
            assert window.scene._texts["camera"].actor.GetInput().startswith("View: Mars surface")


def test_after_opening_on_an_event_the_story_camera_goes_with_the_playhead(window, plan):
    """Stepping on from --at dust-devil keeps the story's camera (the storyboard's pose at the
    new instant), so Mars does not drift out of the surface view; choosing a preset ends it."""
    sb = window.storyboard()
    place_at(window, "dust-devil", _parse_at(plan, "dust-devil"))
    for _ in range(3):
        window.step(0.25)
        t = window.playhead
        pose, _shot = sb.camera_at(sb.tau_of(t), t)
        pos, focal = camera_km(window)
        assert np.linalg.norm(pos - np.asarray(pose.position_km)) < 1.0
        window._render_now()
        x, y = window.scene.world_to_display(window.scene.position_au("mars"))
        w, h = window.scene.p.window_size
        assert 0 < x < w and 0 < y < h, (t, x, y)
    window.set_camera("overview")
    window.step(0.25)
    pos, _ = camera_km(window)
    from marsviz.mission.plan import AU_KM

    assert np.allclose(pos, np.array([0.0, -2.6, 5.6]) * AU_KM, rtol=0, atol=1.0)


def test_at_an_event_with_a_camera_preset_keeps_the_preset(window, plan):
    from marsviz.mission.plan import AU_KM
    from marsviz.story.shots import preset_pose

    place_at(window, "dust-devil", _parse_at(plan, "dust-devil"), "overview")
    pos, focal = camera_km(window)
    assert np.allclose(pos, np.array([0.0, -2.6, 5.6]) * AU_KM, rtol=0, atol=1.0)
    assert np.allclose(focal, 0.0, atol=1.0)
    assert window.scene.card_event.id == "dust-devil"
    assert window.camera_box.currentData() == "overview"
    t = plan.event("dust-devil").t
    place_at(window, "dust-devil", t, "mars-stay")
    pose = preset_pose(plan, "mars-stay", t)
    pos, focal = camera_km(window)
    assert np.linalg.norm(pos - np.asarray(pose.position_km)) < 1.0
    assert window.scene.card_event.id == "dust-devil"


@pytest.mark.parametrize("args", [("gui", "--camera", "closeup"), ("gui", "--at", "dust-devil", "--camera", "Overview")])
def test_a_bad_camera_preset_is_one_line_and_exit_code_2(args):
    out = run_cli(*args, env={"DISPLAY": ""}, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("marsviz: error: --camera: unknown camera preset"), out.stderr
    assert "mars-stay" in lines[0] and "Traceback" not in out.stderr


def test_gui_help_lists_the_camera_option():
    out = run_cli("gui", "--help", timeout=60)
    assert out.returncode == 0 and "--camera PRESET" in out.stdout


def test_present_at_opens_the_tour_on_that_stop(window, plan):
    window.start_presentation()
    try:
        stops = window.tour.stops
        target = next(e for e in stops if e.id == "dust-devil")
        start_tour_at(window, "dust-devil", target.t)
        assert window.tour.current.id == "dust-devil"
        assert window.playhead == pytest.approx(target.t)
        # A date opens on the first stop from that instant.
        t = target.t + 0.5
        start_tour_at(window, "2031-01-15", t)
        first = next(e for e in stops if e.t >= t - 1e-9)
        assert window.tour.current.id == first.id and first.t > target.t
    finally:
        window.tour.stop()


def test_every_camera_preset_has_its_own_key(window, qtbot):
    # The Events dock opens wide enough for titles (a third of this 1280-px window), and the
    # user can still narrow it.
    assert window.events_dock.width() >= 1280 // 3 - 20
    assert window.events_dock.minimumWidth() == 0
    from PySide6.QtCore import Qt

    from marsviz.scene import style

    keys = [window.camera_actions[k].shortcut().toString() for k in style.CAMERA_NAMES]
    assert keys == list("1234567890-=")[:len(keys)] and len(set(keys)) == len(keys)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Minus)
    assert window.camera_box.currentData() == list(style.CAMERA_NAMES)[10]
    qtbot.keyClick(window.view, Qt.Key.Key_0)
    assert window.camera_box.currentData() == list(style.CAMERA_NAMES)[9]


def test_at_an_event_with_a_question_asks_it_before_the_answer(window, plan):
    """Opened on an event whose prediction question was never on screen, its card asks the
    question and then answers it (it said "Answer: ..." to a question no one had seen); in
    story playback, straight after the question, the answer card does not ask it again."""
    from marsviz.questions import answer
    from marsviz.story import Storyboard

    for event_id in ("plea", "departure"):
        ev = plan.event(event_id)
        assert ev.question
        place_at(window, event_id, _parse_at(plan, event_id))
        body = window.scene._texts["card-body"].actor.GetInput().replace("\n", " ")
        assert body.startswith(f"{ev.question} {answer(plan, ev)}"), body
    sb = Storyboard.build(plan, pace="story")
    ev = plan.event("plea")
    q = next(c for c in sb.cards if c.event_id == "plea" and c.kind == "question")
    e = next(c for c in sb.cards if c.event_id == "plea" and c.kind == "event")
    window.apply_frame(sb.at(0.5 * (q.start_s + q.end_s)))
    for tau in (e.start_s + 0.1, 0.5 * (e.start_s + e.end_s)):
        window.apply_frame(sb.at(tau))
        body = window.scene._texts["card-body"].actor.GetInput().replace("\n", " ")
        assert body.startswith("Answer: ") and ev.question not in body


def test_the_camera_box_says_when_the_story_camera_is_in_charge(window, plan):
    """--at dust-devil opens on the story's shot of the well: the camera box reads "Story
    camera" (not the "Ecliptic overview" it opened with) and no camera preset is ticked in the
    menu. Choosing a preset in the box takes over as before; choosing "Story camera" gives the
    camera back to the story's shot; story playback shows the story camera too."""
    from marsviz.scene import style

    box = window.camera_box
    assert box.currentText() == "Ecliptic overview"
    place_at(window, "dust-devil", _parse_at(plan, "dust-devil"))
    assert window.story_camera
    assert (box.currentText(), box.currentData()) == ("Story camera", "story")
    assert not any(a.isChecked() for a in window.camera_actions.values())
    assert window.scene._texts["camera"].actor.GetInput() == "View: Mars surface (well site)"
    # A preset from the box takes over.
    i = box.findData("mars")
    box.setCurrentIndex(i)
    box.activated.emit(i)
    assert not window.story_camera
    assert window.scene.camera_preset == "mars"
    assert (box.currentText(), box.currentData()) == (style.CAMERA_NAMES["mars"], "mars")
    assert window.camera_actions["mars"].isChecked()
    assert window.scene._texts["camera"].actor.GetInput() == "View: Mars"
    # "Story camera" gives it back: the story's shot at this instant.
    sb = window.storyboard()
    i = box.findData("story")
    box.setCurrentIndex(i)
    box.activated.emit(i)
    assert window.story_camera and box.currentText() == "Story camera"
    pose, shot = sb.camera_at(sb.tau_of(window.playhead), window.playhead)
    pos, _focal = camera_km(window)
    assert np.linalg.norm(pos - np.asarray(pose.position_km)) < 1.0
    assert window.scene.camera_preset == shot == "surface:well"
    # A preset by its key, then story playback: the box follows.
    window.set_camera("inner")
    assert box.currentText() == "Inner planets"
    window.set_pace("story")
    window.advance_by(2.0)
    assert box.currentText() == "Story camera"
    window.set_pace("constant")  # back to the user's camera: the preset chosen last
    assert box.currentText() == "Inner planets" and window.scene.camera_preset == "inner"


def test_the_epilogue_shows_its_own_date_not_the_missions_last(window, plan):
    """The epilogue's card (2095) is up while the planets stay at the mission's last instant
    (2031-08-24): the telemetry, the date box and the heads-up clock show 2095, the ship
    figures say they do not apply, and back in the mission everything is as before."""
    ev = plan.event("goddard")
    last = plan.clock.day(plan.span[1])
    assert last == "2031-08-24"
    for how in ("jump", "story"):
        if how == "jump":
            place_at(window, "goddard", _parse_at(plan, "goddard"))
        else:
            window.apply_frame(window.story_frame("goddard"))
        assert window.playhead == pytest.approx(plan.span[1])
        tel = window.telemetry
        assert tel.text("date") == "2095-07-20 00:00 UTC", how
        assert tel.text("met") == plan.clock.met(ev.t)
        assert tel.text("phase") == "After the mission"
        for key in ("sun", "earth", "mars", "speed", "light"):
            assert tel.text(key) == "n/a (epilogue)", (how, key)
        assert window.date_edit.text() == "2095-07-20 00:00:00 UTC" and not window.date_edit.isEnabled()
        assert window.time_label.text() == f"Epilogue   (planets shown on {last})"
        assert window.scene._texts["date"].actor.GetInput() == "2095-07-20 00:00 UTC"
        assert window.scene._texts["met"].actor.GetInput() == f"Epilogue   (planets shown on {last})"
    # Back in the mission: the ship's telemetry and the date box as they were.
    place_at(window, "spacewalk", _parse_at(plan, "spacewalk"))
    t = plan.event("spacewalk").t
    assert window.telemetry.text("date") == plan.clock.date(t)
    assert window.telemetry.text("phase") == plan.phase_at(t).name
    assert window.telemetry.text("sun").endswith("million km)")
    assert window.date_edit.isEnabled() and window.date_edit.text().startswith(plan.clock.day(t))
    assert window.time_label.text() == f"{plan.clock.met(t)}   {plan.phase_at(t).name}"
    assert window.date_edit.maximumDateTime().toString("yyyy-MM-dd") == last


def test_the_path_legend_is_switched_from_the_view_menu(window, plan):
    """View > Path legend (K): on by default in the overview, off and on again from the menu."""
    window.set_camera("overview")
    window.set_playhead(plan.epoch + 200.0)
    window._render_now()
    names = [e.label for e in window.scene.hud.legend_shown]
    assert names[:3] == ["Earth to Venus", "Venus to Mars", "Mars to Earth"]
    action = window.toggle_actions["legend"]
    assert action.isChecked() and action.shortcut().toString() == "K"
    action.trigger()
    window._render_now()
    assert window.scene.opt.legend is False and window.scene.hud.legend_shown == []
    action.trigger()
    window._render_now()
    assert [e.label for e in window.scene.hud.legend_shown] == names
