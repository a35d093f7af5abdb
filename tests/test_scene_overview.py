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


def test_simplify_keeps_every_point_left_out_within_the_tolerance():
    from marsviz.scene.paths import simplify

    rng = np.random.default_rng(11)
    for trial in range(30):
        n = int(rng.integers(3, 400))
        # smooth arcs, sharp corners and back-tracking random walks
        th = np.sort(rng.uniform(0.0, 2.0 * np.pi, n))
        pts = np.c_[np.cos(th), np.sin(th), 0.05 * th] * 1e8 if trial % 3 else np.cumsum(rng.normal(0, 1e6, (n, 3)), axis=0)
        tol = float(rng.uniform(1e3, 1e6))
        kept = simplify(pts, tol)
        assert kept[0] == 0 and kept[-1] == n - 1 and np.all(np.diff(kept) > 0)
        for a, b in zip(kept[:-1], kept[1:]):
            if b - a < 2:
                continue
            d = pts[b] - pts[a]
            u = np.clip(((pts[a + 1:b] - pts[a]) @ d) / (d @ d), 0.0, 1.0)
            assert np.linalg.norm(pts[a + 1:b] - (pts[a] + u[:, None] * d), axis=1).max() <= tol
    # a straight line keeps its ends only
    line = np.linspace([0.0, 0.0, 0.0], [1e8, 2e8, 0.0], 500)
    assert list(simplify(line, 1.0)) == [0, 499]


def _drawn_cells(leg):
    """(flown cells without the ship, dim cells) of a leg as drawn now."""
    flown = np.asarray(leg.flown.lines)[1:]
    full = np.asarray(leg.full.lines)[1:]
    return flown[flown < len(leg.times)], full


def test_wide_views_draw_paths_through_few_samples_with_the_same_picture(plan):
    """In the overview (no planet near true size) each path is drawn through as few of its
    samples as keep every sample left out within half a pixel of the drawn line, at the
    camera as it is (after a zoom too); the dim path only ahead of the ship; up close every
    sample is drawn."""
    from marsviz.export import render_image

    with offscreen_scene(plan, (1280, 720)) as scene:
        legs = scene.trajectories.legs
        total = sum(len(leg.times) for leg in legs)
        for t in (plan.epoch + 250.0, plan.milestones["mars_arrival"] + 3.0, plan.milestones["earth_arrival"] - 2.0):
            scene.set_time(t)
            scene.set_camera("overview")
            for zoom in (1.0, 6.0):
                scene.p.camera.zoom(zoom)
                render_image(scene.p)
                drawn = 0
                for leg in legs:
                    every = leg.every
                    flown, ahead = _drawn_cells(leg)
                    assert np.array_equal(np.union1d(flown, ahead), every), (leg.craft, leg.index, t)
                    k = int(np.searchsorted(leg.times, t, side="right"))
                    assert np.all(leg.times[flown] <= t)  # the flown part never passes the ship
                    if 0 < k < len(leg.times):
                        assert len(np.intersect1d(flown, ahead)) == 1  # one sample shared
                    gap = _gap_px(_screen(scene, np.asarray(leg.points)), every)
                    assert gap < 0.5, (leg.craft, leg.index, t, zoom, gap)
                    drawn += len(every)
                if zoom == 1.0:
                    assert drawn < 0.1 * total, (drawn, total)
        scene.set_time(plan.milestones["venus_flyby_outbound"])
        scene.set_camera("venus-flyby")
        render_image(scene.p)
        for leg in legs:
            assert np.array_equal(leg.every, np.arange(len(leg.times)))


def test_small_globes_are_drawn_coarse_with_the_same_picture(plan):
    """A globe drawn small is drawn as a coarser polyhedron whose facets lie within half a pixel
    of the sphere (and the Earth's city lights and the fine ground at the sites not at all): the
    overview changes by a few pixels of the discs only; close to a planet its fine globe and
    ground are drawn."""
    from marsviz.export import render_image
    from marsviz.scene import bodies
    from marsviz.story import Storyboard

    t = plan.milestones["earth_arrival"] - 3.0
    frames = []
    for lod in (False, True):
        old = bodies.COARSE_GLOBES, bodies.GROUND_MIN_PX, bodies.NIGHT_LIGHTS_PX
        if not lod:
            bodies.COARSE_GLOBES, bodies.GROUND_MIN_PX, bodies.NIGHT_LIGHTS_PX = (), 0.0, 0.0
        with offscreen_scene(plan, (1280, 720)) as scene:
            try:
                scene.set_time(t)
                scene.set_camera("overview")
                frames.append(render_image(scene.p))
                P = scene.planets
                cam = scene.p.renderer.GetActiveCamera()
                if lod:
                    for body, g in P.lod.items():
                        if body not in scene.ctx.pos:
                            continue
                        mesh = g.meshes[g.level]
                        n_lon = bodies.COARSE_GLOBES[g.level][0][0] if g.is_coarse else 96
                        r_px = bodies.drawn_radius_px(cam, scene.ctx.pos[body], scene.ctx.radii[body], 720) \
                            if body != "moon" else 0.0
                        assert r_px * (1.0 - np.cos(np.pi / n_lon)) <= 0.5, (body, r_px, n_lon)
                        assert P.planet_actors.get(body, P.moon_actor).GetMapper().GetInput() is mesh
                    assert all(P.lod[b].is_coarse for b in ("mercury", "venus", "earth", "mars"))
                    assert not any(a.GetVisibility() for _b, a in P.ground_actors.values())
                    assert not P.night_actor.GetVisibility()
                    sb = Storyboard.build(plan)
                    card = next(c for c in sb.cards if c.event_id == "dust-devil" and c.kind == "event")
                    scene.apply(sb.at(card.start_s + 1.0))  # the shot at the well site
                    render_image(scene.p)
                    assert not P.lod["mars"].is_coarse
                    # The ground patches from GROUND_MIN_PX: here Mars fills the frame and more.
                    centre = np.asarray(scene.ctx.pos["mars"], dtype=float)
                    cam = scene.p.renderer.GetActiveCamera()
                    cam.SetFocalPoint(*centre)
                    cam.SetPosition(*(centre + np.array([0.0, 0.0, 1.05 * scene.ctx.radii["mars"]])))
                    render_image(scene.p)
                    r_px = bodies.drawn_radius_px(cam, centre, scene.ctx.radii["mars"], 720)
                    assert r_px > bodies.GROUND_MIN_PX
                    assert all(a.GetVisibility() for b, a in P.ground_actors.values() if b == "mars")
                else:
                    assert not any(g.is_coarse for g in P.lod.values())
            finally:
                bodies.COARSE_GLOBES, bodies.GROUND_MIN_PX, bodies.NIGHT_LIGHTS_PX = old
    d = np.abs(frames[0].astype(int) - frames[1].astype(int)).max(axis=2)
    assert (d > 40).sum() < 150, (d > 40).sum()
