"""The 3D mission scene on a PyVista plotter, for one instant at a time.

:class:`MissionScene` is the facade the window, the exporter and the lesson pack use. The
scene itself is a stack of visuals, each with ``build()`` (actors made once) and ``update(...)``
(actors moved or restyled, never re-created): the backdrop (stars, grid, Sun), planets and
orbits, trajectories, ships, event markers and labels, overlays (light-time signal, transfer
preview), the heads-up text and event card, and the camera rig. A playhead update costs a
millisecond or two. It knows nothing of Qt: the window drives a ``pyvistaqt.QtInteractor`` with
it, the exporter an off-screen ``pyvista.Plotter``, so a frame exported is the frame a user sees.

Positions go through one :class:`~marsviz.scene.world.WorldFrame` (heliocentric J2000 ecliptic
km to scene units, with a floating origin); by default a scene unit is one AU with the Sun at
the origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from marsviz.mission.plan import PLANETS, Plan
from marsviz.scene import style
from marsviz.scene.backdrop import STAR_RADIUS_AU, Backdrop  # noqa: F401  (re-exported)
from marsviz.scene.base import SceneContext
from marsviz.scene.bodies import TILT_DEG, Orbits, Planets  # noqa: F401
from marsviz.scene.camera import CameraRig
from marsviz.scene.crowd import Crowd
from marsviz.scene.geometry import polyline as _polyline  # noqa: F401
from marsviz.scene.geometry import set_polyline as _set_polyline  # noqa: F401
from marsviz.scene.geometry import uv_sphere  # noqa: F401
from marsviz.scene.hud import Hud
from marsviz.scene.labels import Labels
from marsviz.scene.markers import Markers, milestone_label  # noqa: F401
from marsviz.scene.overlays import Preview, Signal
from marsviz.scene.paths import FLOWN_STEP_DAYS, ParkingOrbits, Trajectories  # noqa: F401
from marsviz.scene.scales import DisplayMap, FlatPlan, exaggeration, has_local_arcs
from marsviz.scene.ships import Ships, parked
from marsviz.scene.world import WorldFrame


#: At most this many passes to aim a tracking camera where its target is drawn for it.
SETTLE_PASSES = 8

#: The path legend names a path drawn at least this long in the frame (pixels at 720 px high).
LEGEND_MIN_PX = 16.0


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
    legend: bool = True  # the path legend (with the heads-up text)
    text_scale: float = 1.0
    card_mode: str = "auto"  # "auto": card for the active event; "off": never
    card_days: float = 3.0  # how long after an event its card stays up
    extra: dict = field(default_factory=dict)


class MissionScene:
    """The mission in 3D on ``plotter`` (any PyVista plotter, on or off screen)."""

    def __init__(self, plotter, plan: Plan, options: SceneOptions | None = None):
        self.p = plotter
        self.opt = options or SceneOptions()
        self.flat = bool(self.opt.extra.get("flat_scale"))  # the scene before true scale (benchmark)
        if self.flat:
            plan = FlatPlan(plan)
        self.plan = plan
        self.planet_scale = style.PLANET_SCALE
        self.sun_scale = style.SUN_SCALE
        self.world = WorldFrame()
        true_km = {b: float(plan.constants[b]["R"]) for b in PLANETS}
        radii = {b: self.world.length(true_km[b] * self.planet_scale) for b in PLANETS}
        self.ctx = SceneContext(plotter, plan, self.opt, self.world, radii, planet_scale=self.planet_scale,
                                sun_scale=self.sun_scale, t=plan.epoch, size=tuple(plotter.window_size),
                                true_radii_km=true_km, scales={b: self.planet_scale for b in PLANETS})
        self._km: dict = {}  # heliocentric km of planets and ships (true) at the current instant
        self._ship_states: dict = {}
        self._ready = False
        ctx = self.ctx
        self.backdrop = Backdrop(ctx)
        self.planets = Planets(ctx)
        ctx.planets = self.planets
        self.orbits = Orbits(ctx)
        self.trajectories = Trajectories(ctx)
        self.parking = ParkingOrbits(ctx)
        self.ships = Ships(ctx)
        self.markers = Markers(ctx)
        self.signal = Signal(ctx)
        self.preview = Preview(ctx)
        self.hud = Hud(ctx)
        self.rig = CameraRig(ctx)
        # Build order is draw order (it decides how translucent actors blend).
        for v in (self.backdrop, self.planets, self.orbits, self.trajectories, self.parking, self.ships,
                  self.markers, self.signal, self.preview):
            v.build()
        self.hud.build()
        self.crowd = Crowd(ctx, self.ships, self.markers)
        self.crowd.build()
        self.labels = Labels(ctx, self.markers, self.hud, self.crowd)
        self.labels.build()
        self.rig.build()
        self.visuals = (self.backdrop, self.planets, self.orbits, self.trajectories, self.parking, self.ships,
                        self.markers, self.signal, self.preview, self.crowd, self.labels, self.hud, self.rig)
        self._observer = self.p.renderer.AddObserver("StartEvent", self._before_render)
        self.layout()
        self._ready = True
        self.set_camera("overview")
        self.set_time(plan.epoch)

    # -----------------------------------------------------------------------------------------
    # Compatibility views of the visuals' actors (tests and the window read them)
    # -----------------------------------------------------------------------------------------
    t = property(lambda self: self.ctx.t)
    radii_au = property(lambda self: self.ctx.radii)
    planet_actors = property(lambda self: self.planets.planet_actors)
    orbit_actors = property(lambda self: self.orbits.orbit_actors)
    legs = property(lambda self: self.trajectories.legs)
    craft_actors = property(lambda self: self.ships.craft_actors)
    event_positions = property(lambda self: self.markers.event_positions)
    active_actor = property(lambda self: self.markers.active_actor)
    signal_actor = property(lambda self: self.signal.signal_actor)
    signal_line_actor = property(lambda self: self.signal.signal_line_actor)
    preview_actor = property(lambda self: self.preview.preview_actor)
    preview_line = property(lambda self: self.preview.preview_line)
    stars = property(lambda self: self.backdrop.stars)
    _texts = property(lambda self: self.hud.texts)
    camera_preset = property(lambda self: self.rig.preset)
    card_event = property(lambda self: self.hud.card_event)

    def _before_render(self, *_args) -> None:
        cam = self.p.renderer.GetActiveCamera()
        self.backdrop.before_render(cam)
        self.orbits.before_render(cam)
        self.planets.before_render(cam)
        self.ships.shade({b: a.GetProperty().GetAmbient() for b, a in self.planets.planet_actors.items()})
        if self._ready and self._km and self._scales() != self.ctx.scales:
            self._place()  # the user zoomed: planets change size, paths keep clear of them
        self.ships.orient_all(cam.GetPosition())  # markers keep their size on screen while zooming
        if self._ready:
            self.trajectories.refresh_lod()  # a zoom in draws paths through more of their samples
        if self._ready:
            self.hud.update_scale(self.ctx.scales, cam)  # the scale bar follows the user's zoom
            self.hud.settle(self.p.renderer, self.paths_in_view())
        self._clip()
        if self._ready:
            self.crowd.arrange()  # icons and markers off small planet discs (labels read it)
        self.labels.place()

    def paths_in_view(self) -> set:
        """Legend keys (``paths.LegendEntry.key``) of the paths drawn in the frame now."""
        if not (self.opt.hud and self.opt.legend):
            return set()
        from marsviz.scene.paths import camera_matrix

        ren = self.p.renderer
        m = camera_matrix(ren)
        eye = ren.GetActiveCamera().GetPosition()
        spheres = [(self.ctx.pos[b], self.ctx.radii[b]) for b in PLANETS if b in self.ctx.pos]
        w, h = self.ctx.size
        k = LEGEND_MIN_PX * self.ctx.px  # a path drawn shorter than this is not named
        lim = (2.0 * k / max(1, w), 2.0 * k / max(1, h))
        return self.trajectories.in_view(m, eye, spheres, lim) | self.parking.in_view(m, eye, spheres, lim)

    def _clip(self) -> None:
        """Clipping range for everything from the stars to a planet a few radii away."""
        ren = self.p.renderer
        ren.ResetCameraClippingRange()
        cam = ren.GetActiveCamera()
        near, far = cam.GetClippingRange()
        limit = 0.05 * cam.GetDistance()
        if near > limit:
            cam.SetClippingRange(limit, far)

    # -----------------------------------------------------------------------------------------
    # Layout and options
    # -----------------------------------------------------------------------------------------
    def layout(self, width: int | None = None, height: int | None = None) -> None:
        """Resize text for the window size (call when the window is resized)."""
        if width is None or height is None:
            width, height = self.p.window_size
        self.ctx.size = (int(width), int(height))
        self.hud.layout(int(width), int(height), self.opt.text_scale)
        self.labels.layout(max(1, int(height)), self.opt.text_scale)
        k = self.ctx.px
        for actor, line, point in self.ctx.sized:
            prop = actor.GetProperty()
            if line is not None:
                prop.SetLineWidth(line * k)
            if point is not None:
                prop.SetPointSize(point * k)
        if self._ready:
            self._update_hud()  # re-wrap the card for the new width

    def apply_options(self) -> None:
        for v in self.visuals:
            v.apply_options(self.opt)
        self.layout(*self.ctx.size)
        self.set_time(self.t)

    # -----------------------------------------------------------------------------------------
    # Time
    # -----------------------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Move everything to instant ``t`` (TDB days since J2000). Does not render."""
        plan = self.plan
        t = float(plan.clamp(t))
        ctx = self.ctx
        ctx.t = t
        self._km = self.planets.update(t)
        self._ship_states = self.ships.states(t)
        for cid, (r, _v) in self._ship_states.items():
            self._km[cid] = r
        if self.rig.target is not None:
            self._set_origin(self._km[self.rig.target], self.rig.target)
        ctx.pos = {k: self.world.to_scene(v) for k, v in self._km.items()}
        self.rig.update(ctx.pos)
        self._place()
        self._update_hud()
        self.signal.update(t, self.hud.texts["signal"].actor)

    def _scales(self) -> dict:
        """Each planet's exaggeration for the camera where it is now."""
        cam_km = self.world.to_km(self.p.renderer.GetActiveCamera().GetPosition())
        cap = self.planet_scale
        if self.flat:
            return {b: cap for b in PLANETS}
        R = self.ctx.true_radii_km
        return {b: exaggeration(float(np.linalg.norm(cam_km - self._km[b])), R[b], cap) for b in PLANETS}

    def _place(self) -> None:
        """Everything whose drawn place or size depends on the camera: planets, ships, paths,
        markers and labels."""
        ctx = self.ctx
        t = ctx.t
        ctx.scales = self._scales()
        R = ctx.true_radii_km
        ctx.radii = {b: self.world.length(R[b] * s) for b, s in ctx.scales.items()}
        ctx.dmap = None if self.flat else DisplayMap({b: (self._km[b], R[b], ctx.scales[b]) for b in PLANETS},
                                                     floor=not has_local_arcs(self.plan))
        pos = self.planets.place(self._km)
        pos.update(self.ships.update(t, self._ship_states))
        ctx.pos = pos
        self.ships.orient_all(self.p.renderer.GetActiveCamera().GetPosition())
        self.trajectories.update(t, pos)
        self.parking.update(t)
        self.markers.update()
        self.labels.update(t, pos, self._craft_named)
        self.hud.update_scale(ctx.scales, self.p.renderer.GetActiveCamera())

    def _craft_named(self, cid: str) -> bool:
        """Whether ship ``cid`` is offered a label: while it flies, and whenever it is drawn (a
        cargo ship parked in orbit or landed, drawn where it is: an icon is never nameless)."""
        plan, t = self.plan, self.t
        traj = plan.trajectories[cid]
        return cid == plan.crewed or (self.opt.cargo and (
            (traj.t_start <= t and not parked(traj, t) and t <= traj.t_end) or self.ships.visible.get(cid, False)))

    def position_au(self, name: str) -> np.ndarray:
        """Scene position of a planet or ship (as drawn) at the current instant."""
        return self.ctx.pos[name]

    # -----------------------------------------------------------------------------------------
    # Frame states (a storyboard's FrameState: time, card, signal and camera at once)
    # -----------------------------------------------------------------------------------------
    def apply(self, state) -> None:
        """Apply a whole frame state: its instant, card, signal and camera pose.

        ``state.camera`` is in heliocentric km; its ``origin`` (a body or craft) becomes the
        scene's floating origin. Cards then follow the frame state only (no automatic card).
        """
        plan = self.plan
        t = float(plan.clamp(state.t))
        pose = state.camera
        origin = getattr(pose, "origin", None) or "sun"
        self._set_origin(np.zeros(3) if origin == "sun" else plan.position(origin, t), origin)
        self.hud.auto = False
        ev = None
        if state.card is not None:
            ev = self._event(state.card) if isinstance(state.card, str) else state.card
        if getattr(state, "card_kind", None) == "question" and ev is not None:
            self.hud.forced, self.hud.question = None, ev
        else:
            self.hud.forced, self.hud.question = ev, None
        self.signal.override = state.signal
        self.signal.event = None
        self.rig.preset = getattr(state, "shot", None) or self.rig.preset
        self.rig.target = None
        self.set_time(t)
        self.rig.set_pose(pose)
        self._place()
        self._update_hud()
        self._clip()

    def set_pose(self, pose, shot: str | None = None) -> None:
        """Put the camera at a storyboard pose (heliocentric km) at the current instant, the
        pose's origin as the floating origin; ``shot`` names the view. Time and cards stay."""
        origin = getattr(pose, "origin", None) or "sun"
        self._set_origin(np.zeros(3) if origin == "sun" else self.plan.position(origin, self.t), origin)
        if shot:
            self.rig.preset = shot
        self.rig.set_pose(pose)
        self._place()
        self._update_hud()
        self._clip()

    def _event(self, event_id: str):
        try:
            return self.plan.event(event_id)
        except KeyError:
            return None

    def _set_origin(self, origin_km, name: str = "sun") -> None:
        """Move the floating origin, keeping every drawn thing and the camera where they are."""
        old = self.world.sun_offset()
        if not self.world.set_origin(origin_km, name):
            return
        new = self.world.sun_offset()
        for v in self.visuals:
            v.shift(new)
        d = new - old
        cam = self.p.renderer.GetActiveCamera()
        cam.SetFocalPoint(*(np.array(cam.GetFocalPoint()) + d))
        cam.SetPosition(*(np.array(cam.GetPosition()) + d))
        if self.rig.last_target_pos is not None:
            self.rig.last_target_pos = self.rig.last_target_pos + d
        self.ctx.pos = {k: v + d for k, v in self.ctx.pos.items()}
        if self.preview.points_km is not None:
            self.preview.update(self.preview.points_km)

    # -----------------------------------------------------------------------------------------
    # HUD and event card
    # -----------------------------------------------------------------------------------------
    def _update_hud(self) -> None:
        ev = self.hud.update(self.t, self.rig.preset)
        if self.hud.question is not None:
            self.markers.highlight(None, False)
        else:
            self.markers.highlight(ev, ev is not None and self.opt.captions)

    def set_footer(self, text: str | None) -> None:
        """Key figures in the lower right corner (lesson stills), or None to hide."""
        self.hud.set_footer(text)

    def show_event_card(self, ev) -> None:
        """Show ``ev``'s card regardless of the playhead (None: back to automatic)."""
        self.hud.forced = ev
        self.hud.question = None
        self._update_hud()

    def show_question(self, ev) -> None:
        """Show ``ev``'s prediction question instead of its card (None: clear)."""
        self.hud.question = ev
        self._update_hud()

    # -----------------------------------------------------------------------------------------
    # Light-time signal and transfer preview
    # -----------------------------------------------------------------------------------------
    def set_signal(self, ev) -> None:
        """Show the light-time signal of event ``ev`` (``signal`` = to_earth/from_earth) or None."""
        self.signal.event = ev
        self.signal.override = None
        self.signal.update(self.t, self.hud.texts["signal"].actor)

    def signal_state(self, t: float | None = None):
        """(fraction travelled, seconds remaining, one-way seconds, src, dst) of the signal."""
        return self.signal.state(self.t if t is None else t)

    def set_preview(self, points_km: np.ndarray | None) -> None:
        """Draw a candidate transfer (positions in km), or hide it with None."""
        self.preview.update(points_km)

    # -----------------------------------------------------------------------------------------
    # Camera
    # -----------------------------------------------------------------------------------------
    def set_camera(self, preset: str) -> None:
        """Jump to a camera preset (see ``style.CAMERA_NAMES``)."""
        if preset not in style.CAMERA_NAMES:
            raise ValueError(f"unknown camera preset {preset!r}")
        target = self.rig.target_of(preset)
        if self._km:
            self._set_origin(np.zeros(3) if target is None else self._km[target], target or "sun")
        self.rig.set_preset(preset)
        if self._km:
            self._place()
            self._settle_on_target()
            self.signal.update(self.t, self.hud.texts["signal"].actor)
        self._clip()
        self._update_hud()

    def _settle_on_target(self) -> None:
        """Aim a tracking preset at its target where it is drawn for the new camera.

        The preset is aimed at the target where the previous camera drew it; drawing for the new
        camera changes the planets' sizes and so where a ship near a planet is drawn (pushed off
        an enlarged planet: millions of km in the overview). Follow it until it stays put, so
        the view does not depend on the camera before (each pass brings the camera nearer; a
        few suffice)."""
        rig = self.rig
        if rig.target is None:
            return
        cam = self.p.renderer.GetActiveCamera()
        for _ in range(SETTLE_PASSES):
            old = rig.last_target_pos
            if old is None or np.linalg.norm(self.ctx.pos[rig.target] - old) <= 1e-9 * cam.GetDistance():
                return
            rig.update(self.ctx.pos)
            self._place()

    # -----------------------------------------------------------------------------------------
    # Queries used by tests and the window
    # -----------------------------------------------------------------------------------------
    def world_to_display(self, xyz) -> tuple[float, float]:
        """Pixel coordinates (x from the left, y from the top) of a point in scene units."""
        ren = self.p.renderer
        ren.SetWorldPoint(float(xyz[0]), float(xyz[1]), float(xyz[2]), 1.0)
        ren.WorldToDisplay()
        x, y, _ = ren.GetDisplayPoint()
        h = self.p.window_size[1]
        return x, h - y

    def close(self) -> None:
        self.p.renderer.RemoveObserver(self._observer)
        self.hud.texts.clear()
