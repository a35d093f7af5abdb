"""The ships' trajectories: each leg drawn whole (dim) and flown so far (bright).

Leg points are kept in heliocentric km, sampled every half day and densely around each
encounter; every frame they go through the instant's display map (so that no drawn path runs
through a drawn planet) and the world frame (so that they are precise near the origin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, set_line_cells, write_points
from marsviz.scene.scales import ChunkIndex, dense_times, encounter_times, track_km

FLOWN_STEP_DAYS = 0.5


@dataclass
class Leg:
    craft: str
    index: int
    times: np.ndarray
    km: np.ndarray  # heliocentric km, as the track gives them
    points: np.ndarray = None  # scene units, as drawn now
    full: pv.PolyData = None
    full_actor: object = None
    flown: pv.PolyData = None
    flown_actor: object = None
    k: int = -1  # points of the leg flown, as drawn now
    chunks: ChunkIndex = None  # where the leg's points are, to map only those near a planet
    base: np.ndarray = None  # scene points before any display map, for base_origin
    base_origin: tuple = None
    moved: bool = True  # whether the drawn points differ from ``base``


def craft_color(plan, cid: str, leg_index: int) -> str:
    if cid == plan.crewed:
        return style.LEG_COLORS[leg_index % len(style.LEG_COLORS)]
    return plan.spacecraft.get(cid, {}).get("color") or style.DEFAULT_CRAFT_COLOR


class Trajectories(Visual):
    def build(self) -> None:
        self.legs: list[Leg] = []
        plan = self.plan
        for cid in plan.trajectories:
            crewed = cid == plan.crewed
            enc = encounter_times(plan, cid)
            for i, (tt, _r) in enumerate(plan.path(cid, FLOWN_STEP_DAYS)):
                tt = dense_times(np.asarray(tt, dtype=float), enc, float(tt[0]), float(tt[-1]))
                km = track_km(plan, cid, tt)[0]
                leg = Leg(cid, i, tt, km, self.world.to_scene(km), chunks=ChunkIndex(km))
                color = craft_color(plan, cid, i)
                leg.full = polyline(leg.points)
                leg.full_actor = self.sized(self.p.add_mesh(
                    leg.full, color=style.dim(color, 0.42 if crewed else 0.3),
                    line_width=2.0 if crewed else 1.2, lighting=False, pickable=False,
                    name=f"path-{cid}-{i}", reset_camera=False), line=2.0 if crewed else 1.2)
                # the flown part: the leg's points and one more, the ship as drawn
                leg.flown = polyline(np.vstack([leg.points, leg.points[-1:]]))
                leg.flown_actor = self.sized(self.p.add_mesh(
                    leg.flown, color=color if crewed else style.dim(color, 0.75),
                    line_width=4.0 if crewed else 2.0, lighting=False, pickable=False,
                    name=f"flown-{cid}-{i}", reset_camera=False), line=4.0 if crewed else 2.0)
                self.legs.append(leg)

    def update(self, t: float, shown: dict) -> None:
        """Draw each leg through the display map; grow its flown part to the ship as drawn
        (``shown``: scene positions of the ships)."""
        crewed = self.plan.crewed
        dmap = self.ctx.dmap
        origin = tuple(self.world.origin_km)
        for leg in self.legs:
            fresh = leg.base_origin != origin
            if fresh:
                leg.base = self.world.to_scene(leg.km)
                leg.base_origin = origin
            idx = leg.chunks.near(dmap) if dmap is not None else np.empty(0, dtype=int)
            wrote = bool(len(idx)) or fresh or leg.moved
            if len(idx):
                pts = leg.base.copy()
                pts[idx] = self.world.to_scene(dmap.apply(leg.km[idx]))
                leg.points, leg.moved = pts, True
                write_points(leg.full, pts)
            elif fresh or leg.moved:
                leg.points, leg.moved = leg.base, False
                write_points(leg.full, leg.base)
            n = len(leg.times)
            k = int(np.searchsorted(leg.times, t, side="right"))
            inside = 0 < k < n
            if wrote or inside:
                ship = shown[leg.craft] if inside else leg.points[-1]
                write_points(leg.flown, np.vstack([leg.points, ship[None, :]]))
            if k != leg.k:
                leg.k = k
                if k <= 0:
                    idx = np.empty(0, dtype=int)
                elif not inside:
                    idx = np.arange(n)
                else:
                    idx = np.append(np.arange(k), n)
                set_line_cells(leg.flown, idx)
            flown = k > 0 and (k >= 2 or inside)
            leg.flown_actor.SetVisibility(bool(flown and (self.ctx.opt.cargo or leg.craft == crewed)))

    def apply_options(self, opt) -> None:
        for leg in self.legs:
            show = opt.cargo or leg.craft == self.plan.crewed
            leg.full_actor.SetVisibility(show)
            leg.flown_actor.SetVisibility(show)
