"""Event markers, the active event's highlight, the crewed ship's milestones, and the labels."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import write_points


#: Site markers sit this factor above the drawn surface (clear of the globe's facets).
SITE_LIFT = 1.004


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
        # Events at a surface site: drawn on the (turning, possibly enlarged) globe at the site.
        sites = getattr(plan, "sites", None) or {}
        by_id = {ev.id: ev for ev in plan.mission_events}  # the events the markers were built from
        self.site_of = {i: by_id[i].site for i in self._ids if getattr(by_id[i], "site", None) in sites}
        self._site_rows = np.array([self._ids.index(i) for i in self.site_of], dtype=int)
        self._site_fixed = {sid: np.asarray(plan.site_fixed(sid), dtype=float)
                            for sid in set(self.site_of.values())}
        self._sel = [(poly, np.array([self._ids.index(i) for i in ids])) for poly, ids in self.marker_sets.values()]

    def update(self) -> None:
        """Place the markers through the instant's display map and world frame."""
        dmap = self.ctx.dmap
        km = self._all_km
        if dmap is not None:
            km = dmap.apply(km, self._lo, self._hi)
        if len(self._site_rows):
            km = np.array(km, dtype=float, copy=True)
            km[self._site_rows] = self.site_km()
        pos = self.world.to_scene(km)
        n = len(self._ids)
        self.event_positions = dict(zip(self._ids, pos[:n]))
        for poly, sel in self._sel:
            write_points(poly, pos[sel])
        write_points(self.milestone_pts, pos[n:])
        self.active_id = None

    def site_km(self) -> np.ndarray:
        """Where the site events are drawn (heliocentric km): on the drawn globe of their
        planet, :data:`SITE_LIFT` above its drawn surface, turned with it."""
        out = []
        planets = self.ctx.planets
        for i in self.site_of:
            sid = self.site_of[i]
            body = self.plan.sites[sid]["body"]
            rot = planets.rotation(body) if body in planets.spinning else self.plan.body_rotation(body, self.ctx.t)
            s = self.ctx.scales.get(body, 1.0)
            centre = np.asarray(self.plan.table.state(body, self.ctx.t)[0], dtype=float)
            out.append(centre + s * SITE_LIFT * (rot @ self._site_fixed[sid]))
        return np.array(out).reshape(-1, 3)

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
