"""Mars is seen, not buried: in the ecliptic overview during the stay, the ships' icons, the
event markers and the labels leave the small drawn Mars disc visible; at a landing site every
surface event has its own label, none overlapping."""

from types import SimpleNamespace

import numpy as np
import pytest

from tests.conftest import frame_size, mars_disc_px

pytestmark = pytest.mark.render
SIZE = (640, 360)
STAY_EVENTS = ("landing", "dust-devil", "water", "ascent")



def render(scene):
    from marsviz.export import render_image

    return np.asarray(render_image(scene.p)[..., :3]).astype(int)


def bare(scene, plan):
    """The same frame without ship icons, event markers, milestones and labels."""
    opt = scene.opt
    saved = (opt.labels, opt.events, opt.cargo)
    opt.labels, opt.events, opt.cargo = False, False, False
    scene.apply_options()
    scene.ships.visible[plan.crewed] = False
    scene.markers.active_actor.SetVisibility(False)
    try:
        return render(scene)
    finally:
        opt.labels, opt.events, opt.cargo = saved
        scene.apply_options()


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
@pytest.mark.parametrize("event", STAY_EVENTS)
def test_mars_disc_is_not_covered_in_the_overview_during_the_stay(scene, plan, size, event):
    """With the event's card up, in the overview: at most 10 % of the drawn Mars disc's pixels
    change when the ships, markers and labels are drawn (before: the icons and the active
    event's ring covered all of it); Terra Nova's icon and the active event's marker are still
    drawn, beside Mars, with their labels; the cargo ships there are named together (at
    1280 x 720)."""
    ev = plan.event(event)
    with frame_size(scene, size):
        scene.set_time(ev.t + 0.01)
        scene.set_camera("overview")
        img = render(scene)
        (cx, cy), r = mars_disc_px(scene, plan)
        texts = [p.text for p in scene.labels.placed]
        boxes = [p.box for p in scene.labels.placed]
        moved = dict(scene.crowd.moved)
        ref = bare(scene, plan)
    yy, xx = np.mgrid[0:size[1], 0:size[0]]
    disc = (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= (r - 0.5) ** 2
    assert disc.sum() >= 4  # Mars is a disc of a few pixels
    assert ref[disc].max() > 60  # and it is drawn (lit) in the bare frame
    changed = np.abs(img - ref).max(axis=-1) > 30
    frac = float(changed[disc].mean())
    assert frac <= 0.10, (event, size, frac)
    # Something was drawn and moved beside Mars: Terra Nova and the active event.
    assert ("ship", plan.crewed) in moved and ("event", event) in moved
    assert changed[~disc].sum() > 500
    assert plan.craft_name(plan.crewed) in texts and ev.title in texts
    if size[1] >= 720:  # at 360 px the layout may drop it for room (a lower priority)
        assert any(t.endswith(" at Mars") and "Shirase" in t for t in texts)
    # No label box covers the disc (boxes are display pixels, y up).
    for t, (x0, y0, x1, y1) in zip(texts, boxes):
        qx = min(max(cx, x0), x1)
        qy = min(max(size[1] - cy, y0), y1)
        assert np.hypot(qx - cx, qy - (size[1] - cy)) >= r, (t, event, size)


def test_nothing_moves_when_mars_is_large(scene, plan):
    """In the story's shot of a surface event (Mars a large disc at true size) the ships and the
    active event's marker stand where they are: the crowd pass moves and hides none of them."""
    from marsviz.story import Storyboard

    ev = plan.event("water")
    sb = Storyboard.build(plan)
    span = next(c for c in sb.cards if c.event_id == "water" and c.kind == "event")
    with frame_size(scene, (1280, 720)):
        scene.apply(sb.at(span.start_s + 1.0))
        render(scene)
        (_cx, _cy), r = mars_disc_px(scene, plan)
        assert r > 60 and scene.ctx.scales["mars"] == pytest.approx(1.0)
        touched = {*scene.crowd.moved, *scene.crowd.hidden}
        assert not [k for k in touched if k[0] == "ship"]
        assert ("event", "water") not in touched
        assert ev.title in [p.text for p in scene.labels.placed]


def text_box(actor, ren):
    bb = [0.0] * 4
    actor.GetBoundingBox(ren, bb)
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(ren)
    return x + bb[0], y + bb[2], x + bb[1], y + bb[3]


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
def test_every_surface_event_is_labelled_at_the_site_shot(scene, plan, size):
    """With the camera at each site (the storyboard's surface shot, the site's last event's card
    up), every surface event that has happened by then and whose marker is in the frame has its
    label at 1280 x 720 (at 640 x 360, where the active event's bold label may take a ring's
    lower or upper side, all but two), and no later one has (no spoilers); no two labels
    overlap, none covers the heads-up text or the card, and none covers another event's
    marker."""
    from marsviz.story.shots import shot_pose

    surface = [e for e in plan.mission_events if getattr(e, "site", None) in plan.sites]
    shots = list({e.site: e for e in reversed(surface)}.values())
    ren = scene.p.renderer
    labelled = seen = told = 0
    with frame_size(scene, size):
        for ev in shots:
            state = SimpleNamespace(tau_s=0.0, t=ev.t, card=ev.id, card_kind="event", signal=None,
                                    camera=shot_pose(plan, f"surface:{ev.site}", ev.t),
                                    shot=f"surface:{ev.site}")
            scene.apply(state)
            render(scene)
            actors = [a for a in scene.labels._pool if a.GetVisibility()]
            texts = [a.GetInput() for a in actors]
            boxes = [text_box(a, ren) for a in actors]
            assert ev.title in texts
            for e in surface:
                if e.t > ev.t:
                    assert e.title not in texts, (ev.id, e.id)  # not told before it happens
                    continue
                x, y = scene.world_to_display(scene.markers.event_positions[e.id])
                if 0 <= x < size[0] and 0 <= y < size[1]:
                    seen += 1
                    labelled += e.title in texts
                    if size[1] >= 720:
                        assert e.title in texts, (ev.id, e.id, size)
                    yd = size[1] - y
                    for t, b in zip(texts, boxes):
                        if t != e.title:
                            assert not (b[0] < x < b[2] and b[1] < yd < b[3]), (t, e.id, size)
            hud = [text_box(t.actor, ren) for t in scene._texts.values()
                   if t.actor.GetVisibility() and (t.actor.GetInput() or "").strip()]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:] + hud:
                    assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (texts[i], size)
            past = [e for e in surface if e.t <= ev.t]
            missing = [e.title for e in past if e.title not in texts]
            assert len(missing) <= (0 if size[1] >= 720 else 2), (ev.id, size, missing)
            told += len(past)
    assert seen >= told and labelled >= seen - 2 * len(shots)
    assert told > len(shots)  # the shots show earlier events, not only their own
