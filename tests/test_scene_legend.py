"""The heads-up text a class reads from afar: the legend naming each coloured path in view, and the
dark plates that keep the sizes line, the scale bar and the legend readable over the paths."""

import numpy as np
import pytest

from tests.conftest import frame_size

pytestmark = pytest.mark.render
SIZE = (1280, 720)

ALL = ["Earth to Venus", "Venus to Mars", "Mars to Earth", "Shirase (cargo)", "Atlantis (cargo)",
       "Gagarin (cargo)"]


def render(scene):
    from marsviz.export import render_image

    return np.asarray(render_image(scene.p)[..., :3]).astype(int)


def legend_actors(scene):
    return [scene._texts[f"legend-{i}"].actor for i in range(len(scene.hud.legend))]


def shown_labels(scene):
    return [a.GetInput() for a in legend_actors(scene) if a.GetVisibility()]


def test_the_legend_names_every_path_of_the_overview_in_its_drawn_colour(scene, plan):
    from marsviz.scene import style

    scene.set_time(plan.epoch + 200.0)
    scene.set_camera("overview")
    render(scene)
    assert shown_labels(scene) == ["\u2014\u2014 " + x for x in ALL]
    assert [e.label for e in scene.hud.legend_shown] == ALL
    entry = {e.key: e for e in scene.hud.legend}
    for leg in scene.legs:
        key = (leg.craft, leg.index) if leg.craft == plan.crewed else (leg.craft, None)
        i = scene.hud.legend.index(entry[key])
        text_rgb = np.array(scene._texts[f"legend-{i}"].actor.GetTextProperty().GetColor())
        flown = np.array(leg.flown_actor.GetProperty().GetColor())
        whole = np.array(leg.full_actor.GetProperty().GetColor())
        # The name is written in the colour of the flown path, the whole path a dimmer shade of it.
        assert text_rgb == pytest.approx(flown, abs=1 / 255), leg.craft
        assert whole / text_rgb == pytest.approx(np.full(3, (whole / text_rgb)[0]), abs=0.01)
    # Terra Nova's three legs in LEG_COLORS, in order; a cargo ship in its own colour (x 0.75).
    for i, hexc in enumerate(style.LEG_COLORS[:3]):
        assert scene.hud.legend[i].color == pytest.approx(style.hex_to_rgb(hexc))
    assert entry[("shirase", None)].color == pytest.approx(style.dim(plan.spacecraft["shirase"]["color"], 0.75))


def test_the_legend_lists_only_the_paths_in_view_and_can_be_switched_off(scene, plan):
    t = plan.event("water").t
    scene.set_time(t)
    scene.set_camera("mars-stay")  # Mars at true size: Terra Nova's parking orbit, no cargo path
    render(scene)
    labels = [e.label for e in scene.hud.legend_shown]
    assert "Venus to Mars" in labels  # the orbit it was captured into, in the colour of its arrival leg
    assert "Earth to Venus" not in labels
    scene.opt.legend = False
    try:
        scene.apply_options()
        render(scene)
        assert shown_labels(scene) == [] and scene.hud.plate_box("legend") is None
    finally:
        scene.opt.legend = True
        scene.apply_options()
    scene.set_camera("overview")
    render(scene)
    assert [e.label for e in scene.hud.legend_shown] == ALL


def other_boxes(scene):
    """Display boxes of the heads-up text other than the legend, the scale bar and its plate."""
    from marsviz.scene.labels import text_box

    ren = scene.p.renderer
    boxes = {k: text_box(t.actor, ren) for k, t in scene._texts.items()
             if not k.startswith("legend-") and t.actor.GetVisibility() and (t.actor.GetInput() or "").strip()}
    if scene.hud.bar_actor.GetVisibility():
        w, h = scene.ctx.size
        pts = np.asarray(scene.hud.bar.points)
        boxes["scale-bar"] = (pts[:, 0].min() * w, pts[:, 1].min() * h, pts[:, 0].max() * w, pts[:, 1].max() * h)
    if scene.hud.plate_box("sizes") is not None:
        boxes["sizes-plate"] = scene.hud.plate_box("sizes")
    return boxes


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
def test_the_legend_overlaps_no_other_text_through_the_story(scene, plan, size):
    from marsviz.scene.labels import overlaps, text_box
    from marsviz.story import Storyboard

    sb = Storyboard.build(plan)
    shown = 0
    with frame_size(scene, size):
        for tau in np.linspace(0.0, sb.duration_s, 20):
            scene.apply(sb.at(float(tau)))
            render(scene)
            plate = scene.hud.plate_box("legend")
            entries = [text_box(a, scene.p.renderer) for a in legend_actors(scene) if a.GetVisibility()]
            if not entries:
                assert plate is None
                continue
            shown += 1
            # the plate covers its lines, inside the frame
            assert plate[0] <= min(b[0] for b in entries) and plate[2] >= max(b[2] for b in entries)
            assert plate[1] <= min(b[1] for b in entries) and plate[3] >= max(b[3] for b in entries)
            assert 0 <= plate[0] and plate[2] <= size[0] and 0 <= plate[1] and plate[3] <= size[1]
            for key, box in other_boxes(scene).items():
                assert not overlaps(plate, box), (tau, key, box, plate)
        scene.hud.auto = True
        scene.signal.override = None
        scene.show_event_card(None)
    assert shown >= 12  # the legend is there in most of the story, not left out


def _display_to_scene(scene, x, y, z):
    ren = scene.p.renderer
    ren.SetDisplayPoint(float(x), float(y), float(z))
    ren.DisplayToWorld()
    p = np.array(ren.GetWorldPoint())
    return p[:3] / p[3]


@pytest.mark.parametrize("key", ["scale", "bar"])
def test_a_path_through_the_sizes_line_or_the_scale_bar_is_dimmed_under_it(scene, plan, key):
    """A bright line drawn straight through the text (a transfer preview, white and 3 px wide):
    beside the text it is at full brightness; under the text (between the letters) the plate
    dims it to less than 40 % of that, so the text reads over it."""
    from marsviz.scene.labels import text_box

    scene.set_time(plan.epoch + 200.0)
    scene.set_camera("overview")
    render(scene)
    box = text_box(scene._texts[key].actor, scene.p.renderer)
    ren = scene.p.renderer
    fp = list(scene.p.renderer.GetActiveCamera().GetFocalPoint())
    ren.SetWorldPoint(*fp, 1.0)
    ren.WorldToDisplay()
    z = ren.GetDisplayPoint()[2]
    y = 0.5 * (box[1] + box[3])
    xs = np.linspace(-0.2 * SIZE[0], 1.2 * SIZE[0], 200)
    pts = np.array([_display_to_scene(scene, x, y, z) for x in xs])
    scene.set_preview(scene.world.to_km(pts))
    try:
        lined = render(scene)
    finally:
        scene.set_preview(None)
    bare = render(scene)
    diff = np.abs(lined - bare).max(axis=2)
    row = SIZE[1] - int(round(y))
    band = diff[row - 1: row + 2]
    under = band[:, int(box[0]) + 2: int(box[2]) - 2].max()
    plate = scene.hud.plate_box("sizes")
    beside = band[:, int(plate[2]) + 10: int(plate[2]) + 60].max()
    assert beside >= 200
    assert under <= 0.4 * beside, (under, beside)


def test_a_path_is_in_the_frame_only_where_it_is_seen():
    """in_frame, with the identity as the camera (the frame is -1..1 in x and y): a segment
    across it counts, one whose box covers the frame but which passes by its corner does
    not, nor a point hidden behind a planet, nor a piece shorter than the least length."""
    from marsviz.scene.paths import hidden_by, in_frame

    m = np.eye(4)
    assert in_frame(np.array([[-3.0, -3.0, 0.0], [3.0, 3.0, 0.0]]), m)
    assert not in_frame(np.array([[-3.0, 0.5, 0.0], [0.5, 3.0, 0.0]]), m)  # by the top left corner
    assert in_frame(np.array([[-3.0, 0.0, 0.0], [0.5, 1.5, 0.0]]), m)  # through it
    short = np.array([[0.0, 0.0, 0.0], [0.01, 0.0, 0.0]])
    assert in_frame(short, m) and not in_frame(short, m, min_ndc=(0.05, 0.05))
    eye, planet = (0.0, 0.0, 10.0), [((0.0, 0.0, 5.0), 1.0)]
    pts = np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 8.0], [4.0, 0.0, 0.0]])
    assert hidden_by(pts, eye, planet).tolist() == [True, True, False, False]
    assert not in_frame(pts[:2], m, eye, planet)
    assert in_frame(pts[:3], m, eye, planet)
