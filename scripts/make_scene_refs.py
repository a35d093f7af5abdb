#!/usr/bin/env python3
"""Write the scene's reference frames (tests/data/scene-ref/*.png) from the current code.

    xvfb-run -a .venv/bin/python scripts/make_scene_refs.py

Run it only when a change to the picture is intended; tests/test_scene_split.py compares
against these files pixel by pixel.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from PIL import Image

    from marsviz.mission import build_plan, load_scenario
    from marsviz.safeio import write_bytes
    from tests.scene_frames import REF_DIR, render_frames

    import io

    plan = build_plan(load_scenario())
    REF_DIR.mkdir(parents=True, exist_ok=True)
    for name, img in render_frames(plan).items():
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG", optimize=True)
        write_bytes(REF_DIR / f"{name}.png", buf.getvalue(), overwrite=True)
        print(REF_DIR / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
