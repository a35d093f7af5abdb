"""The spacecraft: a marker per ship, along its velocity, a constant size on screen."""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonMath import vtkMatrix4x4

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.scales import track_km

#: Marker length as a fraction of the camera distance (the crewed ship; others x 0.7).
SCREEN_FRACTION = 0.02


def parked(traj, t) -> bool:
    return any(a.t_arr < t < b.t_dep for a, b in zip(traj.legs, traj.legs[1:]))


class Ships(Visual):
    def build(self) -> None:
        self.craft_actors = {}
        self.shown: dict = {}
        plan = self.plan
        for cid in plan.trajectories:
            cone = pv.Cone(center=(0.0, 0.0, 0.0), direction=(1.0, 0.0, 0.0), height=1.0,
                           radius=0.32, resolution=24)
            color = plan.spacecraft.get(cid, {}).get("color") or style.DEFAULT_CRAFT_COLOR
            if cid == plan.crewed:
                color = "#ffffff"
            self.craft_actors[cid] = self.p.add_mesh(
                cone, color=color, lighting=False, name=f"craft-{cid}", reset_camera=False)

    def states(self, t: float) -> dict:
        """Heliocentric position (km) and velocity (km/s) of every ship at ``t``."""
        return {cid: track_km(self.plan, cid, t) for cid in self.craft_actors}

    def update(self, t: float, states: dict) -> dict:
        """Place the ships where they are drawn (through the instant's display map, the same
        map as their paths) and show those that fly; returns their scene positions."""
        plan = self.plan
        dmap = self.ctx.dmap
        self.shown = {}
        drawn = {}
        ids = list(self.craft_actors)
        km = np.array([states[c][0] for c in ids])
        pos = self.world.to_scene(km if dmap is None else dmap.apply(km, km.min(axis=0), km.max(axis=0)))
        for i, (cid, actor) in enumerate(self.craft_actors.items()):
            v = states[cid][1]
            shown = pos[i]
            drawn[cid] = shown
            self.shown[cid] = (shown, v)
            traj = plan.trajectories[cid]
            flying = traj.t_start <= t <= traj.t_end and not parked(traj, t)
            visible = (cid == plan.crewed or (self.ctx.opt.cargo and t >= traj.t_start - 1))
            actor.SetVisibility(bool(visible and (flying or cid == plan.crewed)))
        return drawn

    def orient_all(self, cam_pos) -> None:
        for cid, (r, v) in self.shown.items():
            self.orient(cid, r, v, cam_pos)

    def orient(self, cid, r, v, cam_pos) -> None:
        """Point the cone along the velocity; keep it a constant size on screen."""
        vx, vy, vz = (float(c) for c in v)
        speed = math.sqrt(vx * vx + vy * vy + vz * vz) or 1.0
        x = (vx / speed, vy / speed, vz / speed)
        # y = z_hat x x, z = x x y (plain floats: numpy is slow for 3-vectors)
        ny = math.hypot(x[0], x[1])
        y = (-x[1] / ny, x[0] / ny, 0.0) if ny > 1e-9 else (0.0, 1.0, 0.0)
        z = (x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0])
        dx, dy, dz = (float(cam_pos[i] - r[i]) for i in range(3))
        dist = math.sqrt(dx * dx + dy * dy + dz * dz) or 1.0
        s = dist * SCREEN_FRACTION * (1.0 if cid == self.plan.crewed else 0.7)
        m = vtkMatrix4x4()
        for i in range(3):
            m.SetElement(i, 0, x[i] * s)
            m.SetElement(i, 1, y[i] * s)
            m.SetElement(i, 2, z[i] * s)
            m.SetElement(i, 3, r[i])
        self.craft_actors[cid].SetUserMatrix(m)

    def apply_options(self, opt) -> None:
        for cid, a in self.craft_actors.items():
            if cid != self.plan.crewed:
                a.SetVisibility(opt.cargo and a.GetVisibility())
