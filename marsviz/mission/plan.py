"""The plan: what the views need to know about the designed mission, at any instant.

A :class:`Plan` holds the designed trajectories (legs, burns, milestones), the resolved events,
the phases, and an ephemeris table of the planets over the mission. It answers "where is
everything at time t" for a single instant or a whole array of instants, by Kepler
propagation along each leg (vectorised, through the engine) and Hermite interpolation of the
planets. It round-trips through plain JSON, which is what the on-disk cache stores.

Instants are floats, TDB days since J2000; positions are heliocentric J2000-ecliptic km.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from functools import cached_property

import numpy as np

from marsviz.mission.types import Burn, Candidate, Flyby, Leg, Trajectory, mass_fraction
from marsviz.mission.ephemeris import BodyTable
from marsviz.mission.timeline import Phase, ResolvedEvent, phase_at
from marsviz.mission.timescale import SECONDS_PER_DAY, Clock

PLAN_FORMAT = 6
PATH_STEP_DAYS = 0.5
AU_KM = 149_597_870.7
C_KMS = 299_792.458
PLANETS = ("mercury", "venus", "earth", "mars")


class Plan:
    """A designed mission, ready to be sampled.

    Use :func:`marsviz.mission.build_plan` to get one; the constructor takes the plain
    dictionary that :meth:`to_dict` produces.
    """

    def __init__(self, data: dict):
        self.data = data
        self.format = data["format"]
        self.name = data["scenario"]["name"]
        self.title = data["scenario"]["title"]
        self.description = data["scenario"].get("description", "")
        self.scenario_digest = data["scenario"]["digest"]
        self.scenario_path = data["scenario"]["path"]
        self.ephemeris = data["ephemeris"]
        self.versions = data["versions"]
        self.constants = data["constants"]
        self.k_sun = self.constants["sun"]["k"]
        self.crewed = data["crewed"]
        self.spacecraft = data["spacecraft"]
        self.trajectories = {k: _traj_from(v) for k, v in data["trajectories"].items()}
        self.candidates = [_cand_from(c) for c in data["candidates"]]
        self.comparison = [_cand_from(c) for c in data["comparison"]]
        self.why = data["why"]
        self.events = [ResolvedEvent(**e) for e in data["events"]]
        self.phases = [Phase(**p) for p in data["phases"]]
        self.span = tuple(data["span"])
        self.table = BodyTable.from_dict(data["table"])
        self.stats = data.get("stats", {})
        self.propulsion = data["propulsion"]
        self.tour = data["tour"]
        self.design_settings = data.get("design", {})
        self.epoch = self.milestones["earth_departure"]
        self.clock = Clock(data["tdb_minus_utc_s"], self.epoch)
        self.local_data = data.get("local", {})
        self.sites = self.local_data.get("sites", {})
        if "moon" in self.local_data:
            self.moon_table = BodyTable.from_dict(self.local_data["moon"])

    # -- construction ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return self.data

    @staticmethod
    def assemble(**parts) -> "Plan":
        """Build a plan from design parts (see :mod:`marsviz.mission.planner`)."""
        data = dict(parts)
        data["format"] = PLAN_FORMAT
        data["trajectories"] = {k: _traj_to(v) for k, v in parts["trajectories"].items()}
        data["candidates"] = [_cand_to(c) for c in parts["candidates"]]
        data["comparison"] = [_cand_to(c) for c in parts["comparison"]]
        data["events"] = [e.to_dict() for e in parts["events"]]
        data["phases"] = [asdict(p) for p in parts["phases"]]
        data["table"] = parts["table"].to_dict()
        data["paths"] = {cid: [[tt.tolist(), r.tolist()] for tt, r in sample_paths(
            parts["constants"]["sun"]["k"], t)] for cid, t in parts["trajectories"].items()}
        return Plan(data)

    # -- the crewed mission ----------------------------------------------------------------------
    @property
    def crewed_trajectory(self) -> Trajectory:
        return self.trajectories[self.crewed]

    @property
    def milestones(self) -> dict:
        return self.crewed_trajectory.milestones

    @property
    def comparison_best(self) -> Trajectory | None:
        ok = [c for c in self.comparison if c.feasible]
        return min(ok, key=lambda c: c.total_dv).trajectory if ok else None

    def craft_name(self, cid: str) -> str:
        return self.spacecraft.get(cid, {}).get("name", cid.capitalize())

    def name_of(self, where: str) -> str:
        return self.craft_name(where) if where in self.spacecraft else where.capitalize()

    def phase_at(self, t: float) -> Phase:
        return phase_at(self.phases, t)

    def met_days(self, t: float) -> float:
        return float(t) - self.epoch

    def event(self, event_id: str) -> ResolvedEvent:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    @cached_property
    def mission_events(self) -> list:
        return [e for e in self.events if e.era == "mission"]

    # -- sampling -----------------------------------------------------------------------------------
    def in_range(self, t) -> bool:
        t = np.asarray(t)
        return bool(np.all(t >= self.table.t0) and np.all(t <= self.table.t_end))

    def clamp(self, t):
        return np.clip(t, self.table.t0, self.table.t_end)

    def body_state(self, body: str, t):
        """Heliocentric position (km) and velocity (km/s) of a planet; the Sun is at the origin."""
        if body == "sun":
            t = np.asarray(t, dtype=float)
            z = np.zeros(t.shape + (3,))
            return z, z.copy()
        if body == "moon":
            tt = t if np.ndim(t) else float(t)
            re_, ve = self.table.state("earth", tt)
            rm, vm = self.moon_table.state("moon", tt)
            return re_ + rm, ve + vm
        return self.table.state(body, t if np.ndim(t) else float(t))

    def craft_state(self, cid: str, t):
        """Position (km) and velocity (km/s) of spacecraft ``cid`` at ``t`` (scalar or array).

        Before its first departure a spacecraft is in Earth's parking orbit; between legs at
        Mars it is at Mars (in orbit or on the surface); after its last arrival it is at the
        body it arrived at. Along a leg it follows its Kepler arc.
        """
        traj = self.trajectories[cid]
        scalar = np.ndim(t) == 0
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        r = np.empty((len(tt), 3))
        v = np.empty((len(tt), 3))
        done = np.zeros(len(tt), dtype=bool)
        for leg in traj.legs:
            m = (~done) & (tt >= leg.t_dep) & (tt <= leg.t_arr)
            if not m.any():
                continue
            # The ends of a leg are known without propagating (and without the engine).
            at0 = m & (tt == leg.t_dep)
            at1 = m & (tt == leg.t_arr) & ~at0
            r[at0], v[at0] = leg.r0, leg.v0
            r[at1], v[at1] = leg.r1, leg.v1
            mid = m & ~at0 & ~at1
            if mid.any():
                from marsviz.mission import engine

                r[mid], v[mid] = engine.propagate_batch(self.k_sun, leg.r0, leg.v0,
                                                        (tt[mid] - leg.t_dep) * SECONDS_PER_DAY)
            done |= m
        if not done.all():
            rest = np.nonzero(~done)[0]
            bodies = self._parked_body(traj, tt[rest])
            for body in set(bodies):
                idx = rest[np.asarray(bodies) == body]
                br, bv = self.table.state(body, self.clamp(tt[idx]))
                r[idx], v[idx] = br, bv
        if scalar:
            return r[0], v[0]
        return r, v

    @staticmethod
    def _parked_body(traj: Trajectory, t) -> list:
        from marsviz.mission.local import segment_at

        return [segment_at(traj, x).body for x in t]

    def position(self, name: str, t):
        """Position (km) of a body (``sun``, ``earth``, ``moon``...) or spacecraft at ``t``."""
        if name in self.trajectories:
            return self.craft_state(name, t)[0]
        return self.body_state(name, t)[0]

    # -- planet-centred views (see marsviz.mission.local) ----------------------------------------
    def segment_at(self, cid: str, t: float):
        """Where spacecraft ``cid`` is at ``t`` in terms of its legs: a :class:`~marsviz.mission.local.Segment`."""
        from marsviz.mission.local import segment_at

        return segment_at(self.trajectories[cid], t)

    @cached_property
    def local_model(self):
        from marsviz.mission.local import LocalModel

        return LocalModel(self)

    @property
    def encounters(self) -> list:
        """Every planetary encounter of every spacecraft (:class:`~marsviz.mission.local.Encounter`), in time order."""
        return sorted(self.local_model.encounters, key=lambda e: e.t_periapsis)

    def local_state(self, cid: str, t, body: str):
        """Position (km) and velocity (km/s) of ``cid`` relative to ``body`` at ``t`` (scalar or array).

        Planet-centred J2000 ecliptic, true scale: near a planet the ship follows the conics
        that the patched-conic plan implies (parking orbit, hyperbolas, capture ellipse, landing),
        blended into the heliocentric legs between one and two sphere-of-influence radii.
        ``body`` may be ``"sun"``: the heliocentric state with every local arc in it.
        """
        from marsviz.mission.local import local_state

        scalar = np.ndim(t) == 0
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        r, v = local_state(self.local_model, cid, tt, body)
        return (r[0], v[0]) if scalar else (r, v)

    def parking_orbit(self, cid: str, t: float):
        """The closed orbit spacecraft ``cid`` is on at ``t`` (parked or staying at a planet), or
        None: ``(body, conic)`` with the conic in the planet-centred frame (see
        :func:`marsviz.mission.local.orbit_at`, :func:`~marsviz.mission.local.ellipse_points`)."""
        from marsviz.mission.local import orbit_at

        return orbit_at(self.local_model, cid, t)

    def ship_state(self, cid: str, t):
        """Heliocentric state of ``cid`` (km, km/s) with the planet-centred arcs: it never enters a planet."""
        return self.local_state(cid, t, "sun")

    def _rotation_elements(self, body: str, t):
        rot = self.local_data["rotation"]
        table = self.__dict__.setdefault("_rot_tables", {})
        if body not in table:
            table[body] = np.asarray(rot["elements"][body], dtype=float)
        el = table[body]
        x = (np.atleast_1d(np.asarray(t, dtype=float)) - rot["t0"]) / rot["step"]
        i = np.clip(np.floor(x).astype(int), 0, len(el) - 2)
        s = (x - i)[:, None]
        return el[i] * (1.0 - s) + el[i + 1] * s, (el[i + 1] - el[i]) / (rot["step"] * SECONDS_PER_DAY)

    def body_rotation(self, body: str, t):
        """Rotation matrix body-fixed -> J2000 ecliptic of ``body`` at ``t`` (3x3, or (n, 3, 3)).

        From the IAU rotation elements (pole and prime meridian; boinor's ``frames.fixed``) and,
        for the Earth, astropy's ITRS -> GCRS; tabulated daily when the plan is designed.
        """
        from marsviz.mission.ephemeris import ICRS_TO_ECLIPTIC
        from marsviz.mission.local import rotation_matrices

        el, _ = self._rotation_elements(body, t)
        m = ICRS_TO_ECLIPTIC @ rotation_matrices(el)
        return m[0] if np.ndim(t) == 0 else m

    def spin_vector(self, body: str, t):
        """Angular velocity (rad/s) of ``body``'s spin about its pole, J2000 ecliptic ((3,) or (n, 3)).

        The slow motion of the pole itself (precession) is left out: below 1e-11 rad/s.
        """
        w = self.rotation_and_spin(body, np.atleast_1d(np.asarray(t, dtype=float)))[1]
        return w[0] if np.ndim(t) == 0 else w

    def rotation_and_spin(self, body: str, tt):
        """:meth:`body_rotation` and :meth:`spin_vector` of ``body`` at instants ``tt`` (1-D),
        from one interpolation of the rotation elements: ((n, 3, 3), (n, 3))."""
        from marsviz.mission.ephemeris import ICRS_TO_ECLIPTIC
        from marsviz.mission.local import rotation_matrices

        el, rate = self._rotation_elements(body, tt)
        m = ICRS_TO_ECLIPTIC @ rotation_matrices(el)
        return m, m[:, :, 2] * np.radians(rate[:, 2])[:, None]

    def site_fixed(self, site_id: str) -> np.ndarray:
        """Body-fixed position (km) of a site on its body's reference sphere."""
        s = self.sites[site_id]
        lat, lon = math.radians(s["latitude_deg"]), math.radians(s["longitude_deg"])
        R = self.constants[s["body"]]["R"]
        return R * np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])

    def site_local(self, site_id: str, t):
        """Planet-centred position (km) of a site at ``t``: it turns with its planet."""
        rot = self.body_rotation(self.sites[site_id]["body"], t)
        return rot @ self.site_fixed(site_id)

    def site_position(self, site_id: str, t):
        """Heliocentric position (km) of a site at ``t`` (scalar or array)."""
        body = self.sites[site_id]["body"]
        return self.body_state(body, self.clamp(t) if np.ndim(t) else float(self.clamp(t)))[0] + \
            self.site_local(site_id, t)

    def positions(self, t: float) -> dict:
        """Positions of every planet and spacecraft at one instant (km)."""
        t = float(self.clamp(t))
        out = {b: self.table.state(b, t)[0] for b in PLANETS}
        out["sun"] = np.zeros(3)
        for cid in self.trajectories:
            out[cid] = self.craft_state(cid, t)[0]
        return out

    def path(self, cid: str, step_days: float = PATH_STEP_DAYS):
        """Dense samples of each leg of ``cid``: a list of (times, positions km) per leg.

        The default sampling is computed when the plan is designed and kept with it, so a
        window can draw the trajectories without loading the orbital-mechanics engine.
        """
        key = (cid, step_days)
        cache = self.__dict__.setdefault("_paths", {})
        if key not in cache:
            stored = self.data.get("paths", {}).get(cid)
            if step_days == PATH_STEP_DAYS and stored is not None:
                cache[key] = [(np.asarray(tt, dtype=float), np.asarray(r, dtype=float)) for tt, r in stored]
            else:
                cache[key] = sample_paths(self.k_sun, self.trajectories[cid], step_days)
        return cache[key]

    def orbit_samples(self, body: str, n: int = 361):
        """One orbital period of ``body`` sampled from the ephemeris table (km)."""
        periods = {"mercury": 87.97, "venus": 224.70, "earth": 365.256, "mars": 686.98}
        period = periods[body]
        t0 = self.table.t0
        t1 = min(self.table.t_end, t0 + period)
        tt = np.linspace(t0, t1, n)
        return self.table.state(body, tt)[0]

    # -- derived quantities -------------------------------------------------------------------------
    def distance(self, a: str, b: str, t: float) -> float:
        return float(np.linalg.norm(self.position(a, t) - self.position(b, t)))

    def light_time_s(self, where: str, t: float) -> float:
        """One-way light time (s) from ``where`` to Earth at ``t``."""
        return self.distance(where, "earth", t) / C_KMS

    def telemetry(self, t: float, craft: str | None = None) -> dict:
        """Date, MET, phase, distances and speed of a spacecraft (default: the crewed one).

        From the ship's true state (:meth:`ship_state`, :meth:`local_state`): parked or in orbit
        about a planet it is on its parking orbit or capture ellipse, not at the planet's
        centre. ``earth_km`` and ``mars_km`` are distances from the planets' centres;
        ``earth_alt_km`` and ``mars_alt_km`` the altitudes above their mean radii.
        """
        craft = craft or self.crewed
        t = float(self.clamp(t))
        r, v = self.ship_state(craft, t)
        rel = {b: self.local_state(craft, t, b)[0] for b in ("earth", "mars")}
        d = {b: float(np.linalg.norm(x)) for b, x in rel.items()}
        return {
            "t": t,
            "date": self.clock.date(t),
            "met": self.clock.met(t),
            "phase": self.phase_at(t).name,
            "sun_km": float(np.linalg.norm(r)),
            "earth_km": d["earth"],
            "mars_km": d["mars"],
            "earth_alt_km": d["earth"] - float(self.constants["earth"]["R"]),
            "mars_alt_km": d["mars"] - float(self.constants["mars"]["R"]),
            "speed_kms": float(np.linalg.norm(v)),
            "light_time_s": d["earth"] / C_KMS,
        }

    def event_location(self, ev: ResolvedEvent):
        """Position (km) of an event, or None outside the ephemeris table."""
        if not self.in_range(ev.t):
            return None
        if ev.position is not None:
            return np.asarray(ev.position, dtype=float)
        return self.position(ev.where, ev.t)

    def active_event(self, t: float, window_days: float = 3.0):
        """The most recent mission event at or before ``t`` within ``window_days``, if any.

        Of events at the same instant, the last story event wins over a designed milestone
        (the card of "Terra Nova leaves Earth", not of its departure burn)."""
        best = None
        for e in self.mission_events:
            if e.t <= t + 1e-9 and t - e.t <= window_days:
                same = best is not None and abs(e.t - best.t) <= 1e-9
                if not (same and e.source == "design" and best.source != "design"):
                    best = e
        return best

    # -- reports -----------------------------------------------------------------------------------
    def propellant(self, isp_s: float, dv: float | None = None) -> float:
        dv = self.crewed_trajectory.total_dv if dv is None else dv
        return mass_fraction(dv, isp_s)


def sample_paths(k_sun: float, traj: Trajectory, step_days: float = PATH_STEP_DAYS) -> list:
    """(times, positions km) along each leg of ``traj``, by Kepler propagation."""
    from marsviz.mission import engine

    out = []
    for leg in traj.legs:
        n = max(32, int(math.ceil(leg.tof_days / step_days)) + 1)
        tt = np.linspace(leg.t_dep, leg.t_arr, n)
        r, _ = engine.propagate_batch(k_sun, leg.r0, leg.v0, (tt - leg.t_dep) * SECONDS_PER_DAY)
        out.append((tt, r))
    return out


# ---------------------------------------------------------------------------------------------
# JSON conversion of the design dataclasses
# ---------------------------------------------------------------------------------------------
def _leg_to(leg: Leg) -> dict:
    d = asdict(leg)
    for k in ("r0", "v0", "r1", "v1", "vinf_dep", "vinf_arr"):
        d[k] = [float(x) for x in d[k]]
    return d


def _traj_to(t: Trajectory) -> dict:
    return {
        "craft": t.craft, "sequence": list(t.sequence), "legs": [_leg_to(l) for l in t.legs],
        "burns": [asdict(b) for b in t.burns], "flybys": [asdict(f) for f in t.flybys],
        "milestones": dict(t.milestones), "total_dv": t.total_dv, "feasible": t.feasible,
        "isp_s": t.isp_s, "propellant_fraction": t.propellant_fraction, "stay_days": t.stay_days,
        "entry_speed_kms": t.entry_speed_kms, "entry_speed_braked_kms": t.entry_speed_braked_kms,
        "notes": list(t.notes),
    }


def _traj_from(d: dict) -> Trajectory:
    legs = []
    for l in d["legs"]:
        l = dict(l)
        for k in ("r0", "v0", "r1", "v1", "vinf_dep", "vinf_arr"):
            l[k] = np.asarray(l[k], dtype=float)
        legs.append(Leg(**l))
    return Trajectory(
        craft=d["craft"], sequence=tuple(d["sequence"]), legs=legs,
        burns=[Burn(**b) for b in d["burns"]], flybys=[Flyby(**f) for f in d["flybys"]],
        milestones=dict(d["milestones"]), total_dv=d["total_dv"], feasible=d["feasible"],
        isp_s=d["isp_s"], propellant_fraction=d["propellant_fraction"], stay_days=d["stay_days"],
        entry_speed_kms=d["entry_speed_kms"], entry_speed_braked_kms=d["entry_speed_braked_kms"],
        notes=list(d.get("notes", [])),
    )


def _cand_to(c: Candidate) -> dict:
    return {"sequence": list(c.sequence), "reason": c.reason,
            "trajectory": _traj_to(c.trajectory) if c.trajectory else None}


def _cand_from(d: dict) -> Candidate:
    return Candidate(tuple(d["sequence"]), _traj_from(d["trajectory"]) if d["trajectory"] else None,
                     d["reason"])
