"""A few small reference frames of the 3D scene, rendered off screen.

``scripts/make_scene_refs.py`` writes them to ``tests/data/scene-ref/`` and
``tests/test_scene_split.py`` renders them again and compares every pixel, so that a change
that is meant to be a pure restructuring of the scene code is proven to change no pixel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

REF_DIR = Path(__file__).resolve().parent / "data" / "scene-ref"
REF_SIZE = (400, 225)


def frames(plan):
    """(name, camera preset, instant, card event or None, signal event or None) of each frame."""
    return [
        ("overview", "overview", plan.epoch + 250.0, None, None),
        ("follow", "follow", plan.epoch + 90.0, None, None),
        ("mars-card", "mars", plan.event("dust-devil").t + 0.5, None, None),
        ("inner-signal", "inner", plan.event("plea").t + 0.002, None, "plea"),
        ("venus-forced-card", "venus", plan.milestones["earth_departure"] + 150.0, "plea", None),
    ]


def render_frames(plan) -> dict[str, np.ndarray]:
    """Render every reference frame with a fresh scene (frames do not depend on order)."""
    import pyvista as pv

    from marsviz.export import render_image
    from marsviz.scene.scene import MissionScene

    out = {}
    for name, camera, t, card, signal in frames(plan):
        p = pv.Plotter(off_screen=True, window_size=REF_SIZE)
        s = MissionScene(p, plan)
        try:
            s.set_time(t)
            s.set_camera(camera)
            if card:
                s.show_event_card(plan.event(card))
            if signal:
                s.set_signal(plan.event(signal))
            out[name] = np.ascontiguousarray(render_image(p)[..., :3])
        finally:
            s.close()
            p.close()
    return out
