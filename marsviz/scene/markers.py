"""Event markers, the active event's highlight, the crewed ship's milestones, and the labels."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.mission.plan import PLANETS
from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import write_points


def milestone_label(name: str) -> str:
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


class Markers(Visual):
    """Points at the events and milestones, sized in pixels so they stay visible."""

    def build(self) -> None:
        plan = self.plan
        by_cat: dict[str, list] = {}
        self.event_km = {}  # heliocentric km
        self.event_positions = {}  # scene units, as drawn now
        for ev in plan.mission_events:
            pos = plan.event_location(ev)
            if pos is None:
                continue
            self.event_km[ev.id] = np.asarray(pos, dtype=float)
            by_cat.setdefault(ev.category, []).append(ev.id)
        self.marker_actors = {}
        self.marker_sets = {}  # category -> (PolyData, event ids)
        for cat, ids in by_cat.items():
            size = 15.0 if cat == "failure" else 10.0
            poly = pv.PolyData(self.world.to_scene(np.array([self.event_km[i] for i in ids])))
            self.marker_sets[cat] = (poly, ids)
            self.marker_actors[cat] = self.sized(self.p.add_mesh(
                poly, color=style.CATEGORY_COLORS[cat], point_size=size,
                render_points_as_spheres=True, lighting=False, pickable=False,
                name=f"events-{cat}", reset_camera=False), point=size)
        # The highlighted (active) event: a bigger ring-like point drawn on top.
        self.active_marker = pv.PolyData(np.zeros((1, 3)))
        self.active_actor = self.p.add_mesh(self.active_marker, color="#ffffff", point_size=26.0,
                                            render_points_as_spheres=True, opacity=0.35,
                                            lighting=False, pickable=False, name="event-active",
                                            reset_camera=False)
        self.active_actor.SetVisibility(False)
        self.sized(self.active_actor, point=26.0)
        self.active_id = None
        # Milestones of the crewed trajectory.
        tn = plan.crewed_trajectory
        ms_km = []
        self.milestone_labels = []
        for name, t in sorted(tn.milestones.items(), key=lambda kv: kv[1]):
            ms_km.append(plan.position(plan.crewed, t))
            self.milestone_labels.append(milestone_label(name) + "  " + plan.clock.day(t))
        self.milestone_km = np.array(ms_km)
        self.milestone_pts = pv.PolyData(self.world.to_scene(self.milestone_km))
        self.milestone_pts.point_data["labels"] = np.array(self.milestone_labels, dtype=object)
        self.milestone_actor = self.p.add_mesh(
            self.milestone_pts, color="#ffffff", point_size=8.0, render_points_as_spheres=True,
            lighting=False, pickable=False, name="milestones", reset_camera=False)
        self.sized(self.milestone_actor, point=8.0)
        self._ids = list(self.event_km)
        self._all_km = np.vstack([np.array([self.event_km[i] for i in self._ids]).reshape(-1, 3),
                                  self.milestone_km])
        self._lo, self._hi = self._all_km.min(axis=0), self._all_km.max(axis=0)
        self._sel = [(poly, np.array([self._ids.index(i) for i in ids])) for poly, ids in self.marker_sets.values()]

    def update(self) -> None:
        """Place the markers through the instant's display map and world frame."""
        dmap = self.ctx.dmap
        km = self._all_km
        if dmap is not None:
            km = dmap.apply(km, self._lo, self._hi)
        pos = self.world.to_scene(km)
        n = len(self._ids)
        self.event_positions = dict(zip(self._ids, pos[:n]))
        for poly, sel in self._sel:
            write_points(poly, pos[sel])
        write_points(self.milestone_pts, pos[n:])
        self.active_id = None

    def highlight(self, ev, visible: bool) -> None:
        """Ring the active event ``ev`` (or hide the ring)."""
        on = bool(visible and ev is not None and ev.id in self.event_positions)
        self.active_actor.SetVisibility(on)
        if on and ev.id != self.active_id:
            self.active_marker.points = self.event_positions[ev.id][None, :]
            self.active_marker.Modified()
        self.active_id = ev.id if on else None

    def apply_options(self, opt) -> None:
        for a in self.marker_actors.values():
            a.SetVisibility(opt.events)
        self.milestone_actor.SetVisibility(opt.events)


class Labels(Visual):
    """Names of the planets and ships, milestone labels and the grid's AU labels."""

    def __init__(self, ctx, markers: Markers, grid_label_pts):
        super().__init__(ctx)
        self.markers = markers
        self.grid_label_pts = grid_label_pts

    def build(self) -> None:
        plan = self.plan
        names = [b.capitalize() for b in PLANETS] + [plan.craft_name(c) for c in plan.trajectories]
        self.label_keys = list(PLANETS) + list(plan.trajectories)
        self.label_pts = pv.PolyData(np.zeros((len(names), 3)))
        self.label_pts.point_data["labels"] = np.array(names, dtype=object)
        self._names = None
        self.label_actor = self.p.add_point_labels(
            self.label_pts, "labels", font_size=14, text_color="#e6ecf5", shape=None,
            show_points=False, always_visible=True, bold=False, shadow=True, name="labels",
            justification_vertical="bottom", reset_camera=False)
        self.ms_label_actor = self.p.add_point_labels(
            self.markers.milestone_pts, "labels", font_size=11, text_color="#aab4c3", shape=None,
            show_points=False, always_visible=True, bold=False, shadow=True, name="ms-labels",
            justification_vertical="top", reset_camera=False)
        self.grid_label_actor = self.p.add_point_labels(
            self.grid_label_pts, "labels", font_size=11, text_color="#6f7d99", shape=None,
            show_points=False, always_visible=True, bold=False, name="grid-labels",
            reset_camera=False)
        # 2D label actors cannot be shifted: their Sun-centred points are moved instead.
        self._fixed = [(pts, np.array(pts.points)) for pts in (self.grid_label_pts,)]

    def shift(self, offset) -> None:
        for pts, base in self._fixed:
            pts.points = base + np.asarray(offset)
            pts.Modified()

    def update(self, t: float, pos: dict, shown_craft) -> None:
        """Labels follow their objects; ``shown_craft(cid)``: whether a ship's name is shown."""
        lp = np.asarray(self.label_pts.points)
        radii = self.ctx.radii
        for i, key in enumerate(self.label_keys):
            lp[i] = pos[key] + (np.array([0, 0, radii[key] * 1.15]) if key in PLANETS else 0)
        names = []
        for key in self.label_keys:
            if key in PLANETS:
                names.append(key.capitalize())
            else:
                names.append(self.plan.craft_name(key) if shown_craft(key) else "")
        self.label_pts.points = lp
        if names != self._names:
            self._names = names
            self.label_pts.point_data["labels"] = np.array(names, dtype=object)
        self.label_pts.Modified()

    def layout(self, height: int, text_scale: float) -> None:
        lbl = max(7, int(round(0.022 * height * text_scale)))
        for actor, size in ((self.label_actor, lbl), (self.ms_label_actor, max(6, int(lbl * 0.8))),
                            (self.grid_label_actor, max(6, int(lbl * 0.75)))):
            hier = actor.GetMapper().GetInputConnection(0, 0).GetProducer()
            hier.GetTextProperty().SetFontSize(size)

    def apply_options(self, opt) -> None:
        self.grid_label_actor.SetVisibility(opt.grid and opt.labels)
        self.label_actor.SetVisibility(opt.labels)
        self.ms_label_actor.SetVisibility(opt.labels)
