"""Close to a planet the view stays readable: the night side gets a fill light, and the planet's
own orbit (a line through the planet there, drawn as a broad band when it runs past the
camera) is hidden; from afar both are as before."""

import numpy as np
import pytest

from tests.conftest import frame_size

pytestmark = pytest.mark.render
SIZE = (640, 360)



def story_frame(plan, event_id):
    from marsviz.story import Storyboard

    sb = Storyboard.build(plan)
    span = next(c for c in sb.cards if c.event_id == event_id and c.kind == "event")
    return sb.at(span.start_s + 1.0)


def render(scene):
    from marsviz.export import render_image

    return np.asarray(render_image(scene.p)[..., :3]).astype(float)


def centre_brightness(img):
    h, w = img.shape[:2]
    return float(img[h // 4: h // 2, w // 4: 3 * w // 4].mean())  # above the card, on the ground


def test_a_surface_event_at_night_is_seen_and_the_night_stays_dark_from_afar(scene, plan, monkeypatch):
    from marsviz.scene import bodies
    from marsviz.scene.models import PLANET_LIGHTING

    state = story_frame(plan, "water")  # 05:10 UTC at the well: night there
    with frame_size(scene, SIZE):
        scene.apply(state)
        lit = render(scene)
        assert scene.planets.planet_actors["mars"].GetProperty().GetAmbient() == bodies.SURFACE_FILL
        monkeypatch.setattr(bodies, "SURFACE_FILL", PLANET_LIGHTING["ambient"])
        scene.apply(state)
        dark = render(scene)
        monkeypatch.undo()
        # The night-side ground: nearly black without the fill, its map plainly seen with it.
        assert centre_brightness(dark) < 20
        assert centre_brightness(lit) > centre_brightness(dark) + 20
        for cam in ("overview", "mars-stay"):
            scene.set_time(state.t)
            scene.set_camera(cam)
            render(scene)
            assert scene.planets.planet_actors["mars"].GetProperty().GetAmbient() == PLANET_LIGHTING["ambient"], cam


def test_a_planets_orbit_is_hidden_only_close_to_the_planet(scene, plan):
    orbit = scene.orbits.orbit_actors
    with frame_size(scene, SIZE):
        scene.apply(story_frame(plan, "water"))
        render(scene)
        assert not orbit["mars"].GetVisibility()
        assert orbit["earth"].GetVisibility() and orbit["venus"].GetVisibility()
        scene.set_camera("overview")
        render(scene)
        assert all(a.GetVisibility() for a in orbit.values())


def _drawn_pixels(scene, actor, img):
    """Colours of the pixels ``actor`` draws in ``img``: those that change when it is made
    invisible (by opacity: the scene sets its visibility before every render)."""
    prop = actor.GetProperty()
    prop.SetOpacity(0.0)
    try:
        bare = render(scene)
    finally:
        prop.SetOpacity(1.0)
    mask = np.abs(img - bare).sum(axis=2) > 0
    return img[mask]


def _sun_towards(plan, site, t):
    """The Sun's direction at ``site`` at ``t`` along the ground: (east, north) components."""
    from marsviz.mission.local import place_fixed

    rot = np.asarray(plan.body_rotation(plan.sites[site]["body"], t))
    f = place_fixed(plan, site, 0.0, 0.0)
    up = f / np.linalg.norm(f)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    r = plan.site_position(site, t)
    sun = rot.T @ (-r / np.linalg.norm(r))
    return float(sun @ east), float(sun @ north), float(sun @ up)


def test_a_lander_at_a_site_in_night_is_dimmed_like_the_ground(scene, plan):
    """Gagarin seen from 50 m at the base: by day (the dust devil, the Sun 44 degrees up) and
    at night (the water strike at 05:10 UTC, the Sun 38 degrees below the horizon), at night
    from the Sun's side, where the faces the Sun would light below the horizon (VTK casts no
    shadows) face the camera. Its pixels were at night more than half as bright as by day
    (75 against 141); now they are under 40 %, and the well's drill rig has no sunlight."""
    from tests.test_scene_ships import apply_pose, close_pose
    from marsviz.scene.ships import MODEL_LIGHTING

    means = {}
    with frame_size(scene, SIZE):
        for eid in ("dust-devil", "water"):
            t = plan.event(eid).t
            east, north, up = _sun_towards(plan, "base", t)
            assert (up > 0.6) if eid == "dust-devil" else (up < -0.55)
            towards = (0.3, -1.0) if eid == "dust-devil" else (east, north)
            apply_pose(scene, plan, t, close_pose(plan, "base", t, 50.0, 15.0, aim_east_m=-45.0, towards=towards))
            img = render(scene)
            assert scene.ships.drawn_as["gagarin"] == "model" and scene.ships.form["gagarin"] == "landed"
            px = _drawn_pixels(scene, scene.ships.model_actors["gagarin"], img)
            assert len(px) > 300, eid  # the lander is well in view
            means[eid] = float(px.mean())
        assert means["dust-devil"] > 110
        assert means["water"] < 0.4 * means["dust-devil"], means
        rig = next(st["actor"] for st in scene.ships.structures.values() if st["model"] == "drill_rig")
        assert rig.GetProperty().GetDiffuse() == 0.0  # at night: no sunlight on it
        scene.set_time(plan.event("dust-devil").t)  # by day: the models as lit as ever
        render(scene)
        prop = scene.ships.model_actors["gagarin"].GetProperty()
        assert (prop.GetAmbient(), prop.GetDiffuse()) == pytest.approx((MODEL_LIGHTING["ambient"], MODEL_LIGHTING["diffuse"]))


def test_a_landers_icon_at_a_site_in_night_is_dimmed(scene, plan):
    """The story's shots of the well site from above: the landers are icons (drawn unlit). At
    the water strike (night) Gagarin's icon is at most 60 % as bright as at the dust devil (day)."""
    means = {}
    with frame_size(scene, (1280, 720)):
        for eid in ("dust-devil", "water"):
            scene.apply(story_frame(plan, eid))
            img = render(scene)
            assert scene.ships.drawn_as["gagarin"] == "icon"
            px = _drawn_pixels(scene, scene.ships.craft_actors["gagarin"], img)
            assert len(px) > 40, eid
            means[eid] = float(px.mean())
    assert means["water"] < 0.6 * means["dust-devil"], means
