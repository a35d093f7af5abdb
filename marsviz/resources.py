"""Where the shipped assets live (the Olympus scenario, textures, icons)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def assets_dir() -> Path:
    """The ``assets`` directory, installed as the ``marsviz.assets`` package or in a checkout."""
    try:
        path = Path(str(resources.files("marsviz.assets")))
        if (path / "missions").is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "assets"


def default_scenario() -> Path:
    """The embedded Project Olympus scenario."""
    return assets_dir() / "missions" / "olympus.toml"


def texture(name: str) -> Path:
    """A texture shipped in ``assets/textures``."""
    return assets_dir() / "textures" / name
