"""The mission timeline: phases of the crewed flight and the story's events on real dates."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from marsviz.mission.scenario import Event, Scenario

#: Phase bands drawn on the timeline, in order, with the colour key the views use.
PHASE_KINDS = ("prologue", "predeploy", "departure", "outbound", "swingby", "mars", "return",
               "approach", "epilogue")

DEPARTURE_DAYS = 3.0
APPROACH_DAYS = 5.0
SWINGBY_HALF_DAYS = 4.0


@dataclass
class Phase:
    kind: str
    name: str
    t0: float
    t1: float

    def contains(self, t: float) -> bool:
        return self.t0 <= t < self.t1


@dataclass
class ResolvedEvent:
    """An event of the scenario placed at its instant.

    ``t`` is TDB days since J2000; ``where`` names what the event is located at (a spacecraft
    id or a body), ``phase`` the phase of the crewed mission it falls in.
    """

    id: str
    title: str
    description: str
    category: str
    source: str
    assumed: str
    era: str
    at: str
    t: float
    where: str
    spacecraft: str | None
    body: str | None
    phase: str
    tour: bool
    question: str
    signal: str | None
    earth_km: float | None = None
    position: list | None = None  # heliocentric km, where the ephemeris covers it
    camera: str | None = None     # storyboard overrides from the scenario (None: automatic)
    hold_s: float | None = None
    pace: float | None = None
    site: str | None = None  # a site of the scenario's [sites] where it happens on the surface

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def source_label(self) -> str:
        """"from the story", "designed" (computed from the plan) or "assumed"."""
        return {"seed": "from the story", "design": "designed"}.get(self.source, "assumed")


def phases(milestones: dict, span: tuple[float, float]) -> list[Phase]:
    """Contiguous phases of the crewed mission from its milestones (TDB days)."""
    dep = milestones["earth_departure"]
    arr_m = milestones["mars_arrival"]
    dep_m = milestones["mars_departure"]
    arr_e = milestones["earth_arrival"]
    out = []
    if span[0] < dep:
        out.append(Phase("predeploy", "Cargo pre-deployment", span[0], dep))
    out.append(Phase("departure", "Earth departure", dep, dep + DEPARTURE_DAYS))
    out += _cruise("outbound", "Outbound cruise", dep + DEPARTURE_DAYS, arr_m, milestones, "outbound")
    out.append(Phase("mars", "Mars stay", arr_m, dep_m))
    out += _cruise("return", "Return cruise", dep_m, arr_e - APPROACH_DAYS, milestones, "inbound")
    out.append(Phase("approach", "Earth approach", arr_e - APPROACH_DAYS, arr_e + 1e-6))
    return out


def _cruise(kind, name, t0, t1, milestones, direction):
    flybys = sorted((t, k) for k, t in milestones.items() if k.endswith(f"_flyby_{direction}"))
    out = []
    cur = t0
    for t, k in flybys:
        body = k.split("_")[0].capitalize()
        a, b = max(cur, t - SWINGBY_HALF_DAYS), min(t1, t + SWINGBY_HALF_DAYS)
        if a > cur:
            out.append(Phase(kind, name, cur, a))
        out.append(Phase("swingby", f"{body} swing-by", a, b))
        cur = b
    if t1 > cur:
        out.append(Phase(kind, name, cur, t1))
    return out


def phase_at(phase_list: list[Phase], t: float) -> Phase:
    if t < phase_list[0].t0:
        return Phase("prologue", "Prologue", float("-inf"), phase_list[0].t0)
    for p in phase_list:
        if p.contains(t):
            return p
    return Phase("epilogue", "After the mission", phase_list[-1].t1, float("inf"))


def resolve_events(scenario: Scenario, milestones_by_craft: dict, span, phase_list, to_tdb):
    """Place every event at its instant and check it against the designed mission.

    ``milestones_by_craft`` maps spacecraft id to its milestone name -> instant; ``to_tdb``
    converts a UTC datetime to TDB days. Raises ScenarioError for a milestone the design does
    not have or an event outside the mission.
    """
    out = []
    crewed = scenario.crewed
    for ev in scenario.events:
        field = f"event[{ev.index}]"
        if ev.at.absolute is not None:
            t = float(to_tdb(ev.at.absolute))
        else:
            owner, _, ms = ev.at.milestone.rpartition(".")
            owner = owner or crewed
            have = milestones_by_craft[owner]
            if ms not in have:
                raise scenario.error(
                    f"{field}.at",
                    f"milestone {ms!r} does not exist in {owner}'s designed sequence "
                    f"(it has: {', '.join(have)})")
            t = have[ms] + ev.at.offset_days
        _check_era(scenario, ev, field, t, span, to_tdb)
        where = ev.spacecraft or ev.body
        out.append(ResolvedEvent(
            id=ev.id, title=ev.title, description=ev.description, category=ev.category,
            source=ev.source, assumed=ev.assumed, era=ev.era, at=ev.at.text, t=t, where=where,
            spacecraft=ev.spacecraft, body=ev.body, phase=phase_at(phase_list, t).name,
            tour=ev.tour, question=ev.question, signal=ev.signal,
            camera=getattr(ev, "camera", None), hold_s=getattr(ev, "hold_s", None),
            pace=getattr(ev, "pace", None), site=ev.site,
        ))
    out.sort(key=lambda e: e.t)
    return out


def design_events(traj, craft_name: str, phase_list, capture=None) -> list[ResolvedEvent]:
    """The designed milestones of the crewed trajectory as events (source "design").

    One per burn and swing-by of ``traj`` (a :class:`~marsviz.mission.types.Trajectory`):
    the Earth departure burn, each swing-by with its periapsis altitude and turn, Mars capture,
    Mars departure and the Earth approach, with the plan's own figures, so they move with it.
    """
    out = []
    flybys = {f"{f.body}_flyby_{f.direction}": f for f in traj.flybys}
    legs_from = {leg.t_dep: leg for leg in traj.legs}
    legs_to = {leg.t_arr: leg for leg in traj.legs}
    for b in traj.burns:
        leg_out = legs_from.get(b.t)
        leg_in = legs_to.get(b.t)
        nxt = (f", then {leg_out.tof_days:.0f} days to {leg_out.to_body.capitalize()}"
               if leg_out is not None else "")
        if b.id in flybys:
            f = flybys[b.id]
            body = f.body.capitalize()
            eid = f"design-{f.body}-swingby"
            title = f"{body} swing-by: {f.altitude_km:,.0f} km up, turned {f.turn_deg:.1f}°"
            desc = (f"{craft_name} passes {f.altitude_km:,.0f} km above {body} at "
                    f"{f.vinf_in:.2f} km/s relative to it. {body}'s gravity turns its path by "
                    f"{f.turn_deg:.1f}° (at most {f.max_turn_deg:.1f}° at this speed) without "
                    f"burning propellant{nxt}.")
        elif b.id == "earth_departure":
            eid = "design-earth-departure"
            title = f"Earth departure burn: {b.dv:.2f} km/s"
            spare = (f": {craft_name} escapes Earth with {leg_out.vinf_dep_kms:.2f} km/s to spare"
                     if leg_out is not None else "")
            desc = f"{craft_name}'s engines add {b.dv:.2f} km/s {b.detail}{spare}{nxt}."
        elif b.id == "mars_arrival":
            eid = "design-mars-capture"
            title = f"Mars capture burn: {b.dv:.2f} km/s"
            tof = f" after {leg_in.tof_days:.0f} days" if leg_in is not None else ""
            desc = (f"Arriving{tof} at {leg_in.vinf_arr_kms:.2f} km/s relative to Mars, "
                    if leg_in is not None else "Arriving, ")
            orbit = (f" into a {capture.periapsis_km:,.0f} x {capture.apoapsis_km:,.0f} km orbit"
                     if capture is not None else " into orbit")
            desc += f"{craft_name} brakes by {b.dv:.2f} km/s{orbit}."
        elif b.id == "mars_departure":
            eid = "design-mars-departure"
            title = f"Mars departure burn: {b.dv:.2f} km/s"
            desc = f"{craft_name} burns {b.dv:.2f} km/s to leave Mars orbit ({b.detail}){nxt}."
        elif b.id.endswith("_arrival"):
            body = b.body.capitalize()
            eid = f"design-{b.body}-approach"
            speed = traj.entry_speed_braked_kms or traj.entry_speed_kms
            title = (f"{body} approach: entry at {speed:.2f} km/s" if speed
                     else f"{body} approach: {b.dv:.2f} km/s")
            vinf = f" at {leg_in.vinf_arr_kms:.2f} km/s relative to {body}" if leg_in is not None else ""
            desc = (f"{craft_name} comes home{vinf}; a braking burn of {b.dv:.2f} km/s "
                    f"brings the crew module to the atmosphere at {speed:.2f} km/s."
                    if speed else f"{craft_name} comes home{vinf} ({b.detail}).")
        else:
            continue
        out.append(ResolvedEvent(
            id=eid, title=title, description=desc, category="milestone", source="design",
            assumed="", era="mission", at=b.id, t=float(b.t), where=traj.craft,
            spacecraft=traj.craft, body=None, phase=phase_at(phase_list, b.t).name, tour=True,
            question="", signal=None,
        ))
    return out


def _check_era(scenario: Scenario, ev: Event, field: str, t: float, span, to_tdb) -> None:
    from marsviz.mission.timescale import Clock

    s0, s1 = span
    clock = Clock(0.0, 0.0)
    rng = f"{clock.day(s0)} to {clock.day(s1)}"
    if ev.era == "mission" and not (s0 - 1e-9 <= t <= s1 + 1e-9):
        raise scenario.error(f"{field}.at",
                             f"{ev.at.text!r} falls on {clock.day(t)}, outside the mission ({rng}); "
                             "mark it era = \"prologue\" or \"epilogue\" if it belongs there")
    if ev.era == "prologue" and t >= s0:
        raise scenario.error(f"{field}.at", f"a prologue event must come before the mission "
                                            f"starts ({clock.day(s0)}), not on {clock.day(t)}")
    if ev.era == "epilogue" and t <= s1:
        raise scenario.error(f"{field}.at", f"an epilogue event must come after the mission "
                                            f"ends ({clock.day(s1)}), not on {clock.day(t)}")
