"""A ship in orbit about a planet sits on a drawn line: its parking orbit (the capture ellipse
of the Mars stay, the cargo ships parked at Mars), drawn at true scale in the planet's frame
where the planet is drawn at or near true size, and not at all in wide views."""

import numpy as np
import pytest

from marsviz.mission.local import conic_elements, ellipse_points
from tests.test_scene_scales import seg_dist

pytestmark = pytest.mark.render
SIZE = (320, 180)



def stay_instants(plan):
    """Instants of the crewed ship's Mars stay: the first revolution on the capture ellipse,
    the phasing revolution, events on the surface, the ascent (Gagarin docked), just before
    departure."""
    ms = plan.milestones
    return [ms["mars_arrival"] + 0.5, ms["mars_arrival"] + 1.5, plan.event("landing").t,
            plan.event("dust-devil").t, plan.event("plea").t, plan.event("water").t + 0.3,
            plan.event("ascent").t + 0.5, ms["mars_departure"] - 0.05]


def drawn_orbit(scene, cid):
    """The drawn polyline of ship ``cid``'s parking orbit (scene units, drawing order)."""
    poly = scene.parking.polys[cid]
    cells = np.asarray(poly.lines)
    assert cells[0] == len(cells) - 1  # one polyline
    return np.asarray(poly.points, dtype=float)[cells[1:]]


def test_the_model_gives_the_orbit_each_parked_ship_is_on(plan):
    """The conic the model says a ship is on passes through the ship (its state's elements are
    the conic's), at every sampled instant of its stay at Mars."""
    R = plan.constants["mars"]["R"]
    k = plan.constants["mars"]["k"]
    from marsviz.mission.local import elements

    ms = plan.milestones
    checked = 0
    for cid in plan.trajectories:
        for t in np.linspace(ms["mars_arrival"] - 40.0, ms["mars_departure"] + 1.0, 97):
            got = plan.parking_orbit(cid, t)
            if got is None:
                continue
            body, conic = got
            if body != "mars":
                continue
            r, v = plan.local_state(cid, t, "mars")
            el, own = conic_elements(conic), elements(k, r, v)
            assert own["rp"] == pytest.approx(el["rp_km"], rel=1e-9)
            assert own["a"] == pytest.approx(el["a_km"], rel=1e-9)
            pts = ellipse_points(conic, 2000)
            d = seg_dist(r, pts, np.roll(pts, -1, axis=0)).min()
            assert d < 1e-4 * el["a_km"], (cid, t)
            assert el["rp_km"] == pytest.approx(R + 250.0, rel=1e-9)
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("camera", ["mars-stay", "mars-arrival"])
def test_a_parked_ship_is_drawn_on_its_drawn_orbit(scene, plan, camera):
    """At instants of the stay every ship in orbit about Mars has its orbit drawn (in its
    colour, thinner than the flown path), the drawn ship lies on it (within 0.2 % of the
    orbit's semi-major axis), and on the capture ellipse its drawn periapsis and apoapsis radii
    about the drawn Mars are 250 km and 33,793 km above the model's Mars radius (1e-6)."""
    R = plan.constants["mars"]["R"]
    seen, capture = set(), 0
    for t in stay_instants(plan):
        scene.set_time(t)
        scene.set_camera(camera)
        assert scene.ctx.scales["mars"] == 1.0
        centre = np.array(scene.planet_actors["mars"].GetPosition())
        for cid in plan.trajectories:
            got = plan.parking_orbit(cid, t)
            actor = scene.parking.actors[cid]
            if got is None:
                assert not actor.GetVisibility(), (cid, t)
                continue
            assert got[0] == "mars"
            assert actor.GetVisibility(), (cid, t)
            el = conic_elements(got[1])
            pts = drawn_orbit(scene, cid)
            size = scene.world.length(el["a_km"])
            ship = scene.position_au(cid)
            assert seg_dist(ship, pts[:-1], pts[1:]).min() < 2e-3 * size, (cid, t)
            rho = scene.world.length(1.0) ** -1 * np.linalg.norm(pts - centre, axis=1)  # km
            assert rho.min() == pytest.approx(el["rp_km"], rel=1e-6)
            assert rho.max() == pytest.approx(el["ra_km"], rel=1e-6)
            if el["ra_km"] == pytest.approx(R + 33793.0, rel=1e-9):
                assert rho.min() == pytest.approx(R + 250.0, rel=1e-6)
                assert rho.max() == pytest.approx(R + 33793.0, rel=1e-6)
                capture += 1
            # thinner and dimmer than the flown path of the same ship
            flown = [leg.flown_actor for leg in scene.legs if leg.craft == cid]
            assert actor.GetProperty().GetLineWidth() < flown[0].GetProperty().GetLineWidth()
            assert max(actor.GetProperty().GetColor()) < max(flown[-1].GetProperty().GetColor()) + 1e-9
            seen.add(cid)
    assert {plan.crewed, "shirase", "gagarin"} <= seen
    assert capture >= 10


def test_no_parking_orbit_in_wide_views(scene, plan):
    """In the overview and the 0.5 AU planet views the orbits are hidden (the planet is drawn
    hundreds of times too large)."""
    for camera in ("overview", "inner", "mars", "follow"):
        for t in stay_instants(plan)[::3]:
            scene.set_time(t)
            scene.set_camera(camera)
            assert not any(a.GetVisibility() for a in scene.parking.actors.values()), (camera, t)


def test_before_departure_the_crewed_ship_is_on_its_earth_parking_orbit(plan):
    """Before Earth departure Terra Nova is on its 400 km circular parking orbit; on the
    departure hyperbola and on the heliocentric legs it is on no closed orbit."""
    R = plan.constants["earth"]["R"]
    t_dep = plan.milestones["earth_departure"]
    body, conic = plan.parking_orbit(plan.crewed, t_dep - 0.5)
    el = conic_elements(conic)
    assert body == "earth"
    assert el["rp_km"] == pytest.approx(R + 400.0, rel=1e-9)
    assert el["ra_km"] == pytest.approx(R + 400.0, rel=1e-9)
    r, _ = plan.local_state(plan.crewed, t_dep - 0.5, "earth")
    assert np.linalg.norm(r) == pytest.approx(R + 400.0, rel=1e-9)
    for t in (t_dep + 0.1, t_dep + 30.0, plan.milestones["venus_flyby_outbound"]):
        assert plan.parking_orbit(plan.crewed, t) is None
