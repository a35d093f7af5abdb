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
