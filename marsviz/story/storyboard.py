"""The storyboard: presentation seconds -> mission time, event cards and camera, as numbers.

``Storyboard.build(plan)`` lays the mission out for an audience: it cruises fast between
events, eases into each one, holds on its card long enough to read it (from the length of its
text, never under ``min_hold_s``), and eases out; a prediction question comes before its
event; the prologue and the epilogue are title sequences of their own. A camera track gives
each event a shot chosen by where it happens and moves smoothly between shots (cuts only into
and out of title sequences). ``Storyboard.at(tau)`` is pure and cheap; the window, the tour,
the exporter, the subtitles and the lesson pack apply what it returns.

Units: presentation time ``tau`` in seconds; mission time ``t`` in TDB days since J2000 (the
plan's unit); camera poses in heliocentric J2000-ecliptic km.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from marsviz.mission.plan import PLANETS
from marsviz.story.shots import (PRESETS, CameraPose, asks_for_cut, blend, default_site, ease, move_length,
                                 move_roll, parse_shot, planet_pose, ship_side, shot_pose, shown_shot)
from marsviz.story.signal import SignalState, one_way_s, signal_state

PACES = ("story", "constant")
#: Storyboard settings and their defaults; the scenario's ``[tour]`` overrides them.
DEFAULTS = {
    "cruise_days_per_second": 25.0,
    "approach_days_per_second": 2.0,
    "approach_days": 5.0,
    "signal_seconds": 8.0,
    "min_hold_s": 4.0,
    "reading_chars_per_second": 20.0,
    "ease_seconds": 1.0,
    "move_seconds": 3.0,
    "sol_seconds": 8.0,
}
#: One Mars solar day (sol) in days: a day and a night at a surface site.
MARS_SOL_DAYS = 88775.244 / 86400.0
MIDDLE_SAMPLES = 96
EASE_SAMPLES = 24


@dataclass(frozen=True)
class CardSpan:
    """The card of ``event_id`` is on screen from ``start_s`` to ``end_s`` (presentation s)."""

    event_id: str
    start_s: float
    end_s: float
    kind: str  # "event", "question" (before its event) or "title" (prologue, epilogue)

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FrameState:
    """Everything a view needs to draw one presentation instant."""

    tau_s: float
    t: float
    card: str | None
    card_kind: str | None
    signal: SignalState | None
    camera: CameraPose
    shot: str


@dataclass(frozen=True)
class _Cam:
    tau0: float
    tau1: float
    shot_a: str
    ev_a: object
    shot_b: str | None = None  # a move to shot_b when set
    ev_b: object = None
    roll: float | None = None  # the move's roll about the line of sight (shots.move_roll)


def reading_seconds(text: str, cfg: dict) -> float:
    """How long a card of ``text`` stays up: a second to notice it, then reading speed."""
    return max(cfg["min_hold_s"], 1.0 + len(text) / cfg["reading_chars_per_second"])


def card_text(ev) -> str:
    return f"{ev.title} {ev.description}".strip()


def planet_shot(plan, body: str, cid: str, t: float) -> str:
    """The shot of ship ``cid``'s own departure from or arrival at ``body``: the planet as
    usual, or, where that would have the ship behind the planet, ``planet:<body>/<cid>``, the
    planet seen from the ship's side (:func:`marsviz.story.shots.planet_pose`)."""
    side = ship_side(plan, cid, body, t)
    if side is not None:
        p = planet_pose(plan, body, t)
        off = np.asarray(p.position_km) - np.asarray(p.focal_km)
        if float(np.dot(off, side)) < 0.0:
            return f"planet:{body}/{cid}"
    return f"planet:{body}"


def default_shot(plan, ev) -> str:
    """The shot that frames an event, from where it happens."""
    if ev.era != "mission":
        return "title"
    cam = getattr(ev, "camera", None)
    if cam:
        return cam
    if ev.signal:
        return "inner"  # both ends of the light-time signal in view
    if getattr(ev, "site", None):
        return f"surface:{ev.site}"  # a surface event, at its site
    stay = plan.milestones.get("mars_arrival"), plan.milestones.get("mars_departure")
    in_stay = stay[0] is not None and stay[1] is not None and stay[0] < ev.t < stay[1]
    where = ev.where
    if where in PLANETS:
        if where == "mars" and in_stay and ev.category == "surface":
            return f"surface:{default_site(plan)}"
        return f"planet:{where}"
    if where in plan.trajectories:
        traj = plan.trajectories[where]
        for leg in traj.legs:
            if abs(ev.t - leg.t_dep) < 1e-6:
                return planet_shot(plan, leg.from_body, where, ev.t)
            if abs(ev.t - leg.t_arr) < 1e-6:
                return planet_shot(plan, leg.to_body, where, ev.t)
            if leg.t_dep < ev.t < leg.t_arr:
                return f"ship:{where}"
        body = plan._parked_body(traj, [ev.t])[0]
        if body == "mars" and in_stay and where != plan.crewed:
            return f"surface:{default_site(plan)}"  # the lander on the ground during the crew's stay
        return f"planet:{body}"
    return "overview"


class Storyboard:
    """A monotonic time map and a camera track over a plan (see the module docstring)."""

    def __init__(self, plan, pace, tau, t, cards, cams, cuts, cfg, holds=()):
        self.plan = plan
        #: Constant pace: the pauses on events, (start s, end s, mission time) in time order.
        self.holds: list[tuple[float, float, float]] = list(holds)
        self.pace = pace
        self._tau = np.asarray(tau, dtype=float)
        self._t = np.asarray(t, dtype=float)
        self.cards: list[CardSpan] = cards
        self._card_starts = [c.start_s for c in cards]
        self._cams: list[_Cam] = cams
        self._cam_starts = [c.tau0 for c in cams]
        self.cuts: list[float] = cuts
        self.settings = cfg
        self._events = {e.id: e for e in plan.events}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def build(cls, plan, pace: str = "story", days_per_second: float = 20.0,
              t_from: float | None = None, t_to: float | None = None, camera: str | None = None,
              hold_s: float = 0.0) -> "Storyboard":
        """A storyboard of ``plan`` from ``t_from`` to ``t_to`` (default: the whole mission).

        ``pace="story"`` eases into and holds on every event; ``pace="constant"`` plays at a
        steady ``days_per_second`` with an optional ``hold_s`` pause at each event (the
        exporter's classic behaviour). ``camera``, a camera preset (``PRESETS``: "overview",
        "mars-stay", "follow"...), puts a fixed preset camera in place of the story's camera
        track; at constant pace it defaults to "overview".
        """
        if pace not in PACES:
            raise ValueError(f"unknown pace {pace!r} (use story or constant)")
        if camera is not None and camera not in PRESETS:
            raise ValueError(f"unknown camera preset {camera!r} (use {', '.join(PRESETS)})")
        cfg = dict(DEFAULTS)
        cfg.update({k: v for k, v in (plan.tour or {}).items() if k in DEFAULTS and v is not None})
        s0, s1 = float(plan.span[0]), float(plan.span[1])
        t_from = s0 if t_from is None else float(t_from)
        t_to = s1 if t_to is None else float(t_to)
        if not t_to > t_from:
            raise ValueError("the storyboard needs t_to after t_from")
        if pace == "constant":
            return _build_constant(cls, plan, cfg, t_from, t_to, days_per_second, camera or "overview",
                                   hold_s)
        whole = t_from <= s0 + 1e-9 and t_to >= s1 - 1e-9
        sb = _Builder(plan, cfg, t_from, t_to, whole).build(cls)
        if camera is not None:
            # The story's time map and cards, seen through one fixed preset camera.
            sb._cams = [_Cam(0.0, sb.duration_s, f"preset:{camera}", None)]
            sb._cam_starts = [0.0]
            sb.cuts = []
        return sb

    # -- queries -------------------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return float(self._tau[-1])

    @property
    def t_from(self) -> float:
        return float(self._t[0])

    @property
    def t_to(self) -> float:
        return float(self._t[-1])

    def time_at(self, tau_s):
        """Mission time (TDB days) at presentation time ``tau_s`` (scalar or array)."""
        return np.interp(tau_s, self._tau, self._t)

    def tau_of(self, t_tdb_days: float) -> float:
        """The first presentation time that shows mission instant ``t_tdb_days``."""
        t = float(t_tdb_days)
        T, TAU = self._t, self._tau
        if t <= T[0]:
            return float(TAU[0]) if t == T[0] else 0.0
        if t >= T[-1]:
            k = int(np.searchsorted(T, T[-1], side="left"))
            return float(TAU[k])
        k = int(np.searchsorted(T, t, side="left"))
        if T[k] == t:
            return float(TAU[k])
        u = (t - T[k - 1]) / (T[k] - T[k - 1])
        return float(TAU[k - 1] + u * (TAU[k] - TAU[k - 1]))

    def card_at(self, tau_s: float) -> CardSpan | None:
        i = bisect.bisect_right(self._card_starts, tau_s) - 1
        if i >= 0:
            c = self.cards[i]
            if c.start_s <= tau_s < c.end_s or (tau_s == c.end_s == self.duration_s):
                return c
        return None

    def camera_at(self, tau_s: float, t: float | None = None) -> tuple[CameraPose, str]:
        """(pose, shot) at presentation time ``tau_s``."""
        t = float(self.time_at(tau_s)) if t is None else t
        i = max(0, bisect.bisect_right(self._cam_starts, tau_s) - 1)
        c = self._cams[i]
        if c.shot_b is None:
            return shot_pose(self.plan, c.shot_a, t, c.ev_a), shown_shot(c.shot_a)
        span = c.tau1 - c.tau0
        u = ease((tau_s - c.tau0) / span) if span > 0 else 1.0
        a = shot_pose(self.plan, c.shot_a, t, c.ev_a)
        b = shot_pose(self.plan, c.shot_b, t, c.ev_b)
        return blend(a, b, u, c.roll), shown_shot(c.shot_a if u < 0.5 else c.shot_b)

    def at(self, tau_s: float) -> FrameState:
        """The frame state at presentation time ``tau_s`` (clamped to the storyboard)."""
        tau = min(max(float(tau_s), 0.0), self.duration_s)
        t = float(self.time_at(tau))
        if tau >= self.duration_s:
            t = self.t_to
        card = self.card_at(tau)
        sig = None
        if card is not None and card.kind == "event":
            ev = self._events[card.event_id]
            if ev.signal:
                sig = signal_state(self.plan, ev, t)
        pose, shot = self.camera_at(tau, t)
        return FrameState(tau, t, card.event_id if card else None, card.kind if card else None,
                          sig, pose, shot)

    def hold_at(self, tau_s: float, eps: float = 1e-9):
        """The pause on an event (constant pace) that ``tau_s`` falls in, or None."""
        i = bisect.bisect_right([h[0] - eps for h in self.holds], tau_s) - 1
        if i >= 0 and tau_s < self.holds[i][1] - eps:
            return self.holds[i]
        return None

    def frame_times(self, fps: float) -> np.ndarray:
        """Presentation times of frames at ``fps``, the last exactly at the end."""
        n = int(math.ceil(self.duration_s * fps - 1e-9)) + 1
        return np.minimum(np.arange(n) / fps, self.duration_s)


# ---------------------------------------------------------------------------------------------
# Story pace
# ---------------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, plan, cfg, t_from, t_to, whole):
        self.plan = plan
        self.cfg = cfg
        self.t_from = t_from
        self.t_to = t_to
        self.whole = whole
        self._tau_chunks = [np.array([0.0])]
        self._t_chunks = [np.array([t_from])]
        self._now = 0.0
        self.cards: list[CardSpan] = []
        self.cams: list[_Cam] = []
        self.cuts: list[float] = []
        self.shot = None  # (shot, ev) the camera is on
        # Mission time runs at most one sol per sol_seconds while the crew is at Mars.
        self.sol_rate = MARS_SOL_DAYS / cfg["sol_seconds"]
        stay = plan.milestones.get("mars_arrival"), plan.milestones.get("mars_departure")
        self.stay = stay if None not in stay else None

    @property
    def now(self) -> float:
        return self._now

    def _append(self, dtau, tt) -> None:
        """Append samples (presentation seconds from now, mission times)."""
        dtau = np.asarray(dtau, dtype=float)
        tt = np.asarray(tt, dtype=float)
        keep = dtau > 0
        if not keep.any():
            return
        self._tau_chunks.append(self._now + dtau[keep])
        self._t_chunks.append(tt[keep])
        self._now = float(self._tau_chunks[-1][-1])

    def _camera(self, shot, ev, cut: bool = False) -> None:
        """From now on the camera is on ``shot`` (a cut when ``cut`` and the shot changes)."""
        if cut and self.shot is not None and (self.shot[0], self.shot[1]) != (shot, ev):
            self.cuts.append(self.now)
        last = self.cams[-1] if self.cams else None
        if last is None or last.shot_b is not None or (last.shot_a, last.ev_a) != (shot, ev):
            self.cams.append(_Cam(self.now, self.now, shot, ev))
        self.shot = (shot, ev)

    def _hold(self, seconds: float, t0: float, t1: float | None = None) -> None:
        t1 = t0 if t1 is None else t1
        self._append([seconds], [t1])

    def _move_seconds(self, shot_a, ev_a, shot_b, ev_b, t) -> float:
        if shot_a == shot_b:
            return 0.0
        a = shot_pose(self.plan, shot_a, t, ev_a)
        b = shot_pose(self.plan, shot_b, t, ev_b)
        L = move_length(a, b)
        return min(3.0 * self.cfg["move_seconds"], max(self.cfg["move_seconds"], 0.5 * L))

    def _roll(self, shot_a, ev_a, shot_b, ev_b, t) -> float:
        return move_roll(shot_pose(self.plan, shot_a, t, ev_a), shot_pose(self.plan, shot_b, t, ev_b))

    def build(self, cls) -> Storyboard:
        plan, cfg = self.plan, self.cfg
        events = [e for e in plan.events if e.era == "mission" and
                  self.t_from - 1e-9 <= e.t <= self.t_to + 1e-9]
        stops: list[list] = []
        for e in events:
            if stops and abs(stops[-1][0].t - e.t) < 1e-9:
                stops[-1].append(e)
            else:
                stops.append([e])

        # Prologue: a title sequence at the first instant.
        if self.whole:
            for ev in (e for e in plan.events if e.era == "prologue"):
                sec = reading_seconds(card_text(ev), cfg)
                self._camera("title", ev, cut=True)
                start = self.now
                self._hold(sec, self.t_from)
                self.cards.append(CardSpan(ev.id, start, self.now, "title"))

        if not stops or stops[0][0].t > self.t_from + 1e-9:
            # Open on the whole Solar System, then travel to the first event.
            self._camera("overview", None, cut=True)
        else:
            self._camera(default_shot(plan, stops[0][0]), stops[0][0], cut=True)

        cursor = self.t_from
        for si, group in enumerate(stops):
            t_stop = group[0].t
            if t_stop > cursor + 1e-9:
                self._travel(cursor, t_stop, self._pace_of(stops[si - 1] if si else None),
                             self._pace_of(group), (default_shot(plan, group[0]), group[0]))
            cursor = t_stop
            nxt = stops[si + 1][0].t if si + 1 < len(stops) else self.t_to
            for j, ev in enumerate(group):
                shot = default_shot(plan, ev)
                if self.shot[0] != shot:
                    # Two events at one instant, seen from different places: move, time stopped.
                    m = self._move_seconds(self.shot[0], self.shot[1], shot, ev, cursor)
                    self.cams.append(_Cam(self.now, self.now + m, self.shot[0], self.shot[1], shot, ev,
                                          self._roll(self.shot[0], self.shot[1], shot, ev, cursor)))
                    self._hold(m, cursor)
                self._camera(shot, ev)
                if ev.question:
                    q = reading_seconds(ev.question, cfg)
                    start = self.now
                    self._hold(q, cursor)
                    self.cards.append(CardSpan(ev.id, start, self.now, "question"))
                sec = ev.hold_s if getattr(ev, "hold_s", None) else reading_seconds(card_text(ev), cfg)
                sec = max(sec, cfg["min_hold_s"])
                start = self.now
                if ev.signal and j == len(group) - 1:
                    sec = max(sec, cfg["signal_seconds"])
                    t_end = min(cursor + one_way_s(plan, ev) / 86400.0 * 1.05, nxt)
                    # The signal crosses while its card is up: steady mission time.
                    n = EASE_SAMPLES
                    self._append(np.linspace(0, sec, n + 1)[1:], np.linspace(cursor, t_end, n + 1)[1:])
                    cursor = t_end
                else:
                    self._hold(sec, cursor)
                self.cards.append(CardSpan(ev.id, start, self.now, "event"))
        if cursor < self.t_to - 1e-9:
            last = stops[-1] if stops else None
            self._travel(cursor, self.t_to, self._pace_of(last), None, self.shot)
        # The last instant exactly.
        if self._t_chunks[-1][-1] >= self.t_to - 1e-6:
            self._t_chunks[-1][-1] = self.t_to

        if self.whole:
            for ev in (e for e in plan.events if e.era == "epilogue"):
                sec = reading_seconds(card_text(ev), cfg)
                self._camera("title", ev, cut=True)
                start = self.now
                self._hold(sec, self.t_to)
                self.cards.append(CardSpan(ev.id, start, self.now, "title"))
        if len(self._tau_chunks) == 1:
            self._hold(cfg["min_hold_s"], self.t_to)
        # Cards give way to the next one.
        cards = []
        for i, c in enumerate(self.cards):
            end = min(c.end_s, self.cards[i + 1].start_s) if i + 1 < len(self.cards) else c.end_s
            cards.append(CardSpan(c.event_id, c.start_s, end, c.kind))
        return cls(plan, "story", np.concatenate(self._tau_chunks), np.concatenate(self._t_chunks),
                   cards, self.cams, self.cuts, cfg)

    def _pace_of(self, group) -> float:
        ra = self.cfg["approach_days_per_second"]
        if group:
            paces = [e.pace for e in group if getattr(e, "pace", None)]
            if paces:
                return min(paces)
        return ra

    def _slow_turn(self, x0, x1, shot_a, shot_b) -> bool:
        """Whether travel from x0 to x1 is bounded by the sol rate: it overlaps the Mars stay,
        or the camera is on (or moving to or from) a surface shot."""
        if any(parse_shot(s)[0] == "surface" for s in (shot_a, shot_b)):
            return True
        return self.stay is not None and x0 < self.stay[1] and x1 > self.stay[0]

    def _travel(self, x0, x1, ra_a, ra_b, target) -> None:
        """Mission time from x0 to x1: ease out, cruise, ease in; camera moves to ``target``."""
        cfg = self.cfg
        rc = cfg["cruise_days_per_second"]
        E = cfg["ease_seconds"]
        ra_b = ra_b or ra_a
        G = x1 - x0
        # The camera needs time to move; it moves while mission time is slow: as the ship
        # leaves (to a ship shot) or as the next event approaches (any other shot).
        shot_b, ev_b = target
        if self._slow_turn(x0, x1, self.shot[0], shot_b):
            rc, ra_a, ra_b = (min(r, self.sol_rate) for r in (rc, ra_a, ra_b))
        move = 0.0
        if self.shot[0] != shot_b:
            move = self._move_seconds(self.shot[0], self.shot[1], shot_b, ev_b, x1)
        early = parse_shot(shot_b)[0] == "ship"
        slow_a = ra_a * max(0.0, move - E) if (move and early) else 0.0
        slow_b = ra_b * max(0.0, move - E) if (move and not early) else 0.0
        da, db = ra_a * E / 2.0, ra_b * E / 2.0
        if da + db > G:
            k = G / (da + db)
            da, db = da * k, db * k
        aa, ab = ra_a / E, ra_b / E
        Ea, Eb = math.sqrt(2 * da / aa), math.sqrt(2 * db / ab)
        # Ease out of x0 (constant acceleration), cruise, ease into x1 (constant deceleration).
        ta = np.linspace(0, Ea, EASE_SAMPLES + 1)
        xa = x0 + 0.5 * aa * ta ** 2
        m0, m1 = x0 + da, x1 - db
        dtau, xs = list(ta[1:]), list(xa[1:])
        if m1 > m0:
            xm = np.linspace(m0, m1, MIDDLE_SAMPLES + 1)
            ramp = cfg["approach_days"] or 1e-9

            def rate(d, ra, slow):
                u = np.clip((d - slow) / ramp, 0.0, 1.0)
                return ra + (rc - ra) * u * u * (3 - 2 * u)
            r = np.minimum(rate(xm - m0, ra_a, slow_a), rate(m1 - xm, ra_b, slow_b))
            inv = 1.0 / r
            tm = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(xm))])
            dtau += list(Ea + tm[1:])
            xs += list(xm[1:])
            t_mid = Ea + tm[-1]
        else:
            t_mid = Ea
        tb = np.linspace(0, Eb, EASE_SAMPLES + 1)
        xb = x1 - 0.5 * ab * (Eb - tb) ** 2
        dtau += list(t_mid + tb[1:])
        xs += list(xb[1:])
        dtau = np.asarray(dtau)
        xs = np.asarray(xs)
        xs[-1] = x1
        total = float(dtau[-1]) if len(dtau) else 0.0
        # A short travel is stretched to give the camera its move.
        if total < move and total > 0:
            dtau = dtau * (move / total)
            total = move
        start = self.now
        if move > 0:
            m0 = start if early else start + total - move
            self.cams.append(_Cam(start, start, self.shot[0], self.shot[1]))
            t_mid = float(np.interp(m0 + 0.5 * move - start, dtau, xs))
            self.cams.append(_Cam(m0, m0 + move, self.shot[0], self.shot[1], shot_b, ev_b,
                                  self._roll(self.shot[0], self.shot[1], shot_b, ev_b, t_mid)))
            self.cams.append(_Cam(m0 + move, m0 + move, shot_b, ev_b))
        self._append(dtau, xs)
        self.shot = (shot_b, ev_b)


# ---------------------------------------------------------------------------------------------
# Constant pace (a fixed camera at a steady rate)
# ---------------------------------------------------------------------------------------------
def _build_constant(cls, plan, cfg, t_from, t_to, dps, camera, hold_s):
    if dps <= 0:
        raise ValueError("days_per_second must be positive")
    shot = f"preset:{camera}"
    events = [e for e in plan.mission_events if t_from <= e.t <= t_to]
    tau, t, starts, holds = [0.0], [t_from], [], []
    for e in events:
        if e.t > t[-1]:
            tau.append(tau[-1] + (e.t - t[-1]) / dps)
            t.append(e.t)
        starts.append(tau[-1])
        if hold_s > 0:
            holds.append((tau[-1], tau[-1] + hold_s, e.t))
            tau.append(tau[-1] + hold_s)
            t.append(e.t)
    if t_to > t[-1]:
        tau.append(tau[-1] + (t_to - t[-1]) / dps)
        t.append(t_to)
    end = tau[-1]
    cards = []
    for i, (e, s) in enumerate(zip(events, starts)):
        stop = s + max(hold_s, reading_seconds(card_text(e), cfg))
        if i + 1 < len(events):
            stop = min(stop, starts[i + 1])
        stop = min(stop, end)
        if stop > s:
            cards.append(CardSpan(e.id, s, stop, "event"))
    cams = [_Cam(0.0, end, shot, None)]
    return cls(plan, "constant", tau, t, cards, cams, [], cfg, holds)
