"""Planet-centred arcs: what the patched-conic plan implies near each planet, at true scale.

The heliocentric legs of a plan start and end at planet centres: at the scale of a planet they
run straight through it. Near a planet the ship really flies a conic about that planet, defined
by the legs' v-infinity vectors and the periapsis of the design. This module builds those conics
and samples them, in the planet-centred J2000 mean-ecliptic frame (the axes of the heliocentric
frame, origin at the planet), km and km/s, instants in TDB days since J2000:

* Earth departure: the circular parking orbit, then the departure hyperbola whose periapsis is on
  that orbit and whose outgoing asymptote is the first leg's v-infinity;
* a swing-by: the hyperbola through the designed periapsis with its incoming asymptote along the
  arriving leg's v-infinity and its outgoing one along the departing leg's; a powered flyby burns
  tangentially at periapsis (the incoming and outgoing branches differ in eccentricity);
* Mars arrival: the hyperbola down to the capture ellipse's periapsis, the capture ellipse, and for
  a round trip the stay on it, with one phasing revolution and a plane change at apoapsis so that
  the ship is at the departure hyperbola's periapsis at the departure instant;
* Earth return: the approach hyperbola down to the entry interface;
* landings: a lander's descent from its orbit to a surface site, its stay there, its ascent.

Far from the planet a planet-centred conic and the heliocentric leg differ by the B-plane offset
and the hyperbolic time lag (a few thousand km). Between one and two sphere-of-influence radii the
state is blended smoothly from the conic to the leg (C2 weights), so that the ship never jumps;
the offset that the blend absorbs is reported for each patch point (:attr:`Encounter.patch_offset_km`).

Conventions that the plan does not fix, marked as assumptions:

* The plane of a departure or return hyperbola (only its asymptote is fixed) is the one closest
  to the ecliptic, prograde; the parking orbit lies in it.
* The entry interface is reached with a flight-path angle of ``ENTRY_FPA_DEG``.
* Descents and ascents are schematic: a smooth transfer from the orbit's position to the site (or
  back), over the durations of the scenario's ``[sites]`` visits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from marsviz.mission.timescale import SECONDS_PER_DAY

#: Blend from the conic (inside ``SOI_INNER`` sphere-of-influence radii) to the heliocentric leg
#: (beyond ``SOI_OUTER``).
SOI_INNER = 1.0
SOI_OUTER = 2.0
#: Flight-path angle at the entry interface (assumed; Apollo-like shallow entry).
ENTRY_FPA_DEG = -6.0
#: Fallback descent and ascent durations, hours (assumed).
DESCENT_HOURS = 12.0
ASCENT_HOURS = 6.0
_Z = np.array([0.0, 0.0, 1.0])


# ---------------------------------------------------------------------------------------------
# Where a ship is between legs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """Where a spacecraft is at an instant, in terms of its legs.

    ``kind`` is ``"before"`` (before its first departure, at ``body``), ``"leg"`` (flying leg
    ``leg``), ``"parked"`` (between leg ``leg`` and the next, at ``body``) or ``"after"`` (after its
    last arrival, at ``body``). ``t0`` and ``t1`` bound the segment (TDB days; infinite at the ends).
    """

    kind: str
    leg: int | None
    body: str | None
    t0: float
    t1: float


def segment_at(traj, t: float) -> Segment:
    """The :class:`Segment` of trajectory ``traj`` at instant ``t`` (TDB days)."""
    legs = traj.legs
    t = float(t)
    if t < legs[0].t_dep:
        return Segment("before", None, legs[0].from_body, -math.inf, legs[0].t_dep)
    for i, leg in enumerate(legs):
        if leg.t_dep <= t <= leg.t_arr:
            return Segment("leg", i, None, leg.t_dep, leg.t_arr)
        if i + 1 < len(legs) and leg.t_arr < t < legs[i + 1].t_dep:
            return Segment("parked", i, leg.to_body, leg.t_arr, legs[i + 1].t_dep)
    return Segment("after", len(legs) - 1, legs[-1].to_body, legs[-1].t_arr, math.inf)


# ---------------------------------------------------------------------------------------------
# Conic geometry (plain floats: km, km/s, s)
# ---------------------------------------------------------------------------------------------
def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def hyperbola_e(k: float, rp: float, vinf: float) -> float:
    return 1.0 + rp * vinf * vinf / k


def asymptote_anomaly(e: float) -> float:
    """True anomaly of the asymptote, radians: ``acos(-1/e)``."""
    return math.acos(-1.0 / e)


def periapsis_from_outgoing(u_out, n, e):
    """Periapsis direction of a hyperbola in the plane of normal ``n`` leaving along ``u_out``."""
    nu = asymptote_anomaly(e)
    return math.cos(nu) * u_out - math.sin(nu) * np.cross(n, u_out)


def periapsis_from_incoming(u_in, n, e):
    """Periapsis direction of a hyperbola in the plane of normal ``n`` arriving along ``u_in``."""
    nu = asymptote_anomaly(e)
    return -math.cos(nu) * u_in - math.sin(nu) * np.cross(n, u_in)


def plane_near_ecliptic(u):
    """Normal of the plane that contains direction ``u`` and is closest to the ecliptic."""
    n = _Z - np.dot(_Z, u) * u
    if np.linalg.norm(n) < 1e-9:
        n = np.array([1.0, 0.0, 0.0]) - u[0] * u
    return _unit(n)


def flyby_periapsis(k: float, rp: float, vin, vout):
    """Periapsis of a (powered) swing-by: position, and velocity before and after the burn.

    The hyperbola lies in the plane of the incoming and outgoing v-infinity vectors ``vin``,
    ``vout`` (km/s); its incoming branch has the asymptote ``vin``, and with ``rp`` (km) the
    periapsis radius that gives the turn (``asin(1/e_in) + asin(1/e_out)``) its outgoing branch
    has the asymptote ``vout``. The burn at periapsis is tangential: the difference of the two
    periapsis speeds. Returns (r_p, v_before, v_after), km and km/s.
    """
    vin = np.asarray(vin, dtype=float)
    vout = np.asarray(vout, dtype=float)
    va, vb = float(np.linalg.norm(vin)), float(np.linalg.norm(vout))
    n = _unit(np.cross(vin, vout))
    p = periapsis_from_incoming(vin / va, n, hyperbola_e(k, rp, va))
    q = np.cross(n, p)
    return (rp * p, math.sqrt(va * va + 2.0 * k / rp) * q, math.sqrt(vb * vb + 2.0 * k / rp) * q)


def hyperbola_time_to_radius(k: float, e: float, vinf: float, r: float) -> float:
    """Time (s) from periapsis to radius ``r`` on a hyperbola (eccentricity ``e``, excess ``vinf``)."""
    a = k / (vinf * vinf)  # |a|
    ch = (1.0 + r / a) / e
    if ch <= 1.0:
        return 0.0
    F = math.acosh(ch)
    return math.sqrt(a ** 3 / k) * (e * math.sinh(F) - F)


def elements(k: float, r, v) -> dict:
    """Conic elements of a state (km, km/s): eccentricity vector, e, periapsis radius, a, h.

    For a hyperbola also the outgoing and incoming asymptote directions (``u_out``, ``u_in``).
    """
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    h = np.cross(r, v)
    rn = np.linalg.norm(r)
    evec = np.cross(v, h) / k - r / rn
    e = float(np.linalg.norm(evec))
    p = float(np.dot(h, h)) / k
    energy = 0.5 * float(np.dot(v, v)) - k / rn
    out = {"evec": evec, "e": e, "rp": p / (1.0 + e), "h": h, "energy": energy,
           "a": -k / (2.0 * energy) if energy != 0 else math.inf}
    if e > 1.0:
        P = evec / e
        Q = _unit(np.cross(h, evec))
        nu = asymptote_anomaly(e)
        out["u_out"] = math.cos(nu) * P + math.sin(nu) * Q
        out["u_in"] = -(math.cos(nu) * P - math.sin(nu) * Q)
        out["vinf"] = math.sqrt(2.0 * energy)
    return out


# ---------------------------------------------------------------------------------------------
# Arcs: pieces of a local track, each sampled in the planet-centred frame
# ---------------------------------------------------------------------------------------------
@dataclass
class Conic:
    """A Kepler conic about the planet through state (``r``, ``v``) at ``t_ref`` (TDB days)."""

    k: float
    t_ref: float
    r: np.ndarray
    v: np.ndarray
    period_s: float | None = None  # ellipses: propagation is reduced modulo the period

    def state(self, plan, body, tt):
        from marsviz.mission import engine

        dt = (np.asarray(tt, dtype=float) - self.t_ref) * SECONDS_PER_DAY
        if self.period_s:
            dt = np.fmod(dt, self.period_s)
        return engine.propagate_batch(self.k, self.r, self.v, dt)


@dataclass
class Fixed:
    """A point fixed on the rotating planet (body-fixed position ``r_fixed``, km)."""

    r_fixed: np.ndarray

    def state(self, plan, body, tt):
        rot, omega = plan.rotation_and_spin(body, np.atleast_1d(np.asarray(tt, dtype=float)))
        r = np.einsum("nij,j->ni", rot, self.r_fixed)
        return r, np.cross(omega, r)


@dataclass
class Transfer:
    """A smooth transfer from arc ``a`` to arc ``b`` between ``t0`` and ``t1`` (schematic).

    The direction turns from ``a``'s to ``b``'s and the radius goes from ``a``'s to ``b``'s with
    a smooth-step in time; the velocity is the time derivative of that path.
    """

    a: object
    b: object
    t0: float
    t1: float

    def _pos(self, plan, body, tt):
        ra = self.a.state(plan, body, tt)[0]
        rb = self.b.state(plan, body, tt)[0]
        s = _smootherstep((tt - self.t0) / (self.t1 - self.t0))[:, None]
        na = np.linalg.norm(ra, axis=1, keepdims=True)
        nb = np.linalg.norm(rb, axis=1, keepdims=True)
        ua, ub = ra / na, rb / nb
        cosw = np.clip(np.sum(ua * ub, axis=1, keepdims=True), -1.0, 1.0)
        w = np.arccos(cosw)
        sw = np.sin(w)
        small = sw < 1e-9
        sw = np.where(small, 1.0, sw)
        ca = np.where(small, 1.0 - s, np.sin((1.0 - s) * w) / sw)
        cb = np.where(small, s, np.sin(s * w) / sw)
        u = ca * ua + cb * ub
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        return u * ((1.0 - s) * na + s * nb)

    def state(self, plan, body, tt):
        tt = np.asarray(tt, dtype=float)
        h = 1.0 / SECONDS_PER_DAY  # one second
        r = self._pos(plan, body, tt)
        v = (self._pos(plan, body, tt + h) - self._pos(plan, body, tt - h)) / 2.0
        return r, v


@dataclass
class Follow:
    """The local state of another spacecraft (docked to it)."""

    craft: str

    def state(self, plan, body, tt):
        return plan.local_state(self.craft, np.asarray(tt, dtype=float), body)


def _smootherstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def _smootherstep_d(x):
    inside = (x > 0.0) & (x < 1.0)
    return np.where(inside, 30.0 * x * x * (x - 1.0) ** 2, 0.0)


# ---------------------------------------------------------------------------------------------
# Encounters and tracks
# ---------------------------------------------------------------------------------------------
@dataclass
class Encounter:
    """One passage of a spacecraft by a planet, as the patched-conic plan implies it.

    Attributes
    ----------
    craft, body : str
    kind : {"departure", "flyby", "arrival", "return"}
    t_periapsis : float
        TDB days since J2000 (for a return, the virtual periapsis below the entry interface).
    rp_km : float
        Periapsis radius (from the planet's centre).
    v_inf_in, v_inf_out : ndarray (3,) or None
        Incoming and outgoing v-infinity vectors, km/s, J2000 ecliptic.
    turn_deg : float
        Angle between them (0 when one is missing).
    e_in, e_out, a_in_km, a_out_km : float or None
        Eccentricity and semi-major axis (negative) of the incoming and outgoing hyperbolas.
    normal, periapsis_dir : ndarray (3,)
        Unit normal of the hyperbola's plane (along its angular momentum) and periapsis direction.
    dv_kms : float
        The impulsive burn at periapsis (departure, powered flyby, capture; return: 0).
    soi_km : float
        Radius of the sphere of influence (Laplace).
    patch_offset_km : dict
        ``{"in": km, "out": km}``: distance between the conic and the heliocentric leg where the
        blend starts (one SOI radius); the blend to two SOI radii absorbs it.
    t_entry : float or None
        Return only: the instant the entry interface is reached (the leg's arrival instant).
    notes : list of str
    """

    craft: str
    body: str
    kind: str
    t_periapsis: float
    rp_km: float
    v_inf_in: np.ndarray | None
    v_inf_out: np.ndarray | None
    turn_deg: float
    e_in: float | None
    e_out: float | None
    a_in_km: float | None
    a_out_km: float | None
    normal: np.ndarray
    periapsis_dir: np.ndarray
    dv_kms: float
    soi_km: float
    patch_offset_km: dict = field(default_factory=dict)
    t_entry: float | None = None
    notes: list = field(default_factory=list)

    def hyperbola(self) -> dict:
        """The elements as plain numbers (for reports)."""
        return {"e_in": self.e_in, "e_out": self.e_out, "a_in_km": self.a_in_km,
                "a_out_km": self.a_out_km, "rp_km": self.rp_km, "turn_deg": self.turn_deg}


@dataclass
class Track:
    """A contiguous stay of a spacecraft near a body: arcs in time order, blended at the ends.

    ``arcs`` is a list of (t0, t1, arc); the first arc extends back to ``t0 - blend_in`` and the
    last one forward to ``t1 + blend_out`` (days), where the state is blended into the
    heliocentric leg (an infinite bound means no blend).
    """

    craft: str
    body: str
    arcs: list
    blend_in: float = 0.0
    blend_out: float = 0.0

    @property
    def t0(self) -> float:
        return self.arcs[0][0]

    @property
    def t1(self) -> float:
        return self.arcs[-1][1]

    def covers(self, tt):
        return (tt >= self.t0 - self.blend_in) & (tt <= self.t1 + self.blend_out)


class LocalModel:
    """Every encounter and track of a plan (built once, lazily, by :class:`~marsviz.mission.plan.Plan`)."""

    def __init__(self, plan):
        self.plan = plan
        self.encounters: list[Encounter] = []
        self.tracks: dict[str, list[Track]] = {cid: [] for cid in plan.trajectories}
        self._build()

    # -- helpers -------------------------------------------------------------------------------
    def _k(self, body):
        return self.plan.constants[body]["k"]

    def _R(self, body):
        return self.plan.constants[body]["R"]

    def _soi(self, body, t):
        r = np.linalg.norm(self.plan.table.state(body, float(self.plan.clamp(t)))[0])
        return float(r * (self._k(body) / self.plan.k_sun) ** 0.4)

    def _orbit(self, cid, key, default):
        o = self.plan.local_data.get("orbits", {}).get(cid, {})
        return o.get(key, default)

    def _leg_rel(self, cid, body, t):
        plan = self.plan
        r, _ = plan.craft_state(cid, t)
        return r - plan.body_state(body, float(plan.clamp(t)))[0]

    # -- building ------------------------------------------------------------------------------
    def _build(self):
        plan = self.plan
        for cid, traj in plan.trajectories.items():
            legs = traj.legs
            self._departure(cid, legs[0])
            for i in range(len(legs) - 1):
                a, b = legs[i], legs[i + 1]
                if a.to_body == "mars":
                    self._mars_stay(cid, a, b)
                else:
                    self._flyby(cid, a, b)
            last = legs[-1]
            if last.to_body == "mars":
                self._mars_stay(cid, last, None)
            elif last.to_body == "earth":
                self._earth_return(cid, last)
        self._surface()

    def _add(self, enc: Encounter, track: Track | None):
        self.encounters.append(enc)
        if track is not None:
            self.tracks[enc.craft].append(track)

    def _patch(self, cid, body, conic, t):
        """Distance (km) between a conic and the heliocentric leg relative to ``body`` at ``t``."""
        r_c = conic.state(self.plan, body, np.array([t]))[0][0]
        return float(np.linalg.norm(r_c - self._leg_rel(cid, body, t)))

    def _departure(self, cid, leg):
        body = leg.from_body
        k, R = self._k(body), self._R(body)
        peri_alt, apo_alt = self._orbit(cid, "parking_km", [400.0, 400.0])
        rp = R + peri_alt
        ra = R + apo_alt
        vinf = np.asarray(leg.vinf_dep, dtype=float)
        v = float(np.linalg.norm(vinf))
        u = vinf / v
        n = plane_near_ecliptic(u)
        e = hyperbola_e(k, rp, v)
        p = periapsis_from_outgoing(u, n, e)
        q = np.cross(n, p)
        v_hyp = math.sqrt(v * v + 2.0 * k / rp)
        v_park = math.sqrt(k * (2.0 / rp - 2.0 / (rp + ra)))
        t_p = leg.t_dep
        hyp = Conic(k, t_p, rp * p, v_hyp * q)
        park = Conic(k, t_p, rp * p, v_park * q, _period(k, 0.5 * (rp + ra)))
        soi = self._soi(body, t_p)
        tau1 = hyperbola_time_to_radius(k, e, v, SOI_INNER * soi) / SECONDS_PER_DAY
        tau2 = hyperbola_time_to_radius(k, e, v, SOI_OUTER * soi) / SECONDS_PER_DAY
        enc = Encounter(cid, body, "departure", t_p, rp, None, vinf, 0.0, None, e, None, -k / v ** 2,
                        n, p, v_hyp - v_park, soi,
                        notes=["assumed: the hyperbola's plane is the one closest to the ecliptic; "
                               "the parking orbit lies in it"])
        enc.patch_offset_km = {"out": self._patch(cid, body, hyp, t_p + tau1)}
        self._add(enc, Track(cid, body, [(-math.inf, t_p, park), (t_p, t_p + tau1, hyp)],
                             0.0, tau2 - tau1))

    def _flyby(self, cid, a, b):
        body = a.to_body
        k, R = self._k(body), self._R(body)
        vin = np.asarray(a.vinf_arr, dtype=float)
        vout = np.asarray(b.vinf_dep, dtype=float)
        va, vb = float(np.linalg.norm(vin)), float(np.linalg.norm(vout))
        ua, ub = vin / va, vout / vb
        n = _unit(np.cross(ua, ub))
        turn = math.acos(max(-1.0, min(1.0, float(np.dot(ua, ub)))))
        fb = next((f for f in self.plan.trajectories[cid].flybys
                   if f.body == body and abs(f.t - a.t_arr) < 1e-6), None)
        rp = R + (fb.altitude_km if fb is not None else self.plan.design_settings.get(
            "flyby_min_altitude_km", 300.0))
        e_in, e_out = hyperbola_e(k, rp, va), hyperbola_e(k, rp, vb)
        r_p, v_in_p, v_out_p = flyby_periapsis(k, rp, vin, vout)
        p = r_p / rp
        t_p = a.t_arr
        h_in = Conic(k, t_p, r_p, v_in_p)
        h_out = Conic(k, t_p, r_p, v_out_p)
        v_in_p, v_out_p = float(np.linalg.norm(v_in_p)), float(np.linalg.norm(v_out_p))
        soi = self._soi(body, t_p)
        ti1 = hyperbola_time_to_radius(k, e_in, va, SOI_INNER * soi) / SECONDS_PER_DAY
        ti2 = hyperbola_time_to_radius(k, e_in, va, SOI_OUTER * soi) / SECONDS_PER_DAY
        to1 = hyperbola_time_to_radius(k, e_out, vb, SOI_INNER * soi) / SECONDS_PER_DAY
        to2 = hyperbola_time_to_radius(k, e_out, vb, SOI_OUTER * soi) / SECONDS_PER_DAY
        enc = Encounter(cid, body, "flyby", t_p, rp, vin, vout, math.degrees(turn), e_in, e_out,
                        -k / va ** 2, -k / vb ** 2, n, p, abs(v_out_p - v_in_p), soi)
        enc.patch_offset_km = {"in": self._patch(cid, body, h_in, t_p - ti1),
                               "out": self._patch(cid, body, h_out, t_p + to1)}
        self._add(enc, Track(cid, body, [(t_p - ti1, t_p, h_in), (t_p, t_p + to1, h_out)],
                             ti2 - ti1, to2 - to1))

    def _mars_stay(self, cid, a, b):
        """Arrival hyperbola, capture ellipse (and for a round trip: stay, departure hyperbola)."""
        body = a.to_body
        k, R = self._k(body), self._R(body)
        peri_alt, apo_alt = self._orbit(cid, "capture_km", [250.0, 33793.0])
        rp, ra = R + peri_alt, R + apo_alt
        vin = np.asarray(a.vinf_arr, dtype=float)
        va = float(np.linalg.norm(vin))
        ua = vin / va
        e_in = hyperbola_e(k, rp, va)
        v_ell = math.sqrt(k * (2.0 / rp - 2.0 / (rp + ra)))
        period = _period(k, 0.5 * (rp + ra))
        t_a = a.t_arr
        soi = self._soi(body, t_a)
        ti1 = hyperbola_time_to_radius(k, e_in, va, SOI_INNER * soi) / SECONDS_PER_DAY
        ti2 = hyperbola_time_to_radius(k, e_in, va, SOI_OUTER * soi) / SECONDS_PER_DAY
        v_in_p = math.sqrt(va * va + 2.0 * k / rp)
        notes = []
        if b is None:
            n_a = plane_near_ecliptic(ua)
            p = periapsis_from_incoming(ua, n_a, e_in)
            q_a = np.cross(n_a, p)
            h_in = Conic(k, t_a, rp * p, v_in_p * q_a)
            ell = Conic(k, t_a, rp * p, v_ell * q_a, period)
            enc = Encounter(cid, body, "arrival", t_a, rp, vin, None, 0.0, e_in, None, -k / va ** 2,
                            None, n_a, p, v_in_p - v_ell, soi,
                            notes=["assumed: the hyperbola's plane is the one closest to the ecliptic"])
            enc.patch_offset_km = {"in": self._patch(cid, body, h_in, t_a - ti1)}
            self._add(enc, Track(cid, body, [(t_a - ti1, t_a, h_in), (t_a, math.inf, ell)], ti2 - ti1, 0.0))
            return
        vout = np.asarray(b.vinf_dep, dtype=float)
        vb = float(np.linalg.norm(vout))
        ub = vout / vb
        e_out = hyperbola_e(k, rp, vb)
        t_d = b.t_dep
        # One periapsis direction shared by both hyperbolas: on the cone of half-angle acos(1/e_in)
        # about u_in and the cone acos(-1/e_out) about u_out.
        p, ok = _shared_periapsis(ua, ub, 1.0 / e_in, -1.0 / e_out)
        if not ok:
            notes.append("the arrival and departure asymptotes admit no shared periapsis: "
                         "the nearest direction is used")
        n_a = _unit(np.cross(p, ua))
        n_d = _unit(np.cross(p, ub))
        q_a, q_d = np.cross(n_a, p), np.cross(n_d, p)
        v_out_p = math.sqrt(vb * vb + 2.0 * k / rp)
        h_in = Conic(k, t_a, rp * p, v_in_p * q_a)
        h_out = Conic(k, t_d, rp * p, v_out_p * q_d)
        arcs = [(t_a - ti1, t_a, h_in)]
        stay_s = (t_d - t_a) * SECONDS_PER_DAY
        revs = int(round(stay_s / period))
        if revs >= 3:
            # First revolution on the capture ellipse; then one phasing revolution (period P')
            # so that a periapsis falls on the departure instant; then the capture ellipse again,
            # with a plane change about the line of apsides at the last apoapsis.
            p_phase = stay_s - (revs - 1) * period
            a_phase = (k * (p_phase / (2.0 * math.pi)) ** 2) ** (1.0 / 3.0)
            v_phase = math.sqrt(k * (2.0 / rp - 1.0 / a_phase))
            t1 = t_a + period / SECONDS_PER_DAY
            t2 = t1 + p_phase / SECONDS_PER_DAY
            t3 = t_d - 0.5 * period / SECONDS_PER_DAY
            arcs += [(t_a, t1, Conic(k, t_a, rp * p, v_ell * q_a, period)),
                     (t1, t2, Conic(k, t1, rp * p, v_phase * q_a, p_phase)),
                     (t2, t3, Conic(k, t2, rp * p, v_ell * q_a, period)),
                     (t3, t_d, Conic(k, t_d, rp * p, v_ell * q_d, period))]
            v_apo = math.sqrt(k * (2.0 / ra - 2.0 / (rp + ra)))
            di = math.acos(max(-1.0, min(1.0, float(np.dot(n_a, n_d)))))
            notes.append(f"assumed: one phasing revolution of {p_phase / 3600:.2f} h "
                         f"(periapsis burns {2 * abs(v_phase - v_ell) * 1000:.0f} m/s in all) and a "
                         f"plane change of {math.degrees(di):.1f} deg at apoapsis "
                         f"({2 * v_apo * math.sin(di / 2) * 1000:.0f} m/s), not in the design's budget")
        else:
            arcs += [(t_a, t_d, Conic(k, t_a, rp * p, v_ell * q_a, period))]
            notes.append("stay too short to phase: the ship jumps to the departure periapsis")
        arcs.append((t_d, t_d + _soi_time(k, e_out, vb, soi, SOI_INNER), h_out))
        arr = Encounter(cid, body, "arrival", t_a, rp, vin, None, 0.0, e_in, None, -k / va ** 2, None,
                        n_a, p, v_in_p - v_ell, soi, notes=list(notes))
        arr.patch_offset_km = {"in": self._patch(cid, body, h_in, t_a - ti1)}
        dep = Encounter(cid, body, "departure", t_d, rp, None, vout, 0.0, None, e_out, None,
                        -k / vb ** 2, n_d, p, v_out_p - v_ell, soi, notes=list(notes))
        to1 = _soi_time(k, e_out, vb, soi, SOI_INNER)
        to2 = _soi_time(k, e_out, vb, soi, SOI_OUTER)
        dep.patch_offset_km = {"out": self._patch(cid, body, h_out, t_d + to1)}
        self.encounters.append(arr)
        self._add(dep, Track(cid, body, arcs, ti2 - ti1, to2 - to1))

    def _earth_return(self, cid, leg):
        body = leg.to_body
        k, R = self._k(body), self._R(body)
        alt = self._orbit(cid, "entry_altitude_km", 121.0)
        r_e = R + alt
        vin = np.asarray(leg.vinf_arr, dtype=float)
        va_leg = float(np.linalg.norm(vin))
        braking = 0.0
        for burn in self.plan.trajectories[cid].burns:
            if burn.id == "earth_arrival":
                braking = burn.dv
        va = max(va_leg - braking, 1e-3)
        ua = vin / va_leg
        # Hyperbola reaching r_e with the entry flight-path angle.
        v_e = math.sqrt(va * va + 2.0 * k / r_e)
        hmag = r_e * v_e * math.cos(math.radians(ENTRY_FPA_DEG))
        e = math.sqrt(1.0 + (va * va) * hmag * hmag / (k * k))
        rp = hmag * hmag / k / (1.0 + e)
        n = plane_near_ecliptic(ua)
        p = periapsis_from_incoming(ua, n, e)
        q = np.cross(n, p)
        v_p = math.sqrt(va * va + 2.0 * k / rp)
        # Time from the entry interface to the (virtual) periapsis.
        tau_e = hyperbola_time_to_radius(k, e, va, r_e) / SECONDS_PER_DAY
        t_entry = leg.t_arr
        t_p = t_entry + tau_e
        hyp = Conic(k, t_p, rp * p, v_p * q)
        soi = self._soi(body, t_entry)
        ti1 = hyperbola_time_to_radius(k, e, va, SOI_INNER * soi) / SECONDS_PER_DAY
        ti2 = hyperbola_time_to_radius(k, e, va, SOI_OUTER * soi) / SECONDS_PER_DAY
        enc = Encounter(cid, body, "return", t_p, rp, vin, None, 0.0, e, None, -k / va ** 2, None,
                        n, p, 0.0, soi, t_entry=t_entry,
                        notes=[f"assumed: entry at {alt:g} km with a flight-path angle of "
                               f"{ENTRY_FPA_DEG:g} deg; the hyperbola's plane is the one closest "
                               "to the ecliptic",
                               f"v-infinity {va_leg:.3f} km/s braked by {braking * 1000:.1f} m/s "
                               "on final approach"])
        enc.patch_offset_km = {"in": self._patch(cid, body, hyp, t_p - ti1)}
        r_entry, _ = hyp.state(self.plan, body, np.array([t_entry]))
        # After the entry interface: the module is held at the entry point on the turning Earth.
        rot = self.plan.body_rotation(body, t_entry)
        landed = Fixed(rot.T @ r_entry[0])
        self._add(enc, Track(cid, body, [(t_p - ti1, t_entry, hyp), (t_entry, math.inf, landed)],
                             ti2 - ti1, 0.0))

    # -- landings ------------------------------------------------------------------------------
    def _surface(self):
        """Descents to and ascents from the sites of the scenario's ``[sites]`` visits."""
        plan = self.plan
        for visit in plan.local_data.get("visits", []):
            cid = visit["craft"]
            site = plan.sites[visit["site"]]
            body = site["body"]
            tracks = [tr for tr in self.tracks.get(cid, []) if tr.body == body]
            if not tracks:
                continue
            track = tracks[-1]
            t_land = visit["t_land"]
            t_deorbit = t_land - visit.get("descent_hours", DESCENT_HOURS) / 24.0
            orbit = _arc_at(track, t_deorbit)
            ground = Fixed(place_fixed(plan, visit["site"], visit.get("east_m", 0.0), visit.get("north_m", 0.0)))
            arcs = [(t0, min(t1, t_deorbit), arc) for t0, t1, arc in track.arcs if t0 < t_deorbit]
            arcs.append((t_deorbit, t_land, Transfer(orbit, ground, t_deorbit, t_land)))
            t_lift = visit.get("t_lift")
            if t_lift is None:
                arcs.append((t_land, math.inf, ground))
            else:
                dock = visit.get("dock")
                t_dock = t_lift + visit.get("ascent_hours", ASCENT_HOURS) / 24.0
                target = Follow(dock) if dock else orbit
                arcs.append((t_land, t_lift, ground))
                arcs.append((t_lift, t_dock, Transfer(ground, target, t_lift, t_dock)))
                leaves = [e.t_periapsis for e in self.encounters if dock and e.craft == dock
                          and e.body == body and e.kind == "departure" and e.t_periapsis > t_dock]
                if leaves:
                    # Docked until the other ship leaves; then left behind on the orbit it had.
                    t_leave = min(leaves)
                    host = next(tr for tr in self.tracks[dock] if tr.body == body and tr.t0 <= t_leave <= tr.t1)
                    arcs.append((t_dock, t_leave, target))
                    arcs.append((t_leave, math.inf, _arc_at(host, t_leave - 1e-6)))
                else:
                    arcs.append((t_dock, math.inf, target))
            track.arcs = arcs
            track.blend_out = 0.0


def place_fixed(plan, site_id: str, east_m: float = 0.0, north_m: float = 0.0) -> np.ndarray:
    """Body-fixed position (km) of a place ``east_m`` and ``north_m`` metres from a site's
    centre, on its body's reference sphere (the site's own position when both are 0)."""
    s = np.asarray(plan.site_fixed(site_id), dtype=float)
    if not (east_m or north_m):
        return s
    r = float(np.linalg.norm(s))
    up = s / r
    east = np.cross([0.0, 0.0, 1.0], up)
    n = float(np.linalg.norm(east))
    east = east / n if n > 1e-12 else np.array([0.0, 1.0, 0.0])  # a pole: any direction
    north = np.cross(up, east)
    p = s + (east * east_m + north * north_m) * 1e-3
    return p * (r / float(np.linalg.norm(p)))


def _arc_at(track: Track, t: float):
    for t0, t1, arc in track.arcs:
        if t0 <= t <= t1:
            return arc
    return track.arcs[-1][2]


def _soi_time(k, e, vinf, soi, factor):
    return hyperbola_time_to_radius(k, e, vinf, factor * soi) / SECONDS_PER_DAY


def _period(k: float, a: float) -> float:
    return 2.0 * math.pi * math.sqrt(a ** 3 / k)


def _shared_periapsis(ua, ub, ca, cb):
    """A unit vector p with p.ua = ca and p.ub = cb (the prograde one of two), and whether it exists."""
    g = float(np.dot(ua, ub))
    den = 1.0 - g * g
    alpha = (ca - cb * g) / den
    beta = (cb - ca * g) / den
    base = alpha * ua + beta * ub
    c = np.cross(ua, ub)
    rest = 1.0 - float(np.dot(base, base))
    ok = rest >= 0.0
    gamma = math.sqrt(max(rest, 0.0)) / float(np.linalg.norm(c))
    best = None
    for sgn in (1.0, -1.0):
        p = _unit(base + sgn * gamma * c)
        score = float(np.dot(_unit(np.cross(p, ua)), _Z) + np.dot(_unit(np.cross(p, ub)), _Z))
        if best is None or score > best[0]:
            best = (score, p)
    return best[1], ok


# ---------------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------------
def local_state(model: LocalModel, cid: str, tt: np.ndarray, body: str):
    """Planet-centred states of ``cid`` relative to ``body`` at instants ``tt`` (1-D array)."""
    plan = model.plan
    tc = plan.clamp(tt)
    if len(tt) == 1:  # one instant (a frame): inside one track's arcs the leg is not needed
        covering = [tr for tr in model.tracks.get(cid, ()) if tr.t0 - tr.blend_in <= tt[0] <= tr.t1 + tr.blend_out]
        if not covering:  # on the leg alone
            rb, vb = plan.body_state(body, tc)
            rl, vl = plan.craft_state(cid, tt)
            return rl - rb, vl - vb
        core = covering[0] if len(covering) == 1 and covering[0].t0 <= tt[0] <= covering[0].t1 else None
        if core is not None:
            cr, cv = _track_state(core, plan, tt)
            if core.body != body:
                ob, ov = plan.body_state(core.body, tc)
                rb, vb = plan.body_state(body, tc)
                cr = cr + ob - rb
                cv = cv + ov - vb
            return cr, cv
    rb, vb = plan.body_state(body, tc)
    rl, vl = plan.craft_state(cid, tt)
    r = rl - rb
    v = vl - vb
    for track in model.tracks.get(cid, []):
        m = track.covers(tt)
        if not m.any():
            continue
        idx = np.nonzero(m)[0]
        t = tt[idx]
        cr, cv = _track_state(track, plan, t)
        if track.body != body:  # near another planet: that planet plus the local arc
            ob, ov = plan.body_state(track.body, tc[idx])
            cr = cr + ob - rb[idx]
            cv = cv + ov - vb[idx]
        # Weight of the conic: 1 inside the track, falling to 0 across the blend zones.
        w = np.ones(len(t))
        wd = np.zeros(len(t))
        if track.blend_in > 0:
            x = (t - (track.t0 - track.blend_in)) / track.blend_in
            sel = t < track.t0
            w[sel] = _smootherstep(x[sel])
            wd[sel] = _smootherstep_d(x[sel]) / (track.blend_in * SECONDS_PER_DAY)
        if track.blend_out > 0:
            x = ((track.t1 + track.blend_out) - t) / track.blend_out
            sel = t > track.t1
            w[sel] = _smootherstep(x[sel])
            wd[sel] = -_smootherstep_d(x[sel]) / (track.blend_out * SECONDS_PER_DAY)
        lr, lv = r[idx], v[idx]
        wc = w[:, None]
        r[idx] = wc * cr + (1.0 - wc) * lr
        v[idx] = wc * cv + (1.0 - wc) * lv + wd[:, None] * (cr - lr)
    return r, v


def orbit_at(model: LocalModel, cid: str, t: float):
    """The closed orbit ship ``cid`` is on at instant ``t``: ``(body, conic)`` or None.

    A ship is on a closed orbit when it is inside one of its tracks (not in a blend zone) on an
    elliptical :class:`Conic`: the parking orbit before an Earth departure, the capture ellipse
    (or the phasing ellipse) of a Mars stay, a cargo ship parked at Mars. A ship docked to
    another (:class:`Follow`) is on that ship's orbit. None on a hyperbola, a transfer, the
    ground, or a heliocentric leg.
    """
    t = float(t)
    for _ in range(4):  # Follow chains are short; guard against a loop
        arc, body = None, None
        for track in model.tracks.get(cid, []):
            if not (track.t0 <= t <= track.t1):
                continue
            n = len(track.arcs)
            for i, (t0, t1, a) in enumerate(track.arcs):
                lo = -math.inf if i == 0 else t0
                if lo <= t and (t < t1 or i == n - 1):
                    arc, body = a, track.body
                    break
            if arc is not None:
                break
        if isinstance(arc, Follow):
            cid = arc.craft
            continue
        if isinstance(arc, Conic) and arc.period_s:
            return body, arc
        return None
    return None


def conic_elements(conic: Conic) -> dict:
    """Elements of an elliptical :class:`Conic`: periapsis and apoapsis radii (km), semi-major
    axis (km), eccentricity, period (s), perifocal unit vectors ``P`` (to periapsis), ``Q``."""
    el = elements(conic.k, conic.r, conic.v)
    e, a = el["e"], el["a"]
    P = el["evec"] / e if e > 1e-12 else _unit(conic.r)
    Q = _unit(np.cross(el["h"], P))
    return {"rp_km": a * (1.0 - e), "ra_km": a * (1.0 + e), "a_km": a, "e": e,
            "period_s": _period(conic.k, a), "P": P, "Q": Q}


def ellipse_points(conic: Conic, n: int = 720) -> np.ndarray:
    """``n`` points (km, planet-centred) around the closed orbit of an elliptical :class:`Conic`,
    evenly spaced in eccentric anomaly (dense where the orbit bends most), periapsis first; the
    polyline through them and back to the first is the drawn orbit."""
    el = conic_elements(conic)
    a, e = el["a_km"], el["e"]
    b = a * math.sqrt(max(1.0 - e * e, 0.0))
    E = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    x = a * (np.cos(E) - e)
    y = b * np.sin(E)
    return x[:, None] * el["P"][None, :] + y[:, None] * el["Q"][None, :]


def _track_state(track: Track, plan, t):
    n = len(track.arcs)
    if len(t) == 1:  # one instant: the first arc whose span holds it (the last one has no end)
        x = t[0]
        for i, (t0, t1, arc) in enumerate(track.arcs):
            if (i == 0 or x >= t0) and (i == n - 1 or x < t1):
                r, v = arc.state(plan, track.body, t)
                return np.array(r, dtype=float).reshape(1, 3), np.array(v, dtype=float).reshape(1, 3)
    r = np.empty((len(t), 3))
    v = np.empty((len(t), 3))
    done = np.zeros(len(t), dtype=bool)
    for i, (t0, t1, arc) in enumerate(track.arcs):
        lo = -math.inf if i == 0 else t0
        hi = math.inf if i == n - 1 else t1
        m = (~done) & (t >= lo) & (t < hi) if i < n - 1 else (~done) & (t >= lo)
        if not m.any():
            continue
        r[m], v[m] = arc.state(plan, track.body, t[m])
        done |= m
    return r, v


# ---------------------------------------------------------------------------------------------
# Design-time data (kept in the plan, so that sampling needs neither astropy nor boinor)
# ---------------------------------------------------------------------------------------------
#: Bodies whose orientation the plan tabulates.
ROTATING = ("mercury", "venus", "earth", "mars", "moon")
ROTATION_STEP_DAYS = 2.0
MOON_STEP_DAYS = 0.5


def earth_rotation_elements(t_days) -> np.ndarray:
    """Earth's pole (RA, Dec) and prime-meridian angle W (degrees, W unwrapped) from astropy.

    The body-fixed frame is astropy's ITRS and the inertial one GCRS (axes of the ICRS): the
    rotation ITRS -> GCRS at each instant is decomposed as Rz(90+RA) Rx(90-Dec) Rz(W), the form
    of the IAU rotation elements. Polar motion and UT1 - UTC are those of astropy's bundled IERS
    tables (zero beyond them: the mission lies in the future).
    """
    import warnings

    from astropy import units as u
    from astropy.coordinates import GCRS, ITRS, CartesianRepresentation
    from astropy.time import Time
    from astropy.utils import iers

    from marsviz.mission.timescale import configure_astropy

    configure_astropy()
    t = np.atleast_1d(np.asarray(t_days, dtype=float))
    with warnings.catch_warnings(), iers.conf.set_temp("iers_degraded_accuracy", "ignore"):
        warnings.simplefilter("ignore")
        n = len(t)
        when = Time(np.full(3 * n, 2451545.0), np.tile(t, 3), format="jd", scale="tdb")
        axes = np.repeat(np.eye(3), n, axis=0).T  # x axes, then y axes, then z axes
        g = ITRS(CartesianRepresentation(axes * u.km), obstime=when).transform_to(GCRS(obstime=when))
        xyz = g.cartesian.xyz.to_value(u.km).T.reshape(3, n, 3)
    m = np.stack([xyz[0], xyz[1], xyz[2]], axis=-1)  # (n, 3, 3): columns are the ITRS axes
    el = elements_from_matrices(m)
    # Whole turns: W advances 360.9856 deg a day (IAU); keep the table's W continuous.
    approx = 190.147 + 360.9856235 * t
    el[:, 2] += 360.0 * np.round((approx - el[:, 2]) / 360.0)
    return el


def elements_from_matrices(m: np.ndarray) -> np.ndarray:
    """(RA, Dec, W) in degrees, W unwrapped, of body-fixed -> ICRS matrices (n, 3, 3)."""
    pole = m[:, :, 2]
    ra = np.arctan2(pole[:, 1], pole[:, 0])
    dec = np.arcsin(np.clip(pole[:, 2], -1.0, 1.0))
    node = np.stack([np.cos(ra + np.pi / 2), np.sin(ra + np.pi / 2), np.zeros_like(ra)], axis=-1)
    x = m[:, :, 0]
    w = np.arctan2(np.sum(np.cross(node, x) * pole, axis=1), np.sum(node * x, axis=1))
    return np.degrees(np.stack([ra, dec, np.unwrap(w)], axis=-1))


def rotation_matrices(elements: np.ndarray) -> np.ndarray:
    """Body-fixed -> ICRS matrices (n, 3, 3) from (RA, Dec, W) rows in degrees."""
    a = np.radians(elements[:, 0]) + np.pi / 2
    b = np.pi / 2 - np.radians(elements[:, 1])
    w = np.radians(elements[:, 2])
    ca, sa, cb, sb, cw, sw = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(w), np.sin(w)
    n = len(a)
    rz_a = np.zeros((n, 3, 3))
    rz_a[:, 0, 0], rz_a[:, 0, 1], rz_a[:, 1, 0], rz_a[:, 1, 1], rz_a[:, 2, 2] = ca, -sa, sa, ca, 1
    rx_b = np.zeros((n, 3, 3))
    rx_b[:, 0, 0], rx_b[:, 1, 1], rx_b[:, 1, 2], rx_b[:, 2, 1], rx_b[:, 2, 2] = 1, cb, -sb, sb, cb
    rz_w = np.zeros((n, 3, 3))
    rz_w[:, 0, 0], rz_w[:, 0, 1], rz_w[:, 1, 0], rz_w[:, 1, 1], rz_w[:, 2, 2] = cw, -sw, sw, cw, 1
    return rz_a @ rx_b @ rz_w


def design_data(scenario, eph, t0: float, t1: float, milestones: dict, to_tdb) -> dict:
    """What the plan keeps for the planet-centred views: orbits, orientation, Moon, sites.

    ``eph`` is the :class:`~marsviz.mission.ephemeris.Ephemeris`, ``t0``..``t1`` the span of the
    plan's tables (TDB days), ``milestones`` spacecraft id -> milestone -> instant, ``to_tdb``
    converts UTC datetimes. Costs about 5 s (astropy's Earth rotation, boinor's IAU elements,
    the Moon from DE421).
    """
    from marsviz.mission import engine
    from marsviz.mission.ephemeris import BodyTable

    orbits = {}
    for cid, c in scenario.spacecraft.items():
        o = {"parking_km": [c.parking_orbit.periapsis_km, c.parking_orbit.apoapsis_km],
             "capture_km": [c.capture_orbit.periapsis_km, c.capture_orbit.apoapsis_km]}
        er = c.earth_return
        if er is not None and er.mode == "entry":
            o["entry_altitude_km"] = er.entry_altitude_km
        orbits[cid] = o
    n = int(math.ceil((t1 - t0) / ROTATION_STEP_DAYS)) + 1
    grid = t0 + ROTATION_STEP_DAYS * np.arange(n)
    rot = {}
    for body in ROTATING:
        el = earth_rotation_elements(grid) if body == "earth" else engine.rotation_elements(body, grid)
        rot[body] = el.tolist()
    # The Moon, geocentric, on a finer grid than the planets (Hermite error below 0.3 km).
    nm = int(math.ceil((t1 - t0) / MOON_STEP_DAYS)) + 1
    mgrid = t0 + MOON_STEP_DAYS * np.arange(nm)
    rm, vm = eph.states("moon", mgrid)
    re_, ve = eph.states("earth", mgrid)
    moon = BodyTable(t0, MOON_STEP_DAYS, {"moon": rm - re_}, {"moon": vm - ve}).to_dict()
    sites = {}
    visits = []
    for sid, s in scenario.sites.items():
        sites[sid] = {"name": s.name, "body": s.body, "latitude_deg": s.latitude_deg,
                      "longitude_deg": s.longitude_deg, "description": s.description,
                      "assumed": s.assumed}
        structures = [{"model": st.model, "t_built": _resolve(st.built, milestones, scenario.crewed, to_tdb),
                       "east_m": st.east_m, "north_m": st.north_m}
                      for st in getattr(s, "structures", ())]
        if structures:
            sites[sid]["structures"] = structures
        for v in s.visits:
            visits.append({
                "craft": v.spacecraft, "site": sid,
                "t_land": _resolve(v.land, milestones, scenario.crewed, to_tdb),
                "t_lift": (_resolve(v.lift_off, milestones, scenario.crewed, to_tdb)
                           if v.lift_off is not None else None),
                "dock": v.dock, "descent_hours": v.descent_hours, "ascent_hours": v.ascent_hours,
                "east_m": v.east_m, "north_m": v.north_m})
    return {"orbits": orbits, "entry_fpa_deg": ENTRY_FPA_DEG,
            "rotation": {"t0": t0, "step": ROTATION_STEP_DAYS, "elements": rot},
            "moon": moon, "sites": sites, "visits": visits}


def _resolve(at, milestones, crewed, to_tdb) -> float:
    if at.absolute is not None:
        return float(to_tdb(at.absolute))
    owner, _, ms = at.milestone.rpartition(".")
    return float(milestones[owner or crewed][ms] + at.offset_days)
