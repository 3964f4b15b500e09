"""Independent replications of a scenario and 95% confidence intervals for every metric.

Replication k runs with seed ``scenario.seed + k``; each is a pure function of (scenario, seed),
so the results do not depend on the executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ..scenario import Scenario
from .stats import confidence_interval

__all__ = ["Replications", "replicate", "run_task", "run_group_task", "numeric_metrics"]

SERIES = ("output_tokens_per_s", "revenue_per_h", "utilization")


def run_task(task: tuple[Scenario, int]) -> dict:
    """Run one (scenario, seed): its summary and its per-interval totals (picklable, small)."""
    from ..runner import run

    scenario, seed = task
    return _outcome(run(scenario, seed=seed), seed)


def run_group_task(task: tuple[list[Scenario], int]) -> list[dict]:
    """Run scenarios that share one simulation (see `tokenecon.rebill`): simulated once, each billed."""
    from ..rebill import map_variants

    scenarios, seed = task
    outcomes, _ = map_variants(scenarios, lambda result: _outcome(result, seed), seed=seed)
    return outcomes


def _outcome(result, seed: int) -> dict:
    scenario = result.full_scenario or result.scenario
    ts = result.timeseries
    length = (ts["interval_end_s"] - ts["interval_start_s"]).to_numpy()
    rates = np.asarray([float(result.bill.provider_rate[[p.name for p in scenario.providers].index(name)])
                        for name in ts["provider"]])
    frame = pd.DataFrame({
        "t": ts["interval_start_s"].to_numpy(),
        "output_tokens_per_s": ts["output_tokens_per_s"].to_numpy(),
        "revenue_per_h": ts["revenue"].astype(float).to_numpy() * rates / length * 3600.0,
        "slots": ts["utilization"].to_numpy() * ts["replica_s"].to_numpy(),
        "replica_s": ts["replica_s"].to_numpy(),
    }).groupby("t", sort=True).sum()
    series = {
        "t": frame.index.to_numpy(),
        "output_tokens_per_s": frame["output_tokens_per_s"].to_numpy(),
        "revenue_per_h": frame["revenue_per_h"].to_numpy(),
        "utilization": (frame["slots"] / frame["replica_s"]).to_numpy(),
    }
    summary = {k: v for k, v in result.summary().items() if k != "wall_time_s"}
    return {"seed": seed, "summary": summary, "series": series}


def numeric_metrics(summary: dict) -> dict[str, float]:
    """Numeric summary values (exact money strings as numbers) for statistics."""
    out = {}
    for key, value in summary.items():
        if key in ("seed", "duration_s"):
            continue
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[key] = float(value) if value is not None else float("nan")
        elif isinstance(value, str):
            try:
                out[key] = float(Decimal(value))
            except InvalidOperation:
                continue
    return out


@dataclass
class Replications:
    scenario: Scenario
    outcomes: list[dict]

    @property
    def runs(self) -> pd.DataFrame:
        """One row per replication: its seed and every numeric metric."""
        return pd.DataFrame([{"seed": o["seed"], **numeric_metrics(o["summary"])} for o in self.outcomes])

    def table(self) -> pd.DataFrame:
        """Per metric: mean, 95% confidence half width, interval, standard deviation, replications."""
        runs = self.runs
        rows = []
        for metric in runs.columns:
            if metric == "seed":
                continue
            mean, half, std = confidence_interval(runs[metric])
            rows.append({"metric": metric, "mean": mean, "ci95_half_width": half, "ci95_low": mean - half,
                         "ci95_high": mean + half, "std": std, "replications": int(runs[metric].notna().sum())})
        return pd.DataFrame(rows)

    def summary(self) -> dict:
        """Flat means with their 95% half widths (``<metric>_ci95``)."""
        out: dict[str, object] = {"scenario": self.scenario.name, "question": self.scenario.question,
                                  "seed": self.scenario.seed, "replications": len(self.outcomes)}
        table = self.table()
        for metric, mean, half in zip(table["metric"], table["mean"], table["ci95_half_width"]):
            out[metric] = mean
            out[f"{metric}_ci95"] = half
        return out

    def bands(self) -> dict[str, pd.DataFrame]:
        """Per series: time, mean and 95% band across replications."""
        t = self.outcomes[0]["series"]["t"]
        out = {}
        for name in SERIES:
            stack = np.vstack([o["series"][name] for o in self.outcomes])
            stats = [confidence_interval(stack[:, k]) for k in range(stack.shape[1])]
            mean = np.asarray([s[0] for s in stats])
            half = np.nan_to_num(np.asarray([s[1] for s in stats]))
            out[name] = pd.DataFrame({"t": t, "mean": mean, "low": mean - half, "high": mean + half})
        return out


def replicate(scenario: Scenario, replications: int, executor, *, progress: bool = False) -> Replications:
    tasks = [(scenario, scenario.seed + k) for k in range(replications)]
    return Replications(scenario, executor.map(run_task, tasks, desc=f"replicating {scenario.name}",
                                               progress=progress))
