"""MissionScene.apply(FrameState) and the world frame (floating origin), off screen."""

from dataclasses import dataclass

import numpy as np
import pytest
import pyvista as pv

from marsviz.mission.plan import AU_KM
from marsviz.scene.scene import MissionScene
from marsviz.scene.world import WorldFrame


pytestmark = pytest.mark.render
SIZE = (320, 180)


@dataclass
class Pose:  # the storyboard's CameraPose (API.md)
    focal_km: tuple
    position_km: tuple
    up: tuple
    view_angle_deg: float
    origin: str


@dataclass
class Signal:  # the storyboard's SignalState (API.md)
    frac: float
    remaining_s: float
    one_way_s: float
    src_km: np.ndarray
    dst_km: np.ndarray


@dataclass
class State:  # the storyboard's FrameState (API.md)
    tau_s: float
    t: float
    card: str | None
    card_kind: str | None
    signal: Signal | None
    camera: Pose
    shot: str



def render(scene):
    from marsviz.export import render_image

    return render_image(scene.p)[..., :3].astype(int)


OVERVIEW = Pose((0.0, 0.0, 0.0), (0.0, -2.6 * AU_KM, 5.6 * AU_KM), (0.0, 0.0, 1.0), 30.0, "sun")


def test_world_frame_round_trip_and_origin():
    w = WorldFrame(origin_km=(AU_KM, 2.0, -3.0), km_per_unit=1000.0, origin="earth")
    r = np.array([[AU_KM + 1500.0, 2.0, -3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(w.to_scene(r)[0], [1.5, 0.0, 0.0])
    np.testing.assert_allclose(w.to_km(w.to_scene(r)), r, rtol=0, atol=1e-6)
    np.testing.assert_allclose(w.sun_offset(), [-AU_KM / 1000.0, -0.002, 0.003])
    assert w.au == AU_KM / 1000.0 and w.length(2500.0) == 2.5
    assert not w.set_origin((AU_KM, 2.0, -3.0), "earth") and w.set_origin((0, 0, 0))


def test_a_pose_in_km_gives_the_preset_frame(scene, plan):
    t = plan.epoch + 250.0
    scene.set_time(t)
    scene.set_camera("overview")
    preset = render(scene)
    scene.apply(State(0.0, t, None, None, None, OVERVIEW, "overview"))
    np.testing.assert_allclose(scene.p.camera.position, (0.0, -2.6, 5.6), atol=1e-12)
    posed = render(scene)
    assert (np.abs(posed - preset).max(axis=-1) > 8).sum() == 0


def test_floating_origin_moves_nothing_on_screen(scene, plan):
    t = plan.event("dust-devil").t
    mars = plan.position("mars", t)
    pose_sun = Pose(tuple(mars), tuple(mars + [0.0, -0.3 * AU_KM, 0.2 * AU_KM]), (0, 0, 1), 30.0, "sun")
    pose_mars = Pose(*[getattr(pose_sun, f) for f in ("focal_km", "position_km", "up", "view_angle_deg")], "mars")
    scene.apply(State(0.0, t, None, None, None, pose_sun, "planet:mars"))
    a = render(scene)
    scene.apply(State(0.0, t, None, None, None, pose_mars, "planet:mars"))
    # Mars is the scene's origin now, and the camera looks at it.
    np.testing.assert_allclose(scene.planet_actors["mars"].GetPosition(), 0.0, atol=1e-12)
    np.testing.assert_allclose(scene.p.camera.focal_point, 0.0, atol=1e-12)
    np.testing.assert_allclose(scene.orbit_actors["earth"].GetPosition(), -mars / AU_KM, rtol=1e-12)
    b = render(scene)
    assert a.std() > 10
    # The same picture, up to a few anti-aliased edge pixels.
    assert (np.abs(a - b).max(axis=-1) > 40).mean() < 0.002
    x, y = scene.world_to_display(scene.position_au("mars"))
    assert (x, y) == pytest.approx((SIZE[0] / 2, SIZE[1] / 2), abs=0.5)
    scene.apply(State(0.0, t, None, None, None, OVERVIEW, "overview"))
    np.testing.assert_allclose(scene.planet_actors["mars"].GetPosition(), mars / AU_KM, rtol=1e-12)


def test_cards_follow_the_frame_state_only(scene, plan):
    T = scene._texts
    ev = plan.event("dust-devil")
    scene.apply(State(0.0, ev.t + 0.1, "dust-devil", "event", None, OVERVIEW, "overview"))
    assert T["card-title"].actor.GetVisibility() and T["card-title"].actor.GetInput().strip() == ev.title
    assert scene.card_event is ev
    # No card in the frame state: none shown, although the playhead sits on the event.
    scene.apply(State(0.0, ev.t + 0.1, None, None, None, OVERVIEW, "overview"))
    assert not T["card-title"].actor.GetVisibility()
    q = next(e for e in plan.events if getattr(e, "question", None))
    scene.apply(State(0.0, q.t, q.id, "question", None, OVERVIEW, "overview"))
    assert T["card-title"].actor.GetInput().strip() == "Before we see what happens..."
    assert T["card-body"].actor.GetInput().replace("\n", " ") == q.question


def test_signal_is_drawn_as_the_frame_state_gives_it(scene, plan):
    ev = plan.event("plea")
    src, dst = plan.position("mars", ev.t), plan.position("earth", ev.t)
    sig = Signal(0.25, 300.0, 400.0, src, dst)
    scene.apply(State(0.0, ev.t, None, None, sig, OVERVIEW, "overview"))
    np.testing.assert_allclose(scene.signal.signal_pulse.points[0], (src + 0.25 * (dst - src)) / AU_KM, rtol=1e-9)
    assert scene._texts["signal"].actor.GetInput() == "Signal to Earth: 5 min 00 s to go (one-way light time 6 min 40 s)"
    scene.apply(State(0.0, ev.t, None, None, None, OVERVIEW, "overview"))
    assert not scene.signal_actor.GetVisibility()


def test_a_shot_names_the_view(scene, plan):
    t = plan.event("plea").t
    for shot, name in (("planet:mars", "Mars"), (f"ship:{plan.crewed}", f"Riding with {plan.craft_name(plan.crewed)}"),
                       ("overview", "Ecliptic overview")):
        scene.apply(State(0.0, t, None, None, None, OVERVIEW, shot))
        assert scene._texts["camera"].actor.GetInput() == f"View: {name}"
