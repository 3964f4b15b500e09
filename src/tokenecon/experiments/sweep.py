"""Parameter sweeps: a base scenario, overrides by dotted path, replications per point.

A sweep file::

    base: quickstart.yaml              # relative to the sweep file
    replications: 2
    grid:                              # every combination (or `points:` a list of override maps)
      pricing.premium.output: [8, 10, 12]
      providers.acme.replicas: [3, 4, 6]
    optimize:                          # optional: the best point under constraints
      maximize: revenue
      subject_to:
        - {metric: e2e_latency_p95_s, max: 10}
        - {metric: rejection_rate, max: 0.01}

A dotted path walks the scenario as written: mapping keys, and list entries by their `name`
(``providers.acme.replicas``). Every point is validated like a scenario file.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ScenarioError
from ..inputs import load_yaml, missing, quote, read_text
from ..scenario import Scenario, scenario_from_dict
from ..scenario import limits as L
from .replicate import numeric_metrics, run_group_task
from .stats import confidence_interval

__all__ = ["SweepSpec", "load_sweep", "Sweep", "run_sweep", "apply_override"]


class Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: str
    max: float | None = None
    min: float | None = None


class Optimize(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    maximize: str | None = None
    minimize: str | None = None
    subject_to: list[Constraint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_goal(self) -> "Optimize":
        if (self.maximize is None) == (self.minimize is None):
            raise ValueError("give exactly one of 'maximize' or 'minimize'")
        return self


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = Field(default=None, max_length=64,
                             description="names the default folder reports/sweep-<slug of name>")
    base: str
    replications: int = Field(default=1, ge=1, le=L.MAX_REPLICATIONS)
    grid: dict[str, list[Any]] | None = None
    points: list[dict[str, Any]] | None = None
    metrics: list[str] = Field(default_factory=lambda: ["revenue", "utilization", "e2e_latency_p95_s",
                                                        "rejection_rate"])
    optimize: Optimize | None = None
    mode: Literal["grid"] = "grid"

    @model_validator(mode="after")
    def _grid_or_points(self) -> "SweepSpec":
        if (self.grid is None) == (self.points is None):
            raise ValueError("give either 'grid' or 'points'")
        if self.grid is not None:
            if not self.grid:
                raise ValueError("grid is empty: give at least one path with a list of values")
            for path, values in self.grid.items():
                if not isinstance(values, list) or not values:
                    raise ValueError(f"grid.{path}: needs a non-empty list of values")
        if self.points is not None and not self.points:
            raise ValueError("points is empty")
        points = len(self.points) if self.points is not None else \
            math.prod(len(v) for v in (self.grid or {}).values() if isinstance(v, list))
        if points > L.MAX_SWEEP_POINTS:
            raise ValueError(f"the sweep has {points:,} points, more than {L.MAX_SWEEP_POINTS:,}; "
                             "split it or use fewer values")
        if points * self.replications > L.MAX_SWEEP_RUNS:
            raise ValueError(f"the sweep has {points:,} points x {self.replications:,} replications, more than "
                             f"{L.MAX_SWEEP_RUNS:,} runs; split it or use fewer replications")
        return self

    def overrides(self) -> list[dict[str, Any]]:
        if self.points is not None:
            return [dict(p) for p in self.points]
        grid = self.grid
        assert grid is not None  # the model's validator requires `points` or `grid`
        paths = list(grid)
        return [dict(zip(paths, combo)) for combo in itertools.product(*(grid[p] for p in paths))]


def apply_override(data: dict, path: str, value: Any, where: str) -> None:
    """Set `path` (dotted; list entries by name) in a scenario mapping, or raise naming the path."""
    node: Any = data
    parts = path.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            names = [item.get("name") for item in node if isinstance(item, dict)]
            if part not in names:
                close = difflib.get_close_matches(part, [n for n in names if n], n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(map(str, names))})"
                raise ScenarioError(f"no entry named '{part}'{hint}", path=where, field=path)
            index = names.index(part)
            if last:
                raise ScenarioError("a path must end at a field, not a list entry", path=where, field=path)
            node = node[index]
        elif isinstance(node, dict):
            if part not in node and not last:
                close = difflib.get_close_matches(part, list(node), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ScenarioError(f"unknown field '{part}'{hint}", path=where, field=path)
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            raise ScenarioError(f"'{'.'.join(parts[:depth])}' is a value, not a mapping", path=where, field=path)


@dataclass
class Point:
    index: int
    overrides: dict[str, Any]
    scenario: Scenario


def load_sweep(path: str | Path) -> tuple[SweepSpec, list[Point]]:
    path = Path(path)
    raw = load_yaml(read_text(path, "sweep file", error=ScenarioError), str(path), error=ScenarioError)
    if not isinstance(raw, dict):
        raise ScenarioError("expected a mapping with base and grid (or points)", path=str(path))
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(x) for x in err["loc"])[:200] or None
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch" or err["type"] == "string_too_long":
            message += f" (got {quote(err['input'])})"
        raise ScenarioError(message, path=str(path), field=field) from None
    base_path = path.parent / spec.base
    if missing(base_path):
        raise ScenarioError(f"base scenario not found: {base_path}", path=str(path), field="base")
    base = load_yaml(read_text(base_path, "scenario file", error=ScenarioError), str(base_path), error=ScenarioError)
    points = []
    for k, overrides in enumerate(spec.overrides()):
        data = copy.deepcopy(base)
        for key, value in overrides.items():
            apply_override(data, key, value, f"{path}: {'grid' if spec.grid else f'points[{k}]'}")
        try:
            scenario = scenario_from_dict(data, source=f"{path}: point {k} ({_label(overrides)})",
                                          base_dir=str(base_path.parent))
        except ScenarioError as exc:
            raise ScenarioError(str(exc)) from None
        points.append(Point(k, overrides, scenario))
    return spec, points


def _label(overrides: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items())


@dataclass
class Sweep:
    spec: SweepSpec
    points: list[Point]
    outcomes: list[list[dict]]  # per point, per replication
    simulations: int = 0  # event-loop runs behind the outcomes (fewer when points were re-billed)

    @property
    def parameters(self) -> list[str]:
        return list(self.points[0].overrides) if self.points else []

    def runs(self) -> pd.DataFrame:
        rows = []
        for point, outcomes in zip(self.points, self.outcomes):
            for o in outcomes:
                rows.append({"point": point.index, **point.overrides, "seed": o["seed"],
                             **numeric_metrics(o["summary"])})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """One row per point: its parameters, and mean and 95% half width of every metric."""
        rows = []
        for point, outcomes in zip(self.points, self.outcomes):
            metrics = pd.DataFrame([numeric_metrics(o["summary"]) for o in outcomes])
            row = {"point": point.index, **point.overrides}
            for metric in metrics.columns:
                mean, half, _ = confidence_interval(metrics[metric])
                row[metric] = mean
                row[f"{metric}_ci95"] = half
            rows.append(row)
        return pd.DataFrame(rows)

    def feasible(self, table: pd.DataFrame | None = None) -> pd.Series:
        """Per point (row of `table()`): does its mean meet every constraint of `optimize`?"""
        table = self.table() if table is None else table
        feasible = pd.Series(True, index=table.index)
        for c in (self.spec.optimize.subject_to if self.spec.optimize is not None else []):
            if c.metric not in table:
                raise ScenarioError(f"unknown metric '{c.metric}' (known: {', '.join(_metric_names(table))})",
                                    field="optimize.subject_to")
            if c.max is not None:
                feasible &= table[c.metric] <= c.max
            if c.min is not None:
                feasible &= table[c.metric] >= c.min
        return feasible

    def best(self) -> dict | None:
        """The point that optimizes the objective among those meeting every constraint (by mean)."""
        goal = self.spec.optimize
        if goal is None:
            return None
        table = self.table()
        feasible = self.feasible(table)
        metric = goal.maximize or goal.minimize
        if metric is None or metric not in table:  # one of the two is given (the spec's validator)
            raise ScenarioError(f"unknown metric '{metric}' (known: {', '.join(_metric_names(table))})",
                                field="optimize")
        candidates = table[feasible & table[metric].notna()]  # a point where the objective has no value
        if candidates.empty:                                   # (e.g. a latency of no request) is no candidate
            if feasible.any():
                return {"feasible": False, "objective": metric, "no_value": True,
                        "feasible_points": int(feasible.sum()), "points": len(table)}
            return {"feasible": False, "objective": metric}
        values = candidates[metric].to_numpy(dtype=float)  # the first best point, NaN skipped, as idxmax/idxmin
        row = candidates.iloc[int(np.nanargmax(values) if goal.maximize else np.nanargmin(values))]
        return {"feasible": True, "objective": metric, "point": int(row["point"]),
                "overrides": self.points[int(row["point"])].overrides, "value": float(row[metric]),
                "feasible_points": int(feasible.sum()), "points": len(table)}


def _metric_names(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if not c.endswith("_ci95") and c != "point"][:40]


def run_sweep(spec: SweepSpec, points: list[Point], executor, *, progress: bool = False,
              share: bool = True, name: str | None = None) -> Sweep:
    """Every point x replication. Points that differ only in what billing reads (prices, plans, ...)
    share one simulation per replication and are re-billed (see `tokenecon.rebill`). With `progress`,
    finished points are counted on stderr under `name` (default: the spec's name)."""
    from ..rebill import shared_groups

    r = spec.replications
    groups = shared_groups([p.scenario for p in points]) if share else [[k] for k in range(len(points))]
    tasks = [([points[i].scenario for i in group], points[group[0]].scenario.seed + k)
             for group in groups for k in range(r)]
    sizes = [len(group) for group in groups for _ in range(r)]
    results = executor.map(run_group_task, tasks, desc=f"sweep {name or spec.name or Path(spec.base).stem}", progress=progress,
                           unit="point" if r == 1 else "point run", sizes=sizes)
    outcomes: list[list[dict]] = [[{} for _ in range(r)] for _ in points]
    for (group, k), found in zip(((g, k) for g in groups for k in range(r)), results):
        for i, outcome in zip(group, found):
            outcomes[i][k] = outcome
    return Sweep(spec, points, outcomes, simulations=len(tasks))
