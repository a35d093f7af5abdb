"""From a scenario to a plan: design (or load from the cache), resolve events, assemble."""

from __future__ import annotations

import logging

from marsviz.errors import MarsvizError
from marsviz.mission import cache
from marsviz.mission.plan import PLAN_FORMAT, PLANETS, Plan
from marsviz.mission.scenario import Scenario
from marsviz.mission.timeline import design_events, phases, resolve_events

log = logging.getLogger(__name__)

TABLE_MARGIN_DAYS = 120.0
MIN_TABLE_DAYS = 700.0


def build_plan(scenario: Scenario, ephemeris: str | None = None, use_cache: bool = True,
               progress=None) -> Plan:
    """The plan of ``scenario``: from the cache when possible, otherwise designed and cached.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`marsviz.mission.load_scenario`).
    ephemeris : {"de421", "builtin"}, optional
        Overrides the scenario's ephemeris.
    use_cache : bool
        Read and write the on-disk plan cache.
    progress : callable, optional
        Called with a short message at each design stage.
    """
    eph = (ephemeris or scenario.ephemeris).lower()
    key = cache.plan_key(scenario.digest, eph, PLAN_FORMAT)
    if use_cache:
        data = cache.load(key)
        if data is not None:
            try:
                plan = Plan(data)
                plan.from_cache = True
                return plan
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("ignoring a plan cache that does not match this version: %s", exc)
    plan = design_plan(scenario, eph, progress)
    plan.from_cache = False
    if use_cache:
        cache.save(key, plan.to_dict())
    return plan


def design_plan(scenario: Scenario, ephemeris: str = "de421", progress=None) -> Plan:
    """Design every trajectory of ``scenario`` and assemble the plan (no cache)."""
    from marsviz.mission import design, engine
    from marsviz.mission.ephemeris import Ephemeris
    from marsviz.mission.timescale import tdb_minus_utc_seconds, utc_to_tdb

    tick = progress or (lambda msg: None)
    tick("Reading the ephemeris")
    eph = Ephemeris(ephemeris)
    crewed = scenario.crewed_craft
    windows = {sid: tuple(utc_to_tdb(list(c.departure_window)))
               for sid, c in scenario.spacecraft.items()}
    if crewed.comparison_window:
        windows["comparison"] = tuple(utc_to_tdb(list(crewed.comparison_window)))
    longest = max(
        [c.round_trip_days or (c.transfer_days[1] if c.transfer_days else 500.0)
         for c in scenario.spacecraft.values()])
    lo = min(w[0] for w in windows.values()) - TABLE_MARGIN_DAYS
    hi = max(w[1] for w in windows.values()) + longest + TABLE_MARGIN_DAYS
    try:
        table = eph.table(PLANETS, lo, hi)
    except MarsvizError as exc:
        raise scenario.error(f"spacecraft.{crewed.id}.departure_window", str(exc)) from None
    constants = engine.body_constants()
    tick("Compiling and solving Lambert legs")
    try:
        result = design.design(scenario, table, constants, windows, progress=tick)
    except ValueError as exc:
        raise scenario.error(None, str(exc)) from None

    trajectories = {crewed.id: result.crewed, **result.cargo}
    span = (min(t.t_start for t in trajectories.values()), result.crewed.t_end)
    phase_list = phases(result.crewed.milestones, span)
    milestones = {cid: t.milestones for cid, t in trajectories.items()}
    tdb_utc = tdb_minus_utc_seconds(result.crewed.t_start)

    def to_tdb(dt):
        return utc_to_tdb(dt)

    events = resolve_events(scenario, milestones, span, phase_list, to_tdb)
    events += design_events(result.crewed, crewed.name, phase_list, crewed.capture_orbit)
    events.sort(key=lambda e: e.t)

    # Keep only what the views need of the ephemeris: the mission span with a margin.
    t0 = span[0] - TABLE_MARGIN_DAYS
    t1 = max(span[1] + TABLE_MARGIN_DAYS, t0 + MIN_TABLE_DAYS)
    i0 = int((t0 - table.t0) // table.step)
    i1 = int((t1 - table.t0) // table.step) + 2
    if i0 < 0 or i1 > len(table.r["earth"]):
        trimmed = eph.table(PLANETS, t0, t1)
    else:
        trimmed = type(table)(table.t0 + i0 * table.step, table.step,
                              {b: a[i0:i1].copy() for b, a in table.r.items()},
                              {b: a[i0:i1].copy() for b, a in table.v.items()})

    _event_distances(events, trajectories, table, eph, constants)

    spacecraft = {
        sid: {"name": c.name, "role": c.role, "crew": c.crew, "color": c.color,
              "propulsion": c.propulsion.id, "isp_s": c.propulsion.isp_s,
              "provenance": c.provenance, "round_trip_days": c.round_trip_days,
              "stay_days": list(c.stay_days) if c.stay_days else None,
              "departure_window": [d.strftime("%Y-%m-%d") for d in c.departure_window],
              "comparison_window": ([d.strftime("%Y-%m-%d") for d in c.comparison_window]
                                    if c.comparison_window else None)}
        for sid, c in scenario.spacecraft.items()
    }
    tour = {"cruise_days_per_second": scenario.tour.cruise_days_per_second,
            "approach_days_per_second": scenario.tour.approach_days_per_second,
            "approach_days": scenario.tour.approach_days,
            "signal_seconds": scenario.tour.signal_seconds}
    tour.update(scenario.tour.story)
    return Plan.assemble(
        scenario={"name": scenario.name, "title": scenario.title, "description": scenario.description,
                  "digest": scenario.digest, "path": scenario.display_path},
        ephemeris=ephemeris, versions=cache.package_versions(), constants=constants,
        crewed=crewed.id, spacecraft=spacecraft, trajectories=trajectories,
        candidates=result.candidates, comparison=result.comparison, why=result.why,
        events=events, phases=phase_list, span=list(span), table=trimmed,
        stats=result.stats, tdb_minus_utc_s=tdb_utc,
        propulsion={p.id: {"label": p.label, "isp_s": p.isp_s} for p in scenario.propulsion.values()},
        tour=tour, design={"flyby_min_altitude_km": scenario.design.flyby_min_altitude_km},
    )


def _event_distances(events, trajectories, table, eph, constants) -> None:
    """Distance from Earth of each event's location (None outside the ephemeris)."""
    import numpy as np

    from marsviz.mission import engine
    from marsviz.mission.timescale import SECONDS_PER_DAY

    for ev in events:
        if ev.where == "earth":
            ev.earth_km = 0.0
            try:
                ev.position = [float(x) for x in eph.states("earth", ev.t)[0][0]]
            except MarsvizError:
                ev.position = None
            continue
        try:
            earth = eph.states("earth", ev.t)[0][0]
        except MarsvizError:
            ev.earth_km = None
            continue
        if ev.where in trajectories:
            traj = trajectories[ev.where]
            pos = None
            for leg in traj.legs:
                if leg.t_dep <= ev.t <= leg.t_arr:
                    pos = engine.propagate(constants["sun"]["k"], leg.r0, leg.v0,
                                           (ev.t - leg.t_dep) * SECONDS_PER_DAY)[0]
            if pos is None:
                body = traj.legs[0].from_body if ev.t < traj.t_start else traj.legs[-1].to_body
                for a, b in zip(traj.legs, traj.legs[1:]):
                    if a.t_arr < ev.t < b.t_dep:
                        body = a.to_body
                pos = eph.states(body, ev.t)[0][0]
        else:
            pos = eph.states(ev.where, ev.t)[0][0]
        ev.earth_km = float(np.linalg.norm(pos - earth))
        ev.position = [float(x) for x in pos]
