#!/usr/bin/env python3
"""Design the built-in scenario afresh and write the plan that ships with the package.

    .venv/bin/python scripts/make_shipped_plan.py

This is the only way to make ``assets/missions/olympus.plan.json``. Run it after any change to
the built-in scenario, the mission model or the plan format: the loader uses the shipped plan
only when the scenario text, the ephemeris and the plan format match, and designs otherwise;
``tests/test_shipped_plan.py`` checks that a fresh design prints the same plan.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marsviz import safeio  # noqa: E402
from marsviz.mission import load_scenario  # noqa: E402
from marsviz.mission.planner import design_plan  # noqa: E402

OUT = ROOT / "assets" / "missions" / "olympus.plan.json"


def main() -> int:
    scenario = load_scenario(None)
    t0 = time.perf_counter()
    plan = design_plan(scenario, scenario.ephemeris.lower(), lambda m: print(f"  {m}...", file=sys.stderr))
    dt = time.perf_counter() - t0
    data = dict(plan.to_dict())
    data["scenario"] = dict(data["scenario"], path=scenario.display_path)
    text = json.dumps(data, separators=(",", ":"))  # key order matters: ships are listed in it
    safeio.write_text(OUT, text + "\n", overwrite=True)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) / 1e6:.2f} MB; designed in {dt:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
