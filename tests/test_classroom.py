"""Presentation mode and the guided tour, the design panel, and the lesson pack."""

import json
import re

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from marsviz.mission.plan import AU_KM
from tests.conftest import run_cli


def press(qtbot, win, key):
    qtbot.keyClick(win.view, key)


@pytest.mark.gui
def test_tour_stops_at_each_event_in_order_and_goes_back(window, plan, qtbot):
    window.start_presentation()
    tour = window.tour
    assert window.isFullScreen() or window.windowState() & Qt.WindowState.WindowFullScreen
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert window.scene.opt.text_scale > 1.5
    stops = [e for e in plan.events if e.tour]
    assert tour.current.id == stops[0].id and tour.mode == "card"
    seen = [tour.current.id]
    keys = [Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_PageDown]
    n = 0
    while len(seen) < 12:
        press(qtbot, window, keys[n % 3])
        n += 1
        if tour.mode == "question":
            assert window.scene._texts["card-body"].actor.GetInput().replace("\n", " ") == tour.current.question
            assert "Before we see" in window.scene._texts["card-title"].actor.GetInput()
        if tour.mode in ("card", "signal") and tour.current.id != seen[-1]:
            seen.append(tour.current.id)
            ev = tour.current
            assert window.scene.card_event.id == ev.id
            assert window.playhead == pytest.approx(min(max(ev.t, plan.span[0]), plan.span[1]))
            assert window.events_panel.highlighted == ev.id
    assert seen == [e.id for e in stops[:12]]
    press(qtbot, window, Qt.Key.Key_Left)
    assert tour.current.id == stops[10].id and tour.mode in ("card", "signal")
    press(qtbot, window, Qt.Key.Key_PageUp)
    assert tour.current.id == stops[9].id
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.tour is None and window.menuBar().isVisible() and window.scene.opt.text_scale == 1.0


@pytest.mark.gui
def test_tour_plays_and_slows_before_each_stop(window, plan, qtbot):
    window.start_presentation()
    tour = window.tour
    tour.cruise, tour.approach, tour.approach_days = 100.0, 4.0, 6.0
    steps = []
    window.playheadChanged.connect(lambda t: steps.append(t))
    tour.advance()  # from the prologue card: head for the next stop
    assert tour.mode == "travel"
    qtbot.waitUntil(lambda: tour.mode != "travel", timeout=20000)
    target = tour.target
    assert window.playhead == pytest.approx(target)
    # Days moved per playhead update: large while cruising, small while approaching the stop.
    moves = [(abs(target - a), abs(b - a)) for a, b in zip(steps, steps[1:])]  # (distance before, move)
    far = [m for d, m in moves if d > 15.0]
    near = [m for d, m in moves if d <= 6.0]
    assert far and near and max(near) < max(far) / 3
    assert tour.speed_at(100) == pytest.approx(100.0) and tour.speed_at(2) == pytest.approx(4.0)
    assert tour.speed_at(9) == pytest.approx(4.0 + 96.0 * 0.5)


@pytest.mark.gui
def test_question_then_reveal_and_a_light_time_signal(window, plan, qtbot):
    window.start_presentation()
    tour = window.tour
    stops = [e for e in plan.events if e.tour]
    k = next(i for i, e in enumerate(stops) if e.id == "plea")
    tour.signal_seconds = 1.0
    tour.goto(k, travel=False)
    assert tour.mode == "question"
    tour.advance()
    assert tour.mode == "signal" and window.scene.card_event.id == "plea"
    frac0 = window.scene.signal_state()[0]
    qtbot.waitUntil(lambda: tour.mode == "card", timeout=10000)
    frac, remaining, one_way, *_ = window.scene.signal_state()
    assert frac0 < 0.5 and frac == pytest.approx(1.0) and remaining == 0
    assert 600 < one_way < 800  # Mars to Earth in January 2031: about 12 light minutes
    assert "received" in window.scene._texts["signal"].actor.GetInput()


@pytest.mark.gui
def test_design_panel_previews_a_porkchop_cell(window, plan, qtbot):
    window.toggle_design_panel()
    panel = window.design_panel
    pc = panel.porkchop
    leg = plan.crewed_trajectory.legs[0]
    info = pc.select(leg.t_dep + 10, leg.t_arr + 15)
    assert info is not None and info["c3"] > 0
    assert window.scene.preview_actor.GetVisibility()
    pts = np.asarray(window.scene.preview_line.points)
    np.testing.assert_allclose(pts[0], plan.body_state("earth", info["t_dep"])[0] / AU_KM, atol=1e-9)
    assert np.linalg.norm(pts[-1] - plan.body_state("venus", info["t_arr"])[0] / AU_KM) < 1e-6
    pc.leg_box.setCurrentIndex(2)
    assert pc.grid.dep_body == "mars" and not window.scene.preview_actor.GetVisibility()
    tn = plan.crewed_trajectory
    assert panel.budget.table.item(len(tn.burns), 2).text() == f"{tn.total_dv:.3f}"
    assert panel.budget.chem_fraction > panel.budget.ntr_fraction
    assert "582-day" in panel.story.sentence


@pytest.mark.render
def test_lesson_pack(plan, tmp_path):
    out = tmp_path / "lesson"
    res = run_cli("lesson", "--out", str(out), "--size", "480x270", "--progress", "none")
    assert res.returncode == 0, res.stderr
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == len(plan.events)
    assert [re.sub(r"^\d+-|\.png$", "", p) for p in pngs] == [e.id for e in plan.events]
    index = (out / "index.html").read_text()
    assert re.findall(r'<img src="([^"]+)"', index) == pngs
    for e in plan.events:
        assert e.title.replace("'", "&#x27;") in index
    data = json.loads((out / "lesson.json").read_text())
    plea = next(d for d in data if d["id"] == "plea")
    assert "min" in plea["light_time"] and "AU" in plea["distance"]
    img = np.asarray(Image.open(out / pngs[0]).convert("RGB"))
    assert img.shape == (270, 480, 3) and img.std() > 10


@pytest.mark.gui
def test_porkchop_preview_leaves_the_view_with_the_design_panel(window, plan, qtbot):
    window.toggle_design_panel()
    pc = window.design_panel.porkchop
    leg = plan.crewed_trajectory.legs[0]
    assert pc.select(leg.t_dep + 5, leg.t_arr + 5) is not None
    assert window.scene.preview_actor.GetVisibility()
    window.toggle_design_panel()  # the menu / toolbar toggle
    assert not window.design_dock.isVisible()
    assert not window.scene.preview_actor.GetVisibility()
    window.toggle_design_panel()
    assert window.design_dock.isVisible() and not window.scene.preview_actor.GetVisibility()
    assert pc.select(leg.t_dep - 5, leg.t_arr) is not None
    window.design_dock.close()  # the dock's own close button
    qtbot.waitUntil(lambda: not window.design_dock.isVisible(), timeout=2000)
    assert not window.scene.preview_actor.GetVisibility()
