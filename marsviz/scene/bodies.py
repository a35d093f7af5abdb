"""The planets (textured, tilted spheres) and their orbits."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.mission.plan import PLANETS
from marsviz.resources import texture
from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, rotation_x, uv_sphere
from marsviz.scene.models import (PLANET_LIGHTING, add_night_lights, night_lights, set_night_side,
                                  world_size_for_pixels)

MOON_RADIUS_KM = 1737.4
#: The Moon is enlarged at most this much, and drawn only while the Earth is enlarged no more
#: (at 30 x, the drawn Earth's radius is half the Earth-Moon distance).
MOON_MAX_SCALE = 30.0


def has_moon(plan) -> bool:
    """True when the plan's ephemeris has the Moon (``plan.position("moon", t)``)."""
    try:
        plan.position("moon", plan.epoch)
    except (KeyError, ValueError, AttributeError):
        return False
    return True


#: Bodies drawn turning with the plan's IAU orientation (``plan.body_rotation``: pole and
#: prime meridian; the Earth's through astropy's ITRS), the Moon and Earth's night lights too.
#: Every map is equirectangular with longitude -180 at its left edge (assets/README.md), and
#: the globes' texture coordinates put east longitude 0 on the body-fixed +x axis, so each
#: map's prime meridian is where the body's IAU prime meridian is.
SPINNING = ("mercury", "venus", "earth", "mars", "moon")

#: Fixed axial tilts, used only for a plan without orientation tables.
TILT_DEG = {"mercury": 0.03, "venus": 177.4, "earth": 23.44, "mars": 25.19}


def spins(plan, body: str) -> bool:
    """True when ``plan`` tabulates ``body``'s orientation (so it is drawn turning)."""
    if body not in SPINNING or not callable(getattr(plan, "body_rotation", None)):
        return False
    local = getattr(plan, "local_data", None) or {}
    return body in (local.get("rotation") or {}).get("elements", {})


def _turnable(mesh) -> tuple:
    """A mesh and copies of its body-fixed points and normals, for :meth:`Planets.rotation`."""
    return (mesh, np.asarray(mesh.points).copy(), np.asarray(mesh.point_data["Normals"]).copy())


def _turn(mesh, pts: np.ndarray, nrm: np.ndarray, rot: np.ndarray) -> None:
    """Write the body-fixed ``pts`` and ``nrm`` turned by ``rot`` into ``mesh``'s arrays, in
    place: ``add_mesh`` may draw a shallow copy of the mesh, which shares these arrays but
    would not see new ones."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    vp = mesh.GetPoints()
    vtk_to_numpy(vp.GetData())[...] = pts @ rot.T
    vp.Modified()
    vn = mesh.GetPointData().GetArray("Normals")
    vtk_to_numpy(vn)[...] = nrm @ rot.T
    vn.Modified()
    mesh.Modified()


#: Ambient light on a planet's globe while the camera is within SURFACE_FILL_RADII of its centre
#: (a surface shot): the night side then shows its ground dimly instead of black.
SURFACE_FILL = 0.3
SURFACE_FILL_RADII = 3.0

#: Coarser polyhedra (longitudes x latitudes) a globe is drawn as while it is drawn smaller than
#: the given radius (pixels): their facets then lie within half a pixel of the sphere (facets
#: ``d`` apart sag ``1 - cos(d / 2)`` radii: 0.0086 for 24 x 12, 0.0021 for 48 x 24), and each
#: cell of a finer globe costs the software renderer time for nothing. Larger, the fine 96 x 48
#: globe (within half a pixel up to 934 px).
COARSE_GLOBES = (((24, 12), 58.0), ((48, 24), 233.0))
#: The Earth's city lights are drawn only on a globe at least this large (radius, pixels):
#: smaller, they are a few dim specks on its night side.
NIGHT_LIGHTS_PX = 24.0
#: The fine ground around the sites (below) is drawn only while its planet is drawn at least
#: this large (radius, pixels): smaller, the fine globe's facets lie within half a pixel of it.
GROUND_MIN_PX = 900.0


def drawn_radius_px(cam, centre, radius: float, height_px: int) -> float:
    """Radius (pixels) on screen of a sphere of ``radius`` (scene units) at ``centre`` seen by
    ``cam`` in a frame ``height_px`` high (infinite when the camera is at or inside it)."""
    parallel = cam.GetParallelScale() if cam.GetParallelProjection() else None
    depth = 0.0
    if parallel is None:
        rel = np.asarray(centre, dtype=float) - np.asarray(cam.GetPosition(), dtype=float)
        depth = float(rel @ np.asarray(cam.GetDirectionOfProjection(), dtype=float))
        if depth <= radius:
            return float("inf")
    return radius / world_size_for_pixels(1.0, depth, cam.GetViewAngle(), max(1, height_px), parallel)


class GlobeLod:
    """One actor drawn through its fine mesh or a coarser one (same texture coordinates, turned
    and lit alike) by its size on screen (:data:`COARSE_GLOBES`)."""

    def __init__(self, actor, coarse: list):
        self.actor = actor
        self.meshes = [m for m in coarse] + [actor.GetMapper().GetInput()]  # coarsest first
        self.level = len(self.meshes) - 1

    @property
    def is_coarse(self) -> bool:
        return self.level < len(self.meshes) - 1

    def choose(self, radius_px: float) -> None:
        level = next((i for i, (_n, px) in enumerate(COARSE_GLOBES) if radius_px < px), len(COARSE_GLOBES))
        if level != self.level:
            self.level = level
            self.actor.GetMapper().SetInputData(self.meshes[level])


#: Half the width (km) of the ground drawn finely around each surface site (see
#: :func:`ground_patch`): beyond the horizon of a camera up to about 100 m above the ground.
GROUND_HALF_KM = 30.0
GROUND_CELLS = 48


def ground_patch(radius: float, lat_deg: float, lon_deg: float, half_km: float, radius_km: float,
                 cells: int = GROUND_CELLS) -> pv.PolyData:
    """A finely divided piece of a globe of ``radius`` (scene units) around a site, on the
    true sphere, with the globe's texture coordinates and radial normals (body-fixed frame).

    The globe itself is a 96 x 48 polyhedron: its flat facets lie up to 1.8 km (on Mars) below
    the sphere on which the plan puts the landers, so seen from a few tens of metres the ground
    would be far under them. This patch, 1 km cells whose sag is a few centimetres, is the
    ground the landers and structures stand on.
    """
    lat0, lon0 = np.radians(lat_deg), np.radians(lon_deg)
    dlat = half_km / radius_km
    dlon = half_km / (radius_km * max(np.cos(lat0), 1e-3))
    lat = np.clip(np.linspace(lat0 - dlat, lat0 + dlat, cells + 1), -np.pi / 2, np.pi / 2)
    lon = np.linspace(lon0 - dlon, lon0 + dlon, cells + 1)
    LON, LAT = np.meshgrid(lon, lat)
    n = np.stack([np.cos(LAT) * np.cos(LON), np.cos(LAT) * np.sin(LON), np.sin(LAT)], axis=-1).reshape(-1, 3)
    ncol = cells + 1
    i, j = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    p00 = (i * ncol + j).ravel()
    quads = np.stack([p00, p00 + 1, p00 + 1 + ncol, p00 + ncol], axis=1)  # outward (lon, then lat)
    mesh = pv.PolyData(n * radius, np.c_[np.full(len(quads), 4), quads].ravel())
    u = ((LON.ravel() + np.pi) / (2 * np.pi)) % 1.0
    mesh.active_texture_coordinates = np.c_[u, (LAT.ravel() + np.pi / 2) / np.pi]
    mesh.point_data["Normals"] = n
    mesh.point_data.active_normals_name = "Normals"
    return mesh


class Planets(Visual):
    def build(self) -> None:
        self.planet_actors = {}
        # Planets turned by the plan's IAU orientation (pole and prime meridian), so that a
        # site's latitude and longitude on the map is where the plan puts the site.
        # Each spinning body maps to its meshes (the globe; Earth's night-lights shell too), each
        # kept with its body-fixed points and normals.
        self.spinning = {b: [] for b in SPINNING if spins(self.plan, b)}
        self._spin_t = {}
        self.lod = {}  # body -> GlobeLod of its globe
        for body in PLANETS:
            r = self.ctx.radii[body]
            mesh = uv_sphere(r)
            if body not in self.spinning:  # else turned by place(); built in the body-fixed frame
                rot = rotation_x(TILT_DEG[body])
                mesh.points = np.asarray(mesh.points) @ rot.T
                mesh.point_data["Normals"] = np.asarray(mesh.point_data["Normals"]) @ rot.T
            tex_path = texture(f"{body}.jpg")
            kw = dict(smooth_shading=True, name=f"planet-{body}", reset_camera=False,
                      **PLANET_LIGHTING)
            if tex_path.is_file():
                actor = self.p.add_mesh(mesh, texture=pv.read_texture(str(tex_path)), **kw)
            else:
                actor = self.p.add_mesh(mesh, color=style.PLANET_COLORS[body], **kw)
            self.planet_actors[body] = actor
            coarse = [uv_sphere(r, *n) for n, _px in COARSE_GLOBES]
            if body not in self.spinning:
                for m in coarse:
                    m.points = np.asarray(m.points) @ rot.T
                    m.point_data["Normals"] = np.asarray(m.point_data["Normals"]) @ rot.T
            self.lod[body] = GlobeLod(actor, coarse)
            if body in self.spinning:
                self.spinning[body].append(_turnable(mesh))
                self.spinning[body].extend(_turnable(m) for m in coarse)
        self._build_night_lights()
        self._build_moon()
        self._build_ground()

    def _build_ground(self) -> None:
        """A fine piece of ground around each site of a turning planet (:func:`ground_patch`)."""
        self.ground_actors = {}  # site id -> (body, actor)
        for sid, site in (getattr(self.plan, "sites", None) or {}).items():
            body = site.get("body")
            if body not in self.spinning or body not in self.planet_actors:
                continue
            mesh = ground_patch(self.ctx.radii[body], site["latitude_deg"], site["longitude_deg"],
                                GROUND_HALF_KM, self.ctx.true_radii_km[body])
            self.spinning[body].append(_turnable(mesh))
            tex_path = texture(f"{body}.jpg")
            kw = dict(smooth_shading=True, name=f"ground-{sid}", reset_camera=False, pickable=False,
                      **PLANET_LIGHTING)
            if tex_path.is_file():
                actor = self.p.add_mesh(mesh, texture=pv.read_texture(str(tex_path)), **kw)
            else:
                actor = self.p.add_mesh(mesh, color=style.PLANET_COLORS[body], **kw)
            self.ground_actors[sid] = (body, actor)

    def _build_night_lights(self) -> None:
        """Earth's city lights on its night side: a shell just above the globe, turned with it."""
        self.night_mesh = self.night_actor = None
        tex = texture("earth_night.jpg")
        if not tex.is_file():
            return
        mesh = night_lights(self.ctx.radii["earth"])
        if "earth" not in self.spinning:
            rot = rotation_x(TILT_DEG["earth"])
            mesh.points = np.asarray(mesh.points) @ rot.T
            mesh.point_data["Normals"] = np.asarray(mesh.point_data["Normals"]) @ rot.T
        self.night_actor = add_night_lights(self.p, mesh, tex)
        self.night_mesh = mesh
        if "earth" in self.spinning:  # turned with the globe, its map under the day map's
            self.spinning["earth"].append(_turnable(self.night_mesh))

    def _build_moon(self) -> None:
        """The Moon (true radius, with its map), where the plan's ephemeris puts it."""
        self.moon_actor = None
        if not has_moon(self.plan):
            return
        mesh = uv_sphere(MOON_RADIUS_KM * self.ctx.planet_scale / self.world.km_per_unit, 64, 32)
        tex = texture("moon.jpg")
        kw = dict(smooth_shading=True, name="moon", reset_camera=False, pickable=False,
                  **PLANET_LIGHTING)
        if tex.is_file():
            self.moon_actor = self.p.add_mesh(mesh, texture=pv.read_texture(str(tex)), **kw)
        else:
            self.moon_actor = self.p.add_mesh(mesh, color="#a8a8a8", **kw)
        coarse = [uv_sphere(MOON_RADIUS_KM * self.ctx.planet_scale / self.world.km_per_unit, *n)
                  for n, _px in COARSE_GLOBES]
        self.lod["moon"] = GlobeLod(self.moon_actor, coarse)
        if "moon" in self.spinning:
            self.spinning["moon"].append(_turnable(mesh))
            self.spinning["moon"].extend(_turnable(m) for m in coarse)

    def update(self, t: float) -> dict:
        """Move the planets to ``t``; returns their heliocentric positions (km)."""
        km = {}
        for body in PLANETS:
            km[body] = self.ctx.body_km(body, t)
        if self.moon_actor is not None:
            km["moon"] = np.asarray(self.plan.position("moon", t), dtype=float)
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
        for body in self.spinning:
            if body != "moon":
                self.rotation(body)
        for body, a in self.ground_actors.values():  # with its globe, at its scale
            a.SetPosition(*pos[body])
            k = self.ctx.scales[body] / cap
            if a.GetScale()[0] != k:
                a.SetScale(k, k, k)
        if self.night_actor is not None:
            self.night_actor.SetPosition(*pos["earth"])
            k = self.ctx.scales["earth"] / cap
            if self.night_actor.GetScale()[0] != k:
                self.night_actor.SetScale(k, k, k)
            set_night_side(self.night_mesh, -np.asarray(km["earth"], dtype=float))
        if self.moon_actor is not None:
            pos["moon"] = self._place_moon(km)
        return pos

    def before_render(self, cam) -> None:
        """Close to a planet's surface the night side gets a fill light (:data:`SURFACE_FILL`),
        so that an event at a site in night is seen on a projector; from further out the night
        side is dark, as it is."""
        cpos = np.asarray(cam.GetPosition(), dtype=float)
        self._choose_meshes(cam)
        for body, a in self.planet_actors.items():
            fill = PLANET_LIGHTING["ambient"]
            if body in self.ctx.pos and self.ctx.scales.get(body, np.inf) <= 20.0:
                d = float(np.linalg.norm(cpos - np.asarray(self.ctx.pos[body], dtype=float)))
                if d < SURFACE_FILL_RADII * self.ctx.radii[body]:
                    fill = SURFACE_FILL
            actors = [a] + [g for b, g in self.ground_actors.values() if b == body]
            for x in actors:
                if x.GetProperty().GetAmbient() != fill:
                    x.GetProperty().SetAmbient(fill)

    def _choose_meshes(self, cam) -> None:
        """Each globe drawn fine or coarse by its size on screen (:data:`COARSE_GLOBES`; the
        Earth's city lights from :data:`NIGHT_LIGHTS_PX`), the ground around the sites only on a
        planet drawn large (:data:`GROUND_MIN_PX`)."""
        h = self.ctx.size[1]
        px = {}
        for body in self.planet_actors:
            if body in self.ctx.pos:
                px[body] = drawn_radius_px(cam, self.ctx.pos[body], self.ctx.radii[body], h)
        if self.moon_actor is not None and "moon" in self.ctx.pos:
            r = self.moon_actor.GetScale()[0] * MOON_RADIUS_KM * self.ctx.planet_scale / self.world.km_per_unit
            px["moon"] = drawn_radius_px(cam, self.ctx.pos["moon"], r, h)
        if self.night_actor is not None and "earth" in px:  # a few dim specks on a small disc
            self.night_actor.SetVisibility(bool(px["earth"] >= NIGHT_LIGHTS_PX))
        for name, lod in self.lod.items():
            if name in px:
                lod.choose(px[name])
        for body, a in self.ground_actors.values():
            a.SetVisibility(bool(px.get(body, float("inf")) >= GROUND_MIN_PX))

    def rotation(self, body: str) -> np.ndarray:
        """Body-fixed -> ecliptic rotation of a spinning planet now (its globe turned to it)."""
        t = self.ctx.t
        if self._spin_t.get(body, (None,))[0] != t:
            rot = np.asarray(self.plan.body_rotation(body, t), dtype=float)
            self._spin_t[body] = (t, rot)
            for mesh, pts, nrm in self.spinning[body]:
                _turn(mesh, pts, nrm, rot)
        return self._spin_t[body][1]

    def _place_moon(self, km: dict):
        """Draw the Moon at its true place, enlarged as much as the Earth (so the two keep their
        true sizes relative to each other); hidden while the drawn Earth is enlarged more than
        :data:`MOON_MAX_SCALE`, when it would reach half-way to the Moon."""
        s_earth = self.ctx.scales["earth"]
        r = self.world.to_scene(km["moon"])
        a = self.moon_actor
        a.SetPosition(*r)
        if "moon" in self.spinning:  # its IAU orientation: the near side faces the Earth
            self.rotation("moon")
        else:
            to_earth = np.asarray(km["earth"]) - np.asarray(km["moon"])
            a.SetOrientation(0.0, 0.0, float(np.degrees(np.arctan2(to_earth[1], to_earth[0]))))
        k = s_earth / self.ctx.planet_scale  # the Earth's enlargement: true relative sizes
        if a.GetScale()[0] != k:
            a.SetScale(k, k, k)
        a.SetVisibility(bool(s_earth <= MOON_MAX_SCALE))
        return r


#: A planet's orbit is hidden while the planet is drawn near its true size (at most 20 times)
#: and the camera is closer to it than this many drawn radii.
ORBIT_HIDE_RADII = 200.0


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

    def before_render(self, cam) -> None:
        """A planet's own orbit is hidden while the camera is close to the planet: there it is
        a line through the planet that says nothing, and a wide line running past the camera
        is drawn by the renderer as a broad band across the view."""
        cpos = np.asarray(cam.GetPosition(), dtype=float)
        for body, a in self.orbit_actors.items():
            near = False
            if body in self.ctx.pos and body in self.ctx.radii and self.ctx.scales.get(body, np.inf) <= 20.0:
                d = float(np.linalg.norm(cpos - np.asarray(self.ctx.pos[body], dtype=float)))
                near = d < ORBIT_HIDE_RADII * self.ctx.radii[body]
            a.SetVisibility(bool(self.ctx.opt.orbits) and not near)

    def apply_options(self, opt) -> None:
        for a in self.orbit_actors.values():
            a.SetVisibility(opt.orbits)
