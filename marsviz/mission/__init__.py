"""The mission model: scenario, ephemerides, trajectory design, plan and timeline.

Pure Python and NumPy at its core; no Qt, no VTK. Heavy dependencies (astropy, numba, boinor)
are imported only when a plan is designed or sampled.
"""

from marsviz.mission.scenario import Scenario, load_scenario

__all__ = ["Scenario", "load_scenario", "build_plan"]


def build_plan(*args, **kwargs):
    """Design (or load from the cache) the plan of a scenario; see :func:`marsviz.mission.planner.build_plan`."""
    from marsviz.mission.planner import build_plan as _build

    return _build(*args, **kwargs)
