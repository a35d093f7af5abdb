"""Loading a scenario and its plan from command-line arguments (shared by the commands)."""

from __future__ import annotations

import sys


def shipped_plan(scenario, ephemeris: str | None = None):
    """The plan shipped with the package for ``scenario``, or None when it does not match
    (a scenario the user wrote or changed, another ephemeris, or a newer plan format)."""
    from marsviz.mission import cache
    from marsviz.mission.plan import PLAN_FORMAT, Plan

    eph = (ephemeris or scenario.ephemeris).lower()
    data = cache.load_shipped(scenario.digest, eph, PLAN_FORMAT)
    if data is None:
        return None
    try:
        data = dict(data, scenario=dict(data["scenario"], path=scenario.display_path))
        plan = Plan(data)
    except (KeyError, TypeError, ValueError):
        return None
    plan.from_cache = True
    plan.shipped = True
    return plan


def load_plan(args, progress=None):
    """(scenario, plan) for ``args.scenario`` / ``args.ephemeris`` / ``args.no_cache``."""
    from marsviz.mission import build_plan, load_scenario

    scenario = load_scenario(args.scenario)
    if not args.no_cache:
        plan = shipped_plan(scenario, args.ephemeris)
        if plan is not None:
            return scenario, plan
    return scenario, build_plan(scenario, ephemeris=args.ephemeris, use_cache=not args.no_cache,
                                progress=progress)


def say(msg: str) -> None:
    """Progress of a long step, on standard error."""
    from marsviz.textsafe import safe_text

    print(f"marsviz: {safe_text(msg)}...", file=sys.stderr, flush=True)
