"""One world frame for the scene: heliocentric kilometres to scene units.

Every position the scene draws goes through a :class:`WorldFrame`: ``(r_km - origin_km) /
km_per_unit``. The origin is a floating origin: a view about Mars puts Mars at the scene's
origin, so that positions near it keep their precision in VTK's single-precision geometry.
Geometry built once (orbits, trajectories, markers, the grid) is built relative to the Sun and
shifted by :meth:`WorldFrame.sun_offset` as a whole. Nothing else in the scene divides by the AU.
"""

from __future__ import annotations

import numpy as np

from marsviz.mission.plan import AU_KM


class WorldFrame:
    """Scene coordinates: kilometres from ``origin_km``, divided by ``km_per_unit``."""

    def __init__(self, origin_km=(0.0, 0.0, 0.0), km_per_unit: float = AU_KM, origin: str = "sun"):
        self.origin_km = np.array(origin_km, dtype=float).reshape(3)
        self.km_per_unit = float(km_per_unit)
        self.origin = origin

    @property
    def au(self) -> float:
        """One astronomical unit in scene units."""
        return AU_KM / self.km_per_unit

    def to_scene(self, r_km) -> np.ndarray:
        """Heliocentric km (one point or an array of points) to scene units."""
        return (np.asarray(r_km, dtype=float) - self.origin_km) / self.km_per_unit

    def to_km(self, xyz) -> np.ndarray:
        """Scene units back to heliocentric km."""
        return np.asarray(xyz, dtype=float) * self.km_per_unit + self.origin_km

    def length(self, km):
        """A length (km) in scene units."""
        return km / self.km_per_unit

    def helio(self, r_km) -> np.ndarray:
        """Heliocentric km to Sun-centred scene units (for geometry built once)."""
        return np.asarray(r_km, dtype=float) / self.km_per_unit

    def from_au(self, xyz_au) -> np.ndarray:
        """A Sun-centred point given in AU (camera presets, the grid) in scene units."""
        return self.sun_offset() + np.asarray(xyz_au, dtype=float) * self.au

    def sun_offset(self) -> np.ndarray:
        """Where the Sun (the heliocentric origin) is in scene units."""
        return -self.origin_km / self.km_per_unit

    def set_origin(self, origin_km, origin: str = "sun") -> bool:
        """Move the floating origin; True if it moved."""
        new = np.array(origin_km, dtype=float).reshape(3)
        moved = not np.array_equal(new, self.origin_km)
        self.origin_km = new
        self.origin = origin
        return moved
