"""Event markers, the active event's highlight, the crewed ship's milestones, and the labels."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.models import world_size_for_pixels
from marsviz.scene.geometry import write_points


#: Events at surface sites are spread in a ring around their site, on the ground, so that
#: none hides another or sits inside a lander: ring radius on screen (pixels at a 720-pixel-high
#: frame), at least this far apart on the ring, and never closer to the site than
#: SITE_CLEAR_KM (clear of what stands there: a 12.4 m lander, the 10.5 m drill rig). Sites
#: whose rings would touch on screen (the base and the well, 370 m apart, seen from orbit)
#: share one ring around their middle. Markers float RING_LIFT ring radii above the ground.
RING_PX = 36.0
RING_SPACING_PX = 20.0
SITE_CLEAR_KM = 0.015
RING_LIFT = 0.1
#: ... and at most this many radii of the drawn planet.
RING_MAX_RADII = 0.3


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
        self._events_by_id = by_id
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
        """Where the site events are drawn (heliocentric km, in the order of ``site_of``): in a
        ring around their site on the drawn (turning, possibly enlarged) globe, sized for the
        camera as it is now (see :data:`RING_PX`); events in time order clockwise from north."""
        planets = self.ctx.planets
        t = self.ctx.t
        sites = sorted(set(self.site_of.values()))
        frames = {}  # body -> (centre km, rotation, scale)
        drawn = {}
        for sid in sites:
            body = self.plan.sites[sid]["body"]
            if body not in frames:
                rot = planets.rotation(body) if planets is not None and body in planets.spinning \
                    else np.asarray(self.plan.body_rotation(body, t), dtype=float)
                centre = self.ctx.body_km(body, t)
                frames[body] = (centre, rot, self.ctx.scales.get(body, 1.0))
            centre, rot, s = frames[body]
            drawn[sid] = centre + s * (rot @ self._site_fixed[sid])
        per_px = {sid: self._km_per_pixel(drawn[sid]) for sid in sites}
        ring = {sid: RING_PX * self.ctx.px * per_px[sid] for sid in sites}
        # Sites whose rings would touch on screen share one ring.
        group = {sid: sid for sid in sites}

        def root(x):
            while group[x] != x:
                x = group[x]
            return x

        for i, a in enumerate(sites):
            for b in sites[i + 1:]:
                same = self.plan.sites[a]["body"] == self.plan.sites[b]["body"]
                if same and np.linalg.norm(drawn[a] - drawn[b]) < 2.5 * max(ring[a], ring[b]):
                    group[root(b)] = root(a)
        clusters: dict = {}
        for sid in sites:
            clusters.setdefault(root(sid), []).append(sid)
        by_id = self._events_by_id
        place = {}
        for members in clusters.values():
            body = self.plan.sites[members[0]]["body"]
            centre, rot, s = frames[body]
            f = np.mean([self._site_fixed[m] for m in members], axis=0)
            R = float(np.mean([np.linalg.norm(self._site_fixed[m]) for m in members]))
            up = f / np.linalg.norm(f)
            east = np.cross([0.0, 0.0, 1.0], up)
            east = east / np.linalg.norm(east) if np.linalg.norm(east) > 1e-12 else np.array([0.0, 1.0, 0.0])
            north = np.cross(up, east)
            ids = sorted((i for i in self.site_of if self.site_of[i] in members),
                         key=lambda i: (by_id[i].t, i))
            n = len(ids)
            px = max(RING_PX, n * RING_SPACING_PX / (2.0 * np.pi)) * self.ctx.px
            k = float(np.mean([per_px[m] for m in members]))
            # On the ground around the site: never wider than a part of the drawn globe (far
            # away, where the planet is a dot, its events stay on it).
            radius = min(max(px * k, SITE_CLEAR_KM), RING_MAX_RADII * s * R)
            for j, i in enumerate(ids):
                a = 2.0 * np.pi * j / n
                # On the drawn ground (the sphere), RING_LIFT ring radii above it.
                g = s * R * up + radius * (np.cos(a) * north + np.sin(a) * east)
                g_up = g / np.linalg.norm(g)
                place[i] = centre + rot @ (g_up * (s * R + RING_LIFT * radius))
        return np.array([place[i] for i in self.site_of]).reshape(-1, 3)

    def _km_per_pixel(self, km) -> float:
        """Kilometres one pixel spans at heliocentric ``km`` for the camera as it is now."""
        cam = self.p.renderer.GetActiveCamera()
        pos = np.asarray(cam.GetPosition(), dtype=float)
        view = np.asarray(cam.GetFocalPoint(), dtype=float) - pos
        view /= np.linalg.norm(view) or 1.0
        depth = max(float(np.dot(self.world.to_scene(km) - pos, view)), 1e-300)
        unit = world_size_for_pixels(1.0, depth, cam.GetViewAngle(), max(1, self.ctx.size[1]),
                                     cam.GetParallelScale() if cam.GetParallelProjection() else None)
        return unit * self.world.km_per_unit

    def site_label_candidates(self) -> list:
        """Label candidates (kind, text, scene position, radius) of the site events other than
        the active one that have happened by now, for the label layout pass, as drawn now.
        A later event keeps its marker on the ring but not its title: the story is not told
        before it happens ("Well explosion" is not read at the landing)."""
        now = self.ctx.t + 1e-9
        return [("milestone", self._events_by_id[i].title, self.event_positions[i], 0.0)
                for i in self.site_of if i != self.active_id and i in self.event_positions
                and self._events_by_id[i].t <= now]

    def highlight(self, ev, visible: bool) -> None:
        """Ring the active event ``ev`` (or hide the ring)."""
        on = bool(visible and ev is not None and ev.id in self.event_positions)
        self.active_actor.SetVisibility(on)
        if on and ev.id != self.active_id:
            # Copied into the ring's own points: assigning ``.points`` would make the ring draw
            # from ``event_positions``' own memory, and the crowd pass, which moves the ring
            # off a small disc, would then move the event itself (its label, the next shot).
            write_points(self.active_marker, self.event_positions[ev.id][None, :])
        self.active_id = ev.id if on else None

    def apply_options(self, opt) -> None:
        for a in self.marker_actors.values():
            a.SetVisibility(opt.events)
        self.milestone_actor.SetVisibility(opt.events)
