"""Mutations of the shipped scenarios for fuzzing: each file shortened so a run is cheap, then one or
more of its fields dropped, duplicated, retyped, pushed to an extreme, renamed (in every place that
names it, so the result stays valid) or given an unusual but legal value (time zones, offsets,
Unicode names, zero rates, odd billing periods)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))

_DURATION = re.compile(r"^\s*[0-9.eE+-]+\s*(ms|s|min|h|d|w)\s*$")
_RATE = re.compile(r"^\s*[0-9.eE+-]+\s*/\s*(s|min|h|d)\s*$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\dT")

NAMES = ["方案甲", "客户-β", "x", "a" * 64, "Zoë", "🙂", "name with spaces", "ñ_ü", "Ωmega", "٣٤", "A.B", "-lead"]
ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Pacific/Kiritimati",
         "Etc/GMT+12", "Australia/Lord_Howe", "Europe/London", "America/New_York", "Asia/Shanghai", "Nope/Zone"]
OFFSETS = ["+00:00", "+05:45", "+14:00", "-12:00", "+08:00", "-03:30", "Z", ""]
DAYS = ["2026-03-29T00:30:00", "2026-03-08T01:59:59", "2026-11-01T01:00:00", "2026-02-28T23:59:00",
        "2028-02-29T12:00:00", "2026-12-31T23:58:00", "2026-01-01T00:00:00", "1970-01-01T00:00:00"]
DURATIONS = ["1ms", "1s", "59s", "1min", "90min", "0.5h", "1d", "7d", "31d", "1w", "1e-3s", "36500d", "0s", "-1h"]
RATES = ["0/s", "1e-9/s", "0.001/h", "1/d", "2/s", "30/min", "1e6/s", "-1/s"]
NUMBERS = [0, -1, 1, 0.5, 1e-9, 1e-300, 1e15, 2**63, 10**30, -0.0, 3, 1000]
PERIODS = ["day", "week", "month", "year", "hour", "quarter", "1d", "7d", "30d", "", None]


def shipped(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))


def shortened(data: dict, duration: str) -> dict:
    """The scenario over `duration` with report intervals that fit (milestones dropped: they lie years on)."""
    data = copy.deepcopy(data)
    data["duration"] = duration
    data["report_interval"] = {"2min": "1min", "5min": "1min", "1h": "15min"}.get(duration, duration)
    data.pop("milestones", None)
    return _absolute(data)


def _absolute(node: Any) -> Any:
    """Data files named from the scenarios folder (`data/...`), absolute so the file can live anywhere."""
    if isinstance(node, dict):
        return {k: _absolute(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_absolute(v) for v in node]
    return str(SCENARIOS / node) if isinstance(node, str) and node.startswith("data/") else node


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the scenario: keys of mappings and indices of lists, interior nodes included."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += paths(value, prefix + (k,))
    return found


def get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def put(data: Any, path: tuple, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


def drop(data: Any, path: tuple) -> None:
    parent = get(data, path[:-1])
    del parent[path[-1]]


def names(data: dict) -> list[str]:
    """Names other fields refer to: providers, prices, customers, plans."""
    found = [p.get("name") for p in data.get("providers") or [] if isinstance(p, dict)]
    found += [c.get("name") for c in data.get("customers") or [] if isinstance(c, dict)]
    found += list(data.get("pricing") or {}) + list(data.get("plans") or {})
    return [n for n in found if isinstance(n, str) and not n.startswith("catalog:")]


def renamed(node: Any, old: str, new: str) -> Any:
    """Every text equal to `old` (and every mapping key) becomes `new`."""
    if isinstance(node, dict):
        return {(new if k == old else k): renamed(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [renamed(v, old, new) for v in node]
    return new if node == old else node


def unusual(value: Any, key: Any) -> st.SearchStrategy:
    """Values a field of this kind might plausibly hold (legal or just beyond)."""
    if key == "timezone":
        return st.sampled_from(ZONES)
    if key in ("billing_period", "period"):
        return st.sampled_from(PERIODS)
    if isinstance(value, bool):
        return st.sampled_from([not value, "yes", 1, None])
    if isinstance(value, (int, float)):
        scaled = [value * f for f in (0, 0.5, 2, 10, 1e-3, -1)] + [int(value) if value == int(value) else value]
        return st.sampled_from(scaled + NUMBERS + [str(value)])
    if isinstance(value, str):
        if _DURATION.match(value):
            return st.sampled_from(DURATIONS + [value.replace(" ", "")])
        if _RATE.match(value):
            return st.sampled_from(RATES)
        if _DATE.match(value):
            return st.builds(lambda day, offset: day + offset, st.sampled_from(DAYS), st.sampled_from(OFFSETS))
        return st.sampled_from(NAMES + ["", value.upper(), value * 2, "1", " " + value])
    if isinstance(value, list):
        return st.sampled_from([[], value[:1], value + value[:1], value * 2, list(reversed(value))])
    if isinstance(value, dict):
        return st.sampled_from([{}, dict(list(value.items())[:1]), {**value, "unknown_field": 1}])
    return st.sampled_from(NUMBERS)


@st.composite
def mutated(draw, max_changes: int = 2, durations=("2min", "5min")) -> tuple[str, dict, list]:
    """(shipped file, mutated scenario, the changes made)."""
    name = draw(st.sampled_from(SHIPPED))
    data = shortened(shipped(name), draw(st.sampled_from(durations)))
    changes = []
    for _ in range(draw(st.integers(1, max_changes))):
        places = paths(data)
        kind = draw(st.sampled_from(["unusual", "unusual", "unusual", "rename", "drop", "retype", "timezone"]))
        if kind == "rename" and names(data):
            old = draw(st.sampled_from(names(data)))
            new = draw(st.sampled_from(NAMES))
            data = renamed(data, old, new)
            changes.append(("rename", old, new))
            continue
        if kind == "timezone":
            data["timezone"] = draw(st.sampled_from(ZONES))
            changes.append(("timezone", data["timezone"]))
            continue
        path = draw(st.sampled_from(places))
        value = get(data, path)
        if kind == "drop":
            drop(data, path)
            changes.append(("drop", path))
        elif kind == "retype":
            new_value = draw(st.sampled_from([str(value), [value], {"value": value}, None, 1, "1"]))
            put(data, path, new_value)
            changes.append(("retype", path, new_value))
        else:
            new_value = draw(unusual(value, path[-1]))
            put(data, path, new_value)
            changes.append(("set", path, new_value))
    return name, data, changes


# ---------------------------------------------------------------- sweep files over the tests' base scenario

SWEEP_PARAMETERS = {
    "providers.p1.replicas": st.integers(1, 4),
    "providers.p1.performance.max_batch": st.sampled_from([1, 2, 16, 256]),
    "providers.p1.gpu.cost_per_hour": st.sampled_from([0, 0.01, 2.95, 1e4]),
    "pricing.std.output": st.sampled_from([0, 0.001, 8, 10.125, 1e5]),
    "pricing.std.input": st.sampled_from([0, 0.3333, 2.5, 1000]),
    "pricing.std.cached_input": st.sampled_from([0, 0.1, 1.25]),
    "customers.c1.count": st.integers(1, 5),
    "customers.c1.arrivals.rate": st.sampled_from(["1e-6/s", "0.2/s", "1/s", "30/min"]),
    "customers.c1.cache_hit_ratio": st.sampled_from([0, 0.5, 1]),
    "customers.c1.output_tokens.mean": st.sampled_from([1, 50, 4000]),
    "seed": st.integers(0, 2**31),
    "duration": st.sampled_from(["1min", "5min", "10min"]),
    "currency": st.sampled_from(["USD", "CNY", "JPY"]),
    "timezone": st.sampled_from(["UTC", "Asia/Kathmandu", "Pacific/Chatham"]),
}
SWEEP_METRICS = ["revenue", "utilization", "e2e_latency_p95_s", "rejection_rate", "ttft_p95_s", "requests_completed",
                 "p1.margin", "p1.utilization", "margin", "no_such_metric"]


@st.composite
def sweep_specs(draw) -> dict:
    """A sweep that should run: a grid (or points) of a few legal values, optional goal and constraints."""
    keys = draw(st.lists(st.sampled_from(sorted(SWEEP_PARAMETERS)), min_size=1, max_size=2, unique=True))
    spec: dict = {"name": draw(st.sampled_from(["fuzz", *NAMES[:6]])), "base": "base.yaml",
                  "replications": draw(st.sampled_from([1, 1, 2]))}
    if draw(st.booleans()):
        spec["grid"] = {k: draw(st.lists(SWEEP_PARAMETERS[k], min_size=1, max_size=2)) for k in keys}
    else:
        spec["points"] = [{k: draw(SWEEP_PARAMETERS[k]) for k in keys}
                          for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        spec["metrics"] = draw(st.lists(st.sampled_from(SWEEP_METRICS[:-1]), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        goal = draw(st.sampled_from(["maximize", "minimize"]))
        constraints = [{"metric": draw(st.sampled_from(SWEEP_METRICS[:-1])),
                        draw(st.sampled_from(["max", "min"])): draw(st.sampled_from([0, 0.5, 1, 1e9]))}
                       for _ in range(draw(st.integers(0, 2)))]
        spec["optimize"] = {goal: draw(st.sampled_from(SWEEP_METRICS)), "subject_to": constraints}
    return spec
