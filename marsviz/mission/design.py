"""Trajectory design: patched conics over Lambert legs, a global grid search, local refinement.

Each spacecraft flies a *sequence* of bodies (``earth-venus-mars-earth``). Every leg between
two bodies is a heliocentric Lambert arc; the costs are patched-conic burns at the planets:

* Earth departure from a circular parking orbit, Mars capture into (and departure from) an
  elliptical orbit: the difference between the hyperbolic speed at periapsis and the orbital
  speed there (Oberth-efficient impulsive burns);
* swing-bys: the turn angle between incoming and outgoing v-infinity must be achievable with a
  periapsis at least ``flyby_min_altitude_km`` above the planet; a difference in v-infinity
  magnitude is paid with a tangential burn at periapsis (a powered flyby);
* Earth return by direct entry: a braking burn on final approach lowers v-infinity until the
  entry speed is within the limit (or capture into an orbit).

The search has two stages, as in mission-design practice:

1. *Coarse global search* on a grid of dates: Lambert tables for each pair of bodies (banded in
   time of flight, solved in one batch with boinor's Izzo solver through
   :mod:`marsviz.mission.engine`), combined by dynamic programming over the intermediate dates,
   with the round-trip duration and the stay at Mars as hard constraints.
2. *Local refinement* of the best grid cells with Nelder-Mead over continuous dates.

All quantities here are plain floats: km, km/s, seconds for physics, days (TDB since J2000)
for dates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from marsviz.mission import engine
from marsviz.mission.ephemeris import BodyTable
from marsviz.mission.types import Burn, Candidate, Flyby, Leg, Trajectory, mass_fraction
from marsviz.mission.scenario import Scenario, Spacecraft, milestone_names
from marsviz.mission.timescale import SECONDS_PER_DAY

#: A flyby is feasible when its turn-angle deficit is below this (radians).
TURN_TOLERANCE = 1e-4
INFEASIBLE_DV = 1.0e3


# ---------------------------------------------------------------------------------------------
# Patched-conic costs (vectorised over numpy arrays)
# ---------------------------------------------------------------------------------------------
def escape_dv(vinf, k, rp, ra=None):
    """Impulsive burn between an ellipse (periapsis ``rp``, apoapsis ``ra``; circular when
    ``ra`` is None) and a hyperbola with excess speed ``vinf``, at periapsis. km, km/s."""
    ra = rp if ra is None else ra
    v_hyp = np.sqrt(np.square(vinf) + 2.0 * k / rp)
    v_ell = np.sqrt(k * (2.0 / rp - 2.0 / (rp + ra)))
    return v_hyp - v_ell


def entry_speed(vinf, k, r_entry):
    """Speed at the entry interface (radius ``r_entry``) for an arrival with ``vinf``."""
    return np.sqrt(np.square(vinf) + 2.0 * k / r_entry)


def entry_braking_dv(vinf, k, r_entry, v_max):
    """Braking on final approach so the entry speed does not exceed ``v_max``."""
    vinf_max = math.sqrt(max(v_max * v_max - 2.0 * k / r_entry, 0.0))
    return np.maximum(np.asarray(vinf) - vinf_max, 0.0)


@njit(cache=True)
def _flyby_kernel(vin, vout, k, rp_min, out):  # pragma: no cover - compiled
    n = vin.shape[0]
    for i in range(n):
        a2 = vin[i, 0] ** 2 + vin[i, 1] ** 2 + vin[i, 2] ** 2
        b2 = vout[i, 0] ** 2 + vout[i, 1] ** 2 + vout[i, 2] ** 2
        a = math.sqrt(a2)
        b = math.sqrt(b2)
        if not (a > 0.0 and b > 0.0):
            for c in range(5):
                out[i, c] = math.nan
            continue
        cosd = (vin[i, 0] * vout[i, 0] + vin[i, 1] * vout[i, 1] + vin[i, 2] * vout[i, 2]) / (a * b)
        cosd = min(1.0, max(-1.0, cosd))
        turn = math.acos(cosd)
        max_turn = math.asin(1.0 / (1.0 + rp_min * a2 / k)) + math.asin(1.0 / (1.0 + rp_min * b2 / k))
        if turn <= max_turn:
            # turn(rp) decreases with rp: bisection on log(rp).
            lo = math.log(rp_min)
            hi = math.log(rp_min * 1e7)
            for _ in range(48):
                mid = 0.5 * (lo + hi)
                r = math.exp(mid)
                t = math.asin(1.0 / (1.0 + r * a2 / k)) + math.asin(1.0 / (1.0 + r * b2 / k))
                if t > turn:
                    lo = mid
                else:
                    hi = mid
            rp = math.exp(0.5 * (lo + hi))
            deficit = 0.0
        else:
            rp = rp_min
            deficit = turn - max_turn
        out[i, 0] = abs(math.sqrt(b2 + 2.0 * k / rp) - math.sqrt(a2 + 2.0 * k / rp))
        out[i, 1] = rp
        out[i, 2] = turn
        out[i, 3] = max_turn
        out[i, 4] = 2.0 * min(a, b) * math.sin(0.5 * deficit)


def flyby(vin, vout, k, rp_min):
    """Powered-flyby analysis for incoming/outgoing v-infinity vectors (..., 3), km/s.

    The required turn is the angle between the two v-infinity vectors. With different
    magnitudes the flyby is powered: the periapsis radius solves
    ``asin(1/e_in) + asin(1/e_out) = turn`` with ``e = 1 + rp v∞² / k``, and a tangential burn
    at periapsis makes up the speed difference.

    Returns
    -------
    dv : ndarray
        Tangential periapsis burn that matches the v-infinity magnitudes, km/s.
    rp : ndarray
        Periapsis radius giving the required turn (``rp_min`` where it cannot), km.
    turn, max_turn : ndarray
        Required turn angle and the largest achievable one at ``rp_min``, radians.
    deficit_dv : ndarray
        Extra velocity change to rotate v-infinity by the turn the planet cannot give
        (zero for a feasible flyby), km/s; used as a penalty by the search.
    """
    vin, vout = np.broadcast_arrays(np.asarray(vin, dtype=float), np.asarray(vout, dtype=float))
    shape = vin.shape[:-1]
    out = np.empty((int(np.prod(shape, dtype=int)), 5))
    _flyby_kernel(np.ascontiguousarray(vin.reshape(-1, 3)), np.ascontiguousarray(vout.reshape(-1, 3)),
                  float(k), float(rp_min), out)
    out = out.reshape(shape + (5,))
    return out[..., 0], out[..., 1], out[..., 2], out[..., 3], out[..., 4]


@dataclass
class DesignResult:
    crewed: Trajectory
    candidates: list
    comparison: list
    cargo: dict
    why: str
    stats: dict

    @property
    def comparison_best(self) -> Trajectory | None:
        ok = [c for c in self.comparison if c.feasible]
        return min(ok, key=lambda c: c.total_dv).trajectory if ok else None


# ---------------------------------------------------------------------------------------------
# The evaluator: one spacecraft, one sequence, continuous node times
# ---------------------------------------------------------------------------------------------
class Context:
    """Constants, ephemeris table and counters shared by a design run."""

    def __init__(self, scenario: Scenario, table: BodyTable, constants: dict):
        self.scenario = scenario
        self.table = table
        self.const = constants
        self.k_sun = constants["sun"]["k"]
        self.solves = 0
        self.solve_seconds = 0.0

    def lambert(self, r1, r2, tof_s):
        t = time.perf_counter()
        v1, v2, ok = engine.lambert_batch(self.k_sun, r1, r2, tof_s)
        self.solve_seconds += time.perf_counter() - t
        self.solves += len(ok)
        return v1, v2, ok


class Evaluator:
    """Cost and full solution of a sequence for given node times (days)."""

    def __init__(self, ctx: Context, craft: Spacecraft, sequence: tuple):
        self.ctx = ctx
        self.craft = craft
        self.seq = sequence
        c = ctx.const
        self.k = {b: c[b]["k"] for b in c}
        self.R = {b: c[b]["R"] for b in c}
        self.rp_park = self.R["earth"] + craft.parking_orbit.periapsis_km
        self.ra_park = self.R["earth"] + craft.parking_orbit.apoapsis_km
        self.rp_cap = self.R["mars"] + craft.capture_orbit.periapsis_km
        self.ra_cap = self.R["mars"] + craft.capture_orbit.apoapsis_km
        self.fb_alt = ctx.scenario.design.flyby_min_altitude_km
        self.mars_index = m = sequence.index("mars")
        self.round_trip = sequence[-1] == "earth" and m < len(sequence) - 1
        # Bodies at the node times: Mars twice for a round trip (arrival, departure).
        self.node_bodies = sequence[: m + 1] + (("mars",) + sequence[m + 1:] if self.round_trip else ())
        self.leg_pairs = [(i, i + 1) for i in range(len(self.node_bodies) - 1)
                          if not (self.round_trip and i == m)]

    # -- node costs -------------------------------------------------------------------------
    def departure(self, vinf):
        return escape_dv(vinf, self.k["earth"], self.rp_park, self.ra_park)

    def capture(self, vinf):
        return escape_dv(vinf, self.k["mars"], self.rp_cap, self.ra_cap)

    def earth_return(self, vinf):
        er = self.craft.earth_return
        k = self.k["earth"]
        if er is None or er.mode == "entry":
            er_alt = 121.0 if er is None else er.entry_altitude_km
            vmax = 12.0 if er is None else er.max_entry_speed_kms
            return entry_braking_dv(vinf, k, self.R["earth"] + er_alt, vmax)
        o = er.orbit
        return escape_dv(vinf, k, self.R["earth"] + o.periapsis_km, self.R["earth"] + o.apoapsis_km)

    def flyby(self, body, vin, vout):
        return flyby(vin, vout, self.k[body], self.R[body] + self.fb_alt)

    # -- node times from optimisation variables -----------------------------------------------
    def times(self, x) -> list[float]:
        """Node times from variables: [t0, tof..., (stay), tof...] with the last TOF implied."""
        x = [float(v) for v in x]
        nodes = [x[0]]
        n_out = self.mars_index
        for tof in x[1:1 + n_out]:
            nodes.append(nodes[-1] + tof)
        if not self.round_trip:
            return nodes
        stay = x[1 + n_out]
        nodes.append(nodes[-1] + stay)
        for tof in x[2 + n_out:]:
            nodes.append(nodes[-1] + tof)
        nodes.append(x[0] + self.craft.round_trip_days)
        return nodes

    def variables(self, nodes) -> list[float]:
        x = [nodes[0]]
        m = self.mars_index
        x += [nodes[i + 1] - nodes[i] for i in range(m)]
        if self.round_trip:
            x.append(nodes[m + 1] - nodes[m])
            x += [nodes[i + 1] - nodes[i] for i in range(m + 1, len(nodes) - 2)]
        return x

    def bounds(self):
        craft = self.craft
        w0, w1 = self.window
        b = [(w0, w1)]
        seq = self.seq
        m = self.mars_index
        for i in range(m):
            b.append(self.ctx.scenario.design.leg_bounds(seq[i], seq[i + 1]))
        if self.round_trip:
            b.append(tuple(craft.stay_days))
            for i in range(m, len(seq) - 2):
                b.append(self.ctx.scenario.design.leg_bounds(seq[i], seq[i + 1]))
        return b

    window: tuple = (0.0, 0.0)

    def penalty(self, nodes) -> float:
        """Constraint violation (days) not covered by the variable bounds."""
        p = 0.0
        nb = self.node_bodies
        for i, j in self.leg_pairs:
            lo, hi = self.ctx.scenario.design.leg_bounds(nb[i], nb[j])
            tof = nodes[j] - nodes[i]
            p += max(0.0, lo - tof) + max(0.0, tof - hi)
        if self.round_trip:
            m = self.mars_index
            lo, hi = self.craft.stay_days
            stay = nodes[m + 1] - nodes[m]
            p += max(0.0, lo - stay) + max(0.0, stay - hi)
        elif self.craft.transfer_days:
            lo, hi = self.craft.transfer_days
            tot = nodes[-1] - nodes[0]
            p += max(0.0, lo - tot) + max(0.0, tot - hi)
        return p

    # -- evaluation ------------------------------------------------------------------------------
    def solve(self, nodes):
        """Lambert legs for node times; None if any leg fails."""
        table = self.ctx.table
        states = [table.state(b, t) for b, t in zip(self.node_bodies, nodes)]
        pairs = self.leg_pairs
        r1 = np.array([states[i][0] for i, _ in pairs])
        r2 = np.array([states[j][0] for _, j in pairs])
        tof = np.array([(nodes[j] - nodes[i]) * SECONDS_PER_DAY for i, j in pairs])
        if np.any(tof <= 0):
            return None
        v1, v2, ok = self.ctx.lambert(r1, r2, tof)
        if not ok.all():
            return None
        legs = []
        for n, (i, j) in enumerate(pairs):
            legs.append(Leg(self.node_bodies[i], self.node_bodies[j], nodes[i], nodes[j], r1[n],
                            v1[n], r2[n], v2[n], v1[n] - states[i][1], v2[n] - states[j][1]))
        return legs

    def cost(self, x, weight=3.0) -> float:
        nodes = self.times(x)
        pen = self.penalty(nodes)
        if pen > 0:
            return INFEASIBLE_DV + pen
        legs = self.solve(nodes)
        if legs is None:
            return INFEASIBLE_DV
        total, deficit = self._costs(legs)
        return total + weight * deficit

    def _costs(self, legs):
        total = 0.0
        deficit = 0.0
        total += float(self.departure(legs[0].vinf_dep_kms))
        for i in range(len(legs) - 1):
            body = legs[i].to_body
            if body == "mars":
                total += float(self.capture(legs[i].vinf_arr_kms))
                total += float(self.capture(legs[i + 1].vinf_dep_kms))
            else:
                dv, _, _, _, dd = self.flyby(body, legs[i].vinf_arr, legs[i + 1].vinf_dep)
                total += float(dv)
                deficit += float(dd)
        last = legs[-1]
        if last.to_body == "mars":
            total += float(self.capture(last.vinf_arr_kms))
        else:
            total += float(self.earth_return(last.vinf_arr_kms))
        return total, deficit

    def trajectory(self, nodes) -> Trajectory | None:
        legs = self.solve(nodes)
        if legs is None:
            return None
        craft = self.craft
        burns = []
        flybys = []
        names = milestone_names(self.seq)
        milestones = dict(zip(names, nodes))
        v0 = legs[0].vinf_dep_kms
        burns.append(Burn("earth_departure", "Earth departure", "earth", nodes[0],
                          float(self.departure(v0)),
                          f"from a {craft.parking_orbit.periapsis_km:.0f} km parking orbit, C3 {v0*v0:.1f} km²/s²"))
        feasible = True
        for i in range(len(legs) - 1):
            body = legs[i].to_body
            t = legs[i].t_arr
            if body == "mars":
                va = legs[i].vinf_arr_kms
                vd = legs[i + 1].vinf_dep_kms
                cap = craft.capture_orbit
                burns.append(Burn("mars_arrival", "Mars capture", "mars", t, float(self.capture(va)),
                                  f"v∞ {va:.2f} km/s into {cap.periapsis_km:.0f} x {cap.apoapsis_km:.0f} km"))
                burns.append(Burn("mars_departure", "Mars departure", "mars", legs[i + 1].t_dep,
                                  float(self.capture(vd)), f"v∞ {vd:.2f} km/s"))
            else:
                direction = "outbound" if i < self.mars_index else "inbound"
                dv, rp, turn, max_turn, dd = self.flyby(body, legs[i].vinf_arr, legs[i + 1].vinf_dep)
                ok = float(turn - max_turn) <= TURN_TOLERANCE
                feasible &= ok
                fb = Flyby(body, direction, t, legs[i].vinf_arr_kms, legs[i + 1].vinf_dep_kms,
                           float(rp) - self.R[body], math.degrees(float(turn)),
                           math.degrees(float(max_turn)), float(dv), ok)
                flybys.append(fb)
                burns.append(Burn(f"{body}_flyby_{direction}", f"{body.capitalize()} swing-by",
                                  body, t, float(dv),
                                  f"periapsis {fb.altitude_km:,.0f} km, turn {fb.turn_deg:.1f}° "
                                  f"(max {fb.max_turn_deg:.1f}°)" + ("" if ok else ": NOT ACHIEVABLE")))
        last = legs[-1]
        entry = braked = None
        if last.to_body == "mars":
            if not any(b.id == "mars_arrival" for b in burns):
                va = last.vinf_arr_kms
                cap = craft.capture_orbit
                burns.append(Burn("mars_arrival", "Mars capture", "mars", nodes[-1], float(self.capture(va)),
                                  f"v∞ {va:.2f} km/s into {cap.periapsis_km:.0f} x {cap.apoapsis_km:.0f} km"))
        else:
            va = last.vinf_arr_kms
            er = craft.earth_return
            dv = float(self.earth_return(va))
            if er is None or er.mode == "entry":
                r_e = self.R["earth"] + (er.entry_altitude_km if er else 121.0)
                entry = float(entry_speed(va, self.k["earth"], r_e))
                braked = float(entry_speed(va - dv, self.k["earth"], r_e))
                detail = (f"v∞ {va:.2f} km/s; entry {entry:.2f} km/s"
                          + (f", braked to {braked:.2f} km/s" if dv > 0 else " (no braking needed)"))
                label = "Earth approach braking"
            else:
                detail = f"v∞ {va:.2f} km/s into Earth orbit"
                label = "Earth capture"
            burns.append(Burn("earth_arrival", label, "earth", nodes[-1], dv, detail))
        burns.sort(key=lambda b: b.t)
        total = float(sum(b.dv for b in burns))
        isp = craft.propulsion.isp_s
        stay = None
        if self.round_trip:
            stay = milestones["mars_departure"] - milestones["mars_arrival"]
        return Trajectory(
            craft=craft.id, sequence=tuple(self.seq), legs=legs, burns=burns, flybys=flybys,
            milestones=milestones, total_dv=total, feasible=bool(feasible), isp_s=isp,
            propellant_fraction=mass_fraction(total, isp), stay_days=stay,
            entry_speed_kms=entry, entry_speed_braked_kms=braked,
        )


# ---------------------------------------------------------------------------------------------
# Coarse grid search
# ---------------------------------------------------------------------------------------------
def _excess_grid(ctx: Context, shape, cells, r_dep, v_dep, r_arr, v_arr, tof_days):
    """Departure and arrival excess velocities (km/s) of Lambert arcs on a (rows, cols) grid.

    ``cells`` are the (rows, cols) indices of the valid cells; ``r_dep``/``v_dep`` the departure
    body's state at each of them, ``r_arr``/``v_arr`` the arrival body's; the rest stay NaN.
    """
    vdep = np.full(tuple(shape) + (3,), np.nan)
    varr = np.full(tuple(shape) + (3,), np.nan)
    if len(cells[0]):
        v1, v2, _ok = ctx.lambert(r_dep, r_arr, tof_days * SECONDS_PER_DAY)
        vdep[cells] = v1 - v_dep
        varr[cells] = v2 - v_arr
    return vdep, varr


class LegGrid:
    """Lambert solutions from ``a`` at grid node i to ``b`` at node i + q, q in [qmin, qmax]."""

    def __init__(self, ctx: Context, grid: np.ndarray, a: str, b: str, bounds, step: float):
        lo, hi = bounds
        self.qmin = max(1, int(math.ceil(lo / step - 1e-9)))
        self.qmax = int(math.floor(hi / step + 1e-9))
        n = len(grid)
        q = np.arange(self.qmin, self.qmax + 1)
        j = np.arange(n)[:, None] + q[None, :]
        ra, va = ctx.table.state(a, grid)
        rb, vb = ctx.table.state(b, grid)
        ii, qq = np.nonzero(j < n)
        jv = j[ii, qq]
        self.vdep, self.varr = _excess_grid(ctx, (n, len(q)), (ii, qq), ra[ii], va[ii],
                                            rb[jv], vb[jv], grid[jv] - grid[ii])
        self.q = q


class FinalLegGrid:
    """Lambert solutions from ``a`` at grid node i + p to Earth at grid[i] + T (i in the window)."""

    def __init__(self, ctx: Context, grid: np.ndarray, n_window: int, a: str, b: str, bounds,
                 total: float, step: float):
        lo, hi = bounds
        self.pmin = int(math.ceil((total - hi) / step - 1e-9))
        self.pmax = int(math.floor((total - lo) / step + 1e-9))
        n = len(grid)
        p = np.arange(self.pmin, self.pmax + 1)
        d = np.arange(n_window)[:, None] + p[None, :]
        t_arr = grid[:n_window] + total
        ra, va = ctx.table.state(a, grid)
        rb, vb = ctx.table.state(b, t_arr)
        ii, pp = np.nonzero((d >= 0) & (d < n))
        dv_ = d[ii, pp]
        self.vdep, self.varr = _excess_grid(ctx, (n_window, len(p)), (ii, pp), ra[dv_], va[dv_],
                                            rb[ii], vb[ii], t_arr[ii] - grid[dv_])
        self.p = p


def _norm(v):
    return np.linalg.norm(v, axis=-1)


def _scatter_min(cost, arg, rows, cols, value, extra):
    """cost[rows, cols] = min(cost, value), remembering ``extra`` where it improves."""
    ok = np.isfinite(value)
    rows, cols, value, extra = rows[ok], cols[ok], value[ok], extra[ok]
    better = value < cost[rows, cols]
    cost[rows[better], cols[better]] = value[better]
    arg[rows[better], cols[better]] = extra[better]


class GridSearch:
    """The coarse search for one spacecraft over one departure window."""

    def __init__(self, ctx: Context, craft: Spacecraft, window, step: float):
        self.ctx = ctx
        self.craft = craft
        self.step = step
        w0, w1 = window
        self.n_window = int(math.floor((w1 - w0) / step + 1e-9)) + 1
        total = craft.round_trip_days if craft.round_trip else (
            craft.transfer_days[1] if craft.transfer_days else 500.0)
        n = self.n_window + int(math.ceil(total / step)) + 1
        self.grid = w0 + step * np.arange(n)
        self.window = (w0, w1)
        self._legs = {}
        self._final = {}

    def leg(self, a, b) -> LegGrid:
        if (a, b) not in self._legs:
            bounds = self.ctx.scenario.design.leg_bounds(a, b)
            self._legs[(a, b)] = LegGrid(self.ctx, self.grid, a, b, bounds, self.step)
        return self._legs[(a, b)]

    def final(self, a) -> FinalLegGrid:
        if a not in self._final:
            bounds = self.ctx.scenario.design.leg_bounds(a, "earth")
            self._final[a] = FinalLegGrid(self.ctx, self.grid, self.n_window, a, "earth", bounds,
                                          self.craft.round_trip_days, self.step)
        return self._final[a]

    # Outbound: cost of reaching Mars at node a having left at window node i -----------------
    def outbound(self, ev: Evaluator, chain: tuple):
        """Best cost (n_window, n) and the flyby node for each (departure, Mars arrival)."""
        W, N = self.n_window, len(self.grid)
        cost = np.full((W, N), np.inf)
        via = np.full((W, N), -1, dtype=int)
        if len(chain) == 2:
            g = self.leg(chain[0], chain[1])
            i = np.arange(W)[:, None]
            a = i + g.q[None, :]
            val = ev.departure(_norm(g.vdep[:W])) + (ev.capture(_norm(g.varr[:W])) if chain[1] == "mars" else 0)
            rows = np.broadcast_to(i, a.shape)
            mask = a < N
            _scatter_min(cost, via, rows[mask], a[mask], val[mask], np.full(mask.sum(), -1))
            return cost, via
        body = chain[1]
        g1 = self.leg(chain[0], body)
        g2 = self.leg(body, chain[2])
        dep = ev.departure(_norm(g1.vdep[:W]))  # (W, Q1)
        for qi, q1 in enumerate(g1.q):
            i = np.arange(W)
            j = i + q1
            keep = j < N
            i, j = i[keep], j[keep]
            if not len(i):
                continue
            vin = g1.varr[i, qi][:, None, :]            # (w, 1, 3)
            vout = g2.vdep[j]                             # (w, Q2, 3)
            dv, _, _, _, dd = ev.flyby(body, vin, vout)
            arr = ev.capture(_norm(g2.varr[j]))
            val = dep[i, qi][:, None] + dv + 3.0 * dd + arr
            a = j[:, None] + g2.q[None, :]
            rows = np.broadcast_to(i[:, None], a.shape)
            mask = a < N
            _scatter_min(cost, via, rows[mask], a[mask], val[mask],
                         np.broadcast_to(j[:, None], a.shape)[mask])
        return cost, via

    # Inbound: cost of leaving Mars at node d and reaching Earth at grid[i] + T ----------------
    def inbound(self, ev: Evaluator, chain: tuple):
        W, N = self.n_window, len(self.grid)
        cost = np.full((W, N), np.inf)
        via = np.full((W, N), -1, dtype=int)
        if len(chain) == 2:
            f = self.final(chain[0])
            i = np.arange(W)[:, None]
            d = i + f.p[None, :]
            val = ev.capture(_norm(f.vdep)) + ev.earth_return(_norm(f.varr))
            rows = np.broadcast_to(i, d.shape)
            mask = (d >= 0) & (d < N)
            _scatter_min(cost, via, rows[mask], d[mask], val[mask], np.full(mask.sum(), -1))
            return cost, via
        body = chain[1]
        g1 = self.leg(chain[0], body)      # Mars -> flyby body, banded (N, Q)
        f = self.final(body)               # flyby body -> Earth, (W, P)
        ret = ev.earth_return(_norm(f.varr))    # (W, P)
        i = np.arange(W)[:, None]
        k = i + f.p[None, :]                 # flyby node
        for qi, q in enumerate(g1.q):
            d = k - q                        # Mars departure node
            mask = (d >= 0) & (k < N) & (k >= 0)
            if not mask.any():
                continue
            dd_ = np.where(mask, d, 0)
            vin = g1.varr[dd_, qi]           # (W, P, 3)
            dv, _, _, _, defi = ev.flyby(body, vin, f.vdep)
            val = ev.capture(_norm(g1.vdep[dd_, qi])) + dv + 3.0 * defi + ret
            rows = np.broadcast_to(i, d.shape)
            _scatter_min(cost, via, rows[mask], d[mask], val[mask], k[mask])
        return cost, via

    def search(self, sequence: tuple, top: int = 3):
        """Best node-time guesses for ``sequence``: a list of (cost, nodes)."""
        ev = Evaluator(self.ctx, self.craft, sequence)
        m = sequence.index("mars")
        out_cost, out_via = self.outbound(ev, sequence[: m + 1])
        g = self.grid
        W = self.n_window
        if not ev.round_trip:
            lo, hi = self.craft.transfer_days or (0, np.inf)
            a = np.arange(len(g))[None, :]
            i = np.arange(W)[:, None]
            tot = (a - i) * self.step
            c = np.where((tot >= lo - 1e-9) & (tot <= hi + 1e-9), out_cost, np.inf)
            flat = np.argsort(c, axis=None)
            res = []
            for idx in flat:
                ii, aa = np.unravel_index(idx, c.shape)
                if not np.isfinite(c[ii, aa]) or len(res) >= top:
                    break
                if any(abs(r[1][0] - g[ii]) < 10 for r in res):
                    continue
                nodes = [g[ii]] + ([g[out_via[ii, aa]]] if out_via[ii, aa] >= 0 else []) + [g[aa]]
                res.append((float(c[ii, aa]), nodes))
            return res
        in_cost, in_via = self.inbound(ev, ("mars",) + sequence[m + 1:])
        smin, smax = self.craft.stay_days
        s_lo = int(math.ceil(smin / self.step - 1e-9))
        s_hi = int(math.floor(smax / self.step + 1e-9))
        N = len(g)
        best = np.full((W,), np.inf)
        arg = np.zeros((W, 2), dtype=int)
        for s in range(s_lo, s_hi + 1):
            if s >= N:
                break
            tot = out_cost[:, : N - s] + in_cost[:, s:]
            a = np.argmin(tot, axis=1)
            v = tot[np.arange(W), a]
            better = v < best
            best[better] = v[better]
            arg[better, 0] = a[better]
            arg[better, 1] = a[better] + s
        order = np.argsort(best)
        res = []
        for i in order:
            if not np.isfinite(best[i]) or len(res) >= top:
                break
            if any(abs(r[1][0] - g[i]) < 10 for r in res):
                continue
            a, d = arg[i]
            nodes = [g[i]]
            if out_via[i, a] >= 0:
                nodes.append(g[out_via[i, a]])
            nodes += [g[a], g[d]]
            if in_via[i, d] >= 0:
                nodes.append(g[in_via[i, d]])
            nodes.append(g[i] + self.craft.round_trip_days)
            res.append((float(best[i]), nodes))
        return res


# ---------------------------------------------------------------------------------------------
# Refinement and the whole design
# ---------------------------------------------------------------------------------------------
def refine(ev: Evaluator, nodes, window) -> Trajectory | None:
    """Nelder-Mead over continuous node times, from a grid guess."""
    from scipy.optimize import minimize

    ev.window = window
    x0 = np.array(ev.variables(nodes))
    bounds = ev.bounds()
    x0 = np.array([min(max(v, lo), hi) for v, (lo, hi) in zip(x0, bounds)])
    best_x = x0
    for weight in (3.0, 30.0):
        res = minimize(lambda x: ev.cost(x, weight), best_x, method="Nelder-Mead", bounds=bounds,
                       options={"xatol": 1e-3, "fatol": 1e-7, "maxiter": 4000, "maxfev": 8000,
                                "initial_simplex": _simplex(best_x, bounds)})
        if res.fun <= ev.cost(best_x, weight):
            best_x = res.x
    traj = ev.trajectory(ev.times(best_x))
    return traj


def _simplex(x0, bounds, size=4.0):
    pts = [np.array(x0, dtype=float)]
    for i in range(len(x0)):
        p = np.array(x0, dtype=float)
        lo, hi = bounds[i]
        p[i] = p[i] + size if p[i] + size <= hi else p[i] - size
        pts.append(p)
    return np.array(pts)


def design_craft(ctx: Context, craft: Spacecraft, window, step: float, total_days=None):
    """Best trajectory for each of ``craft``'s sequences within ``window`` (TDB days)."""
    search = GridSearch(ctx, craft, window, step)
    out = []
    for seq in craft.sequences:
        guesses = search.search(seq)
        ev = Evaluator(ctx, craft, seq)
        best = None
        for _, nodes in guesses:
            traj = refine(ev, nodes, window)
            if traj is None:
                continue
            key = (not traj.feasible, traj.total_dv)
            if best is None or key < (not best.feasible, best.total_dv):
                best = traj
        if best is None:
            out.append(Candidate(seq, None, "no Lambert solution within the constraints"))
        elif not best.feasible:
            out.append(Candidate(seq, best, "the swing-by cannot turn the trajectory enough "
                                            f"at {ctx.scenario.design.flyby_min_altitude_km:.0f} km"))
        else:
            out.append(Candidate(seq, best))
    return out


def _why(candidates) -> str:
    ok = sorted([c for c in candidates if c.feasible], key=lambda c: c.total_dv)
    if not ok:
        return "no sequence is feasible within the constraints"
    best = ok[0]
    text = f"{best.sequence_name} is the cheapest feasible sequence ({best.total_dv:.2f} km/s)"
    if len(ok) > 1:
        nxt = ok[1]
        text += f"; next is {nxt.sequence_name} ({nxt.total_dv:.2f} km/s, +{nxt.total_dv - best.total_dv:.2f})"
    bad = [c for c in candidates if not c.feasible]
    if bad:
        text += "; infeasible: " + ", ".join(f"{c.sequence_name} ({c.reason})" for c in bad)
    return text


def design(scenario: Scenario, table: BodyTable, constants: dict, windows: dict,
           progress=None) -> DesignResult:
    """Design every spacecraft of ``scenario``.

    ``windows`` maps spacecraft id to its departure window and ``"comparison"`` to the wide
    window of the story-versus-physics comparison, all in TDB days since J2000.
    """
    ctx = Context(scenario, table, constants)
    t_start = time.perf_counter()
    step = scenario.design.grid_step_days
    crewed = scenario.crewed_craft
    tick = progress or (lambda msg: None)

    tick(f"Designing {crewed.name} in its departure window")
    candidates = design_craft(ctx, crewed, windows[crewed.id], step)
    feasible = [c for c in candidates if c.feasible]
    if feasible:
        chosen = min(feasible, key=lambda c: c.total_dv).trajectory
    else:
        any_traj = [c for c in candidates if c.trajectory is not None]
        if not any_traj:
            raise ValueError(f"{crewed.name}: no trajectory satisfies the constraints")
        chosen = min(any_traj, key=lambda c: c.total_dv).trajectory
        chosen.notes.append("no sequence is feasible; showing the cheapest infeasible one")
    why = _why(candidates)

    comparison = []
    if crewed.comparison_window:
        tick(f"Searching the cheapest {crewed.round_trip_days:g}-day round trip without the window")
        comparison = design_craft(ctx, crewed, windows["comparison"],
                                  scenario.design.comparison_step_days)

    cargo = {}
    for sid, craft in scenario.spacecraft.items():
        if sid == crewed.id:
            continue
        tick(f"Designing {craft.name}")
        cands = design_craft(ctx, craft, windows[sid], step)
        ok = [c for c in cands if c.trajectory is not None]
        if not ok:
            raise ValueError(f"{craft.name}: no trajectory satisfies the constraints")
        cargo[sid] = min(ok, key=lambda c: (not c.feasible, c.total_dv)).trajectory

    stats = {
        "lambert_solves": ctx.solves,
        "lambert_seconds": ctx.solve_seconds,
        "design_seconds": time.perf_counter() - t_start,
    }
    return DesignResult(chosen, candidates, comparison, cargo, why, stats)
