"""The ships' trajectories: each leg drawn whole (dim) and flown so far (bright)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv

from marsviz.scene import style
from marsviz.scene.base import Visual
from marsviz.scene.geometry import polyline, set_polyline

FLOWN_STEP_DAYS = 0.5


@dataclass
class Leg:
    craft: str
    index: int
    times: np.ndarray
    points: np.ndarray  # Sun-centred scene units
    full_actor: object = None
    flown: pv.PolyData = None
    flown_actor: object = None
    state: tuple = (-1, False)


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
            for i, (tt, r) in enumerate(plan.path(cid, FLOWN_STEP_DAYS)):
                leg = Leg(cid, i, tt, self.world.helio(r))
                color = craft_color(plan, cid, i)
                leg.full_actor = self.p.add_mesh(
                    polyline(leg.points), color=style.dim(color, 0.42 if crewed else 0.3),
                    line_width=2.0 if crewed else 1.2, lighting=False, pickable=False,
                    name=f"path-{cid}-{i}", reset_camera=False)
                leg.flown = polyline(leg.points[:2])
                leg.flown_actor = self.p.add_mesh(
                    leg.flown, color=color if crewed else style.dim(color, 0.75),
                    line_width=4.0 if crewed else 2.0, lighting=False, pickable=False,
                    name=f"flown-{cid}-{i}", reset_camera=False)
                self.legs.append(leg)
                self.static.extend((leg.full_actor, leg.flown_actor))

    def update(self, t: float, shown: dict) -> None:
        """Grow each leg's flown part to the ship as drawn (``shown``: scene positions)."""
        crewed = self.plan.crewed
        sun = self.world.sun_offset()
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
                pts = np.vstack([leg.points[:k], (shown[leg.craft] - sun)[None, :]])
            set_polyline(leg.flown, pts)
            leg.flown_actor.SetVisibility(bool(len(pts) >= 2 and (self.ctx.opt.cargo or leg.craft == crewed)))

    def apply_options(self, opt) -> None:
        for leg in self.legs:
            show = opt.cargo or leg.craft == self.plan.crewed
            leg.full_actor.SetVisibility(show)
            leg.flown_actor.SetVisibility(show)
