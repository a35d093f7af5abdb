"""The planets (textured, tilted spheres) and their orbits."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.mission.plan import PLANETS
from marsviz.resources import texture
from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, rotation_x, uv_sphere

TILT_DEG = {"mercury": 0.03, "venus": 177.4, "earth": 23.44, "mars": 25.19}


class Planets(Visual):
    def build(self) -> None:
        self.planet_actors = {}
        for body in PLANETS:
            r = self.ctx.radii[body]
            mesh = uv_sphere(r)
            rot = rotation_x(TILT_DEG[body])
            mesh.points = np.asarray(mesh.points) @ rot.T
            mesh.point_data["Normals"] = np.asarray(mesh.point_data["Normals"]) @ rot.T
            tex_path = texture(f"{body}.jpg")
            kw = dict(smooth_shading=True, ambient=0.12, diffuse=1.0, specular=0.05,
                      name=f"planet-{body}", reset_camera=False)
            if tex_path.is_file():
                actor = self.p.add_mesh(mesh, texture=pv.read_texture(str(tex_path)), **kw)
            else:
                actor = self.p.add_mesh(mesh, color=style.PLANET_COLORS[body], **kw)
            self.planet_actors[body] = actor

    def update(self, t: float) -> dict:
        """Move the planets to ``t``; returns their heliocentric positions (km)."""
        km = {}
        for body in PLANETS:
            km[body] = self.plan.table.state(body, t)[0]
        return km

    def place(self, km: dict) -> dict:
        """Put the planets at ``km`` (heliocentric) with their current exaggeration."""
        pos = {}
        cap = self.ctx.planet_scale
        for body in PLANETS:
            r = self.world.to_scene(km[body])
            pos[body] = r
            a = self.planet_actors[body]
            a.SetPosition(*r)
            k = self.ctx.scales[body] / cap
            if a.GetScale()[0] != k:
                a.SetScale(k, k, k)
        return pos


class Orbits(Visual):
    def build(self) -> None:
        self.orbit_actors = {}
        for body in PLANETS:
            pts = self.world.helio(self.plan.orbit_samples(body))
            pts = np.vstack([pts, pts[:1]])
            self.orbit_actors[body] = self.p.add_mesh(
                polyline(pts), color=style.dim(style.PLANET_COLORS[body], 0.55), line_width=1.5,
                lighting=False, pickable=False, name=f"orbit-{body}", reset_camera=False)
        self.static.extend(self.orbit_actors.values())
        for a in self.orbit_actors.values():
            self.sized(a, line=1.5)

    def apply_options(self, opt) -> None:
        for a in self.orbit_actors.values():
            a.SetVisibility(opt.orbits)
