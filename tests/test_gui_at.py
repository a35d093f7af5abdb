"""``marsviz gui --at`` and ``marsviz present --at``: an event id opens on that event with its
card up; a date only moves the playhead; the tour opens on the stop asked for."""

import pytest

from marsviz.gui.app import _parse_at, place_at, start_tour_at

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
