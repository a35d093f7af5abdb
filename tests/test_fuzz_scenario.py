"""Property: whatever a scenario holds, ``marsviz plan`` answers with a plan or one line (exit 2).

Hypothesis mutates the built-in Olympus scenario (replaces values with other types, extreme or
non-finite numbers, far dates, unicode and control characters, deep nesting; deletes fields; adds
strange keys) and runs ``marsviz plan`` in this process on a fresh plan cache. The test is about
validation at the boundary: the design itself (seconds per scenario) is replaced by the plan of
the unmutated scenario, so a mutation that passes validation costs milliseconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import tomllib

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from marsviz.cli import main


def olympus_data() -> dict:
    from marsviz.resources import default_scenario

    return tomllib.loads(default_scenario().read_text())


# ---------------------------------------------------------------------------------------------
# A small TOML writer (inline tables and arrays only), so that any mutated value round-trips
# ---------------------------------------------------------------------------------------------
def _toml_str(s: str) -> str:
    out = []
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}" if not 0xD800 <= o <= 0xDFFF else "\\ufffd")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_text(data: dict) -> str:
    return "".join(f"{_toml_str(str(k))} = {toml_value(v)}\n" for k, v in data.items())


def test_the_writer_round_trips_the_scenario():
    data = olympus_data()
    assert tomllib.loads(toml_text(data)) == data


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------
def paths(node, prefix=()):
    """Every (path) to a value inside ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        yield prefix + (k,)
        if isinstance(v, (dict, list)):
            yield from paths(v, prefix + (k,))


ALL_PATHS = list(paths(olympus_data()))

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 0.0, -0.0, 1e-300, 1e300, 2**63, -(2**63), 10**400]),
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "\x1b[2J", "a\nb", "\n\n1\n00:00:00,000 --> 00:00:01,000\nforged", "\u202eevil",
                     "earth_departure + 1e9 d", "mars_arrival - 99999 d", "0001-01-01", "9999-12-31",
                     "2030-02-01T00:00+14:00", "2030-02-30", "earth-mars-earth-mars", "nan", "inf",
                     "terra_nova", "ntr", "x" * 500]),
)
dates = st.one_of(st.dates(), st.datetimes(), st.datetimes(timezones=st.timezones()),
                  st.sampled_from([dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
                                   dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))]))
leaves = st.one_of(numbers, texts, dates, st.booleans())


def nested(depth: int):
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                        max_leaves=depth)


values = st.one_of(leaves, nested(12), st.lists(leaves, max_size=4),
                   st.builds(lambda n: ["x"] if n == 0 else [[[[[[[[[[[["deep"]]]]]]]]]]]], st.integers(0, 1)))
mutation = st.tuples(st.sampled_from(["replace", "delete", "add"]), st.sampled_from(ALL_PATHS),
                     values, st.text(max_size=8))


def apply(data: dict, m) -> None:
    op, path, value, key = m
    parent = data
    for k in path[:-1]:
        parent = parent[k]
    last = path[-1]
    if op == "replace":
        parent[last] = value
    elif op == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[key or "\x00"] = value
    else:
        parent.append(value)


# ---------------------------------------------------------------------------------------------
# The property
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_plan(plan):
    return plan


@pytest.fixture
def fast_design(base_plan, monkeypatch, tmp_path_factory):
    """A fresh plan cache, and the design replaced by the plan of the unmutated scenario."""
    from marsviz.mission import planner

    monkeypatch.setenv("MARSVIZ_CACHE_DIR", str(tmp_path_factory.mktemp("fuzz-cache")))
    calls = []

    def design_plan(scenario, ephemeris="de421", progress=None):
        calls.append(scenario.digest)
        return base_plan

    monkeypatch.setattr(planner, "design_plan", design_plan)
    return calls


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_any_mutated_scenario_gives_a_plan_or_one_line(mutations, fast_design, tmp_path_factory):
    data = olympus_data()
    for m in mutations:
        try:
            apply(data, m)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced the path; keep the rest
    path = tmp_path_factory.mktemp("fuzz") / "mutated.toml"
    path.write_text(toml_text(data), encoding="utf-8", errors="surrogatepass")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["plan", "--scenario", str(path)])
    stderr = err.getvalue()
    event(f"exit {rc}")
    assert rc in (0, 2), stderr
    assert "Traceback" not in stderr
    if rc == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"marsviz: error: {path}"), stderr
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in lines[0])
    else:
        assert "Chosen sequence: " in out.getvalue()
