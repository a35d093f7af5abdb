"""The 3D mission scene on a PyVista plotter, for one instant at a time.

:class:`MissionScene` builds every actor once (the Sun, planets, orbits, trajectories, event
markers, stars, HUD) and then only moves or restyles them in :meth:`MissionScene.set_time`, so a
playhead update costs well under a millisecond or two and never re-creates geometry. It knows
nothing of Qt: the window drives a ``pyvistaqt.QtInteractor`` with it, the exporter an
off-screen ``pyvista.Plotter``, so a frame exported is the frame a user sees.

World units are astronomical units in the J2000 ecliptic frame, the Sun at the origin.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkRenderingCore import vtkTextActor

from marsviz.mission.plan import AU_KM, C_KMS, PLANETS, Plan
from marsviz.mission.timescale import SECONDS_PER_DAY, format_duration
from marsviz.resources import texture
from marsviz.scene import style

STAR_RADIUS_AU = 40.0
TILT_DEG = {"mercury": 0.03, "venus": 177.4, "earth": 23.44, "mars": 25.19}
FLOWN_STEP_DAYS = 0.5
CARD_LINE = 1.2  # line height of card text, in font sizes


def uv_sphere(radius: float, nlon: int = 96, nlat: int = 48) -> pv.PolyData:
    """A sphere with equirectangular texture coordinates and no texture seam."""
    lon = np.linspace(-np.pi, np.pi, nlon + 1)
    lat = np.linspace(-np.pi / 2, np.pi / 2, nlat + 1)
    LON, LAT = np.meshgrid(lon, lat)
    x = np.cos(LAT) * np.cos(LON)
    y = np.cos(LAT) * np.sin(LON)
    z = np.sin(LAT)
    grid = pv.StructuredGrid(radius * x, radius * y, radius * z)
    surf = grid.extract_surface(algorithm=None)
    surf.flip_faces(inplace=True)  # outward-facing cells, so computed normals point outward
    surf.active_texture_coordinates = np.c_[(LON.ravel(order="F") + np.pi) / (2 * np.pi),
                                            (LAT.ravel(order="F") + np.pi / 2) / np.pi]
    pts = np.asarray(surf.points)
    surf.point_data["Normals"] = pts / np.linalg.norm(pts, axis=1, keepdims=True)
    surf.point_data.active_normals_name = "Normals"
    return surf


def _rotation_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _polyline(points: np.ndarray) -> pv.PolyData:
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    if n < 2:
        return pv.PolyData(np.zeros((1, 3)), lines=np.empty(0, dtype=int))
    return pv.PolyData(pts, lines=np.concatenate([[n], np.arange(n)]))


def _set_polyline(poly: pv.PolyData, points: np.ndarray) -> None:
    """Replace a polyline's points in place (cheap; no new actor)."""
    n = len(points)
    poly.points = np.asarray(points, dtype=float) if n else np.zeros((1, 3))
    poly.lines = np.concatenate([[n], np.arange(n)]) if n >= 2 else np.empty(0, dtype=int)
    poly.Modified()


@dataclass
class _Leg:
    craft: str
    index: int
    times: np.ndarray
    points: np.ndarray  # AU
    full_actor: object = None
    flown: pv.PolyData = None
    flown_actor: object = None
    state: tuple = (-1, False)


@dataclass
class _Text:
    actor: vtkTextActor
    size: float  # font size as a fraction of the window height
    anchor: tuple  # normalized viewport position
    justify: str = "left"
    valign: str = "top"


@dataclass
class SceneOptions:
    """What the scene shows. ``text_scale`` enlarges all text (presentation mode)."""

    captions: bool = True
    hud: bool = True
    labels: bool = True
    orbits: bool = True
    stars: bool = True
    grid: bool = True
    cargo: bool = True
    events: bool = True
    text_scale: float = 1.0
    card_mode: str = "auto"  # "auto": card for the active event; "off": never
    card_days: float = 3.0  # how long after an event its card stays up
    extra: dict = field(default_factory=dict)


class MissionScene:
    """The mission in 3D on ``plotter`` (any PyVista plotter, on or off screen)."""

    def __init__(self, plotter, plan: Plan, options: SceneOptions | None = None):
        self.p = plotter
        self.plan = plan
        self.opt = options or SceneOptions()
        self.t = plan.epoch
        self.camera_preset = "overview"
        self._camera_target = None
        self._card_event = None
        self._forced_card = None
        self._question = None
        self._signal = None
        self._preview = None
        self._size = tuple(plotter.window_size)
        self._texts: dict[str, _Text] = {}
        self.planet_scale = style.PLANET_SCALE
        self.sun_scale = style.SUN_SCALE
        self.radii_au = {b: plan.constants[b]["R"] * self.planet_scale / AU_KM for b in PLANETS}
        self._build()
        self.set_camera("overview")
        self.set_time(plan.epoch)

    # -----------------------------------------------------------------------------------------
    # Building
    # -----------------------------------------------------------------------------------------
    def _build(self) -> None:
        p = self.p
        p.set_background(style.BACKGROUND)
        p.remove_all_lights()
        sun_light = pv.Light(position=(0, 0, 0), focal_point=(1, 0, 0), light_type="scene light",
                             positional=True, cone_angle=180, intensity=1.15)
        sun_light.attenuation_values = (1, 0, 0)
        p.add_light(sun_light)
        self._build_stars()
        self._build_grid()
        self._build_sun()
        self._build_planets()
        self._build_orbits()
        self._build_trajectories()
        self._build_craft()
        self._build_markers()
        self._build_labels()
        self._build_hud()

    def _build_stars(self) -> None:
        rng = np.random.default_rng(2030)
        n = 2500
        d = rng.normal(size=(n, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        pts = pv.PolyData(d * STAR_RADIUS_AU)
        mag = rng.power(0.35, n)
        tint = np.stack([np.ones(n), 0.95 + 0.05 * rng.random(n), 0.85 + 0.15 * rng.random(n)], axis=1)
        rgb = (255 * np.clip(0.25 + 0.75 * mag, 0, 1)[:, None] * tint).astype(np.uint8)
        pts.point_data["rgb"] = rgb
        self.stars = self.p.add_mesh(pts, scalars="rgb", rgb=True, point_size=2.0,
                                     render_points_as_spheres=False, lighting=False,
                                     pickable=False, name="stars", reset_camera=False)
        # The star sphere is centred on the camera before every render: stars at infinity,
        # with no parallax, and near objects are never clipped.
        ren = self.p.renderer
        ren.SetNearClippingPlaneTolerance(1e-4)
        self._star_observer = ren.AddObserver("StartEvent", self._before_render)

    def _before_render(self, *_args) -> None:
        cam = self.p.renderer.GetActiveCamera()
        self.stars.SetPosition(*cam.GetPosition())
        self._orient_all()  # markers keep their size on screen while the user zooms
        self.p.renderer.ResetCameraClippingRange()

    def _orient_all(self) -> None:
        shown = getattr(self, "_shown", None)
        if not shown:
            return
        cam_pos = self.p.renderer.GetActiveCamera().GetPosition()
        for cid, (r, v) in shown.items():
            self._orient(self.craft_actors[cid], r, v, cam_pos)

    def _build_grid(self) -> None:
        rings = []
        self.grid_radii = (0.5, 1.0, 1.5, 2.0)
        th = np.linspace(0, 2 * np.pi, 241)
        for r in self.grid_radii:
            rings.append(_polyline(np.c_[r * np.cos(th), r * np.sin(th), np.zeros_like(th)]))
        grid = pv.merge(rings)
        self.grid_actor = self.p.add_mesh(grid, color="#39445e", line_width=1, opacity=0.55,
                                          lighting=False, pickable=False, name="au-grid",
                                          reset_camera=False)
        self.grid_label_pts = pv.PolyData(np.array([[0.0, -r, 0.0] for r in self.grid_radii]))
        self.grid_label_pts.point_data["labels"] = np.array(
            [f"{r:g} AU" for r in self.grid_radii], dtype=object)

    def _build_sun(self) -> None:
        r = 696_000.0 * self.sun_scale / AU_KM
        sun = uv_sphere(r, 64, 32)
        self.sun_actor = self.p.add_mesh(sun, color=style.PLANET_COLORS["sun"], lighting=False,
                                         name="sun", reset_camera=False, smooth_shading=True)
        for i, (k, op) in enumerate(((1.35, 0.16), (1.9, 0.07), (2.8, 0.03))):
            glow = pv.Sphere(radius=r * k, theta_resolution=48, phi_resolution=24)
            self.p.add_mesh(glow, color="#ffd27a", opacity=op, lighting=False, name=f"sun-glow-{i}",
                            reset_camera=False, pickable=False)

    def _build_planets(self) -> None:
        self.planet_actors = {}
        for body in PLANETS:
            r = self.radii_au[body]
            mesh = uv_sphere(r)
            rot = _rotation_x(TILT_DEG[body])
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

    def _build_orbits(self) -> None:
        self.orbit_actors = {}
        for body in PLANETS:
            pts = self.plan.orbit_samples(body) / AU_KM
            pts = np.vstack([pts, pts[:1]])
            self.orbit_actors[body] = self.p.add_mesh(
                _polyline(pts), color=style.dim(style.PLANET_COLORS[body], 0.55), line_width=1.5,
                lighting=False, pickable=False, name=f"orbit-{body}", reset_camera=False)

    def _craft_color(self, cid: str, leg_index: int) -> str:
        if cid == self.plan.crewed:
            return style.LEG_COLORS[leg_index % len(style.LEG_COLORS)]
        return self.plan.spacecraft.get(cid, {}).get("color") or style.DEFAULT_CRAFT_COLOR

    def _build_trajectories(self) -> None:
        self.legs: list[_Leg] = []
        for cid in self.plan.trajectories:
            crewed = cid == self.plan.crewed
            for i, (tt, r) in enumerate(self.plan.path(cid, FLOWN_STEP_DAYS)):
                leg = _Leg(cid, i, tt, r / AU_KM)
                color = self._craft_color(cid, i)
                leg.full_actor = self.p.add_mesh(
                    _polyline(leg.points), color=style.dim(color, 0.42 if crewed else 0.3),
                    line_width=2.0 if crewed else 1.2, lighting=False, pickable=False,
                    name=f"path-{cid}-{i}", reset_camera=False)
                leg.flown = _polyline(leg.points[:2])
                leg.flown_actor = self.p.add_mesh(
                    leg.flown, color=color if crewed else style.dim(color, 0.75),
                    line_width=4.0 if crewed else 2.0, lighting=False, pickable=False,
                    name=f"flown-{cid}-{i}", reset_camera=False)
                self.legs.append(leg)

    def _build_craft(self) -> None:
        self.craft_actors = {}
        for cid in self.plan.trajectories:
            crewed = cid == self.plan.crewed
            cone = pv.Cone(center=(0.0, 0.0, 0.0), direction=(1.0, 0.0, 0.0), height=1.0,
                           radius=0.32, resolution=24)
            color = self.plan.spacecraft.get(cid, {}).get("color") or style.DEFAULT_CRAFT_COLOR
            if crewed:
                color = "#ffffff"
            self.craft_actors[cid] = self.p.add_mesh(
                cone, color=color, lighting=False, name=f"craft-{cid}", reset_camera=False)

    def _build_markers(self) -> None:
        """Points at the events and milestones, sized in pixels so they stay visible."""
        plan = self.plan
        self.event_points = {}
        by_cat: dict[str, list] = {}
        self.event_positions = {}
        for ev in plan.mission_events:
            pos = plan.event_location(ev)
            if pos is None:
                continue
            self.event_positions[ev.id] = pos / AU_KM
            by_cat.setdefault(ev.category, []).append(pos / AU_KM)
        self.marker_actors = {}
        for cat, pts in by_cat.items():
            size = 15.0 if cat == "failure" else 10.0
            self.marker_actors[cat] = self.p.add_mesh(
                pv.PolyData(np.array(pts)), color=style.CATEGORY_COLORS[cat], point_size=size,
                render_points_as_spheres=True, lighting=False, pickable=False,
                name=f"events-{cat}", reset_camera=False)
        # The highlighted (active) event: a bigger ring-like point drawn on top.
        self.active_marker = pv.PolyData(np.zeros((1, 3)))
        self.active_actor = self.p.add_mesh(self.active_marker, color="#ffffff", point_size=26.0,
                                            render_points_as_spheres=True, opacity=0.35,
                                            lighting=False, pickable=False, name="event-active",
                                            reset_camera=False)
        self.active_actor.SetVisibility(False)
        # Milestones of the crewed trajectory.
        tn = plan.crewed_trajectory
        ms_pts = []
        self.milestone_labels = []
        for name, t in sorted(tn.milestones.items(), key=lambda kv: kv[1]):
            ms_pts.append(plan.position(plan.crewed, t) / AU_KM)
            self.milestone_labels.append(_milestone_label(name) + "  " + plan.clock.day(t))
        self.milestone_pts = pv.PolyData(np.array(ms_pts))
        self.milestone_pts.point_data["labels"] = np.array(self.milestone_labels, dtype=object)
        self.milestone_actor = self.p.add_mesh(
            self.milestone_pts, color="#ffffff", point_size=8.0, render_points_as_spheres=True,
            lighting=False, pickable=False, name="milestones", reset_camera=False)
        # Light-time signal and transfer preview (hidden until used).
        self.signal_line = _polyline(np.zeros((2, 3)))
        self.signal_line_actor = self.p.add_mesh(self.signal_line, color="#fff59d", line_width=2.0,
                                                 opacity=0.8, lighting=False, name="signal-line",
                                                 reset_camera=False, pickable=False)
        self.signal_pulse = pv.PolyData(np.zeros((1, 3)))
        self.signal_actor = self.p.add_mesh(self.signal_pulse, color="#fff59d", point_size=18.0,
                                            render_points_as_spheres=True, lighting=False,
                                            name="signal", reset_camera=False, pickable=False)
        self.signal_line_actor.SetVisibility(False)
        self.signal_actor.SetVisibility(False)
        self.preview_line = _polyline(np.zeros((2, 3)))
        self.preview_actor = self.p.add_mesh(self.preview_line, color="#ffffff", line_width=3.0,
                                             lighting=False, name="preview", reset_camera=False,
                                             pickable=False)
        self.preview_actor.SetVisibility(False)

    def _build_labels(self) -> None:
        plan = self.plan
        names = [b.capitalize() for b in PLANETS] + [plan.craft_name(c) for c in plan.trajectories]
        self.label_keys = list(PLANETS) + list(plan.trajectories)
        self.label_pts = pv.PolyData(np.zeros((len(names), 3)))
        self.label_pts.point_data["labels"] = np.array(names, dtype=object)
        self.label_actor = self.p.add_point_labels(
            self.label_pts, "labels", font_size=14, text_color="#e6ecf5", shape=None,
            show_points=False, always_visible=True, bold=False, shadow=True, name="labels",
            justification_vertical="bottom", reset_camera=False)
        self.ms_label_actor = self.p.add_point_labels(
            self.milestone_pts, "labels", font_size=11, text_color="#aab4c3", shape=None,
            show_points=False, always_visible=True, bold=False, shadow=True, name="ms-labels",
            justification_vertical="top", reset_camera=False)
        self.grid_label_actor = self.p.add_point_labels(
            self.grid_label_pts, "labels", font_size=11, text_color="#6f7d99", shape=None,
            show_points=False, always_visible=True, bold=False, name="grid-labels",
            reset_camera=False)

    def _text(self, key, size, anchor, justify="left", valign="top", color="#e6ecf5", bold=False,
              background=None, opacity=0.0) -> _Text:
        a = vtkTextActor()
        a.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        a.SetPosition(*anchor)
        prop = a.GetTextProperty()
        prop.SetColor(*style.hex_to_rgb(color))
        prop.SetBold(bold)
        prop.SetFontFamilyToArial()
        prop.SetShadow(background is None)
        {"left": prop.SetJustificationToLeft, "center": prop.SetJustificationToCentered,
         "right": prop.SetJustificationToRight}[justify]()
        {"top": prop.SetVerticalJustificationToTop, "bottom": prop.SetVerticalJustificationToBottom,
         "center": prop.SetVerticalJustificationToCentered}[valign]()
        if background:
            prop.SetBackgroundColor(*style.hex_to_rgb(background))
            prop.SetBackgroundOpacity(opacity)
            prop.SetFrame(False)
        self.p.add_actor(a, name=f"hud-{key}", reset_camera=False, pickable=False)
        t = _Text(a, size, anchor, justify, valign)
        self._texts[key] = t
        return t

    def _build_hud(self) -> None:
        self._text("title", 0.022, (0.015, 0.975), color="#8fa3bf")
        self._text("date", 0.042, (0.015, 0.94), bold=True)
        self._text("met", 0.028, (0.015, 0.875), color="#cfd8e3")
        self._text("camera", 0.022, (0.985, 0.975), justify="right", color="#8fa3bf")
        self._text("scale", 0.02, (0.015, 0.02), valign="bottom", color="#7d8aa3")
        self._text("signal", 0.03, (0.5, 0.93), justify="center", color="#fff59d", bold=True)
        self._text("footer", 0.024, (0.985, 0.02), justify="right", valign="bottom", color="#cfd8e3")
        self._texts["footer"].actor.SetVisibility(False)
        self._text("card-title", 0.034, (0.5, 0.245), justify="center", valign="bottom", bold=True,
                   background="#0b1220", opacity=0.82)
        self._text("card-meta", 0.022, (0.5, 0.205), justify="center", valign="bottom",
                   color="#aab4c3", background="#0b1220", opacity=0.82)
        self._text("card-body", 0.025, (0.5, 0.19), justify="center", valign="top",
                   color="#e6ecf5", background="#0b1220", opacity=0.82)
        self._texts["title"].actor.SetInput(self.plan.title)
        self._texts["scale"].actor.SetInput(
            f"Planet sizes x{self.planet_scale:,.0f}, Sun x{self.sun_scale:g}   "
            f"Rings every 0.5 AU (1 AU = {AU_KM / 1e6:.1f} million km)")
        self.layout()

    # -----------------------------------------------------------------------------------------
    # Layout and options
    # -----------------------------------------------------------------------------------------
    def layout(self, width: int | None = None, height: int | None = None) -> None:
        """Resize text for the window size (call when the window is resized)."""
        if width is None or height is None:
            width, height = self.p.window_size
        self._size = (int(width), int(height))
        h = max(1, int(height))
        k = self.opt.text_scale
        px = {}
        for key, t in self._texts.items():
            px[key] = max(11, int(round(t.size * h * k)))
            t.actor.GetTextProperty().SetFontSize(px[key])
        # Stack the top-left block and the card so that large type never overlaps.
        y = 0.975
        for key in ("title", "date", "met"):
            self._texts[key].actor.SetPosition(0.015, y)
            y -= 1.3 * px[key] / h
        self._texts["signal"].actor.GetTextProperty().SetVerticalJustificationToBottom()
        self._stack_card()
        lbl = max(9, int(round(0.02 * h * k)))
        for actor, size in ((self.label_actor, lbl), (self.ms_label_actor, max(8, int(lbl * 0.8))),
                            (self.grid_label_actor, max(8, int(lbl * 0.75)))):
            hier = actor.GetMapper().GetInputConnection(0, 0).GetProducer()
            hier.GetTextProperty().SetFontSize(size)
        if hasattr(self, "_pos"):
            self._update_hud()  # re-wrap the card for the new width

    def apply_options(self) -> None:
        o = self.opt
        for a in self.orbit_actors.values():
            a.SetVisibility(o.orbits)
        self.stars.SetVisibility(o.stars)
        self.grid_actor.SetVisibility(o.grid)
        self.grid_label_actor.SetVisibility(o.grid and o.labels)
        self.label_actor.SetVisibility(o.labels)
        self.ms_label_actor.SetVisibility(o.labels)
        for leg in self.legs:
            show = o.cargo or leg.craft == self.plan.crewed
            leg.full_actor.SetVisibility(show)
            leg.flown_actor.SetVisibility(show)
        for cid, a in self.craft_actors.items():
            if cid != self.plan.crewed:
                a.SetVisibility(o.cargo and a.GetVisibility())
        for a in self.marker_actors.values():
            a.SetVisibility(o.events)
        self.milestone_actor.SetVisibility(o.events)
        for key in ("title", "date", "met", "camera", "scale"):
            self._texts[key].actor.SetVisibility(o.hud)
        self.layout(*self._size)
        self.set_time(self.t)

    # -----------------------------------------------------------------------------------------
    # Time
    # -----------------------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Move everything to instant ``t`` (TDB days since J2000). Does not render."""
        plan = self.plan
        t = float(plan.clamp(t))
        self.t = t
        pos = {}
        for body in PLANETS:
            r = plan.table.state(body, t)[0] / AU_KM
            pos[body] = r
            self.planet_actors[body].SetPosition(*r)
        states = {}
        for cid in self.craft_actors:
            r, v = plan.craft_state(cid, t)
            states[cid] = (r / AU_KM, v)
            pos[cid] = r / AU_KM
        self._pos = pos
        self._update_camera_tracking()
        self._shown = {}
        for cid, actor in self.craft_actors.items():
            r, v = states[cid]
            shown = self._display_position(r)
            pos[cid] = shown
            self._shown[cid] = (shown, v)
            traj = plan.trajectories[cid]
            flying = traj.t_start <= t <= traj.t_end and not self._parked(traj, t)
            visible = (cid == plan.crewed or (self.opt.cargo and t >= traj.t_start - 1))
            actor.SetVisibility(bool(visible and (flying or cid == plan.crewed)))
        self._orient_all()
        for leg in self.legs:
            k = int(np.searchsorted(leg.times, t, side="right"))
            inside = 0 < k < len(leg.times)
            key = (min(k, len(leg.times)), inside)
            if key == leg.state and not inside:
                continue  # not started or finished: nothing moved
            leg.state = key
            if k <= 0:
                pts = leg.points[:0]
            elif not inside:
                pts = leg.points
            else:
                pts = np.vstack([leg.points[:k], pos[leg.craft][None, :]])
            _set_polyline(leg.flown, pts)
            leg.flown_actor.SetVisibility(bool(len(pts) >= 2 and (self.opt.cargo or leg.craft == plan.crewed)))
        # Labels follow their objects; parked cargo ships share Mars's label.
        lp = np.asarray(self.label_pts.points)
        for i, key in enumerate(self.label_keys):
            lp[i] = pos[key] + (np.array([0, 0, self.radii_au[key] * 1.15]) if key in PLANETS else 0)
        names = []
        for key in self.label_keys:
            if key in PLANETS:
                names.append(key.capitalize())
            else:
                traj = plan.trajectories[key]
                show = key == plan.crewed or (self.opt.cargo and traj.t_start <= t and not self._parked(traj, t)
                                              and t <= traj.t_end)
                names.append(plan.craft_name(key) if show else "")
        self.label_pts.points = lp
        if names != getattr(self, "_label_names", None):
            self._label_names = names
            self.label_pts.point_data["labels"] = np.array(names, dtype=object)
        self.label_pts.Modified()
        self._update_hud()
        self._update_signal()

    def _display_position(self, r: np.ndarray) -> np.ndarray:
        """A spacecraft inside a planet's exaggerated sphere is shown just outside it."""
        for body in PLANETS:
            c = self._pos[body]
            d = r - c
            dist = float(np.linalg.norm(d))
            limit = 1.35 * self.radii_au[body]
            if dist < limit:
                direction = d / dist if dist > 1e-9 else np.array([0.0, 0.0, 1.0])
                if dist <= 1e-9 or abs(direction[2]) < 0.2:
                    direction = direction + np.array([0.0, 0.0, 1.0])
                    direction /= np.linalg.norm(direction)
                return c + direction * limit
        return r

    @staticmethod
    def _parked(traj, t) -> bool:
        return any(a.t_arr < t < b.t_dep for a, b in zip(traj.legs, traj.legs[1:]))

    def _orient(self, actor, r, v, cam_pos) -> None:
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
        s = dist * 0.02 * (1.0 if actor is self.craft_actors.get(self.plan.crewed) else 0.7)
        m = vtkMatrix4x4()
        for i in range(3):
            m.SetElement(i, 0, x[i] * s)
            m.SetElement(i, 1, y[i] * s)
            m.SetElement(i, 2, z[i] * s)
            m.SetElement(i, 3, r[i])
        actor.SetUserMatrix(m)

    def position_au(self, name: str) -> np.ndarray:
        return self._pos[name]

    # -----------------------------------------------------------------------------------------
    # HUD and event card
    # -----------------------------------------------------------------------------------------
    def _update_hud(self) -> None:
        plan = self.plan
        t = self.t
        T = self._texts
        forced = self._forced_card
        if forced is not None and not (plan.span[0] <= forced.t <= plan.span[1]):
            # A prologue/epilogue card: its own date; the planets stay at the mission's edge.
            T["date"].actor.SetInput(plan.clock.date(forced.t))
            T["met"].actor.SetInput(f"{forced.era.capitalize()}   (planets shown on {plan.clock.day(t)})")
        else:
            T["date"].actor.SetInput(plan.clock.date(t))
            T["met"].actor.SetInput(f"{plan.clock.met(t)}   {plan.phase_at(t).name}")
        T["camera"].actor.SetInput(f"View: {style.CAMERA_NAMES.get(self.camera_preset, self.camera_preset)}")
        ev = None
        if self._question is not None:
            self._show_question(self._question)
            return
        if self._forced_card is not None:
            ev = self._forced_card
        elif self.opt.captions and self.opt.card_mode == "auto":
            ev = plan.active_event(t, self.opt.card_days)
        self._show_card(ev)

    def _stack_card(self) -> None:
        """Stack the card from the bottom up (body, meta, title, then the light-time countdown)
        so that however many lines it has, it clears the bottom line of the HUD."""
        T = self._texts
        h = max(1, self._size[1])
        px = {k: T[k].actor.GetTextProperty().GetFontSize() for k in T}
        lines = {k: T[k].actor.GetInput().count("\n") + 1 if T[k].actor.GetInput() else 1
                 for k in ("card-meta", "card-body")}
        floor = 0.02 + CARD_LINE * max(px["scale"], px["footer"]) / h + 0.012
        body_top = max(T["card-body"].anchor[1], floor + lines["card-body"] * CARD_LINE * px["card-body"] / h)
        T["card-body"].actor.SetPosition(0.5, body_top)
        meta_bottom = body_top + 0.012
        T["card-meta"].actor.SetPosition(0.5, meta_bottom)
        title_bottom = meta_bottom + (lines["card-meta"] * CARD_LINE + 0.25) * px["card-meta"] / h
        T["card-title"].actor.SetPosition(0.5, title_bottom)
        # The light-time countdown sits just above the card.
        T["signal"].actor.SetPosition(0.5, title_bottom + 1.6 * px["card-title"] / h)

    def _card_meta(self, head: str, tail: str) -> str:
        """The card's detail line, split so that no line is wider than the card."""
        width = self._wrap_width(self._texts["card-meta"].size)
        if len(head) + len(tail) + 3 <= width:
            return f" {head}   {tail} "
        rows = textwrap.wrap(head, width) + textwrap.wrap(tail, width)
        return "\n".join(f" {r} " for r in rows)

    def _wrap_width(self, size_frac: float) -> int:
        w, h = self._size
        px = max(8.0, size_frac * h * self.opt.text_scale)
        return max(20, int(0.8 * w / (0.55 * px)))

    def _show_card(self, ev) -> None:
        T = self._texts
        self._card_event = ev
        visible = ev is not None and self.opt.captions
        for key in ("card-title", "card-meta", "card-body"):
            T[key].actor.SetVisibility(visible)
        self.active_actor.SetVisibility(bool(visible and ev.id in self.event_positions))
        if not visible:
            self._card_key = None
            return
        key = (ev.id, self._wrap_width(T["card-body"].size))
        if key == getattr(self, "_card_key", None):
            return  # the same card, already laid out: nothing to do on this frame
        self._card_key = key
        plan = self.plan
        color = style.CATEGORY_COLORS.get(ev.category, "#ffffff")
        T["card-title"].actor.GetTextProperty().SetColor(*style.hex_to_rgb(color))
        T["card-title"].actor.SetInput(f" {ev.title} ")
        src = ev.source_label
        if ev.assumed and ev.source == "seed":
            src += f" (assumed: {ev.assumed})"
        T["card-meta"].actor.SetInput(self._card_meta(
            f"{plan.clock.date(ev.t)}   {plan.clock.met(ev.t)}   {style.CATEGORY_LABELS[ev.category]}",
            src))
        body = "\n".join(textwrap.wrap(ev.description, self._wrap_width(T["card-body"].size))) or " "
        T["card-body"].actor.SetInput(body)
        self._stack_card()
        if ev.id in self.event_positions:
            self.active_marker.points = self.event_positions[ev.id][None, :]
            self.active_marker.Modified()

    def _show_question(self, ev) -> None:
        T = self._texts
        self._card_key = None
        self.active_actor.SetVisibility(False)
        for key in ("card-title", "card-meta", "card-body"):
            T[key].actor.SetVisibility(True)
        T["card-title"].actor.GetTextProperty().SetColor(*style.hex_to_rgb("#fff59d"))
        T["card-title"].actor.SetInput(" Before we see what happens... ")
        T["card-meta"].actor.SetInput(f" {self.plan.clock.date(ev.t)}   {self.plan.clock.met(ev.t)} ")
        T["card-body"].actor.SetInput("\n".join(textwrap.wrap(ev.question, self._wrap_width(T["card-body"].size))))
        self._stack_card()

    def set_footer(self, text: str | None) -> None:
        """Key figures in the lower right corner (lesson stills), or None to hide."""
        a = self._texts["footer"].actor
        a.SetVisibility(bool(text))
        a.SetInput(text or " ")

    def show_event_card(self, ev) -> None:
        """Show ``ev``'s card regardless of the playhead (None: back to automatic)."""
        self._forced_card = ev
        self._question = None
        self._update_hud()

    def show_question(self, ev) -> None:
        """Show ``ev``'s prediction question instead of its card (None: clear)."""
        self._question = ev
        self._update_hud()

    @property
    def card_event(self):
        return self._card_event

    # -----------------------------------------------------------------------------------------
    # Light-time signal and transfer preview
    # -----------------------------------------------------------------------------------------
    def set_signal(self, ev) -> None:
        """Show the light-time signal of event ``ev`` (``signal`` = to_earth/from_earth) or None."""
        self._signal = ev
        self._update_signal()

    def signal_state(self, t: float | None = None):
        """(fraction travelled, seconds remaining, one-way seconds, source AU, destination AU)."""
        from marsviz.story.signal import signal_state

        st = signal_state(self.plan, self._signal, self.t if t is None else t)
        if st is None:
            return None
        return (st.frac, st.remaining_s, st.one_way_s, np.asarray(st.src_km) / AU_KM,
                np.asarray(st.dst_km) / AU_KM)

    def _update_signal(self) -> None:
        st = self.signal_state()
        T = self._texts["signal"]
        if st is None:
            self.signal_actor.SetVisibility(False)
            self.signal_line_actor.SetVisibility(False)
            T.actor.SetVisibility(False)
            return
        frac, remaining, one_way, src, dst = st
        _set_polyline(self.signal_line, np.array([src, dst]))
        self.signal_pulse.points = (src + frac * (dst - src))[None, :]
        self.signal_pulse.Modified()
        self.signal_actor.SetVisibility(True)
        self.signal_line_actor.SetVisibility(True)
        T.actor.SetVisibility(True)
        to = "Earth" if self._signal.signal == "to_earth" else "the crew"
        if remaining > 0:
            T.actor.SetInput(f"Signal to {to}: {format_duration(remaining)} to go "
                             f"(one-way light time {format_duration(one_way)})")
        else:
            T.actor.SetInput(f"Signal received by {to} after {format_duration(one_way)}")

    def set_preview(self, points_km: np.ndarray | None) -> None:
        """Draw a candidate transfer (positions in km), or hide it with None."""
        if points_km is None:
            self.preview_actor.SetVisibility(False)
            return
        _set_polyline(self.preview_line, np.asarray(points_km) / AU_KM)
        self.preview_actor.SetVisibility(True)

    # -----------------------------------------------------------------------------------------
    # Camera
    # -----------------------------------------------------------------------------------------
    def _target(self, preset: str):
        if preset == "follow":
            return self.plan.crewed
        if preset in ("earth", "mars", "venus"):
            return preset
        return None

    def set_camera(self, preset: str) -> None:
        """Jump to a camera preset (see ``style.CAMERA_NAMES``)."""
        if preset not in style.CAMERA_NAMES:
            raise ValueError(f"unknown camera preset {preset!r}")
        self.camera_preset = preset
        cam = self.p.camera
        cam.view_angle = 30.0
        target = self._target(preset)
        if preset == "overview":
            cam.focal_point = (0.0, 0.0, 0.0)
            cam.position = (0.0, -2.6, 5.6)
            cam.up = (0.0, 0.0, 1.0)
        elif preset == "inner":
            cam.focal_point = (0.0, 0.0, 0.0)
            cam.position = (0.0, -0.9, 3.4)
            cam.up = (0.0, 0.0, 1.0)
        else:
            center = self._current(target)
            dist = {"follow": 0.5, "earth": 0.5, "mars": 0.5, "venus": 0.5}[preset]
            outward = center / (np.linalg.norm(center) or 1.0)
            if preset == "follow":
                # Above and beside the craft, looking back towards the Sun: smooth in time.
                side = np.cross([0.0, 0.0, 1.0], outward)
                offset = 0.35 * outward - 0.75 * side + np.array([0.0, 0.0, 0.7])
            else:
                offset = -0.7 * outward + np.array([0.0, 0.0, 0.55])
            offset = offset / np.linalg.norm(offset) * dist
            cam.focal_point = tuple(center)
            cam.position = tuple(center + offset)
            cam.up = (0.0, 0.0, 1.0)
        self._camera_target = target
        self._last_target_pos = None if target is None else self._current(target)
        self._orient_all()
        self.p.renderer.ResetCameraClippingRange()
        if hasattr(self, "_pos"):
            self._update_hud()

    def _current(self, name: str) -> np.ndarray:
        if hasattr(self, "_pos") and name in self._pos:
            return np.array(self._pos[name])
        return self.plan.position(name, self.t) / AU_KM

    def _update_camera_tracking(self) -> None:
        """Tracking presets move the camera with their target, keeping the user's zoom and angle."""
        if self._camera_target is None:
            return
        new = np.array(self._pos[self._camera_target])
        old = self._last_target_pos
        if old is None:
            old = new
        dx, dy, dz = (float(c) for c in (new - old))
        cam = self.p.renderer.GetActiveCamera()  # raw VTK calls: no clipping-range reset here
        fx, fy, fz = cam.GetFocalPoint()
        px, py, pz = cam.GetPosition()
        cam.SetFocalPoint(fx + dx, fy + dy, fz + dz)
        cam.SetPosition(px + dx, py + dy, pz + dz)
        self._last_target_pos = new

    # -----------------------------------------------------------------------------------------
    # Queries used by tests and the window
    # -----------------------------------------------------------------------------------------
    def world_to_display(self, xyz) -> tuple[float, float]:
        """Pixel coordinates (x from the left, y from the top) of a world point in AU."""
        ren = self.p.renderer
        ren.SetWorldPoint(float(xyz[0]), float(xyz[1]), float(xyz[2]), 1.0)
        ren.WorldToDisplay()
        x, y, _ = ren.GetDisplayPoint()
        h = self.p.window_size[1]
        return x, h - y

    def close(self) -> None:
        self.p.renderer.RemoveObserver(self._star_observer)
        self._texts.clear()


def _milestone_label(name: str) -> str:
    pretty = {
        "earth_departure": "Earth departure",
        "mars_arrival": "Mars arrival",
        "mars_departure": "Mars departure",
        "earth_arrival": "Earth return",
    }
    if name in pretty:
        return pretty[name]
    body, _, direction = name.partition("_flyby_")
    return f"{body.capitalize()} swing-by"
