"""Overlays: the light-time signal between a ship and Earth, and a candidate transfer preview."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.mission.timescale import format_duration
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, set_polyline
from marsviz.story.signal import signal_state


class Signal(Visual):
    """A line from sender to receiver and a pulse travelling along it at the speed of light."""

    def build(self) -> None:
        self.event = None
        self.override = None  # a storyboard's SignalState, drawn as given
        self.signal_line = polyline(np.zeros((2, 3)))
        self.signal_line_actor = self.p.add_mesh(self.signal_line, color="#fff59d", line_width=2.0,
                                                 opacity=0.8, lighting=False, name="signal-line",
                                                 reset_camera=False, pickable=False)
        self.signal_pulse = pv.PolyData(np.zeros((1, 3)))
        self.signal_actor = self.p.add_mesh(self.signal_pulse, color="#fff59d", point_size=18.0,
                                            render_points_as_spheres=True, lighting=False,
                                            name="signal", reset_camera=False, pickable=False)
        self.signal_line_actor.SetVisibility(False)
        self.signal_actor.SetVisibility(False)
        self.sized(self.signal_line_actor, line=2.0)
        self.sized(self.signal_actor, point=18.0)

    def current(self, t: float):
        """The signal drawn at ``t``: the storyboard's, or that of ``event`` (marsviz.story.signal)."""
        if self.override is not None:
            return self.override
        return signal_state(self.plan, self.event, t)

    def state(self, t: float):
        """(fraction travelled, seconds remaining, one-way seconds, src, dst in scene units)."""
        s = self.current(t)
        if s is None:
            return None
        return (s.frac, s.remaining_s, s.one_way_s, self.world.to_scene(s.src_km),
                self.world.to_scene(s.dst_km))

    def _receiver(self, t: float) -> str:
        s = self.current(t)
        to = getattr(s, "to", None)
        if not to:  # a signal state that does not say: whichever end is at Earth
            near = np.linalg.norm(np.asarray(s.dst_km) - self.plan.position("earth", t)) < 1e6
            to = "earth" if near else "crew"
        return "Earth" if to == "earth" else "the crew"

    def update(self, t: float, text) -> None:
        """Move the pulse to ``t``; ``text``: the vtkTextActor of the countdown."""
        st = self.state(t)
        if st is None:
            self.signal_actor.SetVisibility(False)
            self.signal_line_actor.SetVisibility(False)
            text.SetVisibility(False)
            return
        frac, remaining, one_way, src, dst = st
        set_polyline(self.signal_line, np.array([src, dst]))
        self.signal_pulse.points = (src + frac * (dst - src))[None, :]
        self.signal_pulse.Modified()
        self.signal_actor.SetVisibility(True)
        self.signal_line_actor.SetVisibility(True)
        text.SetVisibility(True)
        to = self._receiver(t)
        if remaining > 0:
            text.SetInput(f"Signal to {to}: {format_duration(remaining)} to go "
                          f"(one-way light time {format_duration(one_way)})")
        else:
            text.SetInput(f"Signal received by {to} after {format_duration(one_way)}")


class Preview(Visual):
    """A candidate transfer from the design panel, drawn over the plan."""

    def build(self) -> None:
        self.points_km = None
        self.preview_line = polyline(np.zeros((2, 3)))
        self.preview_actor = self.p.add_mesh(self.preview_line, color="#ffffff", line_width=3.0,
                                             lighting=False, name="preview", reset_camera=False,
                                             pickable=False)
        self.preview_actor.SetVisibility(False)
        self.sized(self.preview_actor, line=3.0)

    def update(self, points_km) -> None:
        self.points_km = None if points_km is None else np.asarray(points_km)
        if points_km is None:
            self.preview_actor.SetVisibility(False)
            return
        set_polyline(self.preview_line, self.world.to_scene(self.points_km))
        self.preview_actor.SetVisibility(True)
