"""The national supply view: milestone checks, and the fleet a supply model says the demand needs.

`milestones` compares the run's tokens per day (averaged over each milestone's window, centred
on its date and cut by the horizon) with the observed figures. `supply_model` turns the demand
into the compute it needs, where a scaled run cannot hold whole replicas: GPUs = tokens per
second / (tokens per GPU-second x target utilization), and their cost, energy and carbon. With
installed GPUs given, utilization is the demand over the installed capacity.

Where a supply model is given, it is the run's fleet: the time series' GPUs, GPU cost, energy,
energy cost, CO2 and utilization (and so the summary and every figure) come from it, split
between providers by their share of each interval's tokens. Latencies and queues stay those of
the simulated fraction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario

__all__ = ["SUPPLY_COLUMNS", "national_series", "milestone_check", "supply_fleet", "national_keys"]

# the time-series columns a supply model replaces
SUPPLY_COLUMNS = ("gpus", "gpu_cost", "energy_kwh", "energy_cost", "co2_kg", "utilization")


def national_series(scenario: Scenario, ts: pd.DataFrame, rates: list[Decimal]) -> pd.DataFrame:
    """Per report interval, all providers together: tokens per day, price, and the supply model."""
    rate = dict(zip([p.name for p in scenario.providers], rates))
    frame = ts.assign(
        tokens=ts["input_tokens"] + ts["output_tokens"],
        revenue_value=ts["revenue"].astype(float) * ts["provider"].map(lambda p: float(rate[p])),
        length=ts["interval_end_s"] - ts["interval_start_s"],
    ).groupby("interval_start_s", sort=True).agg(time=("time", "first"), tokens=("tokens", "sum"),
                                                 revenue=("revenue_value", "sum"), length=("length", "first"))
    frame["tokens_per_day"] = frame["tokens"] / frame["length"] * 86400.0
    frame["price_per_million"] = frame["revenue"] / frame["tokens"].where(frame["tokens"] > 0) * 1e6
    if scenario.supply_model is not None:
        _supply(scenario, frame)
    return frame.reset_index()


def _supply(scenario: Scenario, frame: pd.DataFrame) -> None:
    model = scenario.supply_model
    assert model is not None
    per_s = frame["tokens"] / frame["length"]
    frame["gpus_needed"] = per_s / (model.tokens_per_gpu_s * model.target_utilization)
    if model.installed_gpus:  # supply given: utilization is demand over installed capacity
        times = np.asarray([t for t, _ in model.installed_gpus], dtype=float)
        counts = np.log(np.asarray([g for _, g in model.installed_gpus], dtype=float))
        mid = frame.index.to_numpy() + frame["length"].to_numpy() / 2  # index: interval start (s)
        frame["gpus_installed"] = np.exp(np.interp(mid, times, counts))
        demand = per_s / (frame["gpus_installed"] * model.tokens_per_gpu_s)
        frame["utilization"] = np.minimum(1.0, demand)
        frame["unserved_share"] = np.maximum(0.0, 1.0 - 1.0 / demand.where(demand > 0, 1.0))
    else:
        frame["utilization"] = model.target_utilization
    gpus = frame["gpus_installed"] if model.installed_gpus else frame["gpus_needed"]
    utilization = frame["utilization"]
    watts = model.power_w.idle + (model.power_w.busy - model.power_w.idle) * utilization
    hours = frame["length"] / 3600.0
    frame["gpus"] = gpus
    frame["gpu_cost"] = gpus * model.gpu_cost_per_hour * hours
    frame["energy_kwh"] = gpus * watts * model.pue * hours / 1000.0
    frame["energy_cost"] = frame["energy_kwh"] * model.energy_price_per_kwh
    frame["co2_t"] = frame["energy_kwh"] * model.carbon_g_per_kwh / 1e6
    cost = frame["gpu_cost"] + frame["energy_cost"]
    frame["supply_cost_per_million"] = cost / frame["tokens"].where(frame["tokens"] > 0) * 1e6


def supply_fleet(ts: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """The time series with its fleet columns from the supply model, split by each provider's tokens."""
    tokens = (ts["input_tokens"] + ts["output_tokens"]).to_numpy(dtype=float)
    k = ts["interval_start_s"].to_numpy()
    row = pd.Index(national["interval_start_s"]).get_indexer(k)
    total = national["tokens"].to_numpy(dtype=float)[row]
    providers = ts["provider"].nunique()
    share = np.where(total > 0, tokens / np.where(total > 0, total, 1.0), 1.0 / providers)
    out = ts.copy()
    for column in ("gpus", "gpu_cost", "energy_kwh", "energy_cost"):
        out[column] = national[column].to_numpy()[row] * share
    out["co2_kg"] = national["co2_t"].to_numpy()[row] * 1000.0 * share
    out["utilization"] = national["utilization"].to_numpy(dtype=float)[row]
    out["cost"] = out["gpu_cost"] + out["energy_cost"]
    return out


def milestone_check(scenario: Scenario, national: pd.DataFrame) -> pd.DataFrame:
    """Each milestone: the run's mean tokens per day around it, the observed figure, the ratio."""
    start = scenario.start_local
    rows = []
    for m in scenario.milestones:
        centre = (m.at - start).total_seconds()
        lo, hi = centre - m.window / 2, centre + m.window / 2
        inside = (national["interval_start_s"] >= lo) & (national["interval_start_s"] < hi)
        simulated = float((national.loc[inside, "tokens"]).sum() / national.loc[inside, "length"].sum() * 86400.0)
        rows.append({"date": m.at.date().isoformat(), "observed_tokens_per_day": m.daily_tokens,
                     "simulated_tokens_per_day": simulated, "ratio": simulated / m.daily_tokens,
                     "window_days": m.window / 86400, "source": m.source})
    return pd.DataFrame(rows)


def national_keys(national: pd.DataFrame, milestones: pd.DataFrame) -> dict[str, Any]:
    """Flat keys for summary.json: milestone ratios and the supply model's figures at the end."""
    out: dict[str, Any] = {}
    for _, row in milestones.iterrows():
        out[f"milestone.{row['date']}.ratio"] = round(float(row["ratio"]), 4)
    if "gpus_needed" in national:
        last = national.iloc[-1]
        out["supply.gpus_needed_end"] = round(float(last["gpus_needed"]))
        if "gpus_installed" in national:
            out["supply.gpus_installed_end"] = round(float(last["gpus_installed"]))
            out["supply.utilization_end"] = round(float(last["utilization"]), 4)
            out["supply.utilization_max"] = round(float(national["utilization"].max()), 4)
        out["supply.energy_gwh"] = round(float(national["energy_kwh"].sum()) / 1e6, 3)
        out["supply.co2_kt"] = round(float(national["co2_t"].sum()) / 1e3, 3)
        out["supply.cost_per_million_end"] = round(float(last["supply_cost_per_million"]), 4)
        out["price_per_million_end"] = round(float(last["price_per_million"]), 4)
    return out
