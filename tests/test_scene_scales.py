"""From the Solar System to a planet at true size: exaggeration, paths clear of planets,
a ship that never jumps, sizes that follow the frame height, a true scale bar."""

import numpy as np
import pytest
import pyvista as pv

from marsviz.mission.plan import AU_KM, PLANETS
from marsviz.scene import scales
from marsviz.scene.scene import MissionScene

from tests.conftest import offscreen_scene

pytestmark = pytest.mark.render
SIZE = (320, 180)


@pytest.fixture(scope="module")
def scene(plan):
    with offscreen_scene(plan, SIZE) as s:
        yield s


def views(plan):
    """(camera, instant) pairs: the overview, and each encounter at its own scale."""
    ms = plan.milestones
    stay = [plan.event(e).t for e in ("dust-devil", "plea")]
    out = [("overview", plan.epoch + dt) for dt in (0.0, 173.0, 300.0, 365.0, 560.0)]
    out += [("inner", ms["venus_flyby_outbound"]), ("venus", ms["venus_flyby_outbound"])]
    out += [("venus-flyby", ms["venus_flyby_outbound"] + h / 24) for h in (-6, -1, 0, 0.5, 3)]
    out += [("mars-arrival", ms["mars_arrival"] + d) for d in (-2.0, -0.2, 0.0, 0.3)]
    out += [("mars-stay", t) for t in (ms["mars_arrival"] + 1, *stay, ms["mars_departure"] - 0.01)]
    out += [("earth-approach", ms["earth_arrival"] - d) for d in (10.0, 1.0, 0.1, 0.0)]
    out += [("earth", ms["earth_departure"])]
    return out


def seg_dist(c, a, b):
    """Distance from point c to each segment a[i]-b[i]."""
    ab = b - a
    L2 = np.einsum("ij,ij->i", ab, ab)
    u = np.clip(np.einsum("ij,ij->i", c - a, ab) / np.where(L2 > 0, L2, 1.0), 0.0, 1.0)
    p = a + u[:, None] * ab
    return np.linalg.norm(p - c, axis=1)


def test_exaggeration_is_continuous_monotonic_and_true_size_up_close():
    R = 3389.5
    d = np.geomspace(1e3, 1e10, 4000)
    s = np.array([scales.exaggeration(x, R, 1500.0) for x in d])
    assert s[0] == 1.0 and s[-1] == 1500.0
    assert np.all(np.diff(s) >= 0)
    # continuous: no step larger than the distance step allows (linear in distance in between)
    assert np.all(np.diff(s) <= s[1:] * (d[1] / d[0] - 1) + 1e-9)
    # a planet never looks larger than VIEW_FRACTION of the camera distance, unless at true size
    assert np.all((s * R <= scales.VIEW_FRACTION * d * (1 + 1e-12)) | (s == 1.0))


def test_display_map_keeps_points_out_and_leaves_far_points_alone():
    rng = np.random.default_rng(3)
    R, s = 6051.8, 250.0
    c = np.array([1e8, 2e7, 0.0])
    for floor in (True, False):
        m = scales.DisplayMap({"venus": (c, R, s)}, floor=floor)
        rel = rng.normal(size=(5000, 3))
        rel /= np.linalg.norm(rel, axis=1, keepdims=True)
        rho = np.geomspace(R if not floor else 1.0, 50 * s * R, 5000)
        out = m.apply(c + rel * rho[:, None])
        assert np.all(np.linalg.norm(out - c, axis=1) >= s * R)
        a = np.sqrt(m.terms[0][2])
        far = rho > scales.TAPER[1] * a
        np.testing.assert_array_equal(out[far], (c + rel * rho[:, None])[far])
    # At true size with true planet-centred arcs nothing moves.
    ident = scales.DisplayMap({"venus": (c, R, 1.0)}, floor=False)
    pts = c + rng.normal(size=(10, 3)) * 1e4
    np.testing.assert_array_equal(ident.apply(pts), pts)


def test_no_drawn_trajectory_point_lies_inside_a_drawn_planet(scene, plan):
    checked = 0
    for cam, t in views(plan):
        scene.set_time(t)
        scene.set_camera(cam)
        centres = {b: np.array(scene.planet_actors[b].GetPosition()) for b in PLANETS}
        for b in PLANETS:
            # the drawn sphere: true radius x exaggeration, independently from the plan's radius
            r_true = plan.constants[b]["R"] / AU_KM
            drawn = scene.planet_actors[b].GetScale()[0] * scene.planet_scale * r_true
            assert drawn == pytest.approx(scene.radii_au[b], rel=1e-9)
            np.testing.assert_allclose(centres[b], scene.world.to_scene(plan.position(b, scene.t)), atol=1e-12)
        for leg in scene.legs:
            for poly in (leg.full, leg.flown):
                if poly.n_lines == 0:
                    continue
                cells = np.asarray(poly.lines)
                assert cells[0] == len(cells) - 1  # one polyline
                pts = np.asarray(poly.points)[cells[1:]]  # in drawing order
                for b in PLANETS:
                    d = seg_dist(centres[b], pts[:-1], pts[1:])
                    assert d.min() >= scene.radii_au[b] * 0.999, (cam, t, leg.craft, leg.index, b)
                checked += 1
        ship = scene.position_au(plan.crewed)
        for b in PLANETS:
            assert np.linalg.norm(ship - centres[b]) >= scene.radii_au[b]
    assert checked > 100
    # Up close the planets are at true size.
    scene.set_time(plan.milestones["venus_flyby_outbound"])
    scene.set_camera("venus-flyby")
    assert scene.ctx.scales["venus"] == 1.0
    assert scene.radii_au["venus"] == pytest.approx(plan.constants["venus"]["R"] / AU_KM, rel=1e-12)
    scene.set_camera("overview")
    assert scene.ctx.scales["venus"] == scene.planet_scale


@pytest.mark.parametrize("camera,milestone,span_h", [("venus-flyby", "venus_flyby_outbound", 3.0),
                                                     ("mars-arrival", "mars_arrival", 3.0),
                                                     ("mars-stay", "mars_departure", 3.0),
                                                     ("earth-approach", "earth_arrival", 12.0),
                                                     ("earth", "earth_departure", 12.0),
                                                     ("overview", "mars_arrival", 24.0)])
def test_the_ship_never_jumps(scene, plan, camera, milestone, span_h):
    t0 = plan.milestones[milestone]
    scene.set_time(t0 - span_h / 24)
    scene.set_camera(camera)
    body = camera.split("-")[0] if camera != "overview" else "mars"
    prev = None
    worst = 0.0
    for t in t0 + np.linspace(-span_h, span_h, 721) / 24:
        scene.set_time(t)
        rel = scene.position_au(plan.crewed) - np.array(scene.planet_actors[body].GetPosition())
        if prev is not None:
            worst = max(worst, np.linalg.norm(rel - prev))
        prev = rel
    # the drawn ship marker is 0.02 x the camera distance long
    marker = 0.02 * scene.p.camera.distance
    assert 0 < worst < marker


def test_line_widths_and_marker_sizes_follow_the_frame_height(plan):
    got = {}
    for h in (360, 1440):
        p = pv.Plotter(off_screen=True, window_size=(h * 16 // 9, h))
        s = MissionScene(p, plan)
        got[h] = ([(a.GetProperty().GetLineWidth(), a.GetProperty().GetPointSize()) for a, *_ in s.ctx.sized],
                  s._texts["date"].actor.GetTextProperty().GetFontSize(),
                  s.labels.font_px["planet"])
        s.close()
        p.close()
    small, big = got[360], got[1440]
    assert len(small[0]) > 20
    for (lw0, ps0), (lw1, ps1), (_a, line, point) in zip(small[0], big[0], s.ctx.sized):
        if line is not None:
            assert lw0 == pytest.approx(line * 0.5) and lw1 == pytest.approx(4 * lw0)
        if point is not None:
            assert ps0 == pytest.approx(point * 0.5) and ps1 == pytest.approx(4 * ps0)
    assert big[1] == pytest.approx(4 * small[1], rel=0.05)
    assert big[2] == pytest.approx(4 * small[2], rel=0.1)


def test_scale_bar_is_true_at_the_focal_distance(scene, plan):
    for cam, t in (("overview", plan.epoch + 100), ("venus-flyby", plan.milestones["venus_flyby_outbound"]),
                   ("mars-stay", plan.event("plea").t)):
        scene.set_time(t)
        scene.set_camera(cam)
        hud = scene.hud
        c = scene.p.camera
        f = np.array(c.focal_point)
        view = f - np.array(c.position)
        side = np.cross(view, c.up)
        side /= np.linalg.norm(side)
        x0, y0 = scene.world_to_display(f)
        x1, y1 = scene.world_to_display(f + side * scene.world.length(hud.bar_km))
        px = np.hypot(x1 - x0, y1 - y0)
        assert px == pytest.approx(hud.bar_frac * SIZE[0], rel=0.01)
        assert str(hud.bar_km)[0] in "125"
        assert hud.texts["bar"].actor.GetInput().endswith("km")
