"""Scenario files: loading and validating the mission description (TOML).

A scenario names the spacecraft, their constraints and orbits, the propulsion, the story's
events and the guided tour. Everything here is plain data: no astropy, no orbital mechanics,
so a scenario can be checked in milliseconds. Each problem raises
:class:`~marsviz.errors.ScenarioError` naming the file, the field, the line where it can be
found, and the reason.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from marsviz.errors import ScenarioError, UsageError
from marsviz.textsafe import char_name, find_unsafe, safe_text

SCHEMA_VERSION = 1

#: A scenario file is read only if it is a regular file of at most this many bytes.
MAX_FILE_BYTES = 1 << 20
#: Tables and arrays nest at most this deep (the schema needs 4).
MAX_DEPTH = 8
#: Strings that may span lines (other text may hold no control characters at all).
MULTILINE_FIELDS = ("description", "question", "assumed")

#: The documented range of every number in a scenario: (minimum, maximum, minimum excluded).
RANGES = {
    "isp_s": (50.0, 100_000.0, False),
    "flyby_min_altitude_km": (0.0, 1_000_000.0, True),
    "grid_step_days": (0.25, 60.0, False),
    "comparison_step_days": (0.25, 60.0, False),
    "round_trip_days": (0.0, 4000.0, True),
    "altitude_km": (0.0, 10_000_000.0, True),
    "periapsis_km": (0.0, 10_000_000.0, True),
    "apoapsis_km": (0.0, 100_000_000.0, True),
    "entry_altitude_km": (0.0, 1000.0, True),
    "max_entry_speed_kms": (0.0, 50.0, True),
    "cruise_days_per_second": (0.0, 10_000.0, True),
    "approach_days_per_second": (0.0, 10_000.0, True),
    "approach_days": (0.0, 365.0, False),
    "signal_seconds": (0.0, 600.0, True),
    "sol_seconds": (4.0, 600.0, False),
    "crew": (0, 1000, False),
    # A lander's place at its site: metres east and north of the site's centre.
    "east_m": (-2000.0, 2000.0, False),
    "north_m": (-2000.0, 2000.0, False),
}
#: Durations given as [minimum, maximum] days (stay, transfer, leg bounds).
SPAN_MAX_DAYS = 4000.0
#: An event's offset from its milestone, at most this many days either way.
MAX_OFFSET_DAYS = 3660.0
#: Absolute event dates (the prologue and epilogue may lie beyond the ephemeris).
EVENT_YEARS = (1900, 2200)
#: A departure window is at most this long.
MAX_WINDOW_DAYS = 7400.0
#: Dates the design needs must lie in JPL DE421's coverage (UTC, with a day's margin), whichever
#: ephemeris is chosen, so that a plan can always be designed with both.
EPHEMERIS_SPAN = (_dt.datetime(1899, 7, 30), _dt.datetime(2053, 10, 8))
#: Margin the design keeps around the windows (days; see marsviz.mission.planner).
TABLE_MARGIN_DAYS = 120.0
#: The largest coarse design grid (window dates x dates of the whole flight).
MAX_GRID_CELLS = 1_500_000

#: Bodies a leg may start from, end at or swing by.
BODIES = ("mercury", "venus", "earth", "mars")
#: Event categories, in the order the timeline legend lists them.
CATEGORIES = ("failure", "milestone", "surface", "crew", "politics")
ERAS = ("mission", "prologue", "epilogue")
SIGNALS = ("to_earth", "from_earth")
EARTH_RETURN_MODES = ("entry", "capture")

_UNITS_DAYS = {"d": 1.0, "day": 1.0, "days": 1.0, "h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24,
               "min": 1 / 1440, "mins": 1 / 1440, "minute": 1 / 1440, "minutes": 1 / 1440}
_REL_RE = re.compile(
    r"^\s*(?P<ms>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)(?P<terms>(?:\s*[+-]\s*\d+(?:\.\d+)?\s*[a-z]+)*)\s*$"
)
_TERM_RE = re.compile(r"([+-])\s*(\d+(?:\.\d+)?)\s*([a-z]+)")
_ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
#: A card must stay up long enough to read (seconds); the storyboard never holds less.
MIN_CARD_SECONDS = 4.0
MAX_CARD_SECONDS = 120.0
SHOT_HELP = "use overview, inner, planet:<body>, surface:<site> or ship:<spacecraft>"

#: Default bounds on each leg's time of flight (days), by the pair of bodies it joins.
DEFAULT_LEG_DAYS = {
    frozenset(("earth", "mars")): (90.0, 450.0),
    frozenset(("earth", "venus")): (60.0, 300.0),
    frozenset(("venus", "mars")): (60.0, 400.0),
}
FALLBACK_LEG_DAYS = (60.0, 500.0)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Propulsion:
    id: str
    label: str
    isp_s: float


@dataclass(frozen=True)
class Orbit:
    """A parking or capture orbit around ``body``: periapsis and apoapsis altitudes in km."""

    body: str
    periapsis_km: float
    apoapsis_km: float


@dataclass(frozen=True)
class EarthReturn:
    """How a round trip ends at Earth.

    ``entry``: the vehicle brakes on final approach so that its speed at the entry interface
    does not exceed ``max_entry_speed_kms``. ``capture``: it burns into ``orbit``.
    """

    mode: str
    entry_altitude_km: float = 121.0
    max_entry_speed_kms: float = 12.0
    orbit: Orbit | None = None


@dataclass(frozen=True)
class Spacecraft:
    id: str
    name: str
    role: str
    crew: int
    propulsion: Propulsion
    departure_window: tuple[_dt.datetime, _dt.datetime]
    sequences: tuple[tuple[str, ...], ...]
    parking_orbit: Orbit
    capture_orbit: Orbit
    round_trip_days: float | None = None
    stay_days: tuple[float, float] | None = None
    transfer_days: tuple[float, float] | None = None
    earth_return: EarthReturn | None = None
    comparison_window: tuple[_dt.datetime, _dt.datetime] | None = None
    color: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)

    @property
    def round_trip(self) -> bool:
        return self.round_trip_days is not None


@dataclass(frozen=True)
class EventTime:
    """When an event happens: an absolute UTC instant, or an offset from a milestone."""

    text: str
    absolute: _dt.datetime | None = None
    milestone: str | None = None
    offset_days: float = 0.0


@dataclass(frozen=True)
class Event:
    index: int
    id: str
    title: str
    description: str
    category: str
    at: EventTime
    source: str
    spacecraft: str | None = None
    body: str | None = None
    era: str = "mission"
    assumed: str = ""
    tour: bool = True
    question: str = ""
    signal: str | None = None
    camera: str | None = None   # storyboard overrides: shot, card seconds, days per second
    hold_s: float | None = None
    pace: float | None = None
    site: str | None = None


@dataclass(frozen=True)
class Visit:
    """A spacecraft landing at a site (and, with ``lift_off``, leaving it again)."""

    spacecraft: str
    land: EventTime
    lift_off: EventTime | None = None
    dock: str | None = None
    descent_hours: float = 12.0
    ascent_hours: float = 6.0
    east_m: float = 0.0    # where the lander stands: metres east and north of the site's centre
    north_m: float = 0.0


@dataclass(frozen=True)
class Structure:
    """Something built at a site (a drill rig, a well head), drawn from ``built`` on."""

    model: str
    built: EventTime
    east_m: float = 0.0
    north_m: float = 0.0


@dataclass(frozen=True)
class Site:
    """A place on a planet's surface: planetocentric latitude, east longitude (degrees)."""

    id: str
    name: str
    body: str
    latitude_deg: float
    longitude_deg: float
    description: str = ""
    assumed: str = ""
    visits: tuple = ()
    structures: tuple = ()


@dataclass(frozen=True)
class Tour:
    cruise_days_per_second: float = 25.0
    approach_days_per_second: float = 2.0
    approach_days: float = 5.0
    signal_seconds: float = 8.0
    min_hold_s: float = 4.0
    reading_chars_per_second: float = 20.0
    ease_seconds: float = 1.0
    move_seconds: float = 3.0
    sol_seconds: float = 8.0

    @property
    def story(self) -> dict:
        """The storyboard's settings beyond the classic tour's four."""
        return {"min_hold_s": self.min_hold_s, "reading_chars_per_second": self.reading_chars_per_second,
                "ease_seconds": self.ease_seconds, "move_seconds": self.move_seconds,
                "sol_seconds": self.sol_seconds}


@dataclass(frozen=True)
class Design:
    flyby_min_altitude_km: float = 300.0
    grid_step_days: float = 3.0
    comparison_step_days: float = 6.0
    leg_days: dict = field(default_factory=dict)

    def leg_bounds(self, a: str, b: str) -> tuple[float, float]:
        key = frozenset((a, b))
        if key in self.leg_days:
            return self.leg_days[key]
        return DEFAULT_LEG_DAYS.get(key, FALLBACK_LEG_DAYS)


@dataclass(frozen=True)
class Scenario:
    path: Path
    display_path: str
    name: str
    title: str
    description: str
    crewed: str
    ephemeris: str
    spacecraft: dict[str, Spacecraft]
    events: tuple[Event, ...]
    tour: Tour
    design: Design
    propulsion: dict[str, Propulsion]
    digest: str
    text: str
    sites: dict = field(default_factory=dict)

    @property
    def crewed_craft(self) -> Spacecraft:
        return self.spacecraft[self.crewed]

    def error(self, field: str | None, reason: str) -> ScenarioError:
        """A :class:`ScenarioError` for ``field`` of this scenario, with its line if found."""
        return ScenarioError(self.display_path, field, reason, locate(self.text, field))


# --------------------------------------------------------------------------------------------
# Locating a field in the TOML text (tomllib gives positions only for syntax errors)
# --------------------------------------------------------------------------------------------
_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def _split_field(field_path: str) -> list:
    parts: list = []
    for piece in field_path.split("."):
        m = re.match(r"^([^\[]+)((?:\[\d+\])*)$", piece)
        if not m:
            parts.append(piece)
            continue
        parts.append(m.group(1))
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            parts.append(int(idx))
    return parts


def locate(text: str, field_path: str | None) -> int | None:
    """Best-effort 1-based line number of ``field_path`` (``event[2].at``) in TOML ``text``."""
    if not field_path:
        return None
    want = _split_field(field_path)
    counts: dict[str, int] = {}
    table: list = []
    best = None
    for lineno, line in enumerate(text.splitlines(), 1):
        h = _HEADER_RE.match(line)
        if h and not line.lstrip().startswith("#"):
            name = [p.strip().strip('"') for p in h.group(2).split(".")]
            if h.group(1) == "[[":
                key = ".".join(name)
                counts[key] = counts.get(key, 0) + 1
                table = name + [counts[key] - 1]
            else:
                table = name
            if table == want[: len(table)] and (best is None or len(table) == len(want)):
                best = lineno
                if len(table) == len(want):
                    return lineno
            continue
        k = _KEY_RE.match(line)
        if k and not line.lstrip().startswith("#"):
            key = [p.strip().strip('"') for p in k.group(1).split(".")]
            full = table + key
            n = len(full)
            if full == want[:n] and n <= len(want):
                return lineno
    return best


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
class _Reader:
    """Typed access to a TOML table that raises ScenarioError naming the field."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text

    def fail(self, field_path: str, reason: str) -> ScenarioError:
        return ScenarioError(self.path, field_path, reason, locate(self.text, field_path))

    def get(self, table: dict, key: str, where: str, kind, required=True, default=None):
        fp = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                if where:
                    raise self.fail(where, f"missing required field '{key}'")
                raise self.fail(key, "missing required field")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            try:
                value = float(value)
            except OverflowError:
                raise self.fail(fp, "is far too large a number") from None
        if bool not in kinds and isinstance(value, bool):
            raise self.fail(fp, f"expected {_kind_name(kinds)}, got a boolean")
        if not isinstance(value, kinds):
            raise self.fail(fp, f"expected {_kind_name(kinds)}, got {_type_desc(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(fp, f"must be a finite number, got {value!r}")
        return value

    def number(self, table, key, where, required=True, default=None, kind=float):
        """A finite number in the documented range of ``key`` (see :data:`RANGES`)."""
        v = self.get(table, key, where, kind, required, default)
        if v is None or key not in table:
            return v
        lo, hi, lo_open = RANGES[key]
        if v < lo or (lo_open and v == lo) or v > hi:
            fp = f"{where}.{key}" if where else key
            if abs(v) > 1e15:
                raise self.fail(fp, f"is far too large a number (the range is {lo:g} to {hi:g})")
            if lo == 0 and lo_open and v <= 0:
                raise self.fail(fp, f"must be positive, got {v:g}")
            if lo == 0 and v < 0:
                raise self.fail(fp, f"must not be negative, got {v:g}")
            raise self.fail(fp, f"{v:g} is outside {lo:g} to {hi:g}")
        return v

    def positive(self, table, key, where, required=True, default=None, allow_zero=False):
        if key in RANGES:
            return self.number(table, key, where, required, default)
        v = self.get(table, key, where, float, required, default)
        if v is None:
            return v
        if v < 0 or (v == 0 and not allow_zero):
            fp = f"{where}.{key}" if where else key
            raise self.fail(fp, f"must be {'non-negative' if allow_zero else 'positive'}, got {v:g}")
        return v

    def date(self, value, field_path: str) -> _dt.datetime:
        return parse_date(value, lambda reason: self.fail(field_path, reason))

    def window(self, table, key, where, required=True):
        fp = f"{where}.{key}"
        raw = self.get(table, key, where, list, required)
        if raw is None:
            return None
        if len(raw) != 2:
            raise self.fail(fp, f"expected [start, end], got {len(raw)} values")
        start, end = (self.date(v, fp) for v in raw)
        if end <= start:
            raise self.fail(fp, f"end {end:%Y-%m-%d} is not after start {start:%Y-%m-%d}")
        if (end - start).days > MAX_WINDOW_DAYS:
            raise self.fail(fp, f"{(end - start).days} days long; a window is at most {MAX_WINDOW_DAYS:g} days")
        lo, hi = EPHEMERIS_SPAN
        if start < lo or end > hi:
            raise self.fail(fp, f"{_day(start)} to {_day(end)} is outside the ephemeris "
                                f"(JPL DE421: {_day(lo)} to {_day(hi)})")
        return start, end

    def span(self, table, key, where, required=True):
        fp = f"{where}.{key}"
        raw = self.get(table, key, where, list, required)
        if raw is None:
            return None
        if len(raw) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                    for v in raw):
            raise self.fail(fp, "expected [minimum, maximum] in days")
        lo, hi = float(raw[0]), float(raw[1])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise self.fail(fp, f"must be finite numbers of days, got [{lo!r}, {hi!r}]")
        if hi > SPAN_MAX_DAYS:
            raise self.fail(fp, f"maximum {hi:g} days is more than {SPAN_MAX_DAYS:g}")
        if lo < 0 or hi < 0:
            raise self.fail(fp, f"durations must not be negative, got [{lo:g}, {hi:g}]")
        if hi < lo:
            raise self.fail(fp, f"maximum {hi:g} is less than minimum {lo:g}")
        return lo, hi


def _day(d: _dt.datetime) -> str:
    """``0001-01-01``: a date as ISO, with four-digit years even far in the past."""
    return d.date().isoformat()


def _type_desc(value) -> str:
    """``str 'abc'``, shortened: an error message quotes at most a few dozen characters."""
    if isinstance(value, int) and abs(value) > 10**15:
        return "int (a huge number)"
    if isinstance(value, (list, dict)):
        return {list: "a list", dict: "a table"}[type(value)]
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _kind_name(kinds) -> str:
    names = {str: "a string", float: "a number", int: "an integer", list: "a list",
             dict: "a table", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_date(value, fail) -> _dt.datetime:
    """A UTC datetime from a TOML date/datetime or an ISO string; ``fail(reason)`` makes the error."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = _to_utc(value, fail)
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise fail(f"expected a date such as \"2030-02-14\", got {value!r}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _dt.datetime.strptime(text, "%Y-%m-%d")
        parsed = _dt.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError as exc:
        raise fail(f"bad date {value!r}: {exc}") from None
    if parsed.tzinfo is not None:
        parsed = _to_utc(parsed, fail)
    return parsed


def _to_utc(value: _dt.datetime, fail) -> _dt.datetime:
    """The same instant in UTC, without its zone (refused if that falls outside years 1-9999)."""
    try:
        return value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise fail(f"{value.isoformat()} is outside the years 1 to 9999 in UTC") from None


def parse_event_time(value, fail) -> EventTime:
    """Parse an event's ``at``: a date (``2026-07-01``) or ``milestone [+|-] N d|h|min ...``."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return EventTime(text=value.isoformat(), absolute=parse_date(value, fail))
    if not isinstance(value, str):
        raise fail(f"expected a date or 'milestone + N d', got {value!r}")
    if re.match(r"^\s*\d{4}-", value):
        return EventTime(text=value, absolute=parse_date(value, fail))
    m = _REL_RE.match(value.lower())
    if not m:
        raise fail(f"cannot read {value!r}: expected a date (2030-02-14) or a milestone "
                   "with an optional offset (mars_arrival + 3 d)")
    offset = 0.0
    for sign, num, unit in _TERM_RE.findall(m.group("terms")):
        if unit not in _UNITS_DAYS:
            raise fail(f"unknown unit {unit!r} in {value!r} (use d, h or min)")
        offset += (-1 if sign == "-" else 1) * float(num) * _UNITS_DAYS[unit]
    return EventTime(text=value, milestone=m.group("ms"), offset_days=offset)


def parse_sequence(text: str) -> tuple[str, ...]:
    return tuple(p.strip().lower() for p in text.split("-"))


def milestone_names(sequence: tuple[str, ...]) -> list[str]:
    """Milestones a sequence of bodies produces, in time order.

    ``earth-venus-mars-earth`` gives ``earth_departure, venus_flyby_outbound, mars_arrival,
    mars_departure, earth_arrival``.
    """
    names = [f"{sequence[0]}_departure"]
    if "mars" not in sequence:
        return names + [f"{sequence[-1]}_arrival"]
    im = sequence.index("mars")
    for body in sequence[1:im]:
        names.append(f"{body}_flyby_outbound")
    names.append("mars_arrival")
    if im < len(sequence) - 1:
        names.append("mars_departure")
        for body in sequence[im + 1:-1]:
            names.append(f"{body}_flyby_inbound")
        names.append(f"{sequence[-1]}_arrival")
    return names


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file (the embedded Olympus scenario when ``path`` is None)."""
    from marsviz.resources import default_scenario

    if path is None:
        real = default_scenario()
        shown = "olympus.toml (built in)"
    else:
        real = Path(path)
        shown = str(path)
    from marsviz.safeio import read_limited

    try:
        data_bytes = read_limited(real, MAX_FILE_BYTES, "file")
    except UsageError as exc:
        # read_limited says "<path>: <reason>"; a ScenarioError puts the path as the user gave it.
        reason = str(exc)
        prefix = f"{real}: "
        raise ScenarioError(shown, None, reason[len(prefix):] if reason.startswith(prefix) else reason) from None
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(shown, None, f"not UTF-8 text (byte {exc.start})") from None
    return parse_scenario(text, shown, real)


def parse_scenario(text: str, shown: str = "<scenario>", real: Path | None = None) -> Scenario:
    """Validate scenario ``text``; ``shown`` is the name used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if m:
            reason += f" (column {m.group(2)})"
        raise ScenarioError(shown, None, f"TOML syntax error: {reason}", line) from None
    except RecursionError:
        raise ScenarioError(shown, None, f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        reason = "a number of thousands of digits" if "digits" in str(exc) else str(exc)
        raise ScenarioError(shown, None, f"TOML value cannot be read: {reason}") from None

    rd = _Reader(shown, text)
    _check_structure(rd, data)
    schema = rd.get(data, "schema", "", int, required=False, default=SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        raise rd.fail("schema", f"unsupported schema {schema} (this marsviz reads {SCHEMA_VERSION})")
    name = rd.get(data, "name", "", str)
    title = rd.get(data, "title", "", str, required=False, default=name)
    description = rd.get(data, "description", "", str, required=False, default="")
    ephemeris = rd.get(data, "ephemeris", "", str, required=False, default="de421").lower()
    if ephemeris not in ("de421", "builtin"):
        raise rd.fail("ephemeris", f"unknown ephemeris {ephemeris!r} (use \"de421\" or \"builtin\")")

    # Propulsion ------------------------------------------------------------------------------
    prop_tbl = rd.get(data, "propulsion", "", dict)
    propulsion: dict[str, Propulsion] = {}
    for pid, ptbl in prop_tbl.items():
        where = f"propulsion.{pid}"
        if not isinstance(ptbl, dict):
            raise rd.fail(where, "expected a table")
        isp = rd.positive(ptbl, "isp_s", where)
        propulsion[pid] = Propulsion(pid, rd.get(ptbl, "label", where, str, False, pid), isp)
    if not propulsion:
        raise rd.fail("propulsion", "at least one propulsion system is needed")

    # Design ----------------------------------------------------------------------------------
    dtbl = rd.get(data, "design", "", dict, required=False, default={})
    leg_days = {}
    for k, v in rd.get(dtbl, "leg_days", "design", dict, False, {}).items():
        pair = parse_sequence(k)
        if len(pair) != 2 or any(b not in BODIES for b in pair):
            raise rd.fail(f"design.leg_days.{k}", "expected a pair of bodies such as \"earth-mars\"")
        leg_days[frozenset(pair)] = rd.span(dtbl["leg_days"], k, "design.leg_days")
    design = Design(
        flyby_min_altitude_km=rd.positive(dtbl, "flyby_min_altitude_km", "design", False, 300.0),
        grid_step_days=rd.positive(dtbl, "grid_step_days", "design", False, 3.0),
        comparison_step_days=rd.positive(dtbl, "comparison_step_days", "design", False, 6.0),
        leg_days=leg_days,
    )

    # Spacecraft ------------------------------------------------------------------------------
    sc_tbl = rd.get(data, "spacecraft", "", dict)
    if not sc_tbl:
        raise rd.fail("spacecraft", "at least one spacecraft is needed")
    spacecraft: dict[str, Spacecraft] = {}
    for sid, t in sc_tbl.items():
        spacecraft[sid] = _parse_spacecraft(rd, sid, t, propulsion, design)
    crewed = rd.get(data, "crewed", "", str)
    if crewed not in spacecraft:
        raise rd.fail("crewed", f"unknown spacecraft {crewed!r} (known: {', '.join(spacecraft)})")
    if not spacecraft[crewed].round_trip:
        raise rd.fail(f"spacecraft.{crewed}.round_trip_days",
                      "the crewed spacecraft must make a round trip: give round_trip_days")
    _check_design_effort(rd, spacecraft, crewed, design)

    # Tour ------------------------------------------------------------------------------------
    ttbl = rd.get(data, "tour", "", dict, required=False, default={})
    tour = Tour(
        cruise_days_per_second=rd.positive(ttbl, "cruise_days_per_second", "tour", False, 25.0),
        approach_days_per_second=rd.positive(ttbl, "approach_days_per_second", "tour", False, 2.0),
        approach_days=rd.positive(ttbl, "approach_days", "tour", False, 5.0, allow_zero=True),
        signal_seconds=rd.positive(ttbl, "signal_seconds", "tour", False, 8.0),
        **_story_settings(rd, ttbl),
    )
    if tour.approach_days_per_second > tour.cruise_days_per_second:
        # The storyboard slows from the cruise rate to the approach rate next to each event.
        raise rd.fail("tour.approach_days_per_second",
                      f"must not be faster than cruise_days_per_second ({tour.cruise_days_per_second:g}), "
                      f"got {tour.approach_days_per_second:g}")

    # Events ----------------------------------------------------------------------------------
    raw_events = rd.get(data, "event", "", list, required=False, default=[])
    events = []
    seen = set()
    valid_ms = _valid_milestones(spacecraft, crewed)
    sites = _parse_sites(rd, data, spacecraft, crewed, valid_ms)
    for i, etbl in enumerate(raw_events):
        ev = _parse_event(rd, i, etbl, spacecraft, crewed, valid_ms)
        if ev.site is not None and ev.site not in sites:
            raise rd.fail(f"event[{i}].site", f"unknown site {ev.site!r} "
                                              f"(known: {', '.join(sites) or 'none'})")
        if ev.id in seen:
            raise rd.fail(f"event[{i}].id", f"duplicate event id {ev.id!r}")
        seen.add(ev.id)
        events.append(ev)

    known = {"schema", "name", "title", "description", "ephemeris", "crewed", "propulsion",
             "design", "spacecraft", "tour", "event", "sites"}
    for key in data:
        if key not in known:
            raise rd.fail(key, f"unknown field (expected one of: {', '.join(sorted(known))})")

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Scenario(
        path=real or Path(shown), display_path=shown, name=name, title=title,
        description=description, crewed=crewed, ephemeris=ephemeris, spacecraft=spacecraft,
        events=tuple(events), tour=tour, design=design, propulsion=propulsion, digest=digest,
        text=text, sites=sites,
    )


def _flight_days(c: Spacecraft) -> float:
    return c.round_trip_days or (c.transfer_days[1] if c.transfer_days else 500.0)


def _check_design_effort(rd: "_Reader", spacecraft: dict, crewed: str, design: Design) -> None:
    """Every date the design needs lies in the ephemeris, and its grids have a bounded size.

    The design reads the ephemeris from each window's start (less a margin) to its end plus the
    longest flight of any spacecraft (plus the margin); the error names the spacecraft and the
    window that reaches too far.
    """
    longest = max(_flight_days(c) for c in spacecraft.values())
    lo, hi = EPHEMERIS_SPAN
    margin = _dt.timedelta(days=TABLE_MARGIN_DAYS)
    windows = [(sid, "departure_window", c.departure_window, design.grid_step_days, _flight_days(c))
               for sid, c in spacecraft.items()]
    cw = spacecraft[crewed].comparison_window
    if cw:
        windows.append((crewed, "comparison_window", cw, design.comparison_step_days,
                        _flight_days(spacecraft[crewed])))
    for sid, key, (start, end), step, flight in windows:
        fp = f"spacecraft.{sid}.{key}"
        first = start - margin
        last = end + _dt.timedelta(days=longest) + margin
        if first < lo or last > hi:
            raise rd.fail(fp, f"{start:%Y-%m-%d} to {end:%Y-%m-%d}: the design needs planet positions from "
                              f"{first:%Y-%m-%d} to {last:%Y-%m-%d} (flights of up to {longest:g} days and "
                              f"a {TABLE_MARGIN_DAYS:g}-day margin), beyond the ephemeris "
                              f"(JPL DE421: {lo:%Y-%m-%d} to {hi:%Y-%m-%d})")
        n_window = (end - start).total_seconds() / 86400.0 / step + 1
        cells = n_window * (n_window + flight / step + 1)
        if cells > MAX_GRID_CELLS:
            which = "grid_step_days" if key == "departure_window" else "comparison_step_days"
            raise rd.fail(f"design.{which}", f"a step of {step:g} days over the {(end - start).days}-day "
                                             f"{key.replace('_', ' ')} of {sid} makes a search grid of "
                                             f"{cells:,.0f} cells; the limit is {MAX_GRID_CELLS:,} "
                                             "(use a larger step or a shorter window)")


def _check_structure(rd: "_Reader", data: dict) -> None:
    """Refuse deep nesting and control characters anywhere in the parsed file (keys too)."""
    stack = [(data, "", 1)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise rd.fail(where, f"nested too deeply (at most {MAX_DEPTH} levels)")
        items = node.items() if isinstance(node, dict) else ((f"[{i}]", v) for i, v in enumerate(node))
        for key, value in items:
            if isinstance(node, dict):
                bad = find_unsafe(key)
                if bad is not None:
                    raise rd.fail(where or None, f"key {safe_text(repr(key))}: control character "
                                                 f"{char_name(key[bad])} at position {bad + 1}")
                fp = f"{where}.{key}" if where else key
            else:
                fp = f"{where}{key}"
            if isinstance(value, str):
                last = fp.rsplit(".", 1)[-1]
                multiline = last in MULTILINE_FIELDS or ".provenance." in f".{fp}"
                bad = find_unsafe(value, allow_newlines=multiline)
                if bad is not None:
                    raise rd.fail(fp, f"control character {char_name(value[bad])} at position {bad + 1} "
                                      "(text may not hold control characters)")
            elif isinstance(value, (dict, list)):
                stack.append((value, fp, depth + 1))


def _valid_milestones(spacecraft: dict[str, Spacecraft], crewed: str) -> dict[str, set[str]]:
    """Every milestone name each spacecraft may have, over all its allowed sequences."""
    out = {}
    for sid, sc in spacecraft.items():
        names = set()
        for seq in sc.sequences:
            names.update(milestone_names(seq))
        out[sid] = names
    return out


def _orbit(rd: _Reader, tbl, key, where, body, required=True) -> Orbit | None:
    fp = f"{where}.{key}"
    o = rd.get(tbl, key, where, dict, required)
    if o is None:
        return None
    b = rd.get(o, "body", fp, str, False, body).lower()
    if b not in BODIES:
        raise rd.fail(f"{fp}.body", f"unknown body {b!r} (known: {', '.join(BODIES)})")
    if "altitude_km" in o:
        alt = rd.positive(o, "altitude_km", fp)
        return Orbit(b, alt, alt)
    peri = rd.positive(o, "periapsis_km", fp)
    apo = rd.positive(o, "apoapsis_km", fp, required=False, default=peri)
    if apo < peri:
        raise rd.fail(f"{fp}.apoapsis_km", f"apoapsis {apo:g} km is below periapsis {peri:g} km")
    return Orbit(b, peri, apo)


def _parse_spacecraft(rd: _Reader, sid, t, propulsion, design) -> Spacecraft:
    where = f"spacecraft.{sid}"
    if not _ID_RE.match(sid):
        raise rd.fail(where, "spacecraft ids are lower-case letters, digits, '_' or '-'")
    if not isinstance(t, dict):
        raise rd.fail(where, "expected a table")
    known = {"name", "role", "crew", "propulsion", "departure_window", "sequences",
             "parking_orbit", "capture_orbit", "round_trip_days", "stay_days", "transfer_days",
             "earth_return", "comparison_window", "color", "provenance"}
    for key in t:
        if key not in known:
            raise rd.fail(f"{where}.{key}", f"unknown field (expected one of: {', '.join(sorted(known))})")
    name = rd.get(t, "name", where, str)
    role = rd.get(t, "role", where, str, False, "")
    crew = rd.number(t, "crew", where, False, 0, kind=int)
    pid = rd.get(t, "propulsion", where, str)
    if pid not in propulsion:
        raise rd.fail(f"{where}.propulsion", f"unknown propulsion {pid!r} (known: {', '.join(propulsion)})")
    window = rd.window(t, "departure_window", where)
    seq_raw = rd.get(t, "sequences", where, list)
    if not seq_raw:
        raise rd.fail(f"{where}.sequences", "at least one sequence is needed")
    round_trip_days = rd.positive(t, "round_trip_days", where, required=False)
    sequences = []
    for j, s in enumerate(seq_raw):
        fp = f"{where}.sequences[{j}]"
        if not isinstance(s, str):
            raise rd.fail(fp, f"expected a string such as \"earth-venus-mars-earth\", got {s!r}")
        seq = parse_sequence(s)
        for b in seq:
            if b not in BODIES:
                raise rd.fail(fp, f"unknown body {b!r} in {s!r} (known: {', '.join(BODIES)})")
        if len(seq) < 2 or seq[0] != "earth":
            raise rd.fail(fp, f"{s!r}: a sequence starts at earth")
        if "mars" not in seq:
            raise rd.fail(fp, f"{s!r}: a sequence must reach mars")
        im = seq.index("mars")
        if seq.count("mars") != 1:
            raise rd.fail(fp, f"{s!r}: mars may appear once (the stay)")
        if any(a == b for a, b in zip(seq, seq[1:])):
            raise rd.fail(fp, f"{s!r}: a leg must join two different bodies")
        if round_trip_days is not None:
            if seq[-1] != "earth" or im == len(seq) - 1:
                raise rd.fail(fp, f"{s!r}: a round trip goes earth-...-mars-...-earth")
            if len(seq) - im - 2 > 1 or im - 1 > 1:
                raise rd.fail(fp, f"{s!r}: at most one swing-by each way is supported")
        else:
            if seq[-1] != "mars":
                raise rd.fail(fp, f"{s!r}: a one-way transfer ends at mars "
                                  "(give round_trip_days for a round trip)")
            if im - 1 > 1:
                raise rd.fail(fp, f"{s!r}: at most one swing-by is supported")
        sequences.append(seq)

    parking = _orbit(rd, t, "parking_orbit", where, "earth")
    capture = _orbit(rd, t, "capture_orbit", where, "mars")
    if parking.body != "earth":
        raise rd.fail(f"{where}.parking_orbit.body", "the parking orbit is around earth")
    if capture.body != "mars":
        raise rd.fail(f"{where}.capture_orbit.body", "the capture orbit is around mars")

    stay = transfer = earth_return = comparison = None
    if round_trip_days is not None:
        stay = rd.span(t, "stay_days", where)
        min_legs = 0.0
        for seq in sequences:
            legs = sum(design.leg_bounds(a, b)[0] for a, b in zip(seq, seq[1:]))
            min_legs = legs if not min_legs else min(min_legs, legs)
        if stay[0] + min_legs > round_trip_days:
            raise rd.fail(f"{where}.round_trip_days",
                          f"impossible: {round_trip_days:g} days cannot hold the minimum stay of "
                          f"{stay[0]:g} days plus legs of at least {min_legs:g} days")
        et = rd.get(t, "earth_return", where, dict, False, {"mode": "entry"})
        ew = f"{where}.earth_return"
        mode = rd.get(et, "mode", ew, str, False, "entry")
        if mode not in EARTH_RETURN_MODES:
            raise rd.fail(f"{ew}.mode", f"unknown mode {mode!r} (use \"entry\" or \"capture\")")
        if mode == "entry":
            earth_return = EarthReturn(
                "entry",
                entry_altitude_km=rd.positive(et, "entry_altitude_km", ew, False, 121.0),
                max_entry_speed_kms=rd.positive(et, "max_entry_speed_kms", ew, False, 12.0),
            )
            if earth_return.max_entry_speed_kms < 11.2:
                raise rd.fail(f"{ew}.max_entry_speed_kms",
                              f"impossible: {earth_return.max_entry_speed_kms:g} km/s is below "
                              "Earth's escape speed at the entry interface (about 11 km/s)")
        else:
            earth_return = EarthReturn("capture", orbit=_orbit(rd, et, "orbit", ew, "earth"))
        comparison = rd.window(t, "comparison_window", where, required=False)
    else:
        for key in ("stay_days", "earth_return", "comparison_window"):
            if key in t:
                raise rd.fail(f"{where}.{key}", "only a round trip (round_trip_days) takes this field")
        transfer = rd.span(t, "transfer_days", where, required=False)

    prov = rd.get(t, "provenance", where, dict, False, {})
    for k, v in prov.items():
        if not isinstance(v, str):
            raise rd.fail(f"{where}.provenance.{k}", "expected a string")
    color = rd.get(t, "color", where, str, False, None)
    if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise rd.fail(f"{where}.color", f"expected a colour such as \"#ff8800\", got {color!r}")
    return Spacecraft(
        id=sid, name=name, role=role, crew=crew, propulsion=propulsion[pid],
        departure_window=window, sequences=tuple(sequences), parking_orbit=parking,
        capture_orbit=capture, round_trip_days=round_trip_days, stay_days=stay,
        transfer_days=transfer, earth_return=earth_return, comparison_window=comparison,
        color=color, provenance=dict(prov),
    )


def _parse_event(rd: _Reader, i, t, spacecraft, crewed, valid_ms) -> Event:
    where = f"event[{i}]"
    if not isinstance(t, dict):
        raise rd.fail(where, "expected a table ([[event]])")
    known = {"id", "title", "description", "category", "at", "source", "spacecraft", "body",
             "era", "assumed", "tour", "question", "signal", "camera", "hold", "pace", "site"}
    for key in t:
        if key not in known:
            raise rd.fail(f"{where}.{key}", f"unknown field (expected one of: {', '.join(sorted(known))})")
    eid = rd.get(t, "id", where, str)
    if not _ID_RE.match(eid):
        raise rd.fail(f"{where}.id", f"{eid!r}: ids are lower-case letters, digits, '_' or '-'")
    title = rd.get(t, "title", where, str)
    description = rd.get(t, "description", where, str, False, "")
    category = rd.get(t, "category", where, str)
    if category not in CATEGORIES:
        raise rd.fail(f"{where}.category", f"unknown category {category!r} (known: {', '.join(CATEGORIES)})")
    source = rd.get(t, "source", where, str)
    if source not in ("seed", "assumed"):
        raise rd.fail(f"{where}.source", f"expected \"seed\" or \"assumed\", got {source!r}")
    assumed = rd.get(t, "assumed", where, str, False, "")
    era = rd.get(t, "era", where, str, False, "mission")
    if era not in ERAS:
        raise rd.fail(f"{where}.era", f"unknown era {era!r} (known: {', '.join(ERAS)})")
    sc = rd.get(t, "spacecraft", where, str, False, None)
    body = rd.get(t, "body", where, str, False, None)
    if sc is not None and body is not None:
        raise rd.fail(f"{where}.body", "give either spacecraft or body, not both")
    if sc is None and body is None:
        raise rd.fail(where, "missing required field 'spacecraft' (or 'body')")
    if sc is not None and sc not in spacecraft:
        raise rd.fail(f"{where}.spacecraft", f"unknown spacecraft {sc!r} (known: {', '.join(spacecraft)})")
    if body is not None:
        body = body.lower()
        if body not in BODIES:
            raise rd.fail(f"{where}.body", f"unknown body {body!r} (known: {', '.join(BODIES)})")
    at = parse_event_time(rd.get(t, "at", where, (str, _dt.date, _dt.datetime)),
                          lambda reason: rd.fail(f"{where}.at", reason))
    if at.absolute is not None and not EVENT_YEARS[0] <= at.absolute.year <= EVENT_YEARS[1]:
        raise rd.fail(f"{where}.at", f"{_day(at.absolute)} is outside the years "
                                     f"{EVENT_YEARS[0]} to {EVENT_YEARS[1]}")
    if not abs(at.offset_days) <= MAX_OFFSET_DAYS:
        raise rd.fail(f"{where}.at", f"an offset of {at.offset_days:g} days from {at.milestone}; "
                                     f"offsets are at most {MAX_OFFSET_DAYS:g} days either way")
    if at.milestone is not None:
        owner, _, ms = at.milestone.rpartition(".")
        if owner and owner not in spacecraft:
            raise rd.fail(f"{where}.at", f"unknown spacecraft {owner!r} in {at.text!r}")
        target = owner or crewed
        if ms not in valid_ms[target]:
            known = ", ".join(sorted(valid_ms[target]))
            raise rd.fail(f"{where}.at", f"unknown milestone {ms!r} for {target} (known: {known})")
        if era != "mission":
            raise rd.fail(f"{where}.era", f"a {era} event is outside the mission: give it a date, "
                                          "not a milestone")
    signal = rd.get(t, "signal", where, str, False, None)
    if signal is not None and signal not in SIGNALS:
        raise rd.fail(f"{where}.signal", f"unknown signal {signal!r} (use \"to_earth\" or \"from_earth\")")
    return Event(
        index=i, id=eid, title=title, description=description, category=category, at=at,
        source=source, spacecraft=sc, body=body, era=era, assumed=assumed,
        tour=rd.get(t, "tour", where, bool, False, True),
        question=rd.get(t, "question", where, str, False, ""), signal=signal,
        site=rd.get(t, "site", where, str, False, None),
        **_story_overrides(rd, t, where, spacecraft),
    )


def _card_seconds(rd: _Reader, tbl, key, where, default=None):
    v = rd.get(tbl, key, where, float, False, default)
    if v is not None and not (MIN_CARD_SECONDS <= v <= MAX_CARD_SECONDS):
        raise rd.fail(f"{where}.{key}", f"must be {MIN_CARD_SECONDS:g} to {MAX_CARD_SECONDS:g} "
                                        f"seconds so a card can be read, got {v:g}")
    return v


def _story_settings(rd: _Reader, ttbl) -> dict:
    """The storyboard's settings in ``[tour]``."""
    return {
        "min_hold_s": _card_seconds(rd, ttbl, "min_hold_s", "tour", MIN_CARD_SECONDS),
        "reading_chars_per_second": rd.positive(ttbl, "reading_chars_per_second", "tour", False, 20.0),
        "ease_seconds": rd.positive(ttbl, "ease_seconds", "tour", False, 1.0),
        "move_seconds": rd.positive(ttbl, "move_seconds", "tour", False, 3.0),
        # Screen seconds for one Mars day at least, during the Mars stay and on surface shots.
        "sol_seconds": rd.positive(ttbl, "sol_seconds", "tour", False, 8.0),
    }


def _story_overrides(rd: _Reader, t, where, spacecraft) -> dict:
    """An event's storyboard overrides: ``camera`` (a shot), ``hold`` (s), ``pace`` (days/s)."""
    camera = rd.get(t, "camera", where, str, False, None)
    if camera is not None:
        fam, _, arg = camera.partition(":")
        ok = ((fam in ("overview", "inner") and not arg)
              or (fam == "planet" and arg in BODIES)
              or (fam == "surface" and bool(_ID_RE.match(arg)))
              or (fam == "ship" and arg in spacecraft))
        if not ok:
            if fam == "planet":
                reason = f"unknown body {arg!r} in {camera!r} (known: {', '.join(BODIES)})"
            elif fam == "ship":
                reason = f"unknown spacecraft {arg!r} in {camera!r} (known: {', '.join(spacecraft)})"
            else:
                reason = f"unknown shot {camera!r} ({SHOT_HELP})"
            raise rd.fail(f"{where}.camera", reason)
    return {"camera": camera, "hold_s": _card_seconds(rd, t, "hold", where),
            "pace": rd.positive(t, "pace", where, required=False)}


#: Bodies a surface site may be on.
SITE_BODIES = ("mercury", "venus", "earth", "mars")
#: What a site's ``structures`` may be (each has a model in marsviz.scene.models).
STRUCTURE_MODELS = ("drill_rig", "well_head")
#: The fields of a site's ``visits`` and ``structures`` entries.
VISIT_FIELDS = {"spacecraft", "land", "lift_off", "dock", "descent_hours", "ascent_hours", "east_m", "north_m"}
STRUCTURE_FIELDS = {"model", "built", "east_m", "north_m"}


def _entries(rd, table, key: str, where: str, known: set, example: str):
    """(field path, table) of each entry of the list of tables ``table[key]``, every entry a table
    with only ``known`` fields (one-line errors otherwise)."""
    for j, v in enumerate(rd.get(table, key, where, list, False, [])):
        path = f"{where}.{key}[{j}]"
        if not isinstance(v, dict):
            raise rd.fail(path, f"expected a table such as {example}")
        for k in v:
            if k not in known:
                raise rd.fail(f"{path}.{k}", f"unknown field (expected one of: {', '.join(sorted(known))})")
        yield path, v


def _parse_sites(rd: _Reader, data, spacecraft, crewed, valid_ms) -> dict:
    """The ``[sites]`` tables: places on a surface, and the landings and lift-offs there."""
    tbl = rd.get(data, "sites", "", dict, required=False, default={})
    sites = {}
    for sid, t in tbl.items():
        where = f"sites.{sid}"
        if not _ID_RE.match(sid):
            raise rd.fail(where, "site ids are lower-case letters, digits, '_' or '-'")
        if not isinstance(t, dict):
            raise rd.fail(where, "expected a table")
        known = {"name", "body", "latitude_deg", "longitude_deg", "description", "assumed", "visits",
                 "structures"}
        for key in t:
            if key not in known:
                raise rd.fail(f"{where}.{key}", f"unknown field (expected one of: {', '.join(sorted(known))})")
        body = rd.get(t, "body", where, str).lower()
        if body not in SITE_BODIES:
            raise rd.fail(f"{where}.body", f"unknown body {body!r} (known: {', '.join(SITE_BODIES)})")
        lat = rd.get(t, "latitude_deg", where, float)
        if not -90.0 <= lat <= 90.0:
            raise rd.fail(f"{where}.latitude_deg", f"must be between -90 and 90, got {lat:g}")
        lon = rd.get(t, "longitude_deg", where, float)
        if not -180.0 <= lon <= 360.0:
            raise rd.fail(f"{where}.longitude_deg", f"must be between -180 and 360 (east), got {lon:g}")
        visits = []
        for vw, v in _entries(rd, t, "visits", where, VISIT_FIELDS,
                              '{ spacecraft = "gagarin", land = "mars_arrival + 2 d" }'):
            sc = rd.get(v, "spacecraft", vw, str)
            if sc not in spacecraft:
                raise rd.fail(f"{vw}.spacecraft", f"unknown spacecraft {sc!r} (known: {', '.join(spacecraft)})")
            times = {key: _site_time(rd, v, key, vw, key == "land", spacecraft, crewed, valid_ms)
                     for key in ("land", "lift_off")}
            dock = rd.get(v, "dock", vw, str, False, None)
            if dock is not None and dock not in spacecraft:
                raise rd.fail(f"{vw}.dock", f"unknown spacecraft {dock!r} (known: {', '.join(spacecraft)})")
            if dock is not None and times["lift_off"] is None:
                raise rd.fail(f"{vw}.dock", "only a visit with lift_off can dock")
            visits.append(Visit(sc, times["land"], times["lift_off"], dock,
                                rd.positive(v, "descent_hours", vw, False, 12.0),
                                rd.positive(v, "ascent_hours", vw, False, 6.0),
                                rd.number(v, "east_m", vw, False, 0.0),
                                rd.number(v, "north_m", vw, False, 0.0)))
        structures = []
        for sw, v in _entries(rd, t, "structures", where, STRUCTURE_FIELDS,
                              '{ model = "drill_rig", built = "mars_arrival + 6 d" }'):
            model = rd.get(v, "model", sw, str)
            if model not in STRUCTURE_MODELS:
                raise rd.fail(f"{sw}.model", f"unknown model {model!r} (known: {', '.join(STRUCTURE_MODELS)})")
            structures.append(Structure(model, _site_time(rd, v, "built", sw, True, spacecraft, crewed, valid_ms),
                                        rd.number(v, "east_m", sw, False, 0.0),
                                        rd.number(v, "north_m", sw, False, 0.0)))
        sites[sid] = Site(sid, rd.get(t, "name", where, str, False, sid), body, lat, lon,
                          rd.get(t, "description", where, str, False, ""),
                          rd.get(t, "assumed", where, str, False, ""), tuple(visits), tuple(structures))
    return sites


def _site_time(rd: _Reader, v: dict, key: str, where: str, required: bool, spacecraft, crewed, valid_ms):
    """A time of a site's visit or structure, in the events' syntax (None when absent)."""
    raw = rd.get(v, key, where, (str, _dt.date, _dt.datetime), required, None)
    if raw is None:
        return None
    at = parse_event_time(raw, lambda reason: rd.fail(f"{where}.{key}", reason))
    if at.milestone is not None:
        owner, _, ms = at.milestone.rpartition(".")
        if owner and owner not in spacecraft:
            raise rd.fail(f"{where}.{key}", f"unknown spacecraft {owner!r} in {at.text!r}")
        target = owner or crewed
        if ms not in valid_ms[target]:
            raise rd.fail(f"{where}.{key}", f"unknown milestone {ms!r} for {target} "
                                            f"(known: {', '.join(sorted(valid_ms[target]))})")
    return at

