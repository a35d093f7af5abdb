#!/usr/bin/env python3
"""Regenerate the planet textures shipped in assets/textures (deterministic, no downloads)."""

from pathlib import Path

from marsviz.scene.textures import write_all

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "assets" / "textures"
    for p in write_all(out):
        print(f"wrote {p} ({p.stat().st_size // 1024} KiB)")
