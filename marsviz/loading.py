"""Loading a scenario and its plan from command-line arguments (shared by the commands)."""

from __future__ import annotations

import sys


def load_plan(args, progress=None):
    """(scenario, plan) for ``args.scenario`` / ``args.ephemeris`` / ``args.no_cache``."""
    from marsviz.mission import build_plan, load_scenario

    scenario = load_scenario(args.scenario)
    return scenario, build_plan(scenario, ephemeris=args.ephemeris, use_cache=not args.no_cache,
                                progress=progress)


def say(msg: str) -> None:
    """Progress of a long step, on standard error."""
    from marsviz.textsafe import safe_text

    print(f"marsviz: {safe_text(msg)}...", file=sys.stderr, flush=True)
