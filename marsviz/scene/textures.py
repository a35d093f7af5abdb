"""Procedural planet textures (equirectangular RGB images), made by marsviz itself.

No imagery is downloaded: each texture is a deterministic function of a seed. Smooth noise is
built from random plane waves evaluated on the unit sphere, so maps have no seam at the date
line and no pinching at the poles. Earth, Mars and the Moon ship as real
imagery (assets/README.md); Venus and Mercury ship as these generated maps, which
``scripts/make_textures.py --procedural BODY`` writes.
"""

from __future__ import annotations

import numpy as np

SIZE = (1024, 512)


def _sphere_grid(width: int, height: int):
    lon = (np.arange(width) + 0.5) / width * 2 * np.pi - np.pi
    lat = np.pi / 2 - (np.arange(height) + 0.5) / height * np.pi
    lon, lat = np.meshgrid(lon, lat)
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    return xyz, lat


def noise(xyz, rng, octaves=6, base=2.0, waves=48, persistence=0.55):
    """Band-limited smooth noise in [-1, 1] on the sphere (sum of random plane waves)."""
    out = np.zeros(xyz.shape[:-1])
    amp = 1.0
    total = 0.0
    for o in range(octaves):
        freq = base * (2.0**o)
        d = rng.normal(size=(waves, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        phase = rng.uniform(0, 2 * np.pi, waves)
        proj = xyz @ d.T  # (..., waves)
        out += amp * np.sin(freq * proj + phase).sum(axis=-1) / np.sqrt(waves)
        total += amp
        amp *= persistence
    out /= total
    return np.clip(out / (np.abs(out).max() + 1e-12), -1, 1)


def craters(img, xyz, rng, count, rmin, rmax, depth):
    """Darkened bowls with bright rims at random places (angular radii in radians)."""
    centres = rng.normal(size=(count, 3))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    radii = np.exp(rng.uniform(np.log(rmin), np.log(rmax), count))
    shade = np.zeros(xyz.shape[:-1])
    for c, r in zip(centres, radii):
        ang = np.arccos(np.clip(xyz @ c, -1, 1))
        x = ang / r
        shade += np.where(x < 1, -depth * (1 - x**2), 0) + np.where((x >= 0.9) & (x < 1.25),
                                                                     0.5 * depth * np.cos((x - 1.05) * 6), 0)
    return np.clip(img * (1 + shade)[..., None], 0, 1)


def _mix(a, b, t):
    t = np.clip(t, 0, 1)[..., None]
    return a * (1 - t) + b * t


def _rgb(*c):
    return np.array(c, dtype=float) / 255.0


def earth(width=SIZE[0], height=SIZE[1], seed=3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xyz, lat = _sphere_grid(width, height)
    land_n = noise(xyz, rng, octaves=7, base=2.6, persistence=0.62)
    relief = noise(xyz, rng, octaves=6, base=6.0)
    moist = noise(xyz, rng, octaves=5, base=3.5)
    squashed = xyz * np.array([1.0, 1.0, 2.6])
    clouds = noise(squashed, rng, octaves=6, base=4.0, persistence=0.65)
    alat = np.abs(np.degrees(lat))
    deep, shallow = _rgb(8, 28, 74), _rgb(22, 78, 140)
    sea_level = 0.08
    ocean = _mix(deep, shallow, (land_n + 0.45) / (sea_level + 0.45))
    green, dry, rock = _rgb(52, 104, 48), _rgb(178, 150, 96), _rgb(112, 98, 80)
    desert_belt = np.exp(-((alat - 24) / 9) ** 2)
    land = _mix(green, dry, 0.5 * desert_belt + 0.5 * (0.3 - moist))
    land = _mix(land, rock, (relief - 0.2) * 1.5)
    img = np.where((land_n > sea_level)[..., None], land, ocean)
    ice = np.clip((alat - 74 + 5 * relief) / 4, 0, 1)
    img = _mix(img, _rgb(236, 242, 248), ice)
    cloud_amt = np.clip((clouds - 0.12) * 2.2, 0, 0.8)
    img = _mix(img, _rgb(245, 247, 250), cloud_amt)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def mars(width=SIZE[0], height=SIZE[1], seed=5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xyz, lat = _sphere_grid(width, height)
    albedo = noise(xyz, rng, octaves=7, base=3.0, persistence=0.6)
    fine = noise(xyz, rng, octaves=6, base=10.0)
    alat = np.abs(np.degrees(lat))
    light, mid, dark = _rgb(214, 140, 92), _rgb(176, 96, 58), _rgb(94, 56, 40)
    img = _mix(light, mid, 0.5 + 0.6 * fine)
    img = _mix(img, dark, (albedo - 0.1) * 1.6)
    # A long equatorial canyon system, in the spirit of Valles Marineris.
    lon = np.arctan2(xyz[..., 1], xyz[..., 0])
    canyon = np.exp(-((np.degrees(lat) + 8 + 3 * np.sin(3 * lon)) / 1.6) ** 2) * (np.abs(lon + 1.2) < 0.7)
    img = _mix(img, _rgb(88, 48, 34), 0.7 * canyon)
    img = craters(img, xyz, rng, count=120, rmin=0.01, rmax=0.05, depth=0.18)
    cap = np.clip((alat - 81 + 4 * fine) / 3, 0, 1)
    img = _mix(img, _rgb(240, 236, 232), cap)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def venus(width=SIZE[0], height=SIZE[1], seed=7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xyz, lat = _sphere_grid(width, height)
    swirl = noise(xyz, rng, octaves=5, base=2.0)
    warped = xyz.copy()
    warped[..., 2] += 0.25 * swirl
    bands = np.sin(np.degrees(np.arcsin(np.clip(warped[..., 2], -1, 1))) / 7.0)
    fine = noise(xyz, rng, octaves=5, base=6.0)
    img = _mix(_rgb(226, 196, 140), _rgb(246, 226, 176), 0.5 + 0.35 * bands + 0.25 * fine)
    img = _mix(img, _rgb(196, 160, 110), 0.3 * (swirl > 0.4))
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def mercury(width=SIZE[0], height=SIZE[1], seed=11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xyz, _ = _sphere_grid(width, height)
    base = noise(xyz, rng, octaves=7, base=4.0, persistence=0.6)
    img = _mix(_rgb(112, 108, 104), _rgb(176, 170, 162), 0.5 + 0.5 * base)
    img = craters(img, xyz, rng, count=260, rmin=0.01, rmax=0.09, depth=0.35)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


MAKERS = {"mercury": mercury, "venus": venus, "earth": earth, "mars": mars}


def write_all(directory, width=SIZE[0], height=SIZE[1]) -> list:
    """Write ``<planet>.jpg`` for every planet into ``directory``; returns the paths."""
    from pathlib import Path

    from PIL import Image

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in MAKERS.items():
        path = directory / f"{name}.jpg"
        Image.fromarray(make(width, height)).save(path, quality=90, optimize=True)
        paths.append(path)
    return paths
