"""The spacecraft: a true-size 3D model of each ship, or its icon when it would be too small.

Each ship has two actors, both placed by a user matrix (see :mod:`marsviz.scene.models`):

A ship's model is chosen by :func:`models.model_for` (its id or its scenario role); a ship
with neither is drawn as Terra Nova if crewed, else as a cargo ship.

- its model at true size (Terra Nova 89 m long; the cargo ships as they fly, on their nuclear
  stages behind a heat shield), lit by the Sun;
- its overview icon, a flat side view of the same silhouette, facing the camera and
  :data:`ICON_PX` pixels long (at a 720-pixel-high frame; scaled with the frame height).

The model replaces the icon as soon as it would be drawn longer than the icon, so the drawn
size never jumps: far away the ship is an icon of constant size on screen; as the camera comes
closer the true-size model grows from that same size.

Attitude (the models' +x is the thrust direction, engines aft along -x):

- during a burn of the plan (within :data:`BURN_HOLD_H` hours of it) +x points along the burn:
  the direction of the velocity change across the (impulsive) burn, so the engines fire aft;
- otherwise +x points along the heliocentric velocity (nose forward, as when coasting between
  burns); the radiators' span (+y) lies in the ecliptic plane;
- between the two the heading turns smoothly over :data:`BURN_TURN_H` hours;
- a lander on the ground (the plan's planet-centred arcs put it there) stands upright, +x
  along the local vertical, drawn as the landed vehicle (without its transit stage).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from marsviz.scene import models
from marsviz.scene.base import Visual
from marsviz.scene.scales import has_local_arcs, track_km

#: Icon length on screen (pixels, at a 720-pixel-high frame): the crewed ship; others x 0.75.
ICON_PX = 40.0
CARGO_ICON = 0.75
#: A burn's attitude is held this long either side of it (hours), then the ship turns back to
#: its coasting attitude over the next BURN_TURN_H hours.
BURN_HOLD_H = 1.0
BURN_TURN_H = 2.0
#: A lander within this height (km) of a planet's surface stands on it: drawn landed, +x up.
LANDED_KM = 0.5
LANDING_BODIES = ("mars",)
#: Lighting of the ship and structure models (the Sun is their only light; VTK casts no
#: shadows, so a lander at a site in night is dimmed as the ground there is, see :meth:`Ships.shade`).
MODEL_LIGHTING = {"ambient": 0.25, "diffuse": 0.9, "specular": 0.2}
#: Brightness of a landed ship's icon (drawn unlit) at a site in full night, of its brightness by day.
NIGHT_ICON = 0.45


def daylight(up, r_km) -> float:
    """How much in daylight a place on a planet is (1 by day, 0 in full night, smooth across
    the terminator as the planet's night side is): ``up`` its local vertical, ``r_km`` its
    heliocentric position."""
    r = np.asarray(r_km, dtype=float)
    cos_sun = float(np.dot(np.asarray(up, dtype=float), -r / (np.linalg.norm(r) or 1.0)))
    return 1.0 - float(models.night_side_alpha(cos_sun))


def parked(traj, t) -> bool:
    return any(a.t_arr < t < b.t_dep for a, b in zip(traj.legs, traj.legs[1:]))


def _length(mesh) -> float:
    pts = np.asarray(mesh.points)
    return float(max(pts.max(axis=0) - pts.min(axis=0)))


def _camera(vtk_cam) -> SimpleNamespace:
    """The few camera attributes :func:`models.icon_matrix` reads, from a VTK camera."""
    return SimpleNamespace(position=vtk_cam.GetPosition(), focal_point=vtk_cam.GetFocalPoint(),
                           up=vtk_cam.GetViewUp(), view_angle=vtk_cam.GetViewAngle(),
                           parallel_projection=bool(vtk_cam.GetParallelProjection()),
                           parallel_scale=vtk_cam.GetParallelScale())


def _set_matrix(actor, mat: np.ndarray) -> None:
    from vtkmodules.vtkCommonMath import vtkMatrix4x4

    m = actor.GetUserMatrix() or vtkMatrix4x4()
    m.DeepCopy(np.asarray(mat, dtype=float).ravel())
    actor.SetUserMatrix(m)


class Ships(Visual):
    def build(self) -> None:
        self.craft_actors = {}  # the icons (their user matrix puts them where the ship is drawn)
        self.model_actors = {}
        self.model_names = {}
        self.length_km = {}
        self.shown: dict = {}
        self.heading: dict = {}
        self.drawn_as: dict = {}  # cid -> "model" | "icon" (after the last render)
        self.visible: dict = {}
        self.forms: dict = {}  # cid -> {"transit": (mesh, length km), "landed": ... or None}
        self.form: dict = {}  # cid -> the form drawn now
        self.icons: dict = {}  # cid -> {"transit": icon mesh, "landed": icon mesh or None}
        self.daylight: dict = {}  # cid -> daylight() at its site while landed (absent in flight)
        plan = self.plan
        for cid in plan.trajectories:
            role = plan.spacecraft.get(cid, {}).get("role")
            try:
                name = models.model_for(cid, role)
            except KeyError:  # a ship of another scenario with no known role
                name = "terra_nova" if cid == plan.crewed else "shirase"
            self.model_names[cid] = name
            mesh = models.transit_stack(name, 16 if cid != plan.crewed else 24)
            landed = models.build_ship(name, 16) if name != "terra_nova" else None
            self.forms[cid] = {"transit": (mesh, _length(mesh)),
                               "landed": (landed, _length(landed)) if landed is not None else None}
            self.form[cid] = "transit"
            self.length_km[cid] = self.forms[cid]["transit"][1]
            self.model_actors[cid] = self.p.add_mesh(
                mesh, scalars="RGB", rgb=True, smooth_shading=True, **MODEL_LIGHTING,
                show_scalar_bar=False, name=f"model-{cid}", reset_camera=False,
                pickable=False)
            ic = models.icon(name, transit=True)
            self.icons[cid] = {"transit": ic, "landed": models.icon(name) if landed is not None else None}
            self.craft_actors[cid] = self.p.add_mesh(
                ic, scalars="RGB", rgb=True, lighting=False, show_scalar_bar=False,
                name=f"craft-{cid}", reset_camera=False)
            self.model_actors[cid].SetVisibility(False)
        self._burns = {cid: self._burn_directions(cid) for cid in plan.trajectories}
        self._build_structures()

    # -- structures at the sites (the drill rig, the well head) -------------------------------
    def _build_structures(self) -> None:
        """One true-size model per structure of the plan's sites, standing upright at its
        place, drawn from the instant it is built (``structures`` of ``[sites]``)."""
        from marsviz.mission.local import place_fixed

        self.structures = {}  # key "site/model" -> dict(site, body, fixed km, t_built, actor)
        for sid, site in (getattr(self.plan, "sites", None) or {}).items():
            for st in site.get("structures", ()):
                if st["model"] not in models.STRUCTURES:
                    continue
                key = f"{sid}/{st['model']}"
                mesh = models.build_structure(st["model"])
                actor = self.p.add_mesh(
                    mesh, scalars="RGB", rgb=True, smooth_shading=True, **MODEL_LIGHTING,
                    show_scalar_bar=False, name=f"structure-{key}",
                    reset_camera=False, pickable=False)
                actor.SetVisibility(False)
                self.structures[key] = {
                    "site": sid, "body": site["body"], "model": st["model"],
                    "fixed": place_fixed(self.plan, sid, st.get("east_m", 0.0), st.get("north_m", 0.0)),
                    "t_built": float(st["t_built"]), "actor": actor,
                    "size_km": _length(mesh), "daylight": 1.0}

    def structure_km(self, key: str) -> np.ndarray:
        """Where structure ``key`` stands now (heliocentric km): on the drawn globe of its
        planet (turned with it; at its enlarged surface if the planet is drawn enlarged)."""
        return self._structure_frame(key)[0]

    def _structure_frame(self, key: str):
        """Heliocentric km of structure ``key`` and its up, east and north (J2000 ecliptic)."""
        st = self.structures[key]
        body = st["body"]
        planets = self.ctx.planets
        rot = planets.rotation(body) if planets is not None and body in planets.spinning else \
            np.asarray(self.plan.body_rotation(body, self.ctx.t), dtype=float)
        s = self.ctx.scales.get(body, 1.0)
        centre = self.ctx.body_km(body, self.ctx.t)
        f = st["fixed"]
        up = f / np.linalg.norm(f)
        east = np.cross([0.0, 0.0, 1.0], up)  # the body's east (its pole is body-fixed +z)
        east = east / np.linalg.norm(east) if np.linalg.norm(east) > 1e-12 else np.array([0.0, 1.0, 0.0])
        north = np.cross(up, east)
        return centre + s * (rot @ f), rot @ up, rot @ east, rot @ north

    def place_structures(self) -> None:
        """Stand each built structure at its place, upright (+x along the local vertical, +y
        east, +z north), at true size; hide those not built yet."""
        t = self.ctx.t
        for key, st in self.structures.items():
            a = st["actor"]
            on = bool(t >= st["t_built"])
            a.SetVisibility(on)
            if not on:
                continue
            km, up, east, north = self._structure_frame(key)
            st["daylight"] = daylight(up, km)
            k = self.world.length(1.0)
            mat = np.eye(4)
            mat[:3, 0], mat[:3, 1], mat[:3, 2] = up * k, east * k, north * k
            mat[:3, 3] = self.world.to_scene(km)
            _set_matrix(a, mat)

    def _burn_directions(self, cid) -> list:
        """(t, unit direction of the velocity change) of each burn of ``cid``."""
        out = []
        for b in getattr(self.plan.trajectories[cid], "burns", []) or []:
            eps = 1.0 / 1440.0  # one minute
            dv = np.asarray(track_km(self.plan, cid, b.t + eps)[1]) - np.asarray(
                track_km(self.plan, cid, b.t - eps)[1])
            n = float(np.linalg.norm(dv))
            if n > 1e-6:
                out.append((float(b.t), dv / n))
        return out

    def attitude(self, cid: str, t: float, v) -> np.ndarray:
        """The unit heading (+x of the model) of ship ``cid`` at ``t`` with velocity ``v``."""
        v = np.asarray(v, dtype=float)
        n = float(np.linalg.norm(v))
        h = v / n if n > 0 else np.array([1.0, 0.0, 0.0])
        for tb, d in self._burns.get(cid, ()):
            dt_h = abs(t - tb) * 24.0
            if dt_h < BURN_HOLD_H + BURN_TURN_H:
                x = np.clip((dt_h - BURN_HOLD_H) / BURN_TURN_H, 0.0, 1.0)
                w = 1.0 - x * x * (3.0 - 2.0 * x)
                m = (1.0 - w) * h + w * d
                nm = float(np.linalg.norm(m))
                h = m / nm if nm > 1e-9 else d
                break
        return h

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
        local = has_local_arcs(plan)
        for i, cid in enumerate(ids):
            v = states[cid][1]
            shown = pos[i]
            drawn[cid] = shown
            up = self.landed_up(cid, states[cid][0], t) if local else None
            self.heading[cid] = up if up is not None else self.attitude(cid, t, v)
            if up is not None:
                self.daylight[cid] = daylight(up, states[cid][0])
            else:
                self.daylight.pop(cid, None)
            self.set_form(cid, "landed" if up is not None else "transit")
            self.shown[cid] = (shown, v)
            traj = plan.trajectories[cid]
            flying = traj.t_start <= t <= traj.t_end and not parked(traj, t)
            visible = (cid == plan.crewed or (self.ctx.opt.cargo and t >= traj.t_start - 1))
            # With true planet-centred arcs a ship is drawn where it is, in orbit or landed.
            self.visible[cid] = bool(visible and (flying or local or cid == plan.crewed))
        self.place_structures()
        return drawn

    def shade(self, fill: dict) -> None:
        """Before a render: dim what stands at a surface site in night as its ground is. The
        models lose the Sun's light (diffuse, specular) with the daylight there and keep
        ``fill[body]`` (the ambient light of the planet's globe now: faint, or the fill light
        of a surface view) in its place; a landed ship's icon (unlit) is dimmed to
        :data:`NIGHT_ICON` of its brightness. Ships in flight and sites by day are as lit."""
        night_fill = fill.get(LANDING_BODIES[0], MODEL_LIGHTING["ambient"])
        items = [(self.model_actors[cid], self.craft_actors[cid], f) for cid, f in self.daylight.items()]
        lit = [(self.model_actors[cid], self.craft_actors[cid], 1.0) for cid in self.model_actors
               if cid not in self.daylight]
        items += [(st["actor"], None, st["daylight"]) for st in self.structures.values()]
        for model, icon, f in items + lit:
            amb = MODEL_LIGHTING["ambient"] * f + night_fill * (1.0 - f)
            prop = model.GetProperty()
            if prop.GetDiffuse() != MODEL_LIGHTING["diffuse"] * f or prop.GetAmbient() != amb:
                prop.SetAmbient(amb)
                prop.SetDiffuse(MODEL_LIGHTING["diffuse"] * f)
                prop.SetSpecular(MODEL_LIGHTING["specular"] * f)
            if icon is not None:
                k = NIGHT_ICON + (1.0 - NIGHT_ICON) * f
                if icon.GetProperty().GetDiffuse() != k:
                    icon.GetProperty().SetDiffuse(k)

    def landed_up(self, cid: str, r_km, t: float):
        """The local vertical if ship ``cid`` stands on a planet's surface at ``t``, else None."""
        if self.forms[cid]["landed"] is None:
            return None
        for body in LANDING_BODIES:
            rel = np.asarray(r_km, dtype=float) - self.ctx.body_km(body, t)
            d = float(np.linalg.norm(rel))
            if d < self.ctx.true_radii_km[body] + LANDED_KM:
                return rel / d
        return None

    def set_form(self, cid: str, form: str) -> None:
        """Draw ship ``cid`` as it flies ("transit") or as it stands on the ground ("landed")."""
        if self.form[cid] == form or self.forms[cid].get(form) is None:
            return
        mesh, length = self.forms[cid][form]
        for actor, data in ((self.model_actors[cid], mesh), (self.craft_actors[cid], self.icons[cid][form])):
            data.set_active_scalars("RGB", preference="cell")
            mapper = actor.GetMapper()
            mapper.SetInputData(data)
            mapper.SetScalarModeToUseCellData()
            mapper.SetColorModeToDirectScalars()
            mapper.ScalarVisibilityOn()
        self.length_km[cid] = length
        self.form[cid] = form

    def orient_all(self, cam_pos=None) -> None:
        """Turn and size every ship for the active camera (before every render)."""
        cam = _camera(self.p.renderer.GetActiveCamera())
        for cid, (r, _v) in self.shown.items():
            self.orient(cid, r, cam)

    def icon_pixels(self, cid: str) -> float:
        k = self.ctx.px * (1.0 if cid == self.plan.crewed else CARGO_ICON)
        return ICON_PX * k

    def model_pixels(self, cid: str, r, cam) -> float:
        """How many pixels the true-size model would be long at ``r`` (scene units)."""
        view = np.subtract(cam.focal_point, cam.position)
        view = view / (np.linalg.norm(view) or 1.0)
        depth = max(float(np.dot(np.subtract(r, cam.position), view)), 1e-300)
        unit = models.world_size_for_pixels(1.0, depth, cam.view_angle, max(1, self.ctx.size[1]),
                                            cam.parallel_scale if cam.parallel_projection else None)
        return self.world.length(self.length_km[cid]) / unit

    def orient(self, cid, r, cam) -> None:
        """The model along the ship's attitude at true size, or the icon at constant size."""
        h = self.heading.get(cid, np.array([1.0, 0.0, 0.0]))
        icon_px = self.icon_pixels(cid)
        model_px = self.model_pixels(cid, r, cam)
        as_model = model_px >= icon_px
        vis = self.visible.get(cid, False)
        icon_a, model_a = self.craft_actors[cid], self.model_actors[cid]
        _set_matrix(icon_a, models.icon_matrix(r, h, cam, max(1, self.ctx.size[1]), icon_px))
        if as_model:
            x = h
            ny = math.hypot(x[0], x[1])
            y = np.array([-x[1] / ny, x[0] / ny, 0.0]) if ny > 1e-9 else np.array([0.0, 1.0, 0.0])
            z = np.cross(x, y)
            s = self.world.length(1.0)
            mat = np.eye(4)
            mat[:3, 0], mat[:3, 1], mat[:3, 2] = x * s, y * s, z * s
            mat[:3, 3] = r
            _set_matrix(model_a, mat)
        icon_a.SetVisibility(bool(vis and not as_model))
        model_a.SetVisibility(bool(vis and as_model))
        self.drawn_as[cid] = "model" if as_model else "icon"

    def apply_options(self, opt) -> None:
        for cid, a in self.craft_actors.items():
            if cid != self.plan.crewed and not opt.cargo:
                a.SetVisibility(False)
                self.model_actors[cid].SetVisibility(False)
