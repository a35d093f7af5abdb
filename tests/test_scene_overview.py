"""What the overview's per-frame shortcuts rely on: each gives what the plain computation gives."""

import numpy as np

from marsviz.scene import scales
from tests.conftest import offscreen_scene


def _dmap(rng, n):
    bodies = {f"p{i}": (rng.uniform(-1e8, 1e8, 3), 5000.0, float(rng.uniform(1.0, 1500.0))) for i in range(n)}
    return scales.DisplayMap(bodies, floor=False)


def test_one_index_over_all_legs_finds_what_each_legs_index_finds():
    rng = np.random.default_rng(8)
    # Legs of different lengths (not multiples of the chunk size), points along random walks.
    sets = [np.cumsum(rng.normal(0.0, 3e6, (n, 3)), axis=0) for n in (1, 31, 32, 33, 500, 1234)]
    one = scales.LegsIndex([scales.ChunkIndex(s) for s in sets])
    hits = 0
    for k in range(40):
        dmap = _dmap(rng, 1 + k % 4)
        got = one.split(one.near(dmap))
        assert len(got) == len(sets)
        for s, idx in zip(sets, got):
            assert np.array_equal(idx, scales.ChunkIndex(s).near(dmap))
            hits += len(idx)
    assert hits > 0
    # A map with no planet near anything, and one with no terms at all.
    assert len(one.near(scales.DisplayMap({}, floor=False))) == 0
    assert scales.LegsIndex([]).split(scales.LegsIndex([]).near(dmap)) == []


def test_the_display_map_moves_each_point_alone():
    """Mapping all legs' points in one call draws each where mapping it alone would."""
    rng = np.random.default_rng(9)
    dmap = _dmap(rng, 4)
    centre = dmap.centres[0]
    pts = centre + rng.normal(0.0, 2.0 * np.sqrt(dmap.terms[0][2]), (300, 3))
    both = dmap.apply(pts)
    for i in range(0, 300, 7):
        assert np.array_equal(both[i], dmap.apply(pts[i:i + 1])[0])


def _instants(plan, cid):
    """Instants across a ship's whole span, and on and about each end of its tracks' arcs
    and blends (where the shortcut of one instant starts and stops)."""
    out = list(np.linspace(plan.span[0], plan.span[1], 300))
    for track in plan.local_model.tracks[cid]:
        for edge in (track.t0 - track.blend_in, track.t0, track.t1, track.t1 + track.blend_out):
            if np.isfinite(edge):
                out += [edge + d for d in (-1e-3, -1e-6, 0.0, 1e-6, 1e-3)]
        for t0, t1, _arc in track.arcs:
            out += [t0, t1, 0.5 * (t0 + t1)]
    return [float(t) for t in out if plan.span[0] <= t <= plan.span[1]]


def test_a_ships_state_at_one_instant_is_the_state_the_blended_computation_gives(plan):
    """``local_state`` at one instant (a frame: the arcs alone inside a track) against the same
    instant computed among others (the leg, blended with every covering track)."""
    for cid in plan.trajectories:
        tt = np.array(_instants(plan, cid))
        for body in ("sun", "earth", "mars", "venus"):
            r_all, v_all = plan.local_state(cid, np.repeat(tt, 2), body)
            for i, t in enumerate(tt):
                r, v = plan.local_state(cid, t, body)
                np.testing.assert_allclose(r, r_all[2 * i], rtol=0, atol=1e-9)
                np.testing.assert_allclose(v, v_all[2 * i], rtol=0, atol=1e-12)


def test_a_planets_centre_is_computed_once_per_instant_and_never_stale(plan):
    from marsviz.scene.base import SceneContext

    ctx = SceneContext(None, plan, None, None, {})
    for t in (plan.epoch, plan.epoch + 0.25, plan.epoch + 0.25, plan.epoch + 300.0, plan.epoch):
        for body in ("earth", "mars", "venus"):
            got = ctx.body_km(body, t)
            assert got is ctx.body_km(body, t)
            np.testing.assert_array_equal(got, plan.table.state(body, t)[0])


def test_rotation_and_spin_from_one_interpolation_equal_the_separate_ones(plan):
    tt = np.linspace(plan.span[0], plan.span[1], 97)
    for body in ("mercury", "venus", "earth", "mars", "moon"):
        rot, omega = plan.rotation_and_spin(body, tt)
        np.testing.assert_array_equal(rot, plan.body_rotation(body, tt))
        _el, rate = plan._rotation_elements(body, tt)
        np.testing.assert_allclose(omega, rot[:, :, 2] * np.radians(rate[:, 2])[:, None], rtol=0, atol=1e-18)
        np.testing.assert_array_equal(plan.spin_vector(body, tt[5]), omega[5])


def _screen(scene, pts):
    """Pixel coordinates of scene points ``pts`` (n, 3) for the camera as it is now."""
    w, h = scene.p.window_size
    cam = scene.p.renderer.GetActiveCamera()
    m = cam.GetCompositeProjectionTransformMatrix(w / h, -1.0, 1.0)
    M = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
    q = np.c_[pts, np.ones(len(pts))] @ M.T
    ndc = q[:, :2] / q[:, 3:4]
    return np.c_[(ndc[:, 0] + 1) * w / 2, (ndc[:, 1] + 1) * h / 2]


def _gap_px(xy, coarse):
    """Largest distance (pixels) from each point ``xy`` to the polyline through ``coarse`` of them."""
    worst = 0.0
    for a, b in zip(coarse[:-1], coarse[1:]):
        if b - a < 2:
            continue
        p, q = xy[a], xy[b]
        d = q - p
        u = np.clip(((xy[a + 1:b] - p) @ d) / max(float(d @ d), 1e-12), 0.0, 1.0)
        worst = max(worst, float(np.linalg.norm(xy[a + 1:b] - (p + u[:, None] * d), axis=1).max()))
    return worst


def test_wide_views_draw_paths_through_their_base_samples_with_the_same_picture(plan):
    """In the overview (no planet near true size) each path is drawn through its base samples
    only, and every sample left out lies within half a pixel of the drawn line; up close every
    sample is drawn."""
    from marsviz.export import render_image

    with offscreen_scene(plan, (1280, 720)) as scene:
        legs = [leg for leg in scene.trajectories.legs if leg.coarse is not None]
        assert legs and sum(len(leg.times) - len(leg.coarse) for leg in legs) > 10_000
        for t in (plan.epoch + 250.0, plan.milestones["mars_arrival"] + 3.0, plan.milestones["earth_arrival"] - 2.0):
            scene.set_time(t)
            scene.set_camera("overview")
            render_image(scene.p)
            for leg in legs:
                cells = np.asarray(leg.full.lines)
                np.testing.assert_array_equal(cells[1:], leg.coarse)
                assert _gap_px(_screen(scene, np.asarray(leg.points)), leg.coarse) < 0.5, (leg.craft, leg.index, t)
        scene.set_time(plan.milestones["venus_flyby_outbound"])
        scene.set_camera("venus-flyby")
        render_image(scene.p)
        for leg in legs:
            assert len(np.asarray(leg.full.lines)) == len(leg.times) + 1
