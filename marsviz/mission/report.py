"""Plain-text and JSON reports of a plan: the mission table and the event list."""

from __future__ import annotations

import math

from marsviz.mission.design import mass_fraction
from marsviz.mission.plan import AU_KM, C_KMS, Plan
from marsviz.mission.timescale import format_duration
from marsviz.textsafe import safe_text

CHEMICAL_ISP = 450.0


def _title(s: str) -> str:
    return s.replace("_", " ").capitalize()


def leg_dict(plan: Plan, leg) -> dict:
    c = plan.clock
    return {
        "from": leg.from_body, "to": leg.to_body,
        "depart_utc": c.date(leg.t_dep), "arrive_utc": c.date(leg.t_arr),
        "tof_days": round(leg.tof_days, 3),
        "vinf_departure_kms": round(leg.vinf_dep_kms, 4),
        "vinf_arrival_kms": round(leg.vinf_arr_kms, 4),
        "c3_km2s2": round(leg.c3, 3),
    }


def trajectory_dict(plan: Plan, traj) -> dict:
    c = plan.clock
    chem = _chemical_isp(plan)
    return {
        "spacecraft": traj.craft,
        "name": plan.craft_name(traj.craft),
        "sequence": traj.sequence_name,
        "feasible": traj.feasible,
        "legs": [leg_dict(plan, l) for l in traj.legs],
        "milestones": {k: {"utc": c.date(t), "met_days": round(t - plan.epoch, 4)}
                       for k, t in sorted(traj.milestones.items(), key=lambda kv: kv[1])},
        "burns": [{"id": b.id, "label": b.label, "body": b.body, "utc": c.date(b.t),
                   "dv_kms": round(b.dv, 4), "detail": b.detail} for b in traj.burns],
        "flybys": [{"body": f.body, "direction": f.direction, "utc": c.date(f.t),
                    "altitude_km": round(f.altitude_km, 1), "turn_deg": round(f.turn_deg, 3),
                    "max_turn_deg": round(f.max_turn_deg, 3), "dv_kms": round(f.dv, 4),
                    "vinf_in_kms": round(f.vinf_in, 4), "vinf_out_kms": round(f.vinf_out, 4),
                    "feasible": f.feasible} for f in traj.flybys],
        "total_dv_kms": round(traj.total_dv, 4),
        "isp_s": traj.isp_s,
        "propellant_fraction": round(traj.propellant_fraction, 5),
        "propellant_fraction_chemical": round(mass_fraction(traj.total_dv, chem), 5),
        "stay_days": None if traj.stay_days is None else round(traj.stay_days, 3),
        "entry_speed_kms": None if traj.entry_speed_kms is None else round(traj.entry_speed_kms, 4),
        "entry_speed_braked_kms": (None if traj.entry_speed_braked_kms is None
                                   else round(traj.entry_speed_braked_kms, 4)),
        "notes": traj.notes,
    }


def _chemical_isp(plan: Plan) -> float:
    for p in plan.propulsion.values():
        if p["isp_s"] < 600:
            return p["isp_s"]
    return CHEMICAL_ISP


def route(sequence) -> str:
    """``Earth → Mars → Venus → Earth``."""
    return " → ".join(b.capitalize() for b in sequence)


def story_vs_physics(plan: Plan) -> dict:
    """The story's constraints beside the cheapest round trip of the same length without them."""
    tn = plan.crewed_trajectory
    sc = plan.spacecraft[plan.crewed]
    best = plan.comparison_best
    out = {
        "story": {"sequence": tn.sequence_name, "departure_window": sc["departure_window"],
                  "round_trip_days": sc["round_trip_days"],
                  "departure_utc": plan.clock.day(tn.t_start), "total_dv_kms": round(tn.total_dv, 4)},
        "cheapest": None,
        "sentence": "",
    }
    if best is None:
        out["sentence"] = "No comparison window was searched."
        return out
    out["cheapest"] = {"sequence": best.sequence_name, "window": sc["comparison_window"],
                       "departure_utc": plan.clock.day(best.t_start),
                       "return_utc": plan.clock.day(best.t_end),
                       "total_dv_kms": round(best.total_dv, 4)}
    diff = tn.total_dv - best.total_dv
    days = sc["round_trip_days"]
    if abs(diff) < 0.05:
        out["sentence"] = (f"Leaving in early {plan.clock.utc(tn.t_start).year} is as cheap as any "
                           f"{days:g}-day round trip gets: the story picked a good launch window.")
    elif diff > 0:
        pct = 100 * diff / best.total_dv
        out["sentence"] = (
            f"The story's early-{plan.clock.utc(tn.t_start).year} departure costs {diff:.1f} km/s "
            f"({pct:.0f} %) more than the cheapest {days:g}-day round trip, which would leave on "
            f"{plan.clock.day(best.t_start)} and fly {route(best.sequence)}.")
    else:
        out["sentence"] = "The story's departure is cheaper than anything found outside its window."
    return out


def plan_dict(plan: Plan) -> dict:
    """Everything ``marsviz plan`` prints, as a JSON-ready dictionary."""
    tn = plan.crewed_trajectory
    return {
        "scenario": {"name": plan.name, "path": plan.scenario_path, "sha256": plan.scenario_digest},
        "ephemeris": plan.ephemeris,
        "versions": plan.versions,
        "crewed": trajectory_dict(plan, tn),
        "why": plan.why,
        "candidates": [
            {"sequence": c.sequence_name, "feasible": c.feasible, "reason": c.reason,
             "total_dv_kms": None if c.trajectory is None else round(c.total_dv, 4),
             "departure_utc": None if c.trajectory is None else plan.clock.day(c.trajectory.t_start)}
            for c in plan.candidates],
        "comparison": [
            {"sequence": c.sequence_name, "feasible": c.feasible, "reason": c.reason,
             "total_dv_kms": None if c.trajectory is None else round(c.total_dv, 4),
             "departure_utc": None if c.trajectory is None else plan.clock.day(c.trajectory.t_start)}
            for c in plan.comparison],
        "story_vs_physics": story_vs_physics(plan),
        "cargo": [trajectory_dict(plan, t) for cid, t in plan.trajectories.items() if cid != plan.crewed],
        "stats": plan.stats,
    }


def events_list(plan: Plan) -> list[dict]:
    out = []
    for e in plan.events:
        out.append({
            "id": e.id, "title": e.title, "category": e.category, "source": e.source,
            "assumed": e.assumed, "era": e.era, "at": e.at, "utc": plan.clock.date(e.t),
            "met_days": round(e.t - plan.epoch, 4), "met": plan.clock.met(e.t), "phase": e.phase,
            "where": e.where,
            "earth_distance_km": None if e.earth_km is None else round(e.earth_km, 1),
            "light_time_s": None if e.earth_km is None else round(e.earth_km / C_KMS, 3),
            "description": e.description,
        })
    return out


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------
def _table(rows: list[list[str]], align: str) -> list[str]:
    rows = [[safe_text(c) for c in r] for r in rows]  # scenario text is data, never terminal codes
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, align)]
        out.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def plan_text(plan: Plan) -> str:
    d = plan_dict(plan)
    tn = plan.crewed_trajectory
    c = plan.clock
    sc = plan.spacecraft[plan.crewed]
    L = []
    src = "cached plan" if getattr(plan, "from_cache", False) else "designed now"
    L.append(f"{plan.title}")
    L.append(f"{plan.craft_name(plan.crewed)}: {sc['round_trip_days']:g}-day round trip, departure "
             f"window {sc['departure_window'][0]} to {sc['departure_window'][1]}; "
             f"ephemeris {plan.ephemeris.upper()}; {src}")
    L.append("")
    L.append(f"Chosen sequence: {tn.sequence_name}"
             + ("" if tn.feasible else "  (NOT FEASIBLE: " + "; ".join(tn.notes) + ")"))
    L.append(f"  Why: {plan.why}.")
    L.append("")
    L.append("Legs")
    rows = [["#", "From", "To", "Depart (UTC)", "Arrive (UTC)", "TOF d", "v∞ dep km/s",
             "v∞ arr km/s", "C3 km²/s²"]]
    for i, l in enumerate(tn.legs, 1):
        rows.append([str(i), _title(l.from_body), _title(l.to_body), c.day(l.t_dep), c.day(l.t_arr),
                     f"{l.tof_days:.1f}", f"{l.vinf_dep_kms:.2f}", f"{l.vinf_arr_kms:.2f}", f"{l.c3:.1f}"])
    L += _table(rows, "rllllrrrr")
    L.append("")
    L.append("Milestones")
    rows = [["Milestone", "Date (UTC)", "Mission elapsed"]]
    for k, t in sorted(tn.milestones.items(), key=lambda kv: kv[1]):
        rows.append([_title(k), c.date(t), c.met(t)])
    if tn.stay_days is not None:
        rows.append(["Stay at Mars", f"{tn.stay_days:.1f} days", ""])
    L += _table(rows, "lll")
    L.append("")
    L.append("Burns")
    rows = [["Burn", "Date (UTC)", "Δv km/s", "Detail"]]
    for b in tn.burns:
        rows.append([b.label, c.day(b.t), f"{b.dv:.3f}", b.detail])
    L += _table(rows, "llrl")
    cr = d["crewed"]
    L.append(f"  Total Δv {tn.total_dv:.3f} km/s. Propellant: {100 * cr['propellant_fraction']:.1f} % "
             f"of the initial mass with the NTR (Isp {tn.isp_s:g} s); "
             f"{100 * cr['propellant_fraction_chemical']:.1f} % with a chemical engine "
             f"(Isp {_chemical_isp(plan):g} s).")
    if tn.entry_speed_kms is not None:
        L.append(f"  Earth entry: {tn.entry_speed_kms:.2f} km/s unbraked, "
                 f"{tn.entry_speed_braked_kms:.2f} km/s after the approach burn.")
    for f in tn.flybys:
        L.append(f"  {f.body.capitalize()} swing-by ({f.direction}) on {c.day(f.t)}: periapsis altitude "
                 f"{f.altitude_km:,.0f} km, turn {f.turn_deg:.1f}° of at most {f.max_turn_deg:.1f}°, "
                 f"powered Δv {f.dv:.3f} km/s" + ("" if f.feasible else " (NOT ACHIEVABLE)"))
    L.append("")
    L.append(f"Sequences in the departure window ({sc['departure_window'][0]} to {sc['departure_window'][1]})")
    L += _candidates(d["candidates"])
    if d["comparison"]:
        cw = sc["comparison_window"]
        L.append("")
        L.append(f"Cheapest {sc['round_trip_days']:g}-day round trips without the window ({cw[0]} to {cw[1]})")
        L += _candidates(d["comparison"])
    L.append("")
    L.append("Story versus physics")
    svp = d["story_vs_physics"]
    L.append(f"  Story:    {svp['story']['sequence']}, departs {svp['story']['departure_utc']}, "
             f"{svp['story']['total_dv_kms']:.2f} km/s")
    if svp["cheapest"]:
        ch = svp["cheapest"]
        L.append(f"  Cheapest: {ch['sequence']}, departs {ch['departure_utc']}, returns "
                 f"{ch['return_utc']}, {ch['total_dv_kms']:.2f} km/s")
    L.append(f"  {svp['sentence']}")
    L.append("")
    L.append("Cargo ships (pre-deployed)")
    rows = [["Ship", "Sequence", "Depart (UTC)", "Arrive (UTC)", "TOF d", "C3 km²/s²", "Δv km/s"]]
    for cid, t in plan.trajectories.items():
        if cid == plan.crewed:
            continue
        rows.append([plan.craft_name(cid), t.sequence_name, c.day(t.t_start), c.day(t.t_end),
                     f"{t.t_end - t.t_start:.1f}", f"{t.legs[0].c3:.1f}", f"{t.total_dv:.3f}"])
    L += _table(rows, "lllllrr")
    return "\n".join(safe_text(line) for line in L) + "\n"


def _candidates(items) -> list[str]:
    rows = [["Sequence", "Total Δv km/s", "Departs", "Feasible", "Note"]]
    for c in sorted(items, key=lambda x: (not x["feasible"], x["total_dv_kms"] or math.inf)):
        rows.append([c["sequence"], "-" if c["total_dv_kms"] is None else f"{c['total_dv_kms']:.2f}",
                     c["departure_utc"] or "-", "yes" if c["feasible"] else "no", c["reason"]])
    return _table(rows, "lrlll")


def events_text(plan: Plan) -> str:
    rows = [["Date (UTC)", "MET", "Phase", "Category", "Event", "Id (--at)", "Where", "From Earth",
             "Light time", "Source"]]
    for e in events_list(plan):
        if e["earth_distance_km"] is None:
            dist = light = "n/a"
        elif e["earth_distance_km"] == 0:
            dist, light = "0", "0 s"
        else:
            dist = f"{e['earth_distance_km'] / AU_KM:.3f} AU"
            light = format_duration(e["light_time_s"])
        rows.append([e["utc"][:16], e["met"], e["phase"], e["category"], e["title"], e["id"],
                     plan.name_of(e["where"]), dist, light, e["source"]])
    return "\n".join(_table(rows, "llllllllrl")) + "\n"
