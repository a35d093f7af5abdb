"""Each label beside the thing it names, and only where that thing is seen: a planet's label
never on a ship's icon; a ship at a planet's limb and the planet told apart; no label for a ship
or a marker hidden behind a planet; no label under the active event's ring (and the ring never
over a ship); the Moon labelled like the planets; label text never smaller than legible on a
small export frame."""

import numpy as np
import pytest

from tests.conftest import frame_size, mars_disc_px

pytestmark = pytest.mark.render
SIZE = (1280, 720)
_BOARDS: dict = {}


def story(scene, plan, event_id, plain_planet: str | None = None):
    """Show the story's frame where ``event_id``'s card comes up (what ``gui --at`` opens on);
    ``plain_planet``: with the camera of a plain shot of that planet instead (from its sunward
    side, whatever the ship's side: the story films a ship's own milestone from its side)."""
    import dataclasses

    from marsviz.story import Storyboard
    from marsviz.story.shots import planet_pose

    sb = _BOARDS.get(id(plan))
    if sb is None:
        sb = _BOARDS[id(plan)] = Storyboard.build(plan)
    span = next(c for c in sb.cards if c.event_id == event_id and c.kind in ("event", "title"))
    state = sb.at(span.start_s)
    if plain_planet is not None:
        state = dataclasses.replace(state, camera=planet_pose(plan, plain_planet, state.t))
    scene.apply(state)


def render(scene):
    from marsviz.export import render_image

    return np.asarray(render_image(scene.p))[..., :3].astype(int)


def labels(scene):
    """{text: box} of the labels drawn now; boxes in pixels from the left and top."""
    ren = scene.p.renderer
    h = scene.p.window_size[1]
    out = {}
    for a in scene.labels._pool:
        if a.GetVisibility():
            bb = [0.0] * 4
            a.GetBoundingBox(ren, bb)
            x, y = a.GetPositionCoordinate().GetComputedDisplayValue(ren)
            out[a.GetInput()] = (x + bb[0], h - (y + bb[3]), x + bb[1], h - (y + bb[2]))
    return out


def ship_box(scene, cid):
    """Pixel box (from the left and top) of ship ``cid``'s icon or model as drawn, or None."""
    ships = scene.ships
    icon, model = ships.craft_actors[cid], ships.model_actors[cid]
    actor = icon if icon.GetVisibility() else model if model.GetVisibility() else None
    if actor is None:
        return None
    b = actor.GetMapper().GetInput().GetBounds()
    m = np.array([[actor.GetMatrix().GetElement(i, j) for j in range(4)] for i in range(4)])
    corners = np.array([[x, y, z, 1.0] for x in b[0:2] for y in b[2:4] for z in b[4:6]]) @ m.T
    pts = np.array([scene.world_to_display(c[:3] / c[3]) for c in corners])
    return (*pts.min(axis=0), *pts.max(axis=0))


def gap(a, b) -> float:
    """Clear distance (pixels) between two boxes (0 when they touch or overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return float(np.hypot(dx, dy))


def centre(b):
    return np.array([0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])])


def test_a_planets_label_keeps_off_every_ship_icon_at_the_epilogue(scene, plan):
    """At the epilogue (the last event; the planets as on the day the crew came home) the
    unnamed cargo ships' icons drawn beside Mars are kept clear by every label: "Mars" is
    drawn at least 2 pixels from each icon (it sat on them)."""
    last = plan.events[-1]
    story(scene, plan, last.id)
    render(scene)
    drawn = labels(scene)
    assert "Mars" in drawn
    icons = {cid: ship_box(scene, cid) for cid in scene.ships.craft_actors}
    icons = {cid: b for cid, b in icons.items() if b is not None
             and 0 <= centre(b)[0] < SIZE[0] and 0 <= centre(b)[1] < SIZE[1]}
    assert len(icons) >= 2  # ships are drawn at Mars
    for text, box in drawn.items():
        for cid, b in icons.items():
            if text != plan.craft_name(cid):
                assert gap(box, b) >= 2.0, (text, cid, box, b)


def test_a_ship_at_a_planets_limb_and_the_planet_are_told_apart_at_mars_arrival(scene, plan):
    """At Mars arrival a ship (Atlantis, parked in orbit) is drawn on the edge of Mars's disc:
    it is named, and the two labels go on opposite sides of the disc (the ship's on its side,
    "Mars" on the other), the ship's label nearer the ship than "Mars" is; neither covers the
    ship. (Seen from Mars's sunward side Terra Nova is behind Mars then: its label is not
    drawn.)"""
    story(scene, plan, "mars-arrival", plain_planet="mars")
    render(scene)
    drawn = labels(scene)
    (cx, cy), r = mars_disc_px(scene, plan)
    c = np.array([cx, cy])
    at_limb = [cid for cid in plan.trajectories if ship_box(scene, cid) is not None
               and abs(np.linalg.norm(centre(ship_box(scene, cid)) - c) - r) < 20]
    boxes = {cid: ship_box(scene, cid) for cid in at_limb}
    seen = [cid for cid in at_limb if hidden_changes(scene, plan, cid) > 0]
    assert seen and plan.crewed not in seen  # Terra Nova's icon is hidden behind Mars
    assert "Mars" in drawn and plan.craft_name(plan.crewed) not in drawn
    for cid in seen:
        name = plan.craft_name(cid)
        assert name in drawn
        ship = boxes[cid]
        u = centre(ship) - c
        u /= np.linalg.norm(u)
        to_mars = centre(drawn["Mars"]) - c
        to_ship_label = centre(drawn[name]) - c
        assert np.dot(to_mars, u) / np.linalg.norm(to_mars) < -0.3, name
        assert np.dot(to_ship_label, u) / np.linalg.norm(to_ship_label) > 0.3, name
        assert gap(drawn[name], ship) < gap(drawn["Mars"], ship)
        assert gap(drawn[name], ship) >= 2.0 and gap(drawn["Mars"], ship) >= 2.0


def hidden_changes(scene, plan, cid) -> int:
    """Pixels that change (labels off) when ship ``cid`` is not drawn."""
    scene.labels.visible = False
    try:
        img = render(scene)
        scene.ships.visible[cid] = False
        bare = render(scene)
    finally:
        scene.ships.visible[cid] = True
        scene.labels.visible = scene.opt.labels
    return int((np.abs(img - bare).max(axis=-1) > 30).sum())


def test_no_label_floats_where_the_crew_module_is_hidden_behind_the_earth(scene, plan):
    """At the crew module's landing seen from the Earth's sunward side, Terra Nova and the
    event's marker are behind the Earth's globe (hiding the ship changes no pixel): neither the
    ship's nor the event's label is drawn (both floated over empty space); the Earth's is."""
    ev = plan.event("landing-earth")
    story(scene, plan, ev.id, plain_planet="earth")
    render(scene)
    drawn = labels(scene)
    assert plan.craft_name(plan.crewed) not in drawn
    assert ev.title not in drawn
    assert "Earth" in drawn
    unseen = list(scene.labels.unseen)
    assert ("ship", plan.craft_name(plan.crewed)) in unseen and ("event", ev.title) in unseen
    assert hidden_changes(scene, plan, plan.crewed) == 0  # the ship is not seen


def test_every_ship_label_in_the_story_names_a_ship_that_is_seen(scene, plan):
    """At every event's card in the story (640 x 360), each ship label drawn names a ship whose
    icon or model is seen: not drawing it changes pixels within 30 pixels of the label."""
    checked = 0
    names = {plan.craft_name(c): c for c in plan.trajectories}
    with frame_size(scene, (640, 360)):
        for ev in plan.events:
            story(scene, plan, ev.id)
            render(scene)
            for text in labels(scene):
                if text in names:
                    assert hidden_changes(scene, plan, names[text]) >= 5, (ev.id, text)
                    checked += 1
    assert checked >= 20


def ring(scene):
    """Centre (pixels from the left and top) and radius of the active event's ring as drawn
    (its point and its point size)."""
    mk = scene.markers
    p = np.asarray(mk.active_marker.points)[0]
    return np.array(scene.world_to_display(p)), 0.5 * mk.active_actor.GetProperty().GetPointSize()


@pytest.mark.parametrize("event_id", ["dust-devil", "spacewalk", "landing", "crew-ill"])
def test_no_label_lies_under_the_active_events_ring(scene, plan, event_id):
    """At the story's frame of the event, the active event's ring (a translucent disc 26
    pixels across at 720 px) covers no label, its own included (it covered the end of "A dust
    devil wrecks the drill" and the start of "Terra Nova" at the spacewalk)."""
    story(scene, plan, event_id)
    render(scene)
    assert scene.markers.active_id == event_id and scene.markers.active_actor.GetVisibility()
    (x, y), f = ring(scene)
    drawn = labels(scene)
    assert plan.event(event_id).title in drawn
    for text, b in drawn.items():
        qx, qy = min(max(x, b[0]), b[2]), min(max(y, b[1]), b[3])
        assert np.hypot(qx - x, qy - y) >= f, (event_id, text)


def test_the_ring_of_an_event_on_board_is_drawn_round_and_behind_the_ship(scene, plan):
    """At the spacewalk the active event is on board Terra Nova: its ring is drawn round the
    whole icon (centred on it, every icon pixel inside it) and behind it (no pixel inside the
    icon changes when the ring and the markers are drawn: it covered the ship's nose), and the
    event keeps its own place (markers.event_positions is not moved with the ring)."""
    story(scene, plan, "spacewalk")
    render(scene)
    mk = scene.markers
    where = np.array(mk.event_positions["spacewalk"], copy=True)
    scene.labels.visible = False
    acts = list(mk.marker_actors.values()) + [mk.active_actor]
    try:
        full = render(scene)
        (x, y), f = ring(scene)
        for a in acts:
            a.SetVisibility(False)
        no_marks = render(scene)
        scene.ships.visible[plan.crewed] = False
        no_ship = render(scene)
    finally:
        scene.ships.visible[plan.crewed] = True
        scene.labels.visible = scene.opt.labels
        for a in acts:
            a.SetVisibility(True)
    icon = np.abs(no_marks - no_ship).max(axis=-1) > 30
    assert icon.sum() >= 40
    core = icon.copy()  # inside the icon (its anti-aliased edge blends with what is behind)
    core[1:, :] &= icon[:-1, :]
    core[:-1, :] &= icon[1:, :]
    core[:, 1:] &= icon[:, :-1]
    core[:, :-1] &= icon[:, 1:]
    assert core.sum() >= 15
    assert np.abs(full - no_marks)[core].max() <= 8
    ys, xs = np.nonzero(icon)
    assert np.hypot(xs - x, ys - y).max() <= f  # the ring goes round the whole icon
    ship = np.array(scene.world_to_display(scene.ships.shown[plan.crewed][0]))
    assert np.hypot(*(ship - (x, y))) < 1.5  # centred on the ship
    assert f > 13.0  # larger than the ring of an event elsewhere
    np.testing.assert_allclose(mk.event_positions["spacewalk"], where)


def test_moving_the_active_ring_off_a_small_planet_leaves_the_event_where_it_is(scene, plan):
    """In the overview during the stay the crowd pass draws the active event's ring beside the
    small Mars disc; the event's own place (markers.event_positions, which the labels and the
    next frame read) stays where the markers put it (the ring's points were the same memory)."""
    ev = plan.event("landing")
    scene.set_time(ev.t + 0.01)
    scene.set_camera("overview")
    scene.show_event_card(ev)
    where = np.array(scene.markers.event_positions[ev.id], copy=True)
    render(scene)
    assert ("event", ev.id) in scene.crowd.moved
    np.testing.assert_array_equal(scene.markers.event_positions[ev.id], where)
    drawn = np.asarray(scene.markers.active_marker.points)[0]
    np.testing.assert_allclose(drawn, scene.crowd.moved[("event", ev.id)])
    assert np.linalg.norm(drawn - where) > 0


def test_the_moon_is_labelled_where_it_is_seen(scene, plan):
    """At the spacewalk (Terra Nova approaching the Earth) the Moon is drawn a few pixels
    across and labelled "Moon" beside its disc, as a planet; in the overview (the Moon not
    drawn while the Earth is enlarged more than 30 times) it has no label."""
    story(scene, plan, "spacewalk")
    render(scene)
    drawn = labels(scene)
    assert "Moon" in drawn
    assert ("planet", "Moon") in [(p.kind, p.text) for p in scene.labels.placed]
    moon = np.array(scene.world_to_display(scene.ctx.pos["moon"]))
    b = drawn["Moon"]
    qx, qy = min(max(moon[0], b[0]), b[2]), min(max(moon[1], b[1]), b[3])
    assert np.hypot(qx - moon[0], qy - moon[1]) < 25
    scene.set_time(plan.event("spacewalk").t)
    scene.set_camera("overview")
    render(scene)
    assert not scene.planets.moon_actor.GetVisibility()
    assert "Moon" not in labels(scene)


def test_label_text_is_never_smaller_than_legible_on_a_small_frame(scene, plan):
    """At 640 x 360 every label drawn is set in at least LABEL_MIN_PX (11) pixels and stands at
    least 10 pixels high (they were 6 to 9), and none overlaps another (the priority layout drops what does not
    fit); at 1280 x 720 and 3840 x 2160 the sizes still scale with the frame's height."""
    from marsviz.scene.labels import KINDS, LABEL_MIN_PX

    assert LABEL_MIN_PX >= 10
    n = 0
    with frame_size(scene, (640, 360)):
        for event_id in (plan.events[-1].id, "mars-arrival", "dust-devil", "spacewalk", "landing-earth",
                         "coolant-pump", "plea"):
            story(scene, plan, event_id)
            render(scene)
            drawn = list(labels(scene).items())
            assert all(p.px >= LABEL_MIN_PX for p in scene.labels.placed)
            for i, (text, b) in enumerate(drawn):
                assert b[3] - b[1] >= 10, (event_id, text, b)
                for _t, c in drawn[i + 1:]:
                    assert gap(b, c) > 0, (event_id, text, _t)
            n += len(drawn)
    assert n >= 15
    for h in (720, 2160):
        scene.labels.layout(h, 1.0)
        for kind, (frac, _c) in KINDS.items():
            assert scene.labels.font_px[kind] == round(frac * h) >= LABEL_MIN_PX
    scene.labels.layout(SIZE[1], 1.0)
