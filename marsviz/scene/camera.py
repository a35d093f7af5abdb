"""The camera rig: presets, tracking a moving target, and poses given in heliocentric km."""

from __future__ import annotations

import numpy as np

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.story.shots import ENCOUNTER_PRESETS, preset_pose

#: Preset cameras about the Sun: (position, focal point) in AU.
FIXED = {
    "overview": ((0.0, -2.6, 5.6), (0.0, 0.0, 0.0)),
    "inner": ((0.0, -0.9, 3.4), (0.0, 0.0, 0.0)),
}
#: Tracking presets: (target, camera distance from it in AU or km). ``None``: the crewed ship.
TRACK = {
    "follow": (None, 0.5, "au"),
    "earth": ("earth", 0.5, "au"),
    "mars": ("mars", 0.5, "au"),
    "venus": ("venus", 0.5, "au"),
    # The encounters, close enough for the planets to be drawn at (or near) true size.
    "venus-flyby": ("venus", 80_000.0, "km"),
    "mars-arrival": ("mars", 150_000.0, "km"),
    "mars-stay": ("mars", 45_000.0, "km"),
    # Behind the Earth, looking at the incoming ship (the story.shots geometry).
    "earth-approach": ("earth", 255_000.0, "km"),
    # The crewed ship at true size (Terra Nova is 89 m long).
    "ship": (None, 0.22, "km"),
}


class CameraRig(Visual):
    def build(self) -> None:
        self.preset = "overview"
        self.target = None
        self.last_target_pos = None

    def target_of(self, preset: str):
        if preset not in TRACK:
            return None
        return TRACK[preset][0] or self.plan.crewed

    def set_preset(self, preset: str) -> None:
        if preset not in style.CAMERA_NAMES:
            raise ValueError(f"unknown camera preset {preset!r}")
        self.preset = preset
        cam = self.p.camera
        cam.view_angle = 30.0
        world = self.world
        target = self.target_of(preset)
        if preset in FIXED:
            position, focal = FIXED[preset]
            cam.focal_point = tuple(world.from_au(focal))
            cam.position = tuple(world.from_au(position))
            cam.up = (0.0, 0.0, 1.0)
        elif preset in ENCOUNTER_PRESETS:
            # An encounter: the storyboard's pose of this preset (one source of the numbers),
            # looking along the encounter's geometry.
            pose = preset_pose(self.plan, preset, self.ctx.t)
            cam.focal_point = tuple(world.to_scene(pose.focal_km))
            cam.position = tuple(world.to_scene(pose.position_km))
            cam.up = tuple(float(c) for c in pose.up)
        else:
            center = self.ctx.current(target)
            _, d, unit = TRACK[preset]
            dist = d * world.au if unit == "au" else world.length(d)
            helio = center - world.sun_offset()
            outward = helio / (np.linalg.norm(helio) or 1.0)
            if preset in ("follow", "ship"):
                # Above and beside the craft, looking back towards the Sun: smooth in time.
                side = np.cross([0.0, 0.0, 1.0], outward)
                offset = 0.35 * outward - 0.75 * side + np.array([0.0, 0.0, 0.7])
            else:
                offset = -0.7 * outward + np.array([0.0, 0.0, 0.55])
            offset = offset / np.linalg.norm(offset) * dist
            cam.focal_point = tuple(center)
            cam.position = tuple(center + offset)
            cam.up = (0.0, 0.0, 1.0)
        self.target = target
        self.last_target_pos = None if target is None else self.ctx.current(target)

    def set_pose(self, pose) -> None:
        """A camera pose in heliocentric km (a storyboard's CameraPose)."""
        world = self.world
        cam = self.p.camera
        cam.view_angle = float(pose.view_angle_deg)
        cam.focal_point = tuple(world.to_scene(pose.focal_km))
        cam.position = tuple(world.to_scene(pose.position_km))
        cam.up = tuple(float(c) for c in pose.up)
        self.target = None
        self.last_target_pos = None

    def update(self, pos: dict) -> None:
        """Tracking presets move the camera with their target, keeping the user's zoom and angle."""
        if self.target is None:
            return
        new = np.array(pos[self.target])
        old = self.last_target_pos
        if old is None:
            old = new
        dx, dy, dz = (float(c) for c in (new - old))
        cam = self.p.renderer.GetActiveCamera()  # raw VTK calls: no clipping-range reset here
        fx, fy, fz = cam.GetFocalPoint()
        px, py, pz = cam.GetPosition()
        cam.SetFocalPoint(fx + dx, fy + dy, fz + dz)
        cam.SetPosition(px + dx, py + dy, pz + dz)
        self.last_target_pos = new

    def shift(self, offset) -> None:
        """The floating origin moved by ``-delta``: keep the camera on the same world point."""
        # Handled by MissionScene._set_origin, which knows the old and new origin.
