"""The results of trajectory design, as plain data (no numba, no boinor: cheap to import).

Units: km, km/s, seconds for physics; days (TDB since J2000) for dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

G0 = 9.80665e-3  # km/s^2


def mass_fraction(dv_kms: float, isp_s: float) -> float:
    """Propellant mass fraction from the rocket equation: 1 - exp(-dv / (Isp g0))."""
    return 1.0 - math.exp(-dv_kms / (isp_s * G0))


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass
class Leg:
    """One heliocentric Lambert arc."""

    from_body: str
    to_body: str
    t_dep: float
    t_arr: float
    r0: np.ndarray
    v0: np.ndarray
    r1: np.ndarray
    v1: np.ndarray
    vinf_dep: np.ndarray
    vinf_arr: np.ndarray

    @property
    def tof_days(self) -> float:
        return self.t_arr - self.t_dep

    @property
    def c3(self) -> float:
        """Departure C3, km^2/s^2."""
        return float(np.dot(self.vinf_dep, self.vinf_dep))

    @property
    def vinf_dep_kms(self) -> float:
        return float(np.linalg.norm(self.vinf_dep))

    @property
    def vinf_arr_kms(self) -> float:
        return float(np.linalg.norm(self.vinf_arr))


@dataclass
class Burn:
    id: str
    label: str
    body: str
    t: float
    dv: float
    detail: str = ""


@dataclass
class Flyby:
    body: str
    direction: str
    t: float
    vinf_in: float
    vinf_out: float
    altitude_km: float
    turn_deg: float
    max_turn_deg: float
    dv: float
    feasible: bool


@dataclass
class Trajectory:
    """A designed trajectory for one spacecraft."""

    craft: str
    sequence: tuple
    legs: list
    burns: list
    flybys: list
    milestones: dict
    total_dv: float
    feasible: bool
    isp_s: float
    propellant_fraction: float
    stay_days: float | None = None
    entry_speed_kms: float | None = None
    entry_speed_braked_kms: float | None = None
    notes: list = field(default_factory=list)

    @property
    def sequence_name(self) -> str:
        return "-".join(self.sequence)

    @property
    def t_start(self) -> float:
        return self.legs[0].t_dep

    @property
    def t_end(self) -> float:
        return self.legs[-1].t_arr


@dataclass
class Candidate:
    """The best trajectory found for one sequence (or why there is none)."""

    sequence: tuple
    trajectory: Trajectory | None
    reason: str = ""

    @property
    def sequence_name(self) -> str:
        return "-".join(self.sequence)

    @property
    def feasible(self) -> bool:
        return self.trajectory is not None and self.trajectory.feasible

    @property
    def total_dv(self) -> float:
        return self.trajectory.total_dv if self.trajectory else math.inf
