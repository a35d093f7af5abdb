"""Ships as true-size models or constant-size icons, their attitude, the Sun, the Moon and
Earth's night side, in the off-screen scene."""


import numpy as np
import pytest
import pyvista as pv

from marsviz.mission.plan import AU_KM
from marsviz.scene import models
from marsviz.scene.ships import ICON_PX, _camera
from marsviz.scene.scene import MissionScene

from tests.conftest import frame_size, mars_disc_px, offscreen_scene

pytestmark = pytest.mark.render
SIZE = (320, 180)



def render(scene):
    from marsviz.export import render_image

    return render_image(scene.p)


def matrix(actor) -> np.ndarray:
    m = actor.GetUserMatrix()
    return np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])


def test_close_camera_shows_terra_nova_at_true_size(scene, plan):
    cid = plan.crewed
    scene.set_time(plan.epoch + 90.0)
    scene.set_camera("ship")
    scene.show_event_card(None)  # no card over the ship (a storyboard frame state leaves its own)
    assert scene.card_event is None
    img = render(scene)
    assert scene.ships.drawn_as[cid] == "model"
    assert scene.ships.model_actors[cid].GetVisibility() and not scene.craft_actors[cid].GetVisibility()
    m = matrix(scene.ships.model_actors[cid])
    # One model kilometre is one kilometre of the world: the matrix scales km to scene units.
    assert np.linalg.norm(m[:3, 0]) == pytest.approx(1.0 / AU_KM, rel=1e-9)
    # Its bounds (model km) through the matrix: 89.3 m long, as documented.
    lo, hi = np.array(scene.ships.model_actors[cid].GetMapper().GetInput().GetBounds()).reshape(3, 2).T
    assert (hi - lo)[0] * 1000 == pytest.approx(models.SIZES["terra_nova"].length_m, abs=0.1)
    # The ship fills a good part of the frame: many lit pixels near the centre, that are not
    # there without it.
    def bright(im):
        h, w = im.shape[:2]
        return (im[h // 4: 3 * h // 4, w // 4: 3 * w // 4, :3].astype(int).sum(axis=2) > 300).sum()

    scene.ships.model_actors[cid].SetVisibility(False)
    scene.ships.orient = lambda *a: None  # keep it hidden for this one render
    try:
        without = bright(render(scene))
    finally:
        del scene.ships.orient
    assert bright(img) - without > 150


def test_overview_shows_icons_of_constant_pixel_size(scene, plan):
    cid = plan.crewed
    scene.set_time(plan.epoch + 250.0)
    scene.set_camera("overview")
    render(scene)
    assert scene.ships.drawn_as[cid] == "icon"
    assert scene.craft_actors[cid].GetVisibility() and not scene.ships.model_actors[cid].GetVisibility()
    m = matrix(scene.craft_actors[cid])
    ends = [np.array(scene.world_to_display(m[:3, 3] + k * m[:3, 0])) for k in (-0.5, 0.5)]
    assert np.linalg.norm(ends[1] - ends[0]) == pytest.approx(ICON_PX * SIZE[1] / 720, abs=0.5)


def test_icon_hands_over_to_the_model_at_the_same_drawn_length(scene, plan):
    """Zooming in, the ship's drawn length grows continuously: the model takes over exactly
    where its true size on screen equals the icon's."""
    cid = plan.crewed
    scene.set_time(plan.epoch + 90.0)
    scene.set_camera("ship")
    cam = scene.p.renderer.GetActiveCamera()
    focal = np.array(cam.GetFocalPoint())
    direction = np.array(cam.GetPosition()) - focal
    direction /= np.linalg.norm(direction)
    icon_px = ICON_PX * SIZE[1] / 720
    # The switch distance: the model's length subtends icon_px pixels.
    L = scene.ships.length_km[cid] / AU_KM
    d_switch = L * SIZE[1] / (2 * np.tan(np.radians(cam.GetViewAngle() / 2)) * icon_px)
    lengths = {}
    for k in (0.98, 1.02):
        cam.SetPosition(*(focal + direction * d_switch * k))
        render(scene)
        r = scene.ships.shown[cid][0]
        drawn = scene.ships.drawn_as[cid]
        if drawn == "model":
            px = scene.ships.model_pixels(cid, r, _camera(cam))
        else:
            m = matrix(scene.craft_actors[cid])
            ends = [np.array(scene.world_to_display(m[:3, 3] + s * m[:3, 0])) for s in (-0.5, 0.5)]
            px = float(np.linalg.norm(ends[1] - ends[0]))
        lengths[k] = (drawn, px)
    assert lengths[0.98][0] == "model" and lengths[1.02][0] == "icon"
    assert lengths[0.98][1] == pytest.approx(icon_px / 0.98, rel=0.02)
    assert lengths[1.02][1] == pytest.approx(icon_px, abs=0.5)


def test_attitude_engine_aft_along_the_burn_and_along_the_velocity_when_coasting(scene, plan):
    cid = plan.crewed
    ships = scene.ships
    burn = plan.trajectories[cid].burns[0]
    eps = 1.0 / 1440
    state = lambda t: plan.local_state(cid, t, "sun")  # noqa: E731  (the drawn, true-scale track)
    dv = state(burn.t + eps)[1] - state(burn.t - eps)[1]
    h = ships.attitude(cid, burn.t + 0.5 / 24, state(burn.t + 0.5 / 24)[1])
    assert float(np.dot(h, dv / np.linalg.norm(dv))) == pytest.approx(1.0, abs=1e-9)
    t = plan.epoch + 90.0
    v = state(t)[1]
    assert ships.attitude(cid, t, v) == pytest.approx(v / np.linalg.norm(v), abs=1e-12)
    # The model's +x (the thrust axis) is the heading once placed.
    scene.set_time(burn.t + 0.5 / 24)
    scene.set_camera("ship")
    render(scene)
    x = matrix(ships.model_actors[cid])[:3, 0]
    assert float(np.dot(x / np.linalg.norm(x), dv / np.linalg.norm(dv))) == pytest.approx(1.0, abs=1e-9)


def test_close_camera_on_a_fresh_scene_aims_at_the_ship_drawn_along_its_burn(plan):
    """A new scene (overview camera, Earth drawn x1500) put just after the departure burn and
    then on the close camera: the camera is 0.22 km from the ship where it is drawn for that
    camera (not where the overview drew it, pushed millions of km off the enlarged Earth), the
    ship is drawn as its model and the model's +x is along the burn, as after any other camera."""
    from marsviz.scene.camera import TRACK

    cid = plan.crewed
    burn = plan.trajectories[cid].burns[0]
    eps = 1.0 / 1440
    dv = plan.local_state(cid, burn.t + eps, "sun")[1] - plan.local_state(cid, burn.t - eps, "sun")[1]
    dv = dv / np.linalg.norm(dv)
    t = burn.t + 0.5 / 24
    with offscreen_scene(plan, SIZE) as s:
        s.set_time(t)
        assert s.ctx.scales["earth"] == pytest.approx(1500.0)
        s.set_camera("ship")
        render(s)
        cam = s.p.renderer.GetActiveCamera()
        ship = np.asarray(s.position_au(cid))
        # Where the ship is drawn is where it is (Earth at true size from 0.22 km away).
        true = s.world.to_scene(plan.local_state(cid, t, "sun")[0])
        assert np.linalg.norm(ship - true) * s.world.km_per_unit < 1e-6
        assert s.ctx.scales["earth"] == pytest.approx(1.0)
        d_km = np.linalg.norm(np.array(cam.GetPosition()) - ship) * s.world.km_per_unit
        assert d_km == pytest.approx(TRACK["ship"][1], rel=1e-6)
        assert np.linalg.norm(np.array(cam.GetFocalPoint()) - ship) * s.world.km_per_unit < 1e-6
        assert s.ships.drawn_as[cid] == "model" and s.ships.model_actors[cid].GetVisibility()
        x = matrix(s.ships.model_actors[cid])[:3, 0]
        assert float(np.dot(x / np.linalg.norm(x), dv)) == pytest.approx(1.0, abs=1e-9)


def test_sun_glow_replaces_the_sphere_and_stays_inside_mercurys_orbit(scene, plan):
    names = set(scene.p.actors)
    assert "sun" not in names and not any(n.startswith("sun-glow-") for n in names)
    glow = scene.p.actors["sun-glow"]
    xmin, xmax, ymin, ymax, _, _ = glow.GetMapper().GetInput().GetBounds()
    half_au = (xmax - xmin) / 2 * scene.world.km_per_unit / AU_KM
    perihelion_au = np.linalg.norm(plan.orbit_samples("mercury"), axis=1).min() / AU_KM
    assert perihelion_au == pytest.approx(0.3075, abs=0.002)
    assert half_au < perihelion_au


def test_moon_is_where_the_ephemeris_says_near_earth_and_hidden_in_the_overview(scene, plan):
    t = plan.milestones["earth_arrival"] - 1.0
    scene.set_time(t)
    scene.set_camera("earth-approach")
    render(scene)
    moon = scene.planets.moon_actor
    assert moon.GetVisibility()
    np.testing.assert_allclose(np.array(moon.GetPosition()) * scene.world.km_per_unit
                               + scene.world.origin_km, plan.position("moon", t), rtol=0, atol=1e-3)
    # Drawn no larger than the Earth, in proportion (1737 km to 6371 km).
    ratio = moon.GetScale()[0] / scene.planet_actors["earth"].GetScale()[0]
    assert ratio == pytest.approx(1.0)
    scene.set_time(plan.epoch + 250.0)
    scene.set_camera("overview")
    render(scene)
    assert not moon.GetVisibility()


def test_earth_night_lights_are_on_only_on_the_night_side(scene, plan):
    t = plan.epoch + 10.0
    scene.set_time(t)
    mesh = scene.planets.night_mesh
    alpha = np.asarray(mesh.point_data["RGBA"])[:, 3]
    n = np.asarray(mesh.point_data["Normals"])
    to_sun = -plan.position("earth", t)
    to_sun = to_sun / np.linalg.norm(to_sun)
    c = n @ to_sun
    assert alpha[c > 0.1].max() == 0
    assert alpha[c < -0.2].min() == 255


def seen(img, bare, x, y) -> int:
    """How much two frames differ within a pixel of (x, y) (pixels from the left and top)."""
    win = (slice(max(y - 1, 0), y + 2), slice(max(x - 1, 0), x + 2), slice(0, 3))
    return int(np.abs(img[win].astype(int) - bare[win].astype(int)).max())


def test_surface_event_markers_ring_their_sites_distinct_on_the_turning_true_scale_mars(scene, plan):
    """With the camera at each site (the storyboard's surface shot), every surface event's
    marker is drawn in a small ring around its site: inside the Mars disc, a few pixels from
    every other, within the ring's radius of the site as the plan puts it; the active event's
    marker is seen (not hidden in a lander or its icon); the site is at its latitude and
    longitude on the globe's map."""
    from types import SimpleNamespace

    from marsviz.scene.markers import RING_LIFT, RING_PX
    from marsviz.story.shots import shot_pose

    surface = [e for e in plan.mission_events if getattr(e, "site", None) in plan.sites]
    assert len(surface) >= 6
    # One camera per site (each frame checks every marker): the first event of each site.
    shots = list({e.site: e for e in reversed(surface)}.values())
    assert len(shots) == len({e.site for e in surface}) == 3
    with frame_size(scene, (640, 360)):
        _surface_markers(scene, plan, surface, shots, RING_PX * 360 / 720, RING_LIFT, shot_pose)


def _surface_markers(scene, plan, surface, shots, ring_px, RING_LIFT, shot_pose):
    from types import SimpleNamespace

    mars = scene.planets.planet_actors["mars"]
    for ev in shots:
        state = SimpleNamespace(tau_s=0.0, t=ev.t, card=ev.id, card_kind="event", signal=None,
                                camera=shot_pose(plan, f"surface:{ev.site}", ev.t),
                                shot=f"surface:{ev.site}")
        scene.apply(state)
        img = render(scene)
        assert scene.ctx.scales["mars"] == pytest.approx(1.0)  # true size
        c_px, r_px = mars_disc_px(scene, plan)
        px = {e.id: np.array(scene.world_to_display(scene.markers.event_positions[e.id])) for e in surface}
        ids = list(px)
        for i, a in enumerate(ids):
            assert np.linalg.norm(px[a] - c_px) < r_px, (ev.id, a)
            e = next(x for x in surface if x.id == a)
            site = np.array(scene.world_to_display(scene.world.to_scene(plan.site_position(e.site, ev.t))))
            assert np.linalg.norm(px[a] - site) < ring_px * (1 + RING_LIFT) + 3.0, (ev.id, a)
            for b in ids[i + 1:]:
                assert np.linalg.norm(px[a] - px[b]) >= 4.0, (ev.id, a, b)
        # The active event's marker is seen: hiding the markers changes the pixels under it.
        assert scene.markers.active_id == ev.id
        # The other surface events that have happened offer their labels at their own markers;
        # later ones do not (no spoilers).
        cands = scene.markers.site_label_candidates()
        assert sorted(c[1] for c in cands) == sorted(e.title for e in surface if e.id != ev.id and e.t <= ev.t)
        for _kind, title, where, _r in cands:
            e = next(x for x in surface if x.title == title)
            np.testing.assert_array_equal(where, scene.markers.event_positions[e.id])
        x, y = (int(round(v)) for v in px[ev.id])
        acts = list(scene.markers.marker_actors.values()) + [scene.markers.active_actor]
        for a in acts:
            a.SetVisibility(False)
        try:
            bare = render(scene)
        finally:
            scene.apply(state)
        assert seen(img, bare, x, y) > 40, ev.id
        # The site on the globe's map: the map's latitude and longitude of the site.
        d = plan.site_position(ev.site, ev.t) - plan.position("mars", ev.t)
        lon, lat = drawn_lonlat(mars, mars.GetMapper().GetInput(), d)
        s = plan.sites[ev.site]
        assert lat == pytest.approx(s["latitude_deg"], abs=0.5), ev.id
        assert abs((lon - s["longitude_deg"] + 180) % 360 - 180) < 0.5, ev.id


def test_surface_event_markers_stay_clear_of_the_landers_up_close(scene, plan):
    """From 110 m, the base's event markers ring Atlantis at least 15 m from its centre (its
    half-span is 6.2 m), on the ground's side of the sky, and the active one is seen."""
    from types import SimpleNamespace

    from marsviz.scene.markers import SITE_CLEAR_KM

    ev = next(e for e in plan.mission_events if e.id == "plea")
    t = ev.t + 0.05
    pose = close_pose(plan, "base", t, 110.0, 35.0, aim_east_m=-45.0, towards=(0.3, -1.0))
    state = SimpleNamespace(tau_s=0.0, t=t, card=ev.id, card_kind="event", signal=None, camera=pose,
                            shot="surface:base")
    scene.apply(state)
    img = render(scene)
    atlantis = scene.ships.shown["atlantis"][0]
    base = [e.id for e in plan.mission_events if getattr(e, "site", None) == "base"]
    for i in base:
        d_m = np.linalg.norm(scene.markers.event_positions[i] - atlantis) * scene.world.km_per_unit * 1000
        assert d_m >= SITE_CLEAR_KM * 1000 - 0.01, i
        assert d_m < 40.0, i  # still at the base, not 370 m off at the well
    x, y = (int(round(v)) for v in scene.world_to_display(scene.markers.event_positions[ev.id]))
    assert 0 <= x < SIZE[0] and 0 <= y < SIZE[1]
    for a in list(scene.markers.marker_actors.values()) + [scene.markers.active_actor]:
        a.SetVisibility(False)
    try:
        bare = render(scene)
    finally:
        scene.apply(state)
    assert seen(img, bare, x, y) > 40


def drawn_lonlat(actor, mesh, direction) -> tuple[float, float]:
    """Texture longitude and latitude (degrees) of a drawn globe where ``direction`` (from its
    centre, scene axes) meets it: interpolated inside the cell the ray hits, on the points
    and texture coordinates that the actor draws."""
    from vtkmodules.vtkCommonDataModel import vtkCellLocator

    mesh = pv.wrap(mesh)
    pts = np.asarray(mesh.points)
    r = float(np.linalg.norm(pts, axis=1).max())
    x = np.asarray(direction, dtype=float) / np.linalg.norm(direction) * r
    loc = vtkCellLocator()
    loc.SetDataSet(mesh)
    loc.BuildLocator()
    import vtk

    closest, cell_id, sub_id, d2 = [0.0, 0.0, 0.0], vtk.reference(0), vtk.reference(0), vtk.reference(0.0)
    loc.FindClosestPoint(x, closest, cell_id, sub_id, d2)
    cell = mesh.GetCell(int(cell_id))
    w = [0.0] * cell.GetNumberOfPoints()
    pc = [0.0, 0.0, 0.0]
    cell.EvaluatePosition(closest, [0.0, 0.0, 0.0], vtk.reference(0), pc, vtk.reference(0.0), w)
    ids = [cell.GetPointId(i) for i in range(cell.GetNumberOfPoints())]
    tc = np.asarray(mesh.active_texture_coordinates)[ids]
    if np.ptp(tc[:, 0]) > 0.5:  # a cell on the seam (u = 0 and u = 1 are the same meridian)
        tc = tc.copy()
        tc[tc[:, 0] < 0.5, 0] += 1.0
    u, v = np.asarray(w) @ tc
    return (u * 360.0) % 360.0 - 180.0, v * 180.0 - 90.0


@pytest.mark.parametrize("when", ["2030-03-20T12:00", "2030-09-22T18:00", "2031-06-21T06:00"])
def test_earth_turns_with_the_real_subsolar_point_under_the_sun(scene, plan, when):
    """At a UTC instant the drawn Earth's point facing the Sun carries the Blue Marble's
    longitude and latitude of the subsolar point, computed independently by astropy (the Sun's
    apparent place in ITRS); the city lights are off there and on at the antisolar point."""
    import datetime as dt
    import warnings

    import astropy.units as u
    from astropy.coordinates import ITRS, get_sun
    from astropy.time import Time

    from marsviz.mission.timescale import configure_astropy

    configure_astropy()
    utc = dt.datetime.fromisoformat(when)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at = Time(utc, scale="utc")
        sun = get_sun(at).transform_to(ITRS(obstime=at)).spherical
    lon_ref = float(sun.lon.wrap_at(180 * u.deg).deg)
    lat_ref = float(sun.lat.deg)
    t = plan.clock.from_utc(utc)
    scene.set_time(t)
    to_sun = -np.asarray(plan.position("earth", t), dtype=float)
    earth = scene.planets.planet_actors["earth"]
    lon, lat = drawn_lonlat(earth, earth.GetMapper().GetInput(), to_sun)
    assert abs((lon - lon_ref + 180) % 360 - 180) < 1.0
    assert lat == pytest.approx(lat_ref, abs=1.0)
    # The night lights' shell turns with it: dark under the Sun, lit opposite.
    night = pv.wrap(scene.planets.night_mesh)
    n = np.asarray(night.point_data["Normals"])
    alpha = np.asarray(night.point_data["RGBA"])[:, 3]
    s = to_sun / np.linalg.norm(to_sun)
    assert alpha[np.argmax(n @ s)] == 0 and alpha[np.argmin(n @ s)] == 255
    lon_n, lat_n = drawn_lonlat(scene.planets.night_actor, night, -to_sun)
    assert abs((lon_n - lon_ref) % 360 - 180) < 1.0 and lat_n == pytest.approx(-lat_ref, abs=1.0)


def test_every_globe_turns_with_its_iau_orientation(scene, plan):
    """Mercury, Venus, Mars and the Moon as drawn: the body-fixed direction of a point on the
    map is where the plan's rotation puts it (Mars's base site; the Moon's near side faces the
    Earth, within its libration)."""
    t = plan.milestones["mars_arrival"] + 10.0
    scene.set_time(t)
    for body in ("mercury", "venus", "mars"):
        actor = scene.planets.planet_actors[body]
        rot = plan.body_rotation(body, t)
        for lon0, lat0 in ((0.0, 0.0), (110.6, 25.3), (-60.0, -40.0)):
            lo, la = np.radians(lon0), np.radians(lat0)
            d = rot @ np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
            lon, lat = drawn_lonlat(actor, actor.GetMapper().GetInput(), d)
            assert abs((lon - lon0 + 180) % 360 - 180) < 0.5, body
            assert lat == pytest.approx(lat0, abs=0.5), body
    # The base site on the drawn Mars is where the plan puts it.
    mars = scene.planets.planet_actors["mars"]
    d = plan.site_position("base", t) - plan.position("mars", t)
    lon, lat = drawn_lonlat(mars, mars.GetMapper().GetInput(), d)
    assert (lon, lat) == pytest.approx((plan.sites["base"]["longitude_deg"], plan.sites["base"]["latitude_deg"]), abs=0.5)
    # The Moon's near side (the map's longitude 0) faces the Earth, within the libration (8 deg).
    t = plan.milestones["earth_arrival"] - 1.0
    scene.set_time(t)
    moon = scene.planets.moon_actor
    to_earth = plan.position("earth", t) - plan.position("moon", t)
    lon, lat = drawn_lonlat(moon, moon.GetMapper().GetInput(), to_earth)
    assert abs(lon) < 8.0 and abs(lat) < 8.0


def close_pose(plan, site, t, back_m, height_m, aim_east_m=0.0, towards=(0.6, -1.0), angle=40.0):
    """A camera ``back_m`` metres from a point of ``site`` (``aim_east_m`` east of its centre)
    and ``height_m`` above the ground, looking at it (directions east, north)."""
    from marsviz.mission.local import place_fixed
    from marsviz.story.shots import CameraPose

    body = plan.sites[site]["body"]
    rot = np.asarray(plan.body_rotation(body, t))
    c = np.asarray(plan.position(body, t))
    f = place_fixed(plan, site, aim_east_m, 0.0)
    up = f / np.linalg.norm(f)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    d = towards[0] * east + towards[1] * north
    cam = f + (d / np.linalg.norm(d) * back_m + up * height_m) * 1e-3
    return CameraPose(tuple(c + rot @ f), tuple(c + rot @ cam), tuple(rot @ up), angle, body)


def apply_pose(scene, plan, t, pose, card=None):
    from types import SimpleNamespace

    scene.apply(SimpleNamespace(tau_s=0.0, t=t, card=card, card_kind="event" if card else None,
                                signal=None, camera=pose, shot="surface:base"))
    return render(scene)


def test_atlantis_and_gagarin_stand_side_by_side_at_true_size(scene, plan):
    """With the camera at the base, both landers are drawn as true-size models, their drawn
    places further apart on screen than their drawn radii together, both on the Mars disc."""
    t = next(e.t for e in plan.mission_events if e.id == "dust-devil") + 0.1
    apply_pose(scene, plan, t, close_pose(plan, "base", t, 110.0, 35.0, aim_east_m=-45.0, towards=(0.3, -1.0)))
    assert scene.ctx.scales["mars"] == pytest.approx(1.0)
    centre_px, r_mars = mars_disc_px(scene, plan)
    cam = _camera(scene.p.renderer.GetActiveCamera())
    px, rad = {}, {}
    for cid in ("atlantis", "gagarin"):
        assert scene.ships.drawn_as[cid] == "model" and scene.ships.model_actors[cid].GetVisibility()
        assert scene.ships.form[cid] == "landed"
        r = scene.ships.shown[cid][0]
        px[cid] = np.array(scene.world_to_display(r))
        rad[cid] = scene.ships.model_pixels(cid, r, cam) / 2  # half its drawn size
        assert 0 < px[cid][0] < SIZE[0] and 0 < px[cid][1] < SIZE[1]
        assert np.linalg.norm(px[cid] - centre_px) < r_mars
    sep = np.linalg.norm(px["atlantis"] - px["gagarin"])
    assert sep > rad["atlantis"] + rad["gagarin"] + 10
    # In space too: 90 m apart, not intersecting (half-spans 6.2 m and 5.7 m).
    gap_m = np.linalg.norm(scene.ships.shown["atlantis"][0] - scene.ships.shown["gagarin"][0]) \
        * scene.world.km_per_unit * 1000
    assert gap_m == pytest.approx(90.0, abs=0.5)


def _red(img):
    """Plainly red pixels: by day, or at night as dim as the ground there (the water strike)."""
    rgb = img[..., :3].astype(int)
    return (rgb[..., 0] > 40) & (rgb[..., 0] > 3 * rgb[..., 1]) & (rgb[..., 0] > 3 * rgb[..., 2])


def _red_valve_pixels(scene, actor, img):
    """Red pixels the well head itself draws: those that go when it is hidden (a failure's
    red event marker on the well's ring may be in the same view)."""
    if not actor.GetVisibility():
        return 0
    actor.SetVisibility(False)
    try:
        bare = render(scene)
    finally:
        actor.SetVisibility(True)
    return int((_red(img) & ~_red(bare)).sum())


def test_drill_rig_and_well_head_appear_when_the_story_says_at_the_well(scene, plan):
    ev = {e.id: e for e in plan.mission_events}
    built = {x["model"]: x["t_built"] for x in plan.sites["well"]["structures"]}
    actors = {k.split("/")[1]: v["actor"] for k, v in scene.ships.structures.items()}
    assert set(actors) == {"drill_rig", "well_head"}
    minute = 1.0 / 1440
    cases = [(built["drill_rig"] - minute, False, False), (ev["drilling"].t, True, False),
             (ev["water"].t - minute, True, False), (ev["water"].t + minute, True, True)]
    for t, rig, well in cases:
        img = apply_pose(scene, plan, t, close_pose(plan, "well", t, 14.0, 5.0))
        assert bool(actors["drill_rig"].GetVisibility()) is rig, t
        assert bool(actors["well_head"].GetVisibility()) is well, t
        # The red valves of the well head are on screen only with the well head.
        valves = _red_valve_pixels(scene, actors["well_head"], img)
        assert (valves > 4) is well, (t, valves)
        # Those shown stand at the well, within a metre of where the plan puts the site.
        for a in actors.values():
            if not a.GetVisibility():
                continue
            m = matrix(a)
            km = m[:3, 3] * scene.world.km_per_unit + scene.world.origin_km
            assert np.linalg.norm(km - plan.site_position("well", t)) * 1000 < 1.0
            up = m[:3, 0] / np.linalg.norm(m[:3, 0])
            vertical = plan.site_position("well", t) - plan.position("mars", t)
            assert float(np.dot(up, vertical / np.linalg.norm(vertical))) == pytest.approx(1.0, abs=1e-9)
            assert np.linalg.norm(m[:3, 0]) == pytest.approx(1.0 / scene.world.km_per_unit, rel=1e-9)
