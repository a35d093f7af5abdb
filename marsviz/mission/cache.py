"""The on-disk plan cache.

Designing a plan costs seconds (numba compilation on a new machine, the grid search and the
refinement); loading a cached one costs milliseconds. Entries are keyed by everything that can
change the result: the scenario's exact text, the ephemeris, and the versions of marsviz and of
the numerical packages. Writes are atomic (a temporary file renamed into place); an entry that
cannot be read, parsed or matched is ignored and rebuilt, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGES = ("marsviz", "boinor", "astropy", "numpy", "scipy", "numba", "jplephem", "skyfield-data")


def cache_dir() -> Path:
    """``$MARSVIZ_CACHE_DIR`` or the platform's user cache directory, plus ``plans``."""
    env = os.environ.get("MARSVIZ_CACHE_DIR")
    if env:
        return Path(env) / "plans"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("marsviz")) / "plans"


def package_versions() -> dict:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "missing"
    return out


def model_digest() -> str:
    """Hash of the mission model's own source, so a changed model never reuses an old plan."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def plan_key(scenario_digest: str, ephemeris: str, plan_format: int) -> str:
    blob = json.dumps({"scenario": scenario_digest, "ephemeris": ephemeris, "format": plan_format,
                       "versions": package_versions(), "model": model_digest()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def path_for(key: str) -> Path:
    return cache_dir() / f"{key}.json"


def load(key: str) -> dict | None:
    """The cached plan dictionary for ``key``, or None if absent, unreadable or stale."""
    path = path_for(key)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable plan cache %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("cache_key") != key:
        log.warning("ignoring stale plan cache %s", path)
        return None
    return data


def save(key: str, data: dict) -> Path | None:
    """Write ``data`` atomically; a cache that cannot be written is only a warning."""
    path = path_for(key)
    data = dict(data, cache_key=key)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path
    except OSError as exc:
        log.warning("could not write the plan cache %s: %s", path, exc)
        if tmp and os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return None


# ---------------------------------------------------------------------------------------------
# The plan shipped with the package (made by scripts/make_shipped_plan.py)
# ---------------------------------------------------------------------------------------------
SHIPPED_SUFFIX = ".plan.json"
SHIPPED_LIMIT = 64 * 1024 * 1024


def shipped_path(stem: str = "olympus") -> Path:
    """Where the plan of the built-in scenario ``stem`` ships (beside its TOML file)."""
    from marsviz.resources import assets_dir

    return assets_dir() / "missions" / f"{stem}{SHIPPED_SUFFIX}"


def load_shipped(scenario_digest: str, ephemeris: str, plan_format: int, stem: str = "olympus") -> dict | None:
    """The shipped plan if it was designed from exactly this scenario text, with this ephemeris
    and in this plan format; otherwise None (the caller designs). Never raises."""
    path = shipped_path(stem)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the shipped plan %s: %s", path, exc)
        return None
    try:
        ok = (data.get("format") == plan_format and data["scenario"]["digest"] == scenario_digest
              and data["ephemeris"] == ephemeris)
    except (AttributeError, KeyError, TypeError):
        ok = False
    return data if ok else None
