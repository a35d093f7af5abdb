"""Labels are laid out in screen space: none overlaps another, the event card or the heads-up
text, all inside the frame; the crewed ship and the active event come first."""

import numpy as np
import pytest
import pyvista as pv

from marsviz.scene.scene import MissionScene


pytestmark = pytest.mark.render
SIZE = (480, 270)
CAMERAS = ("overview", "follow", "venus-flyby", "mars-stay", "earth-approach")



def instants(plan):
    """20 instants: ten events (cards up) and ten spread over the mission."""
    evs = [e.t + 0.01 for e in plan.mission_events]
    picks = [evs[i] for i in np.linspace(0, len(evs) - 1, 10).astype(int)]
    t0, t1 = plan.span
    return picks + list(np.linspace(t0, t1, 10))


def box(actor, ren):
    """Display box (x0, y0, x1, y1) of a rendered text actor, from VTK's own measure."""
    bb = [0.0] * 4
    actor.GetBoundingBox(ren, bb)  # relative to the actor's anchor
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(ren)
    return x + bb[0], y + bb[2], x + bb[1], y + bb[3]


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def marker_seen(scene, event_id) -> bool:
    """Whether event ``event_id``'s marker is seen now: hiding the event markers (labels off
    in both frames) changes the pixels where it is drawn (not so when a planet's globe hides
    it)."""
    from marsviz.export import render_image

    mk = scene.markers
    x, y = (int(round(v)) for v in scene.world_to_display(
        scene.crowd.anchor(("event", event_id), mk.event_positions[event_id])))
    acts = list(mk.marker_actors.values()) + [mk.active_actor]
    vis = [a.GetVisibility() for a in acts]
    scene.labels.visible = False
    try:
        img = np.asarray(render_image(scene.p))[..., :3].astype(int)
        for a in acts:
            a.SetVisibility(False)
        bare = np.asarray(render_image(scene.p))[..., :3].astype(int)
    finally:
        scene.labels.visible = scene.opt.labels
        for a, v in zip(acts, vis):
            a.SetVisibility(v)
    win = (slice(max(y - 2, 0), y + 3), slice(max(x - 2, 0), x + 3))
    return bool(np.abs(img[win] - bare[win]).max() > 30)


@pytest.mark.parametrize("camera", CAMERAS)
def test_labels_never_overlap_each_other_the_card_or_the_hud(scene, plan, camera):
    from marsviz.export import render_image

    ren = scene.p.renderer
    ship_seen = ship_labelled = card_frames = event_labelled = 0
    total = 0
    for t in instants(plan):
        scene.set_time(t)
        scene.set_camera(camera)
        render_image(scene.p)
        labels = [a for a in scene.labels._pool if a.GetVisibility()]
        boxes = [box(a, ren) for a in labels]
        hud = [box(t.actor, ren) for t in scene._texts.values()
               if t.actor.GetVisibility() and (t.actor.GetInput() or "").strip()]
        assert len(hud) >= 5
        total += len(boxes)
        for i, a in enumerate(boxes):
            assert a[0] >= -1 and a[1] >= -1 and a[2] <= SIZE[0] + 1 and a[3] <= SIZE[1] + 1, labels[i].GetInput()
            for b in boxes[i + 1:]:
                assert not overlap(a, b), (camera, t, labels[i].GetInput())
            for h in hud:
                assert not overlap(a, h), (camera, t, labels[i].GetInput())
        texts = [a.GetInput() for a in labels]
        assert len(texts) == len(set(texts))  # nothing stacked twice
        # The crewed ship's label is placed whenever the ship is in view and clear of the card.
        x, y = scene.world_to_display(scene.position_au(plan.crewed))
        if 20 < x < SIZE[0] - 20 and 20 < y < SIZE[1] * 0.55:
            ship_seen += 1
            ship_labelled += plan.craft_name(plan.crewed) in texts
        ev = scene.card_event
        if ev is not None and ev.id in scene.event_positions:
            x, y = scene.world_to_display(scene.event_positions[ev.id])
            # (in view, clear of the card, and seen: not inside a planet drawn at true size)
            if 30 < x < SIZE[0] - 30 and 30 < y < SIZE[1] * 0.5 and marker_seen(scene, ev.id):
                card_frames += 1
                event_labelled += ev.title in texts
    assert total > 0
    assert ship_labelled >= 0.8 * ship_seen
    assert event_labelled >= 0.8 * card_frames


@pytest.mark.parametrize("size", [(480, 270), (1280, 720)])
def test_labels_keep_clear_of_each_other_and_the_ship_at_the_venus_swing_by(scene, plan, size):
    """At the swing-by instants in the venus-flyby camera (the event's card up) every two
    label boxes, as rendered, are at least MARGIN pixels apart, and no label covers the ship."""
    from marsviz.export import render_image

    MARGIN = 4.0
    te = plan.milestones["venus_flyby_outbound"]
    evs = [e for e in plan.mission_events if abs(e.t - te) < 0.5]
    assert evs, "an event at the swing-by"
    instants = sorted({te + h / 24 for h in (-0.3, -0.1, 0.0, 0.1, 0.2, 0.3)} | {e.t + 0.01 for e in evs})
    ren = scene.p.renderer
    old = tuple(scene.p.window_size)
    scene.p.window_size = size
    scene.layout(*size)
    try:
        pairs = event_frames = 0
        for t in instants:
            scene.set_time(t)
            scene.set_camera("venus-flyby")
            render_image(scene.p)
            labels = [a for a in scene.labels._pool if a.GetVisibility()]
            boxes = [box(a, ren) for a in labels]
            texts = [a.GetInput() for a in labels]
            event_frames += any(e.title in texts for e in evs)
            for i, a in enumerate(boxes):
                for j in range(i + 1, len(boxes)):
                    b = boxes[j]
                    gap = max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])
                    assert gap >= MARGIN, (size, (t - te) * 24, texts[i], texts[j], gap)
                    pairs += 1
            x, y = scene.world_to_display(scene.position_au(plan.crewed))
            y = size[1] - y  # display coordinates, y up, as the boxes
            for a, text in zip(boxes, texts):
                assert not (a[0] - 2 <= x <= a[2] + 2 and a[1] - 2 <= y <= a[3] + 2), (size, text)
        # At the periapsis the event's marker is behind Venus (no label); at 270 px the bold
        # title, at the legible floor size, fits beside its marker in fewer frames (it is
        # dropped there, never stacked).
        assert pairs >= 10 and event_frames >= (2 if size[1] >= 360 else 1)
    finally:
        scene.p.window_size = old
        scene.layout(*old)


def test_a_milestone_label_never_lies_on_another_marker(scene, plan):
    """A milestone's dated label (the least important) keeps off every event and milestone
    marker drawn but its own, in the overview and the inner view at 20 instants: a failure's
    red dot never covers "Earth departure 2030-01-19"."""
    from marsviz.export import render_image

    ren = scene.p.renderer
    labelled = 0
    milestones = set(scene.markers.milestone_labels)
    for camera in ("overview", "inner"):
        for t in instants(plan):
            scene.set_time(t)
            scene.set_camera(camera)
            render_image(scene.p)
            own = {text: ("milestone", j) for j, text in enumerate(scene.markers.milestone_labels)}
            for a in scene.labels._pool:
                text = a.GetInput()
                if not a.GetVisibility() or text not in milestones:
                    continue
                labelled += 1
                b = box(a, ren)
                for x, y, f, key in scene.crowd.marks:
                    if key != own[text]:
                        assert not overlap(b, (x - f, y - f, x + f, y + f)), (camera, t, text, key)
    assert labelled >= 40
