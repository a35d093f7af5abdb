"""Answers to the tour's prediction questions, stated from the plan (no Qt, no VTK).

A question asked before an event is answered when the event is revealed. Where the plan holds
the answer it is computed: the light time of a signal, and where Mars is when the crew leaves
Earth. Otherwise the event's own text is the answer, and the scenario's wording must make it so.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from marsviz.mission.plan import AU_KM, C_KMS
from marsviz.mission.timescale import format_duration

NAMES = {"earth": "Earth", "venus": "Venus", "mars": "Mars", "mercury": "Mercury", "sun": "the Sun"}


def light_time_text(seconds: float) -> str:
    """A light time as a class reads it: ``4.0 s`` below a minute, ``12 min 05 s`` above."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return format_duration(seconds)


def signal_ends(plan, ev) -> tuple[str, str]:
    """(source, destination) of an event's light-time signal, as plan position names."""
    if ev.signal == "to_earth":
        return ev.where, "earth"
    # A reply from Earth goes to where the crew is: the place of the last call to Earth.
    for e in plan.mission_events:
        if e.signal == "to_earth" and e.t <= ev.t:
            return "earth", e.where
    return "earth", plan.crewed


def _signal_answer(plan, ev) -> str:
    src, dst = signal_ends(plan, ev)
    d = float(np.linalg.norm(np.asarray(plan.position(dst, ev.t)) - np.asarray(plan.position(src, ev.t))))
    to = "Earth" if ev.signal == "to_earth" else "the crew"
    return (f"Answer: {light_time_text(d / C_KMS)}. The signal crosses {d / 1e6:,.0f} million km "
            f"at the speed of light before {to} hears a word.")


def _departure_answer(plan, ev) -> str:
    earth = np.asarray(plan.position("earth", ev.t), dtype=float)
    mars = np.asarray(plan.position("mars", ev.t), dtype=float)
    d = float(np.linalg.norm(mars - earth))
    lon = np.degrees(np.arctan2(mars[1], mars[0]) - np.arctan2(earth[1], earth[0]))
    lon = (lon + 180.0) % 360.0 - 180.0
    side = "on the far side of the Sun" if abs(lon) > 90 else "on Earth's side of the Sun"
    seq = list(plan.crewed_trajectory.sequence)
    via = seq[1:seq.index("mars")] if "mars" in seq else []
    tn = plan.crewed_trajectory
    if via:
        route = ("Terra Nova swings by " + " and ".join(NAMES.get(b, b.capitalize()) for b in via)
                 + " first")
        direct = [c for c in plan.candidates if tuple(c.sequence) == (seq[0], "mars", seq[-1])
                  and c.trajectory is not None and c.feasible]
        route += (f": {tn.total_dv:.1f} km/s of Δv, not {direct[0].total_dv:.1f} km/s direct."
                  if direct else ".")
    else:
        leg = tn.legs[0]
        route = f"Terra Nova flies straight there in {leg.t_arr - leg.t_dep:.0f} days."
    return (f"Answer: {side}, {d / AU_KM:.2f} AU away, {abs(lon):.0f}° "
            f"{'ahead of' if lon > 0 else 'behind'} Earth in its orbit. {route}")


def answer(plan, ev) -> str:
    """The answer to ``ev``'s prediction question ("" if it asks none, or if the event's own
    text is the answer)."""
    if not ev.question:
        return ""
    if ev.signal and plan.in_range(ev.t):
        return _signal_answer(plan, ev)
    if ev.at == "earth_departure" and plan.in_range(ev.t):
        return _departure_answer(plan, ev)
    return ""


def revealed(plan, ev, ask: bool = False):
    """``ev`` as shown on the reveal after its question: the answer leads its card's text.
    ``ask``: the question was not on screen just before (the user jumped to the event), so the
    card asks it first."""
    a = answer(plan, ev)
    if not a:
        return ev
    lead = f"{ev.question} {a}" if ask and ev.question else a
    return dataclasses.replace(ev, description=f"{lead} {ev.description}")


__all__ = ["answer", "revealed", "light_time_text", "signal_ends"]
