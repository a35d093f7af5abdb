"""The backdrop: the Sun's light, the star sphere, the ecliptic AU grid and the Sun."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline

STAR_RADIUS_AU = 40.0
SUN_RADIUS_KM = 696_000.0
#: The bright disc's share of the Sun sprite's half-width (the rest is the corona).
SUN_CORE = 0.32


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
        """The Sun as a glowing billboard (it draws the disc and a smooth corona, no rings).

        The corona is kept inside Mercury's orbit in the overview: the sprite's half-width is
        the drawn radius over :data:`SUN_CORE` (0.093 AU / 0.32 = 0.29 AU < 0.31 AU, Mercury's
        perihelion)."""
        from marsviz.scene.models import add_sun_glow

        r = self.world.length(SUN_RADIUS_KM * self.ctx.sun_scale)
        self.sun_radius = r
        self.sun_actor = add_sun_glow(self.p, (0.0, 0.0, 0.0), r, name="sun-glow", core=SUN_CORE)
        self.static.append(self.sun_actor)

    def shift(self, offset) -> None:
        super().shift(offset)
        self.sun_light.position = tuple(float(c) for c in offset)
        self.sun_light.focal_point = tuple(float(c) for c in np.asarray(offset) + (1.0, 0.0, 0.0))

    def apply_options(self, opt) -> None:
        self.stars.SetVisibility(opt.stars)
        self.grid_actor.SetVisibility(opt.grid)
