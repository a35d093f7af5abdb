"""Which event card the window shows, by screen time (no Qt: plain numbers in, event out).

A card comes up when the playhead passes its event, in either direction, at any rate; it stays
for ``hold_s`` seconds of screen time, or until the playhead passes the next event, which takes
its place. A jump to an event shows its card; scrubbing elsewhere takes it down. A card whose
event lies more than ``current_days`` behind or ahead of the playhead says how long ago (or how
long until) it happened, so an old card never looks current.
"""

from __future__ import annotations

HOLD_S = 4.0
CURRENT_DAYS = 0.5


class CardSchedule:
    def __init__(self, events, hold_s: float = HOLD_S, current_days: float = CURRENT_DAYS):
        self.events = sorted(events, key=lambda e: e.t)
        self.hold_s = float(hold_s)
        self.current_days = float(current_days)
        self.card = None
        self.since_s = 0.0

    def crossed(self, t_from: float, t_to: float):
        """The last event the playhead passes moving from ``t_from`` to ``t_to`` (the end point
        included, the start point not), or None."""
        if t_to > t_from:
            hit = [e for e in self.events if t_from < e.t <= t_to]
            return hit[-1] if hit else None
        if t_to < t_from:
            hit = [e for e in self.events if t_to <= e.t < t_from]
            return hit[0] if hit else None
        return None

    def moved(self, t_from: float, t_to: float, now_s: float, playing: bool = True):
        """The playhead moved (playback or a step): a passed event's card comes up; the card up
        stays ``hold_s`` of screen time while playing. Returns the card now up (or None)."""
        ev = self.crossed(t_from, t_to)
        if ev is not None:
            self.show(ev, now_s)
        elif self.card is not None and playing and now_s - self.since_s >= self.hold_s:
            self.card = None
        return self.card

    def show(self, ev, now_s: float) -> None:
        self.card = ev
        self.since_s = float(now_s)

    def clear(self) -> None:
        self.card = None

    def age_days(self, t: float) -> float | None:
        """Mission days from the card's event to ``t`` (None: no card)."""
        return None if self.card is None else float(t - self.card.t)

    def age_text(self, t: float) -> str:
        """"" while the card is current; otherwise "3 days ago", "5 h ago", "in 2 days"."""
        age = self.age_days(t)
        if age is None or abs(age) <= self.current_days:
            return ""
        a = abs(age)
        amount = f"{a:.0f} days" if a >= 1.5 else f"{a * 24:.0f} h"
        return f"{amount} ago" if age > 0 else f"in {amount}"
