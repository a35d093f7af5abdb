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
from marsviz.mission.plan import PLANETS
from marsviz.scene.scales import ChunkIndex, dense_times, encounter_times, has_local_arcs, track_km

FLOWN_STEP_DAYS = 0.5
#: Near a planet a path is drawn in the planet's frame: its samples within LOCAL_RADII[0]
#: planet radii of the planet (at their own instant) are drawn about where the planet is now
#: (the true planet-centred arc around the drawn planet), those beyond LOCAL_RADII[1] where
#: the Sun-centred path has them, with a smooth blend between. The ship's own place is the
#: same in both frames, so it never leaves its path.
LOCAL_RADII = (20.0, 100.0)
#: ... while the encounter is the current one: samples within LOCAL_DAYS[0] days of the
#: instant shown get the planet's frame in full, none beyond LOCAL_DAYS[1] days (so that an
#: encounter of long ago stays where it happened).
LOCAL_DAYS = (5.0, 15.0)


def recent_weight(dt_days):
    """1 within LOCAL_DAYS[0] days, 0 beyond LOCAL_DAYS[1], smooth between."""
    x = np.clip((np.abs(np.asarray(dt_days, dtype=float)) - LOCAL_DAYS[0]) / (LOCAL_DAYS[1] - LOCAL_DAYS[0]),
                0.0, 1.0)
    return 1.0 - x * x * (3.0 - 2.0 * x)


def local_weight(d_over_r):
    """1 within LOCAL_RADII[0] planet radii, 0 beyond LOCAL_RADII[1], smooth between."""
    x = np.clip((np.asarray(d_over_r, dtype=float) - LOCAL_RADII[0]) / (LOCAL_RADII[1] - LOCAL_RADII[0]),
                0.0, 1.0)
    return 1.0 - x * x * (3.0 - 2.0 * x)


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
    local: dict = None  # body -> (indices, body positions at those samples (km), distances)


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
                leg = Leg(cid, i, tt, km, self.world.to_scene(km), chunks=ChunkIndex(km),
                          local=self._local_parts(tt, km))
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

    def _local_parts(self, tt, km) -> dict:
        """The samples of a leg near each planet (see :func:`local_weight`)."""
        out = {}
        if not has_local_arcs(self.plan):
            return out
        for b in PLANETS:
            pb = np.asarray(self.plan.table.state(b, tt)[0], dtype=float)
            d = np.linalg.norm(km - pb, axis=1)
            idx = np.nonzero(d < LOCAL_RADII[1] * self.ctx.true_radii_km[b])[0]
            if len(idx):
                out[b] = (idx, pb[idx], d[idx])
        return out

    def _drawn_km(self, leg, idx, t):
        """Heliocentric km at which the samples ``idx`` of ``leg`` are drawn at instant ``t``:
        near a planet, the planet-centred arc around where the planet is now."""
        km = leg.km[idx].copy()
        for b, (li, pb, d) in leg.local.items():
            sel = np.isin(idx, li)
            if not sel.any():
                continue
            k = np.searchsorted(li, idx[sel])
            w = local_weight(d[k] / self.ctx.true_radii_km[b]) * recent_weight(leg.times[idx[sel]] - t)
            km[sel] += w[:, None] * (self._planet_km[b] - pb[k])
        return km

    def update(self, t: float, shown: dict) -> None:
        """Draw each leg through the display map; grow its flown part to the ship as drawn
        (``shown``: scene positions of the ships)."""
        crewed = self.plan.crewed
        dmap = self.ctx.dmap
        self._planet_km = {b: np.asarray(self.plan.table.state(b, t)[0], dtype=float) for b in PLANETS}
        origin = tuple(self.world.origin_km)
        for leg in self.legs:
            fresh = leg.base_origin != origin
            if fresh:
                leg.base = self.world.to_scene(leg.km)
                leg.base_origin = origin
            idx = leg.chunks.near(dmap) if dmap is not None else np.empty(0, dtype=int)
            if leg.local:
                li = np.concatenate([v[0] for v in leg.local.values()])
                li = li[np.abs(leg.times[li] - t) < LOCAL_DAYS[1]]  # the current encounter only
                idx = np.union1d(idx, li) if len(li) else idx
            wrote = bool(len(idx)) or fresh or leg.moved
            if len(idx):
                pts = leg.base.copy()
                km = self._drawn_km(leg, idx, t) if leg.local else leg.km[idx]
                pts[idx] = self.world.to_scene(km if dmap is None else dmap.apply(km))
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
