"""Colours, sizes and names shared by the 3D scene, the timeline and the exported frames.

Plain Python (no VTK, no Qt) so every view can use the same palette.
"""

from __future__ import annotations

BACKGROUND = "#03050c"

#: Event categories: colour and a short label. Failures are the loudest colour.
CATEGORY_COLORS = {
    "failure": "#ff4d4d",
    "milestone": "#e8eef7",
    "surface": "#ffb347",
    "crew": "#6fd3ff",
    "politics": "#c792ea",
}
CATEGORY_LABELS = {
    "failure": "Failure",
    "milestone": "Milestone",
    "surface": "Surface",
    "crew": "Crew",
    "politics": "Politics",
}

#: Phase bands on the timeline.
PHASE_COLORS = {
    "predeploy": "#2a3348",
    "departure": "#2f6f8f",
    "outbound": "#1f4e6b",
    "swingby": "#8a6d2f",
    "mars": "#7a3b2a",
    "return": "#2b5a3c",
    "approach": "#2f6f8f",
    "prologue": "#1b1f2a",
    "epilogue": "#1b1f2a",
}

PLANET_COLORS = {
    "mercury": "#9e9a95",
    "venus": "#e8cf96",
    "earth": "#4f8fe0",
    "mars": "#d9734a",
    "sun": "#fff3c4",
}

#: Terra Nova's legs, in order (outbound first).
LEG_COLORS = ["#4fc3f7", "#ffca28", "#81c784", "#f48fb1", "#b39ddb"]
DEFAULT_CRAFT_COLOR = "#cfd8dc"

#: Planet radii are multiplied by this to be visible at interplanetary scale; the Sun by less.
PLANET_SCALE = 1500.0
SUN_SCALE = 20.0

CAMERA_NAMES = {
    "overview": "Ecliptic overview",
    "inner": "Inner planets",
    "follow": "Follow Terra Nova",
    "earth": "Earth",
    "mars": "Mars",
    "venus": "Venus swing-by",
    "venus-flyby": "Venus swing-by, close",
    "mars-arrival": "Mars arrival",
    "mars-stay": "Mars stay orbits",
    "earth-approach": "Earth approach",
    "ship": "Terra Nova, close",
}


def hex_to_rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    return tuple(int(c[i:i + 2], 16) / 255.0 for i in (0, 2, 4))


def dim(color: str, factor: float) -> tuple[float, float, float]:
    r, g, b = hex_to_rgb(color)
    return (r * factor, g * factor, b * factor)
