"""Ship models, icons and the Sun's glow: sizes, parts, orientation, render cost, pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from marsviz.scene import models as m

SHIPS = list(m.BUILDERS)


@pytest.fixture(scope="module")
def ships():
    return {name: m.build_ship(name) for name in SHIPS}


@pytest.fixture(scope="module")
def icons():
    return {name: m.icon(name) for name in SHIPS}


def _points_of(mesh, part):
    """The points of the cells of ``part`` (km)."""
    sel = mesh.extract_cells(np.flatnonzero(np.asarray(mesh.cell_data["part"]) == m.PARTS.index(part)))
    return np.asarray(sel.points)


@pytest.mark.parametrize("name", SHIPS)
def test_model_is_at_its_documented_true_size(ships, name):
    b = np.array(ships[name].bounds).reshape(3, 2) * 1000.0  # metres
    size = m.SIZES[name]
    for (lo, hi), want in zip(b, (size.length_m, size.span_y_m, size.span_z_m)):
        assert hi - lo == pytest.approx(want, rel=0.01, abs=0.1)


def test_terra_nova_is_far_bigger_than_a_lander(ships):
    """Sizes in km: 89 m against 7 m, as documented, not two icons of one size."""
    tn = np.array(ships["terra_nova"].bounds).reshape(3, 2)
    gag = np.array(ships["gagarin"].bounds).reshape(3, 2)
    assert (tn[0, 1] - tn[0, 0]) == pytest.approx(0.0893, rel=1e-3)
    assert (tn[0, 1] - tn[0, 0]) / (gag[0, 1] - gag[0, 0]) > 10


@pytest.mark.parametrize("name", SHIPS)
def test_model_has_the_parts_that_make_it_recognisable(ships, name):
    assert m.REQUIRED_PARTS[name] <= m.parts_of(ships[name])


@pytest.mark.parametrize("name", SHIPS)
def test_each_cell_carries_its_part_colour(ships, name):
    mesh = ships[name]
    part = np.asarray(mesh.cell_data["part"])
    rgb = np.asarray(mesh.cell_data["RGB"])
    assert rgb.dtype == np.uint8 and rgb.shape == (mesh.n_cells, 3)
    for i in np.unique(part):
        assert (rgb[part == i] == m.PART_COLORS[m.PARTS[i]]).all()


@pytest.mark.parametrize("name", SHIPS)
def test_engines_are_aft_and_open_towards_minus_x(ships, name):
    mesh = ships[name]
    pts = np.asarray(mesh.points)
    lo, hi = pts[:, 0].min(), pts[:, 0].max()
    noz = _points_of(mesh, "nozzle")
    # Every nozzle lies in the aft quarter of the ship...
    assert noz[:, 0].max() < lo + 0.25 * (hi - lo)
    # ...and its bell is widest at its aft end: the exhaust leaves along -x.
    aft_end = noz[noz[:, 0] <= noz[:, 0].min() + 1e-6]
    fwd = noz[noz[:, 0] >= noz[:, 0].max() - 0.2 * (noz[:, 0].max() - noz[:, 0].min())]
    span = lambda p: np.ptp(p[:, 1]) + np.ptp(p[:, 2])  # noqa: E731
    assert aft_end.shape[0] > 0 and span(aft_end) >= span(fwd) * 0.99
    if name == "terra_nova":
        # Nothing of the ship is further aft than the nozzle exits; crew at the other end.
        assert noz[:, 0].min() == pytest.approx(lo)
        assert _points_of(mesh, "capsule")[:, 0].max() == pytest.approx(hi)
        # Shadow shield between the reactors and everything forward of them.
        shield = _points_of(mesh, "shadow_shield")
        assert _points_of(mesh, "reactor")[:, 0].max() <= shield[:, 0].min() + 1e-9
        tank = _points_of(mesh, "propellant_tank")
        assert tank[:, 0].min() >= shield[:, 0].max() - 1e-9


@pytest.mark.parametrize("name, limit", [("terra_nova", 8000), ("shirase", 3000),
                                         ("atlantis", 3000), ("gagarin", 3000)])
def test_models_are_triangles_and_bounded_in_count(ships, icons, name, limit):
    mesh = ships[name]
    assert mesh.is_all_triangles
    assert 200 < mesh.n_cells <= limit
    assert icons[name].is_all_triangles and icons[name].n_cells <= limit // 2
    coarse = m.build_ship(name, resolution=8)
    assert coarse.n_cells < mesh.n_cells


@pytest.mark.parametrize("name", SHIPS)
def test_icon_is_a_flat_unit_silhouette_with_the_same_parts(ships, icons, name):
    ic = icons[name]
    b = np.array(ic.bounds).reshape(3, 2)
    assert max(b[0, 1] - b[0, 0], b[1, 1] - b[1, 0]) == pytest.approx(1.0)
    assert b[2, 1] - b[2, 0] < 0.02  # flat
    assert abs(b[0].mean()) < 1e-9 and abs(b[1].mean()) < 1e-9  # centred on the origin
    # The side view keeps the model's proportions (length against the y span).
    mb = np.array(ships[name].bounds).reshape(3, 2)
    want = (mb[1, 1] - mb[1, 0]) / (mb[0, 1] - mb[0, 0])
    assert (b[1, 1] - b[1, 0]) / (b[0, 1] - b[0, 0]) == pytest.approx(want, rel=0.02)
    assert m.REQUIRED_PARTS[name] - {"propellant_tank"} <= m.parts_of(ic)


def test_a_model_built_once_is_handed_out_as_independent_identical_copies():
    m.build_ship.cache_clear()
    a = m.build_ship("gagarin", 12)
    b = m.build_ship("gagarin", 12)
    assert a is not b and a.n_points == b.n_points > 100
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.cell_data["part"], b.cell_data["part"])
    a.points += 1.0  # a caller moving its copy leaves the next one where the model is
    a.cell_data["part"][:] = 0
    c = m.build_ship("gagarin", 12)
    np.testing.assert_array_equal(c.points, b.points)
    np.testing.assert_array_equal(c.cell_data["part"], b.cell_data["part"])
    i1, i2 = m.icon("shirase", transit=True), m.icon("shirase", transit=True)
    i1.points *= 2.0
    assert np.abs(i2.points).max() <= 0.5 + 1e-9 and i2.points is not i1.points


def test_model_for_finds_a_model_by_id_or_scenario_role():
    assert m.model_for("terra_nova") == "terra_nova"
    assert m.model_for("hope", "Cargo lander") == "shirase"
    assert m.model_for("ares", "Mars surface habitat") == "atlantis"
    assert m.model_for("vostok", "Mars lander") == "gagarin"
    with pytest.raises(KeyError) as exc:
        m.model_for("probe", "Orbiter")
    assert exc.value.args[0].startswith("no ship model for spacecraft 'probe' (role 'Orbiter')")
    with pytest.raises(KeyError) as exc:
        m.build_ship("enterprise")
    assert exc.value.args[0] == ("no ship model 'enterprise'; models: terra_nova, shirase, "
                                 "atlantis, gagarin")


def test_world_size_for_pixels_matches_the_view_geometry():
    # 100 px of a 1000 px high view, 10 units away with a 30 degree view angle.
    assert m.world_size_for_pixels(100, 10.0, 30.0, 1000) == pytest.approx(
        2 * 10 * math.tan(math.radians(15)) / 10)
    assert m.world_size_for_pixels(50, 123.0, 30.0, 500, parallel_scale=4.0) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="window height must be positive, got 0"):
        m.world_size_for_pixels(10, 1.0, 30.0, 0)


def test_glow_profile_is_full_on_the_disc_and_fades_to_nothing_without_steps():
    r = np.linspace(0, 1, 2001)
    a = m.glow_profile(r, core=0.15)
    assert (a[r <= 0.15] == 1.0).all()
    assert a[-1] == 0.0
    assert (np.diff(a) <= 1e-12).all()  # never brightens outwards: no rings
    assert np.abs(np.diff(a)).max() < 0.01  # continuous: no step anywhere
    img = m.sun_glow_image(128)
    assert img.shape == (128, 128, 4) and img.dtype == np.uint8
    assert img[64, 64, 3] == 255 and img[0, 0, 3] == 0 and img[64, 0, 3] <= 1


# --------------------------------------------------------------------------- renders

@pytest.fixture(scope="module")
def plotter():
    import pyvista as pv

    p = pv.Plotter(off_screen=True, window_size=(320, 200))
    p.set_background("black")
    yield p
    p.close()


def _shot(p):
    p.render()
    return np.asarray(p.screenshot(return_img=True))[..., :3].astype(int)


def _mask(img, rgb, tol=2):
    return (np.abs(img - np.asarray(rgb)) <= tol).all(axis=-1)


@pytest.mark.render
def test_one_actor_draws_terra_nova_engine_left_capsule_right_in_a_side_view(plotter, ships):
    p = plotter
    p.clear_actors()
    p.add_mesh(ships["terra_nova"], scalars="RGB", rgb=True, lighting=False, name="ship")
    p.view_xy()  # looking along -z: +x to the right
    p.reset_camera()
    img = _shot(p)
    assert len(p.renderer.actors) == 1
    cols = {part: np.nonzero(_mask(img, m.PART_COLORS[part]))[1]
            for part in ("reactor", "shadow_shield", "propellant_tank", "radiator", "capsule")}
    assert all(len(c) > 3 for c in cols.values()), {k: len(v) for k, v in cols.items()}
    assert cols["reactor"].max() < cols["capsule"].min()
    assert cols["shadow_shield"].mean() < cols["radiator"].mean() < cols["capsule"].mean()
    lit = (img.sum(axis=-1) > 0).any(axis=0).nonzero()[0]
    assert lit.max() - lit.min() > 0.5 * img.shape[1]  # the ship fills the view's width


@pytest.mark.render
def test_icon_scaled_by_world_size_for_pixels_is_that_many_pixels_long(plotter, icons):
    p = plotter
    p.clear_actors()
    ic = icons["terra_nova"].copy()
    cam_dist, want_px = 50.0, 120
    p.camera_position = [(0, 0, cam_dist), (0, 0, 0), (0, 1, 0)]
    p.camera.view_angle = 30.0
    size = m.world_size_for_pixels(want_px, cam_dist, 30.0, 200)
    ic.points = np.asarray(ic.points) * size
    p.add_mesh(ic, scalars="RGB", rgb=True, lighting=False, name="icon", reset_camera=False)
    p.reset_camera_clipping_range()
    img = _shot(p)
    lit = (img.sum(axis=-1) > 0).any(axis=0).nonzero()[0]
    assert lit.max() - lit.min() + 1 == pytest.approx(want_px, abs=3)


@pytest.mark.render
def test_sun_glow_faces_the_camera_and_fades_smoothly(plotter):
    p = plotter
    p.clear_actors()
    actor = m.add_sun_glow(p, (0.0, 0.0, 0.0), radius=1.0, name="glow")
    profiles = []
    for pos in [(0, 0, 30), (21, 3, 21), (-5, 29, 3)]:  # three sides: always a round glow
        p.camera_position = [pos, (0, 0, 0), (0, 0, 1) if pos[2] < 10 else (0, 1, 0)]
        p.camera.view_angle = 30.0
        p.reset_camera_clipping_range()
        img = _shot(p).sum(axis=-1)
        cy, cx = np.array(img.shape) // 2
        row = img[cy, cx:cx + 90]
        col = img[cy:cy + 90, cx]
        profiles.append(row)
        assert np.abs(row - col).max() <= 12  # round, not an edge-on square
        assert row[0] >= 3 * 250  # white-hot core
        assert (np.diff(row) <= 3).all()  # dims outwards, never a bright ring
        assert np.abs(np.diff(row)).max() < 60  # no hard step
        assert row[-1] < 15  # fades to the black sky
    assert np.abs(profiles[0] - profiles[1]).max() <= 12
    assert actor.GetCamera() is p.renderer.GetActiveCamera()


@pytest.mark.render
def test_planet_lighting_leaves_the_night_side_dark(plotter):
    import pyvista as pv

    p = plotter
    p.clear_actors()
    p.remove_all_lights()
    p.add_light(pv.Light(position=(10, 0, 0), focal_point=(0, 0, 0), light_type="scene light"))
    p.add_mesh(pv.Sphere(radius=1.0, theta_resolution=48, phi_resolution=24), color="white",
               smooth_shading=True, name="planet", **m.PLANET_LIGHTING)
    p.camera_position = [(0, -6, 0), (0, 0, 0), (0, 0, 1)]  # terminator down the middle
    img = _shot(p).sum(axis=-1) / 3
    cy, cx = np.array(img.shape) // 2
    # The disc is 62 px in radius: 50 px from the centre the surface faces the light at
    # cos = 0.8 on the day side and is turned away as much on the night side.
    day, night = img[cy, cx + 50], img[cy, cx - 50]
    assert day > 0.8 * 255 * 0.9 and night < 12


def test_textured_sphere_maps_longitude_and_latitude_as_the_shipped_maps():
    s = m.textured_sphere(2.0, nlon=36, nlat=18)
    pts, uv = np.asarray(s.points), np.asarray(s.active_texture_coordinates)
    assert np.allclose(np.linalg.norm(pts, axis=1), 2.0)
    for xyz, want in [((2, 0, 0), (0.5, 0.5)), ((0, 2, 0), (0.75, 0.5)), ((0, -2, 0), (0.25, 0.5)),
                      ((0, 0, 2), (None, 1.0))]:
        i = np.argmin(np.linalg.norm(pts - xyz, axis=1))
        assert np.allclose(pts[i], xyz, atol=1e-9)
        if want[0] is not None:
            assert uv[i, 0] == pytest.approx(want[0])
        assert uv[i, 1] == pytest.approx(want[1])
    assert s.is_all_triangles and s.n_cells == 2 * 36 * 18 - 2 * 36  # one triangle per pole quad


def test_night_lights_are_on_only_where_the_sun_is_down():
    assert m.night_side_alpha([1.0, 0.05, -0.05, -0.15, -1.0]).tolist() == pytest.approx(
        [0.0, 0.0, 0.5, 1.0, 1.0])
    shell = m.night_lights(1.0, nlon=36, nlat=18)
    m.set_night_side(shell, (3.0, 0.0, 0.0))
    pts, a = np.asarray(shell.points), np.asarray(shell.point_data["RGBA"])[:, 3]
    assert np.allclose(np.linalg.norm(pts, axis=1), 1.001)
    assert (a[pts[:, 0] > 0.06] == 0).all() and (a[pts[:, 0] < -0.16] == 255).all()


@pytest.mark.render
def test_night_lights_show_over_the_dark_side_and_not_the_day_side(plotter):
    import pyvista as pv

    p = plotter
    p.clear_actors()
    p.remove_all_lights()
    p.add_light(pv.Light(position=(10, 0, 0), focal_point=(0, 0, 0), light_type="scene light"))
    p.add_mesh(m.textured_sphere(1.0, 64, 32), color="white", smooth_shading=True, name="day",
               **m.PLANET_LIGHTING)
    shell = m.night_lights(1.0, 64, 32)
    m.set_night_side(shell, (1.0, 0.0, 0.0))
    lights = pv.Texture(np.tile(np.array([255, 40, 0], np.uint8), (16, 32, 1)))
    m.add_night_lights(p, shell, lights, name="night")
    p.camera_position = [(0, -6, 0), (0, 0, 0), (0, 0, 1)]
    img = _shot(p)
    cy, cx = np.array(img.shape[:2]) // 2
    day, night = img[cy, cx + 50], img[cy, cx - 50]
    assert day.min() > 180 and np.ptp(day) < 10  # lit white ground, no orange cast
    assert night[0] > 200 and night[1] < 60 and night[2] < 20  # the lights' colour


@pytest.mark.parametrize("name", ["shirase", "atlantis", "gagarin"])
def test_transit_stack_flies_the_lander_on_a_nuclear_stage_engines_aft(ships, name):
    stack = m.transit_stack(name)
    b = np.array(stack.bounds).reshape(3, 2) * 1000.0
    size = m.TRANSIT_SIZES[name]
    for (lo, hi), want in zip(b, (size.length_m, size.span_y_m, size.span_z_m)):
        assert hi - lo == pytest.approx(want, rel=0.01, abs=0.1)
    assert {"reactor", "shadow_shield", "heat_shield"} | m.REQUIRED_PARTS[name] <= m.parts_of(stack)
    reactor, shield = _points_of(stack, "reactor"), _points_of(stack, "heat_shield")
    lander = _points_of(stack, "descent_stage")
    assert reactor[:, 0].max() < shield[:, 0].min() < lander[:, 0].min()  # aft to fore
    assert _points_of(stack, "nozzle")[:, 0].min() == pytest.approx(stack.bounds[0])
    assert stack.is_all_triangles and stack.n_cells <= 8000
    # The lander rides unchanged: same cells, shifted forward of the heat shield.
    n_lander = ships[name].n_cells
    tail = np.asarray(stack.cell_data["part"])[-n_lander:]
    assert (tail == np.asarray(ships[name].cell_data["part"])).all()
    assert m.transit_stack("terra_nova").n_cells == ships["terra_nova"].n_cells


@pytest.mark.render
def test_icon_matrix_keeps_the_icon_that_many_pixels_long_along_the_heading(plotter, icons):
    """From two oblique cameras, the icon's nose-to-tail line on screen is the heading's."""
    p = plotter
    p.clear_actors()
    actor = p.add_mesh(icons["terra_nova"], scalars="RGB", rgb=True, lighting=False, name="icon",
                       reset_camera=False)
    pos, heading = np.array([3.0, -2.0, 1.0]), np.array([1.0, 1.0, 0.2])
    for cam_pos in [(3.0, -2.0, 40.0), (30.0, -25.0, 15.0)]:
        p.camera_position = [cam_pos, tuple(pos), (0, 0, 1) if cam_pos[2] < 20 else (0, 1, 0)]
        p.camera.view_angle = 30.0
        actor.user_matrix = m.icon_matrix(pos, heading, p.camera, 200, pixels=100)
        p.reset_camera_clipping_range()
        rgb = _shot(p)
        img = rgb.sum(axis=-1)
        ys, xs = np.nonzero(img > 0)
        # The silhouette's long axis (principal component) on screen...
        pts = np.c_[xs, -ys].astype(float)
        pts -= pts.mean(axis=0)
        axis = np.linalg.eigh(pts.T @ pts)[1][:, -1]
        extent = np.ptp(pts @ axis)
        assert extent == pytest.approx(100, abs=4)
        # ...is the heading as VTK projects it.
        def screen(w):
            p.renderer.SetWorldPoint(*w, 1.0)
            p.renderer.WorldToDisplay()
            return np.array(p.renderer.GetDisplayPoint()[:2])
        d = screen(pos + 0.01 * heading) - screen(pos)
        d /= np.linalg.norm(d)
        assert abs(np.dot(axis, d)) > 0.999
        # The nose (capsule) leads, the reactors trail.
        def along(part):
            yy, xx = np.nonzero(_mask(rgb, m.PART_COLORS[part]))
            return (np.c_[xx, -yy] @ d).mean()
        assert along("capsule") - along("reactor") > 60


def test_transit_icon_shows_the_nuclear_stage_and_the_lander():
    ic = m.icon("gagarin", transit=True)
    b = np.array(ic.bounds).reshape(3, 2)
    assert b[0, 1] - b[0, 0] == pytest.approx(1.0)
    assert {"reactor", "nozzle", "heat_shield", "capsule", "descent_stage"} <= m.parts_of(ic)
    # Proportions of the 39.0 m x 13.0 m stack.
    assert (b[1, 1] - b[1, 0]) == pytest.approx(13.0 / 39.0, rel=0.02)
