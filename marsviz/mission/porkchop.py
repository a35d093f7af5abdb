"""Porkchop grids: departure C3 and arrival v-infinity over departure and arrival dates.

Every cell is a heliocentric Lambert problem (the Sun's state removed from the planets' before
solving), and the whole grid is solved in one batch through the engine's compiled loop over
boinor's Izzo solver, rather than one high-level call per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsviz.mission import engine
from marsviz.mission.timescale import SECONDS_PER_DAY

DEPARTURE_MARGIN_DAYS = 50.0
ARRIVAL_MARGIN_DAYS = 70.0


@dataclass
class PorkchopGrid:
    """A porkchop over ``dep`` (n) and ``arr`` (m) dates (TDB days); arrays are (m, n)."""

    dep_body: str
    arr_body: str
    dep: np.ndarray
    arr: np.ndarray
    c3: np.ndarray  # km^2/s^2, NaN where the arrival is not after the departure
    vinf_arr: np.ndarray  # km/s
    tof: np.ndarray  # days

    def cell(self, t_dep: float, t_arr: float) -> tuple[int, int]:
        """Indices (row, column) of the cell nearest to a departure/arrival pair."""
        return int(np.abs(self.arr - t_arr).argmin()), int(np.abs(self.dep - t_dep).argmin())

    @property
    def cells(self) -> int:
        return self.c3.size


def grid(table, k_sun: float, dep_body: str, arr_body: str, dep, arr) -> PorkchopGrid:
    """Solve a porkchop on the planets of ``table`` (a BodyTable) for all date pairs."""
    dep = np.asarray(dep, dtype=float)
    arr = np.asarray(arr, dtype=float)
    r1, v1 = table.state(dep_body, dep)
    r2, v2 = table.state(arr_body, arr)
    D, A = np.meshgrid(np.arange(len(dep)), np.arange(len(arr)))
    tof = arr[A] - dep[D]
    ok = tof > 1.0
    c3 = np.full(tof.shape, np.nan)
    vinf = np.full(tof.shape, np.nan)
    if ok.any():
        di, ai = D[ok], A[ok]
        va, vb, good = engine.lambert_batch(k_sun, r1[di], r2[ai], tof[ok] * SECONDS_PER_DAY)
        c3_ok = np.sum((va - v1[di]) ** 2, axis=1)
        vinf_ok = np.linalg.norm(vb - v2[ai], axis=1)
        c3_ok[~good] = np.nan
        vinf_ok[~good] = np.nan
        c3[ok] = c3_ok
        vinf[ok] = vinf_ok
    return PorkchopGrid(dep_body, arr_body, dep, arr, c3, vinf, np.where(ok, tof, np.nan))


def around_leg(plan, leg, n: int = 200, dep_margin: float = DEPARTURE_MARGIN_DAYS,
               arr_margin: float = ARRIVAL_MARGIN_DAYS) -> PorkchopGrid:
    """An ``n`` x ``n`` porkchop around one designed leg, within the plan's ephemeris table."""
    lo, hi = plan.table.t0, plan.table.t_end
    d0, d1 = max(lo, leg.t_dep - dep_margin), min(hi, leg.t_dep + dep_margin)
    a0, a1 = max(lo, leg.t_arr - arr_margin), min(hi, leg.t_arr + arr_margin)
    return grid(plan.table, plan.k_sun, leg.from_body, leg.to_body,
                np.linspace(d0, d1, n), np.linspace(a0, a1, n))


def transfer_path(plan, dep_body: str, arr_body: str, t_dep: float, t_arr: float, n: int = 200):
    """Positions (km) along the Lambert transfer between two bodies at two dates, or None."""
    r1, _ = plan.table.state(dep_body, float(t_dep))
    r2, _ = plan.table.state(arr_body, float(t_arr))
    try:
        v1, _ = engine.lambert(plan.k_sun, r1, r2, (t_arr - t_dep) * SECONDS_PER_DAY)
    except ValueError:
        return None
    tt = np.linspace(0.0, (t_arr - t_dep) * SECONDS_PER_DAY, n)
    r, _ = engine.propagate_batch(plan.k_sun, r1, v1, tt)
    return r
