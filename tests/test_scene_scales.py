"""From the Solar System to a planet at true size: exaggeration, paths clear of planets,
a ship that never jumps, sizes that follow the frame height, a true scale bar."""

import numpy as np
import pytest
import pyvista as pv

from marsviz.mission.plan import AU_KM, PLANETS
from marsviz.scene import scales
from marsviz.scene.scene import MissionScene


pytestmark = pytest.mark.render
SIZE = (320, 180)



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
    # Labels scale with the height too, but never below the legible floor (at 360 px the
    # planets' 8 pixels would be).
    from marsviz.scene.labels import KINDS, LABEL_MIN_PX

    assert big[2] == round(KINDS["planet"][0] * 1440) and small[2] == LABEL_MIN_PX > round(KINDS["planet"][0] * 360)


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


# ---------------------------------------------------------------------------------------------
# Paths that change frame near a planet (model level: the drawn km, no rendering)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def timelines(plan):
    from types import SimpleNamespace

    from marsviz.scene import paths

    R = {b: float(plan.constants[b]["R"]) for b in PLANETS}
    out = {}
    for cid in plan.trajectories:
        legs = [SimpleNamespace(times=tt, km=km) for tt, km in paths.leg_samples(plan, cid, R)]
        out[cid] = paths.make_timeline(plan, legs, R)
    return out, R


def turning_deg(p):
    """Angle (degrees) between consecutive segments at each inner vertex of polyline ``p``."""
    d = np.diff(p, axis=0)
    n = np.linalg.norm(d, axis=1)
    d = d / np.where(n > 0, n, 1.0)[:, None]
    return np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", d[:-1], d[1:]), -1.0, 1.0)))


def pixel_vertices(p, px_km):
    """Indices of the vertices of polyline ``p`` one pixel of arc length (``px_km``) apart or
    more (a kink smaller than a pixel is not seen); the first and last are kept."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
    keep = np.searchsorted(arc, np.arange(0.0, arc[-1], px_km))
    return np.unique(np.concatenate([[0], keep[keep < len(p)], [len(p) - 1]]))


def drawn_path(plan, tl, t, R, exaggeration=None):
    from marsviz.scene import paths

    idx, km, w = paths.drawn_km(plan, tl, t, R, exaggeration)
    D = tl.km.copy()
    D[idx] = km
    W = np.zeros(len(D))
    W[idx] = w
    return D, W


def encounter_offsets(days=40.0):
    off = np.geomspace(1e-3, days, 30)
    return np.concatenate([-off[::-1], [0.0], off])


def test_paths_change_frame_without_a_kink_at_every_zoom(plan, timelines):
    """Where a path passes from a planet's frame to the Sun's, it turns between consecutive
    drawn segments no more than the true path does (in either frame) plus a few degrees: at
    every encounter, from the encounter to 40 days away, with the ship clear of the blend,
    through the display map of cameras from 30 planet radii to the overview, looking at the
    vertices one pixel apart or more (for a 720-pixel-high frame)."""
    from marsviz.scene import paths

    tls, R = timelines
    blends = 0
    worst = {}  # (craft, body) -> (excess turning, days from the encounter, camera, tolerance)
    for enc in plan.encounters:
        tl, b = tls[enc.craft], enc.body
        # Cargo ships reach Mars from almost straight ahead of it: their arcs turn back on
        # themselves within the blend (a hairpin of up to 30 degrees a pixel).
        tol = 4.0 if enc.craft == plan.crewed else 30.0
        win = np.abs(tl.times - enc.t_periapsis) < 5.0  # the blend and well beyond it
        pb = np.asarray(plan.table.state(b, tl.times[win])[0])
        km = tl.km[win]
        for dt in encounter_offsets():
            t = enc.t_periapsis + dt
            now = np.asarray(plan.table.state(b, t)[0])
            ship = plan.local_state(enc.craft, t, "sun")[0]
            w_ship = float(paths.frame_weight(np.linalg.norm(ship - now) / R[b], b))
            if 0.0 < w_ship < 1.0:
                continue  # the ship itself is crossing the blend (see the next tests)
            # camera distance (planet radii): the planet at true size (paths in its frame), at
            # 6, 20, 200 and 1,500 times true size (paths in the Sun's frame; between 2 and 6
            # times the arcs move from one frame to the other, see ZOOM_SCALES)
            for cam_r in (30.0, 300.0, 1e3, 1e4, 3e6):
                s = scales.exaggeration(cam_r * R[b], R[b], 1500.0)
                D, W = drawn_path(plan, tl, t, R, {p: s for p in PLANETS})
                D, W = D[win], W[win]
                blend = (W > 0) & (W < 1)
                at = blend[1:-1] | blend[:-2] | blend[2:]  # vertices touching the blend
                if not at.any():
                    continue
                blends += 1
                dmap = scales.DisplayMap({b: (now, R[b], s)}, floor=False)
                drawn = dmap.apply(D)
                # vertices at least a pixel apart (30-degree view, 720 pixels high) ...
                keep = pixel_vertices(drawn, 2 * cam_r * R[b] * np.tan(np.radians(15)) / 720)
                # ... and the true path's own turning at this zoom, in the Sun's frame or the planet's
                own = np.maximum(turning_deg(dmap.apply(km)[keep]), turning_deg(dmap.apply(km - pb + now)[keep]))
                excess = (turning_deg(drawn[keep]) - own)[at[keep[1:-1] - 1]]
                key = (enc.craft, b)
                if len(excess) and excess.max() > worst.get(key, (0.0,))[0]:
                    worst[key] = (float(excess.max()), float(dt), cam_r, tol)
    assert blends > 150
    assert all(v[0] <= v[3] for v in worst.values()), worst


def test_the_ship_is_always_on_its_drawn_path(plan, timelines):
    """At a sample's own instant the sample is drawn exactly where the ship is (the ship is
    drawn at its true place), whichever frame the rest of the path is drawn in."""
    tls, R = timelines
    checked = 0
    for enc in plan.encounters:
        tl = tls[enc.craft]
        near = np.flatnonzero(np.abs(tl.times - enc.t_periapsis) < 3.0)
        for i in near[::7]:
            D, W = drawn_path(plan, tl, float(tl.times[i]), R)
            ship = plan.local_state(enc.craft, float(tl.times[i]), "sun")[0]
            np.testing.assert_allclose(D[i], ship, rtol=0, atol=1e-3)
            checked += W.any()
    assert checked > 100


def test_parked_arcs_stay_on_the_planet_through_the_stay(plan, timelines):
    """Through the Mars stay every sample of the crewed ship's arrival and departure arcs
    within 20 Mars radii is drawn about Mars where it is now, exactly as the true planet-centred
    arc (here the capture periapsis, 250 km up); 40 days after departure the same samples are
    back where they were flown."""
    tls, R = timelines
    tl = tls[plan.crewed]
    ms = plan.milestones
    pb = np.asarray(plan.table.state("mars", tl.times)[0])
    rel = tl.km - pb
    local = np.linalg.norm(rel, axis=1) < 20 * R["mars"]
    assert local.sum() > 100
    rp = min(e.rp_km for e in plan.encounters if e.craft == plan.crewed and e.body == "mars")
    for t in (ms["mars_arrival"] + 0.5, ms["mars_arrival"] + 10, ms["mars_arrival"] + 20, ms["mars_departure"] - 0.5):
        D, W = drawn_path(plan, tl, t, R)
        now = np.asarray(plan.table.state("mars", t)[0])
        assert np.all(W[local] == 1.0)
        np.testing.assert_allclose(D[local] - now, rel[local], rtol=0, atol=1e-3)
        assert np.linalg.norm(D[local] - now, axis=1).min() == pytest.approx(rp, rel=1e-6)
    D, W = drawn_path(plan, tl, ms["mars_departure"] + 40, R)
    assert not W[local].any()
    np.testing.assert_array_equal(D[local], tl.km[local])


def test_no_path_runs_through_a_planet_drawn_at_true_size_while_it_changes_frame(plan, timelines):
    """Stepping the instant finely across every encounter (the ship inside, crossing and
    beyond the blend), no drawn segment of any path comes inside the true-size planet."""
    tls, R = timelines
    steps = 0
    for enc in plan.encounters:
        tl, b = tls[enc.craft], enc.body
        sel = np.abs(tl.times - enc.t_periapsis) < 60.0
        for t in enc.t_periapsis + np.concatenate([np.linspace(-3, 3, 241), encounter_offsets(60.0)]):
            D, W = drawn_path(plan, tl, t, R)
            if not W.any():
                continue
            now = np.asarray(plan.table.state(b, t)[0])
            P = D[sel]
            d = seg_dist(now, P[:-1], P[1:])
            assert d.min() >= R[b], (enc.craft, b, t - enc.t_periapsis, d.min() / R[b])
            steps += 1
    assert steps > 1000


@pytest.mark.parametrize("milestone,body", [("earth_departure", "earth"), ("venus_flyby_outbound", "venus"),
                                            ("mars_arrival", "mars"), ("mars_departure", "mars"),
                                            ("earth_arrival", "earth")])
def test_the_handover_to_the_planet_frame_never_makes_the_ship_jump(scene, plan, milestone, body):
    """Stepping the instant finely across the encounter while the camera, looking at the planet,
    zooms from where the planet is drawn 1,500 times too large down to true size (40 radii) and
    back out, the drawn ship moves (relative to the drawn planet) less between consecutive steps
    than its own drawn length (icon or model) at that zoom."""
    from marsviz.scene.ships import ICON_PX

    te = plan.milestones[milestone]
    R = plan.constants[body]["R"]
    n = 401
    times = te + np.linspace(-1.0, 1.0, n)
    x = np.abs(np.linspace(-1.0, 1.0, n))
    cam_km = R * 40.0 * (1875.0 ** x)  # 75,000 radii at either end, 40 radii at the encounter
    scene.set_camera("overview")
    cam = scene.p.camera
    direction = np.array([0.3, -0.8, 0.52])
    direction /= np.linalg.norm(direction)
    prev = None
    worst, s_seen, steps = 0.0, [], 0
    for t, d_km in zip(times, cam_km):
        scene.set_time(t)
        centre = np.array(scene.planet_actors[body].GetPosition())
        cam.focal_point = tuple(centre)
        cam.position = tuple(centre + direction * scene.world.length(d_km))
        scene._place()  # what the next render does when the zoom has changed
        s_seen.append(scene.ctx.scales[body])
        ship = scene.position_au(plan.crewed)
        rel = ship - centre
        # the ship's drawn length here: its icon (pixels at its depth) or its true-size model
        depth = float(np.dot(ship - np.array(cam.position), -direction))
        if depth < 0.1 * scene.world.length(d_km):
            prev = None  # behind or beside the camera: not in view
            continue
        unit = 2 * depth * np.tan(np.radians(cam.view_angle / 2)) / SIZE[1]
        size = max(ICON_PX * scene.ctx.px * unit, scene.world.length(scene.ships.length_km[plan.crewed]))
        if prev is not None:
            worst = max(worst, np.linalg.norm(rel - prev) / size)
            steps += 1
        prev = rel
    assert min(s_seen) == 1.0 and max(s_seen) > 1000.0  # through the whole fall-off
    assert steps > 300
    assert 0 < worst < 1.0, worst
