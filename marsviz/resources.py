"""Where the shipped assets live (the Olympus scenario, textures, icons)."""

from __future__ import annotations

from pathlib import Path


def assets_dir() -> Path:
    """The ``assets`` directory: inside the installed package, or at the top of a checkout."""
    pkg = Path(__file__).resolve().parent
    for candidate in (pkg / "assets", pkg.parent / "assets"):
        if (candidate / "missions").is_dir():
            return candidate
    return pkg.parent / "assets"


def default_scenario() -> Path:
    """The embedded Project Olympus scenario."""
    return assets_dir() / "missions" / "olympus.toml"


def texture(name: str) -> Path:
    """A texture shipped in ``assets/textures``."""
    return assets_dir() / "textures" / name
