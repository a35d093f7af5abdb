"""The on-disk plan cache.

Designing a plan costs seconds (numba compilation on a new machine, the grid search and the
refinement); loading a cached one costs milliseconds. Entries are keyed by everything that can
change the result: the scenario's exact text, the ephemeris, and the versions of marsviz and of
the numerical packages. Writes go through :mod:`marsviz.safeio` (an exclusive temporary given
its name when complete). An entry that cannot be read, parsed or matched, or whose shape is not
exactly what :class:`~marsviz.mission.plan.Plan` reads (checked field by field on load, see
:func:`shape_problem`), is ignored and rebuilt, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

log = logging.getLogger(__name__)

#: A cached plan is a few megabytes; anything much larger is not one.
MAX_ENTRY_BYTES = 256 << 20

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


# The shape of a cached plan, as Plan reads it. A spec is a type (``float`` is any finite number,
# ``int`` an integer, ``str``, ``bool``), a dict of required keys (``_EXACT`` forbids any other key),
# ``[spec]`` a list of items, or one of the tuples below.
_OPT, _MAP, _VEC, _ARR, _PATH = "opt", "map", "vec", "arr", "path"
_EXACT = "__exact__"
_NONE_OR_NUM = (_OPT, float)
_LEG = {_EXACT: True, "from_body": str, "to_body": str, "t_dep": float, "t_arr": float,
        "r0": (_VEC, 3), "v0": (_VEC, 3), "r1": (_VEC, 3), "v1": (_VEC, 3),
        "vinf_dep": (_VEC, 3), "vinf_arr": (_VEC, 3)}
_BURN = {_EXACT: ("detail",), "id": str, "label": str, "body": str, "t": float, "dv": float, "detail": str}
_FLYBY = {_EXACT: True, "body": str, "direction": str, "t": float, "vinf_in": float, "vinf_out": float,
          "altitude_km": float, "turn_deg": float, "max_turn_deg": float, "dv": float, "feasible": bool}
_TRAJ = {"craft": str, "sequence": [str], "legs": [_LEG], "burns": [_BURN], "flybys": [_FLYBY],
         "milestones": (_MAP, float), "total_dv": float, "feasible": bool, "isp_s": float,
         "propellant_fraction": float, "stay_days": _NONE_OR_NUM, "entry_speed_kms": _NONE_OR_NUM,
         "entry_speed_braked_kms": _NONE_OR_NUM}
_CAND = {"sequence": [str], "trajectory": (_OPT, _TRAJ), "reason": str}
_EVENT = {_EXACT: ("earth_km", "position", "camera", "hold_s", "pace", "site"), "id": str, "title": str, "description": str, "category": str,
          "source": str, "assumed": str, "era": str, "at": str, "t": float, "where": str,
          "spacecraft": (_OPT, str), "body": (_OPT, str), "phase": str, "tour": bool, "question": str,
          "signal": (_OPT, str), "earth_km": _NONE_OR_NUM, "position": (_OPT, (_VEC, 3)),
          "camera": (_OPT, str), "hold_s": _NONE_OR_NUM, "pace": _NONE_OR_NUM, "site": (_OPT, str)}
_PHASE = {_EXACT: True, "kind": str, "name": str, "t0": float, "t1": float}
PLAN_SHAPE = {
    "format": int,
    "scenario": {"name": str, "title": str, "digest": str, "path": str},
    "ephemeris": str,
    "versions": (_MAP, str),
    "constants": (_MAP, {"k": float, "R": float}),
    "crewed": str,
    "spacecraft": (_MAP, {"name": str, "round_trip_days": _NONE_OR_NUM, "departure_window": [str]}),
    "trajectories": (_MAP, _TRAJ),
    "candidates": [_CAND],
    "comparison": [_CAND],
    "why": str,
    "events": [_EVENT],
    "phases": [_PHASE],
    "span": (_VEC, 2),
    "table": {"t0": float, "step": float, "r": (_MAP, (_ARR, 3)), "v": (_MAP, (_ARR, 3))},
    "tdb_minus_utc_s": float,
    "propulsion": (_MAP, {"label": str, "isp_s": float}),
    "tour": {"cruise_days_per_second": float, "approach_days_per_second": float,
             "approach_days": float, "signal_seconds": float},
    "paths": (_MAP, [(_PATH,)]),
}


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def shape_problem(value, spec=None, where: str = "plan") -> str | None:
    """Where ``value`` departs from ``spec`` (the plan's shape by default), or None if it fits."""
    if spec is None:
        spec = PLAN_SHAPE
    stack = [(value, spec, where)]
    while stack:
        v, sp, at = stack.pop()
        if sp is float:
            if not _is_num(v):
                return f"{at}: expected a finite number"
        elif sp is int:
            if not isinstance(v, int) or isinstance(v, bool):
                return f"{at}: expected an integer"
        elif sp in (str, bool):
            if not isinstance(v, sp):
                return f"{at}: expected {sp.__name__}"
        elif isinstance(sp, dict):
            if not isinstance(v, dict):
                return f"{at}: expected a table"
            exact = sp.get(_EXACT)
            optional = exact if isinstance(exact, tuple) else ()
            for k, sub in sp.items():
                if k == _EXACT:
                    continue
                if k not in v:
                    if k in optional:
                        continue
                    return f"{at}.{k}: missing"
                stack.append((v[k], sub, f"{at}.{k}"))
            if exact:
                extra = set(v) - set(sp)
                if extra:
                    return f"{at}: unexpected {sorted(map(str, extra))[0]!r}"
        elif isinstance(sp, list):
            if not isinstance(v, list):
                return f"{at}: expected a list"
            stack.extend((x, sp[0], f"{at}[{i}]") for i, x in enumerate(v))
        elif sp[0] == _OPT:
            if v is not None:
                stack.append((v, sp[1], at))
        elif sp[0] == _MAP:
            if not isinstance(v, dict):
                return f"{at}: expected a table"
            stack.extend((x, sp[1], f"{at}.{k}") for k, x in v.items())
        elif sp[0] == _VEC:
            if not (isinstance(v, list) and len(v) == sp[1] and all(_is_num(x) for x in v)):
                return f"{at}: expected {sp[1]} finite numbers"
        elif sp[0] == _ARR:
            import numpy as np

            try:
                a = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                return f"{at}: expected rows of {sp[1]} numbers"
            if a.ndim != 2 or a.shape[1] != sp[1] or a.shape[0] < 2 or not np.isfinite(a).all():
                return f"{at}: expected rows of {sp[1]} finite numbers"
        elif sp[0] == _PATH:  # [times, positions]: n instants and n rows of 3 numbers
            import numpy as np

            if not (isinstance(v, list) and len(v) == 2):
                return f"{at}: expected [times, positions]"
            try:
                tt, r = np.asarray(v[0], dtype=float), np.asarray(v[1], dtype=float)
            except (TypeError, ValueError):
                return f"{at}: expected [times, positions] of numbers"
            if (tt.ndim != 1 or r.ndim != 2 or r.shape != (len(tt), 3) or len(tt) < 2
                    or not (np.isfinite(tt).all() and np.isfinite(r).all())):
                return f"{at}: expected n times and n positions of 3 finite numbers"
        else:  # pragma: no cover - a mistake in the spec itself
            raise ValueError(f"unknown shape spec {sp!r}")
    return None


def _consistent(data: dict) -> str | None:
    """Cross-checks the shape alone cannot make (the crewed craft and its milestones exist)."""
    trajectories = data["trajectories"]
    crewed = trajectories.get(data["crewed"])
    if crewed is None:
        return "plan.crewed: no such trajectory"
    if "earth_departure" not in crewed["milestones"]:
        return "plan.trajectories: the crewed trajectory has no earth_departure"
    for name in ("r", "v"):
        if set(data["table"][name]) != set(data["table"]["r"]):
            return "plan.table: positions and velocities of different bodies"
    lengths = {len(a) for a in data["table"]["r"].values()} | {len(a) for a in data["table"]["v"].values()}
    if len(lengths) != 1 or data["table"]["step"] <= 0:
        return "plan.table: rows of different lengths"
    if data["span"][1] < data["span"][0]:
        return "plan.span: ends before it starts"
    return None


def load(key: str) -> dict | None:
    """The cached plan dictionary for ``key``, or None if absent, unreadable, stale or misshapen."""
    path = path_for(key)
    from marsviz.errors import MarsvizError
    from marsviz.safeio import read_limited

    if not os.path.lexists(path):
        return None
    try:
        data = json.loads(read_limited(path, MAX_ENTRY_BYTES, "plan cache").decode("utf-8"))
    except (MarsvizError, ValueError, RecursionError) as exc:
        log.warning("ignoring unreadable plan cache %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("cache_key") != key:
        log.warning("ignoring stale plan cache %s", path)
        return None
    problem = shape_problem(data) or _consistent(data)
    if problem:
        log.warning("ignoring a plan cache of the wrong shape %s: %s", path, problem)
        return None
    return data


def save(key: str, data: dict) -> Path | None:
    """Write ``data`` atomically; a cache that cannot be written is only a warning.

    The entry is the cache's own file: a newer design of the same key replaces it.
    """
    from marsviz import safeio
    from marsviz.errors import MarsvizError

    path = path_for(key)
    data = dict(data, cache_key=key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        safeio.write_text(path, json.dumps(data, separators=(",", ":")), overwrite=True)
        return path
    except (OSError, MarsvizError) as exc:
        log.warning("could not write the plan cache %s: %s", path, exc)
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
