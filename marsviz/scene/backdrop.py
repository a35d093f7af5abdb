"""The backdrop: the Sun's light, the star sphere, the ecliptic AU grid and the Sun."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, uv_sphere

STAR_RADIUS_AU = 40.0
SUN_RADIUS_KM = 696_000.0


class Backdrop(Visual):
    def build(self) -> None:
        p = self.p
        p.set_background(style.BACKGROUND)
        p.remove_all_lights()
        self.sun_light = pv.Light(position=(0, 0, 0), focal_point=(1, 0, 0), light_type="scene light",
                                  positional=True, cone_angle=180, intensity=1.15)
        self.sun_light.attenuation_values = (1, 0, 0)
        p.add_light(self.sun_light)
        self._build_stars()
        self._build_grid()
        self._build_sun()

    def _build_stars(self) -> None:
        rng = np.random.default_rng(2030)
        n = 2500
        d = rng.normal(size=(n, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        pts = pv.PolyData(d * (STAR_RADIUS_AU * self.world.au))
        mag = rng.power(0.35, n)
        tint = np.stack([np.ones(n), 0.95 + 0.05 * rng.random(n), 0.85 + 0.15 * rng.random(n)], axis=1)
        rgb = (255 * np.clip(0.25 + 0.75 * mag, 0, 1)[:, None] * tint).astype(np.uint8)
        pts.point_data["rgb"] = rgb
        self.stars = self.p.add_mesh(pts, scalars="rgb", rgb=True, point_size=2.0,
                                     render_points_as_spheres=False, lighting=False,
                                     pickable=False, name="stars", reset_camera=False)
        self.sized(self.stars, point=2.0)
        # The star sphere is centred on the camera before every render: stars at infinity,
        # with no parallax, and near objects are never clipped.
        self.p.renderer.SetNearClippingPlaneTolerance(1e-4)

    def before_render(self, cam) -> None:
        self.stars.SetPosition(*cam.GetPosition())

    def _build_grid(self) -> None:
        rings = []
        self.grid_radii = (0.5, 1.0, 1.5, 2.0)
        au = self.world.au
        th = np.linspace(0, 2 * np.pi, 241)
        for r in self.grid_radii:
            rr = r * au
            rings.append(polyline(np.c_[rr * np.cos(th), rr * np.sin(th), np.zeros_like(th)]))
        grid = pv.merge(rings)
        self.grid_actor = self.p.add_mesh(grid, color="#39445e", line_width=1, opacity=0.55,
                                          lighting=False, pickable=False, name="au-grid",
                                          reset_camera=False)
        self.static.append(self.grid_actor)
        self.sized(self.grid_actor, line=1.0)

    def _build_sun(self) -> None:
        r = self.world.length(SUN_RADIUS_KM * self.ctx.sun_scale)
        sun = uv_sphere(r, 64, 32)
        self.sun_actor = self.p.add_mesh(sun, color=style.PLANET_COLORS["sun"], lighting=False,
                                         name="sun", reset_camera=False, smooth_shading=True)
        self.static.append(self.sun_actor)
        for i, (k, op) in enumerate(((1.35, 0.16), (1.9, 0.07), (2.8, 0.03))):
            glow = pv.Sphere(radius=r * k, theta_resolution=48, phi_resolution=24)
            self.static.append(self.p.add_mesh(glow, color="#ffd27a", opacity=op, lighting=False,
                                               name=f"sun-glow-{i}", reset_camera=False, pickable=False))

    def shift(self, offset) -> None:
        super().shift(offset)
        self.sun_light.position = tuple(float(c) for c in offset)
        self.sun_light.focal_point = tuple(float(c) for c in np.asarray(offset) + (1.0, 0.0, 0.0))

    def apply_options(self, opt) -> None:
        self.stars.SetVisibility(opt.stars)
        self.grid_actor.SetVisibility(opt.grid)
