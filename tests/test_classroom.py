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


#: Steps per second of screen time when a test plays the tour (fixed steps, no wall clock; the
#: tour's state depends only on the presentation time reached, so coarse steps test the same).
HZ = 10


def step_tour(tour, seconds, hz=HZ):
    """Play the tour on in fixed steps of 1/hz s (no wall clock); returns the steps taken."""
    tour.timer.stop()  # steady frames, whatever the load of the machine
    n, left = 0, float(seconds)
    while left > 1e-12 and tour.mode in ("travel", "signal"):
        dt = min(1 / hz, left)  # the last step lands exactly on the time asked for
        tour.play_for(dt)
        left -= dt
        n += 1
    return n


def same_pose(a, b, atol_km=1e-6):
    for x, y in ((a.focal_km, b.focal_km), (a.position_km, b.position_km)):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol_km)
    np.testing.assert_allclose(a.up, b.up, rtol=0, atol=1e-9)
    assert a.view_angle_deg == b.view_angle_deg and a.origin == b.origin


@pytest.mark.gui
def test_tour_plays_the_storyboard_at_one_second_per_second(window, plan, qtbot):
    from marsviz.story import Storyboard

    window.start_presentation()
    tour = window.tour
    sb = Storyboard.build(plan, pace="story")
    assert tour.sb.duration_s == sb.duration_s and not hasattr(tour, "speed_at")
    stops = [e.id for e in tour.stops]
    # From the Venus swing-by on to the next stop: a long stretch of cruise, eased at both ends.
    k = stops.index("design-venus-swingby")
    tour.goto(k, travel=False)
    tau0 = tour.tau
    assert tau0 == next(c.start_s for c in sb.cards if c.event_id == stops[k])
    tour.advance()
    assert tour.mode == "travel"
    target = next(c.start_s for c in sb.cards if c.event_id == stops[k + 1])
    assert target - tau0 > 20.0
    # Its card stays up for the rest of its hold, then the ship leaves the swing-by: the camera
    # moves to ride with the ship while time eases out, cruises, and eases into the next stop.
    hold = next(c.end_s for c in sb.cards if c.event_id == stops[k]) - tau0
    for seconds in (0.5, hold + 0.5, hold + 3.0, hold + 8.0):
        step_tour(tour, seconds - (tour.tau - tau0))
        tau = tau0 + seconds
        assert tour.tau == pytest.approx(tau, abs=1e-9)
        st = sb.at(tour.tau)  # the same presentation time gives the same state, exactly
        assert window.playhead == st.t and window.scene.t == st.t
        assert window.last_pose == st.camera
        same_pose(window.last_pose, sb.at(tau).camera, atol_km=1.0)
        cam = window.view.renderer.GetActiveCamera()
        assert cam.GetViewAngle() == pytest.approx(st.camera.view_angle_deg)
        assert (window.scene.card_event.id if window.scene.card_event else None) == st.card
    # Mission time ran at the storyboard's pace, not a pace of the tour's own: fast cruise.
    assert sb.at(tau0 + hold + 8.0).t - sb.at(tau0 + hold + 7.0).t == pytest.approx(
        plan.tour["cruise_days_per_second"], rel=1e-6)
    # It arrives at the stop's card after exactly the storyboard's presentation time.
    n = step_tour(tour, 1000.0)
    assert tour.mode in ("card", "question") and tour.tau == pytest.approx(target)
    left = (target - tau0 - hold - 8.0) * HZ
    assert left - 1 <= n <= left + 1
    assert window.playhead == pytest.approx(sb.at(target).t, abs=1e-9)
    same_pose(window.last_pose, sb.at(target).camera)


@pytest.mark.gui
def test_question_then_reveal_and_a_light_time_signal(window, plan, qtbot):
    window.start_presentation()
    tour = window.tour
    stops = [e for e in plan.events if e.tour]
    k = next(i for i, e in enumerate(stops) if e.id == "plea")
    tour.goto(k, travel=False)
    assert tour.mode == "question"
    tour.advance()
    assert tour.mode == "signal" and window.scene.card_event.id == "plea"
    frac0 = window.scene.signal_state()[0]
    (span,) = [c for c in tour.sb.cards if c.event_id == "plea" and c.kind == "event"]
    # The signal crosses at the storyboard's pace: its card's whole length, not a tour setting.
    step_tour(tour, 2.0)
    assert tour.mode == "signal" and tour.tau == pytest.approx(span.start_s + 2.0)
    assert window.scene.signal_state()[0] == pytest.approx(tour.sb.at(tour.tau).signal.frac, abs=1e-9)
    n = step_tour(tour, 1000.0)
    assert tour.mode == "card" and 2.0 + n / HZ == pytest.approx(span.seconds, abs=1 / HZ)
    frac, remaining, one_way, *_ = window.scene.signal_state()
    assert frac0 < 0.5 and frac == pytest.approx(1.0) and remaining == 0
    assert 600 < one_way < 800  # Mars to Earth in January 2031: about 12 light minutes
    assert "received" in window.scene._texts["signal"].actor.GetInput()
    assert window.scene.card_event.id == "plea"  # the card stays until the presenter goes on


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


def _square(up, pose):
    """An up vector made square to the pose's line of sight (as a renderer uses it)."""
    d = np.subtract(pose.focal_km, pose.position_km)
    d = d / np.linalg.norm(d)
    u = np.asarray(up, dtype=float) - np.dot(up, d) * d
    return u / np.linalg.norm(u)


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
    # Each still is taken from its event's storyboard shot: the camera the scene really had when
    # the still was rendered is the storyboard's camera where the event's card comes up.
    from marsviz.story import Storyboard

    sb = Storyboard.build(plan)
    for d in data:
        card = next(c for c in sb.cards if c.event_id == d["id"] and c.kind != "question")
        pose = sb.at(card.start_s).camera
        cam = d["camera"]
        tol = 1e-9 * np.linalg.norm(pose.position_km) + 1e-6 * pose.distance_km
        np.testing.assert_allclose(cam["focal_km"], pose.focal_km, rtol=0, atol=tol, err_msg=d["id"])
        np.testing.assert_allclose(cam["position_km"], pose.position_km, rtol=0, atol=tol, err_msg=d["id"])
        np.testing.assert_allclose(_square(cam["up"], pose), _square(pose.up, pose), atol=1e-6, err_msg=d["id"])
        assert cam["view_angle_deg"] == pytest.approx(pose.view_angle_deg)
    dust = next(d for d in data if d["id"] == "dust-devil")  # a surface event, seen from its site
    mars = plan.position("mars", plan.event("dust-devil").t)
    assert np.linalg.norm(np.subtract(dust["camera"]["position_km"], mars)) < 4 * plan.constants["mars"]["R"]


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


def _card_text(window) -> str:
    return window.scene._texts["card-body"].actor.GetInput().replace("\n", " ")


@pytest.mark.gui
def test_every_prediction_question_is_answered_on_the_reveal(window, plan, qtbot):
    from marsviz.mission.plan import C_KMS

    window.start_presentation()
    tour = window.tour
    stops = [e for e in plan.events if e.tour]
    asked = [k for k, e in enumerate(stops) if e.question]
    assert [stops[k].id for k in asked] == ["departure", "fraud", "plea", "carbon-monoxide"]
    for k in asked:
        ev = stops[k]
        tour.goto(k, travel=False)
        assert tour.mode == "question" and _card_text(window) == ev.question
        tour.advance()
        assert tour.mode in ("card", "signal") and window.scene.card_event.id == ev.id
        text = _card_text(window)
        assert ev.description in text and ev.question not in text
        if ev.id == "departure":
            # Where Mars is: its distance from Earth and side of the Sun, from the ephemeris.
            e, m = plan.body_state("earth", ev.t)[0], plan.body_state("mars", ev.t)[0]
            assert f"{np.linalg.norm(m - e) / AU_KM:.2f} AU away" in text
            assert np.dot(e, m) < 0 and "far side of the Sun" in text
            assert "swings by Venus" in text
        if ev.id == "plea":
            src = plan.craft_state("gagarin", ev.t)[0]
            d = np.linalg.norm(src - plan.body_state("earth", ev.t)[0])
            m, s = divmod(int(round(d / C_KMS)), 60)
            assert text.startswith(f"Answer: {m} min {s:02d} s.")
        if ev.id == "fraud":
            assert "falsified" in text  # the event's own text is the answer
        if ev.id == "carbon-monoxide":
            assert "carbon monoxide poisoning, not a Martian infection" in text


def test_event_texts_agree_with_the_plan(plan):
    """No card claims a cargo ship is waiting at Mars before the plan has it there."""
    cargo = [c for c in plan.trajectories if c != plan.crewed]
    arrivals = {c: plan.trajectories[c].legs[-1].t_arr for c in cargo}
    names = {c: plan.name_of(c) for c in cargo}
    crew_arrival = plan.event("mars-arrival").t
    for ev in plan.events:
        text = f"{ev.title} {ev.description}".lower()
        if "all three" in text or "waiting cargo" in text:
            assert ev.t >= max(arrivals.values()), ev.id
        if ev.at.endswith(".mars_arrival"):
            for c, t in arrivals.items():
                if t > ev.t:  # a ship still on its way is not named as being there
                    assert names[c].lower() not in text, (ev.id, c)
    assert all(t < crew_arrival for t in arrivals.values())  # "beside the waiting cargo ships"
    # The fix concerned a real ordering: Gagarin arrives before Shirase and Atlantis.
    assert arrivals["gagarin"] < arrivals["shirase"] < arrivals["atlantis"]


def test_lesson_figures_distance_and_light_time_near_earth(plan):
    from marsviz.lesson import figures
    from marsviz.mission.plan import C_KMS

    sw = plan.event("spacewalk")
    f = figures(plan, sw)
    assert 0.005 * AU_KM < sw.earth_km < 0.01 * AU_KM
    assert f["distance"] == f"{sw.earth_km / 1e6:.2f} million km ({sw.earth_km / AU_KM:.3f} AU)"
    assert f["light_time"] == f"{sw.earth_km / C_KMS:.1f} s" and f["light_time"] != "0.0 s"
    assert figures(plan, plan.event("accepted"))["distance"] == "at Earth"  # the decision on Earth
    plea = figures(plan, plan.event("plea"))
    assert "AU" in plea["distance"] and re.fullmatch(r"\d+ min \d\d s", plea["light_time"])


def test_lesson_index_asks_every_prediction_question(plan):
    import html

    from marsviz.lesson import figures, index_html

    items = [(f"{n:02d}-{e.id}.png", e, figures(plan, e)) for n, e in enumerate(plan.events, 1)]
    page = index_html(plan, items)
    asked = [e for e in plan.events if e.question]
    assert len(asked) == 4
    block = page[page.index("Predictions to ask the class"):page.index("<section")]
    for e in asked:
        q = html.escape(e.question)
        assert q in block and f'href="#{e.id}"' in block
        sec = page[page.index(f'id="{e.id}"'):]
        sec = sec[:sec.index("</section>")]
        assert f"<b>Ask first:</b> {q}" in sec
    dep = page[page.index('id="departure"'):]
    assert '<p class="answer">Answer: on the far side of the Sun' in dep[:dep.index("</section>")]


@pytest.fixture(scope="module")
def projector_scene(plan):
    """The scene as the tour shows it on a 1920 x 1080 projector (large type)."""
    import pyvista as pv

    from marsviz.export import _offscreen_env
    from marsviz.scene.scene import MissionScene, SceneOptions

    _offscreen_env()
    p = pv.Plotter(off_screen=True, window_size=(1920, 1080))
    scene = MissionScene(p, plan, SceneOptions(card_mode="off", text_scale=1.7))
    scene.layout(1920, 1080)
    yield scene
    scene.close()
    p.close()


def _box(scene, key):
    """Pixel box (x0, x1, y0, y1) of a HUD text as VTK lays it out."""
    a = scene._texts[key].actor
    box = [0.0] * 4
    a.GetBoundingBox(scene.p.renderer, box)  # relative to the actor's anchor
    x, y = a.GetPositionCoordinate().GetComputedDisplayValue(scene.p.renderer)
    return [box[0] + x, box[1] + x, box[2] + y, box[3] + y]


@pytest.mark.render
def test_tour_cards_fit_a_1920_screen_and_clear_the_bottom_line(projector_scene, plan):
    from marsviz.questions import revealed

    scene = projector_scene
    scene.p.render()
    floor = _box(scene, "scale")[3]  # top of the bottom line of the HUD
    shown = 0
    for ev in [e for e in plan.events if e.tour]:
        for mode in ("question", "card") if ev.question else ("card",):
            scene.set_time(plan.clamp(ev.t))
            if mode == "question":
                scene.show_question(ev)
            else:
                scene.show_event_card(revealed(plan, ev))
            title, meta, body = (_box(scene, k) for k in ("card-title", "card-meta", "card-body"))
            for b in (title, meta, body):
                assert 0 <= b[0] and b[1] <= 1920, (ev.id, mode, b)
            assert body[2] > floor, (ev.id, mode, "the card runs into the bottom line")
            assert meta[2] >= body[3] - 1 and title[2] >= meta[3] - 1, (ev.id, mode, "overlap")
            assert title[3] < 1080
            shown += 1
    assert shown >= 25
    first = [e for e in plan.events if e.tour][0]
    scene.show_event_card(first)
    # The first card's detail line (long "assumed" note) now wraps instead of running off.
    assert scene._texts["card-meta"].actor.GetInput().count("\n") >= 1


@pytest.mark.gui
def test_tour_flies_the_camera_to_each_event_along_the_storyboard(window, plan, qtbot):
    from marsviz.story import Storyboard

    window.start_presentation()
    tour = window.tour
    sb = Storyboard.build(plan, pace="story")
    stops = [e.id for e in tour.stops]
    # A surface event: travelling there from the stop before (another site), the camera follows
    # the storyboard's track down to the site, a few Mars radii from the planet's centre.
    tour.goto(stops.index("dust-devil") - 1, travel=False, reveal=True)
    start = window.last_pose
    tour.advance()
    assert tour.mode == "travel"
    tour.timer.stop()
    poses = []
    while tour.mode == "travel":
        tour.play_for(1 / HZ)
        poses.append(window.last_pose)
        assert window.last_pose == sb.at(tour.tau).camera or tour.mode != "travel"
    assert tour.current.id == "dust-devil" and tour.mode == "card"
    assert len({p.position_km for p in poses}) > 20
    pose = window.last_pose
    ev = plan.event("dust-devil")
    d_mars = np.linalg.norm(np.subtract(pose.position_km, plan.position("mars", ev.t)))
    assert d_mars < 4 * 3389.5
    span = next(c for c in sb.cards if c.event_id == "dust-devil")
    assert pose == sb.at(span.start_s).camera and pose != start
    assert window.scene.card_event.id == "dust-devil"
    # The thruster failure near Earth is seen close to Earth, not from the whole Solar System.
    tour.goto(stops.index("thrusters"), travel=False)
    t = plan.event("thrusters").t
    assert np.linalg.norm(np.subtract(window.last_pose.focal_km, plan.position("earth", t))) < 0.05 * AU_KM
    assert window.last_pose.distance_km < 0.2 * AU_KM
    tour.stop()
    assert window.tour is None
