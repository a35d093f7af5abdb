"""The 3D scene off screen, without Qt: positions, pixels, cards, cameras."""

import numpy as np
import pytest
import pyvista as pv

from marsviz.mission.plan import AU_KM
from marsviz.scene import style
from marsviz.scene.scene import MissionScene, SceneOptions

from tests.conftest import offscreen_scene

pytestmark = pytest.mark.render
SIZE = (800, 450)


@pytest.fixture
def scene(plan):
    with offscreen_scene(plan, SIZE) as s:
        yield s


def image(scene):
    from marsviz.export import render_image

    return render_image(scene.p)


def near_color(img, hex_color, tol=40):
    rgb = np.array(style.hex_to_rgb(hex_color)) * 255
    return np.all(np.abs(img[..., :3].astype(int) - rgb) < tol, axis=-1)


def test_planets_and_crew_are_where_the_plan_says(scene, plan):
    for dt in (5.0, 173.0, 300.0, 365.0, 500.0):
        t = plan.epoch + dt
        scene.set_time(t)
        for body in ("venus", "earth", "mars"):
            np.testing.assert_allclose(scene.planet_actors[body].GetPosition(),
                                       plan.body_state(body, t)[0] / AU_KM, atol=1e-9)
        m = scene.craft_actors[plan.crewed].GetUserMatrix()
        shown = np.array([m.GetElement(i, 3) for i in range(3)])
        true = plan.craft_state(plan.crewed, t)[0] / AU_KM
        # Shown at its place, or just outside the exaggerated planet it is parked at.
        assert np.linalg.norm(shown - true) <= 1.36 * max(scene.radii_au.values())
        if dt == 300.0:
            np.testing.assert_allclose(shown, true, atol=1e-12)


def test_frame_is_not_blank_and_shows_the_trajectory_colours(scene, plan):
    scene.set_time(plan.epoch + 250)
    img = image(scene)
    assert img.shape[:2] == (SIZE[1], SIZE[0])
    assert img.std() > 10
    assert near_color(img, style.LEG_COLORS[0]).sum() > 200  # the flown outbound leg
    assert near_color(img, style.PLANET_COLORS["sun"], 30).sum() > 100


def test_earth_is_drawn_where_it_is_projected(scene, plan):
    scene.set_camera("earth")
    scene.set_time(plan.epoch + 30)
    img = image(scene)
    x, y = scene.world_to_display(scene.position_au("earth"))
    patch = img[int(y) - 3:int(y) + 4, int(x) - 3:int(x) + 4, :3].astype(int)
    # Lit Earth (Blue Marble: ocean or land, as the globe turns), never the black sky, and in
    # colour (not the grey of a missing map).
    sky = np.array(style.hex_to_rgb(style.BACKGROUND)) * 255
    assert patch.mean() > 3 * sky.mean()
    assert (np.ptp(patch, axis=-1) > 15).mean() > 0.5


def test_hud_and_event_card(scene, plan):
    ev = plan.event("dust-devil")
    scene.set_time(ev.t + 0.5)
    T = scene._texts
    assert T["date"].actor.GetInput() == plan.clock.date(ev.t + 0.5)
    assert T["card-title"].actor.GetInput().strip() == ev.title
    assert T["card-title"].actor.GetVisibility()
    img = image(scene)
    assert near_color(img, style.CATEGORY_COLORS["failure"], 30).sum() > 50
    scene.set_time(plan.milestones["earth_departure"] + 120)
    assert not T["card-title"].actor.GetVisibility()


def test_captions_off_hides_the_card(plan):
    p = pv.Plotter(off_screen=True, window_size=SIZE)
    s = MissionScene(p, plan, SceneOptions(captions=False))
    s.set_time(plan.event("plea").t)
    assert not s._texts["card-title"].actor.GetVisibility()
    p.close()


def test_flown_part_grows_with_time(scene, plan):
    leg = next(l for l in scene.legs if l.craft == plan.crewed and l.index == 0)
    n = len(leg.times)
    scene.set_time(leg.times[0] + 20)
    last1 = int(leg.flown.lines[-2])  # the last sample drawn before the ship (point n)
    scene.set_time(leg.times[0] + 80)
    last2 = int(leg.flown.lines[-2])
    assert leg.flown.lines[-1] == n
    # The flown part stops at a sample flown before each instant, then the ship; it grows.
    assert leg.times[last1] <= leg.times[0] + 20 and leg.times[last2] <= leg.times[0] + 80
    assert 0 < last1 < last2 < n - 1 and leg.times[last2] > leg.times[0] + 20
    drawn = np.asarray(leg.flown.points)[leg.flown.lines[1:]]  # the polyline, in order
    np.testing.assert_allclose(drawn[-1], plan.craft_state(plan.crewed, leg.times[0] + 80)[0] / AU_KM,
                               atol=1e-12)


def test_follow_camera_tracks_terra_nova(scene, plan):
    scene.set_camera("follow")
    for dt in (40.0, 90.0):
        scene.set_time(plan.epoch + dt)
        np.testing.assert_allclose(scene.p.camera.focal_point, scene.position_au(plan.crewed), atol=1e-9)


def test_light_time_signal_travels_at_c(scene, plan):
    ev = plan.event("plea")
    scene.set_signal(ev)
    frac0, rem0, one_way, src, dst = scene.signal_state(ev.t)
    assert frac0 == 0 and rem0 == pytest.approx(one_way)
    expected = np.linalg.norm(plan.position("earth", ev.t) - plan.position(ev.where, ev.t)) / 299792.458
    assert one_way == pytest.approx(expected)
    frac, rem, *_ = scene.signal_state(ev.t + one_way / 2 / 86400)
    assert frac == pytest.approx(0.5) and rem == pytest.approx(one_way / 2)
    scene.set_time(ev.t + one_way / 3 / 86400)
    assert "to go" in scene._texts["signal"].actor.GetInput()
    scene.set_signal(None)
    assert not scene.signal_actor.GetVisibility()


def test_no_plotters_leak(plan):
    from pyvista.plotting.plotter import _ALL_PLOTTERS

    before = set(_ALL_PLOTTERS)
    p = pv.Plotter(off_screen=True, window_size=(200, 120))
    MissionScene(p, plan).close()
    p.close()
    assert set(_ALL_PLOTTERS) == before


def test_spacecraft_icon_keeps_its_screen_size_after_a_camera_jump(scene, plan):
    from marsviz.scene.ships import ICON_PX

    scene.set_time(plan.event("dust-devil").t)
    scene.set_camera("mars")  # a big jump: from 6 AU away to 0.5 AU
    image(scene)
    m = scene.craft_actors[plan.crewed].GetUserMatrix()
    pos = np.array([m.GetElement(i, 3) for i in range(3)])
    x = np.array([m.GetElement(i, 0) for i in range(3)])
    ends = [np.array(scene.world_to_display(pos + k * x)) for k in (-0.5, 0.5)]
    assert np.linalg.norm(ends[1] - ends[0]) == pytest.approx(ICON_PX * SIZE[1] / 720, abs=0.5)
