"""The light-time signal of an event: a pulse from its source to its destination at light speed.

Plain numbers from the plan (no Qt, no VTK). An event with ``signal = "to_earth"`` sends from
where it happens to Earth; ``"from_earth"`` sends from Earth to where the crew is (the place of
the latest ``to_earth`` event before it, or the crewed ship).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsviz.mission.plan import C_KMS
from marsviz.mission.timescale import SECONDS_PER_DAY


@dataclass(frozen=True)
class SignalState:
    """Where a light-time signal is at one instant.

    ``frac`` of the way travelled (0 to 1), ``remaining_s`` until it arrives, ``one_way_s`` the
    whole light time, ``src_km`` and ``dst_km`` the heliocentric ends (km, fixed at emission).
    """

    event_id: str
    frac: float
    remaining_s: float
    one_way_s: float
    src_km: tuple
    dst_km: tuple
    to: str  # "earth" or the name of what receives a signal from Earth


def signal_ends(plan, ev) -> tuple[str, str]:
    """(source, destination) names of the signal of ``ev``."""
    if ev.signal == "to_earth":
        return ev.where, "earth"
    target = plan.crewed
    for e in plan.mission_events:
        if e.signal == "to_earth" and e.t <= ev.t:
            target = e.where
    return "earth", target


def one_way_s(plan, ev) -> float:
    """One-way light time (s) of the signal of ``ev`` (0 if it has none)."""
    if not ev.signal:
        return 0.0
    a, b = signal_ends(plan, ev)
    src = plan.position(a, ev.t)
    dst = plan.position(b, ev.t)
    return float(np.linalg.norm(np.asarray(dst) - np.asarray(src))) / C_KMS


def signal_state(plan, ev, t: float) -> SignalState | None:
    """The signal of event ``ev`` at instant ``t`` (TDB days), or None if ``ev`` sends none."""
    if ev is None or not ev.signal:
        return None
    a, b = signal_ends(plan, ev)
    src = np.asarray(plan.position(a, ev.t), dtype=float)
    dst = np.asarray(plan.position(b, ev.t), dtype=float)
    one_way = float(np.linalg.norm(dst - src)) / C_KMS
    elapsed = (float(t) - ev.t) * SECONDS_PER_DAY
    frac = min(max(elapsed / one_way, 0.0), 1.0) if one_way > 0 else 1.0
    to = "earth" if ev.signal == "to_earth" else b
    return SignalState(ev.id, frac, max(one_way - elapsed, 0.0), one_way,
                       tuple(float(x) for x in src), tuple(float(x) for x in dst), to)
