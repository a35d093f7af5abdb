"""The encounter presets frame what they are for: at each event of the Venus swing-by and of
the Earth approach, Terra Nova is in the picture (clear of the heads-up text and the card, not
behind the planet), the planet is drawn at or near true size so the path is in its frame, and
no drawn path runs through it."""

import numpy as np
import pytest

from marsviz.export import render_image
from marsviz.mission.plan import PLANETS
from marsviz.scene import paths
from tests.conftest import offscreen_scene
from tests.test_scene_labels import box
from tests.test_scene_scales import seg_dist

pytestmark = pytest.mark.render
SIZES = [(480, 270), (960, 720), (640, 720)]
#: preset -> (planet, events it serves)
SERVES = {"venus-flyby": ("venus", ["design-venus-swingby"]),
          "earth-approach": ("earth", ["thrusters", "spacewalk", "landing-earth", "design-earth-approach"])}


def served(plan):
    out = []
    for preset, (body, evs) in SERVES.items():
        for e in evs:
            t = plan.event(e).t
            out += [(preset, body, e, t), (preset, body, e, t + 0.01)]  # the event, its card up
    return out


@pytest.mark.parametrize("size", SIZES)
def test_encounter_presets_frame_the_ship_and_the_planet_at_their_events(plan, size):
    margin = 0.04 * size[1]
    with offscreen_scene(plan, size) as scene:
        ren = scene.p.renderer
        for preset, body, ev, t in served(plan):
            scene.set_time(t)
            scene.set_camera(preset)
            scene.show_event_card(plan.event(ev))
            render_image(scene.p)
            where = (preset, ev, round((t - plan.event(ev).t) * 24, 2), size)
            # the planet at (or near) true size: paths near it are drawn in its frame
            assert scene.ctx.scales[body] <= paths.ZOOM_SCALES[0], where
            assert paths.zoom_weight(scene.ctx.scales[body]) == 1.0
            cam = scene.p.camera
            C = np.array(cam.position)
            centre = np.array(scene.planet_actors[body].GetPosition())
            ship = scene.position_au(plan.crewed)
            # inside the frame, away from its edges
            x, y = scene.world_to_display(ship)
            assert margin < x < size[0] - margin and margin < y < size[1] - margin, (where, x, y)
            # not under the heads-up text or the card (boxes as rendered, y up)
            yu = size[1] - y
            for t_ in scene._texts.values():
                a = t_.actor
                if a.GetVisibility() and (a.GetInput() or "").strip():
                    b = box(a, ren)
                    assert not (b[0] - 4 <= x <= b[2] + 4 and b[1] - 4 <= yu <= b[3] + 4), (where, a.GetInput())
            # not hidden behind the planet
            d = ship - C
            L = np.linalg.norm(d)
            d /= L
            along = float(np.dot(centre - C, d))
            miss = float(np.linalg.norm(centre - C - along * d))
            assert along > L or miss > scene.radii_au[body], where
            # the planet itself in the frame
            px, py = scene.world_to_display(centre)
            assert 0 < px < size[0] and 0 < py < size[1], where
            # no drawn trajectory point inside a drawn planet
            for leg in scene.legs:
                for poly in (leg.full, leg.flown):
                    if poly.n_lines == 0:
                        continue
                    cells = np.asarray(poly.lines)
                    pts = np.asarray(poly.points)[cells[1:]]
                    for b in PLANETS:
                        c = np.array(scene.planet_actors[b].GetPosition())
                        assert seg_dist(c, pts[:-1], pts[1:]).min() >= scene.radii_au[b] * 0.999, (where, leg.craft, b)


def test_on_the_earth_approach_the_path_ahead_runs_in_to_the_drawn_earth(plan):
    """At the braking-thruster failure and the spacewalk (1.6 and 1.2 million km out) the path
    ahead of Terra Nova, as drawn in the earth-approach view, reaches the drawn Earth (its entry
    interface), not the place the Earth will have reached days later."""
    with offscreen_scene(plan, (320, 180)) as scene:
        R = plan.constants["earth"]["R"]
        for ev in ("thrusters", "spacewalk"):
            t = plan.event(ev).t
            scene.set_time(t)
            scene.set_camera("earth-approach")
            earth = np.array(scene.planet_actors["earth"].GetPosition())
            leg = [lg for lg in scene.legs if lg.craft == plan.crewed][-1]
            k = int(np.searchsorted(leg.times, t, side="right"))
            ahead = np.asarray(leg.full.points)[k:]
            d_km = np.linalg.norm(ahead - earth, axis=1) * scene.world.km_per_unit
            assert d_km.min() < R + 200.0, (ev, d_km.min())
            ship_km = np.linalg.norm(scene.position_au(plan.crewed) - earth) * scene.world.km_per_unit
            assert ship_km > 1.0e6


def stay_instants(plan):
    """Instants of the crewed Mars stay: 16 evenly spread (the phasing revolution and the last
    half revolution on the departure plane among them) and each event of the stay, with its card."""
    t0, t1 = plan.milestones["mars_arrival"], plan.milestones["mars_departure"]
    out = [(t, None) for t in np.linspace(t0, t1, 16)]
    out += [(t1 - 0.3, None), (t0 + 1.6, None)]  # the departure plane; the phasing apoapsis
    out += [(e.t, e.id) for e in plan.mission_events if t0 <= e.t <= t1]
    return out


@pytest.mark.parametrize("size", [(480, 270), (1280, 720)])
def test_mars_stay_frames_terra_nova_at_every_instant_of_the_stay(plan, size):
    """The mars-stay preset: at every instant of the stay Terra Nova is in the frame (away
    from its edges) and clear of the heads-up text and the event card; so are Mars and the
    parked ships; Mars is drawn at true size, its disc at least 7 % of the frame height (50 px
    at 720p: the landing site region can be made out)."""
    margin = 0.02 * size[1]
    R = plan.constants["mars"]["R"]
    instants = stay_instants(plan)
    assert len(instants) >= 10 + 9
    with offscreen_scene(plan, size) as scene:
        ren = scene.p.renderer
        apoapsis_seen = 0.0
        for t, ev in instants:
            scene.set_time(t)
            scene.set_camera("mars-stay")
            scene.show_event_card(plan.event(ev) if ev else None)
            render_image(scene.p)
            where = (t, ev, size)
            assert scene.ctx.scales["mars"] == 1.0, where
            centre = np.array(scene.planet_actors["mars"].GetPosition())
            # Mars large enough to make out the landing site region
            cam = scene.p.camera
            dist = np.linalg.norm(np.array(cam.position) - centre)
            frame_h = 2.0 * dist * np.tan(np.radians(cam.view_angle) / 2.0)
            assert 2.0 * scene.radii_au["mars"] / frame_h >= 0.07, where
            boxes = [box(t_.actor, ren) for t_ in scene._texts.values()
                     if t_.actor.GetVisibility() and (t_.actor.GetInput() or "").strip()]
            assert ev is None or scene.card_event.id == ev
            for cid in plan.trajectories:
                if cid != plan.crewed and plan.parking_orbit(cid, t) is None:
                    continue  # on the ground (on Mars) or not at Mars
                x, y = scene.world_to_display(scene.position_au(cid))
                assert margin < x < size[0] - margin and margin < y < size[1] - margin, (where, cid, x, y)
                yu = size[1] - y
                for b in boxes:
                    assert not (b[0] - 4 <= x <= b[2] + 4 and b[1] - 4 <= yu <= b[3] + 4), (where, cid, b)
            r_km = np.linalg.norm(plan.local_state(plan.crewed, t, "mars")[0])
            apoapsis_seen = max(apoapsis_seen, r_km)
            px, py = scene.world_to_display(centre)
            assert 0 < px < size[0] and 0 < py < size[1], where
        assert apoapsis_seen > R + 30_000.0  # Terra Nova was checked far out on the ellipse
