"""The shape of a run's load curve: batch-slot use per report interval, and how flat it is."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["load_curve", "peak_to_trough"]


def load_curve(result) -> tuple[list, np.ndarray, np.ndarray]:
    """Per report interval (all providers): local times, share of batch slots in use, worst e2e p95."""
    ts = result.timeseries
    grouped = ts.assign(w=ts["utilization"] * ts["replica_s"]).groupby("interval_start_s", sort=True)
    utilization = (grouped["w"].sum() / grouped["replica_s"].sum()).to_numpy()
    start = pd.Timestamp(result.scenario.start_local)
    times = [start + pd.Timedelta(seconds=float(t)) for t in grouped["w"].sum().index]
    return times, utilization, grouped["e2e_p95_s"].max().to_numpy()


def peak_to_trough(result) -> tuple[float, bool]:
    """Busiest over quietest batch-slot use, per clock hour when report intervals are shorter than an
    hour (their mean), else per interval; 1.0 is a flat curve, inf an idle quietest hour. Also
    whether hours (True) or intervals were compared."""
    times, utilization, _ = load_curve(result)
    hourly = result.scenario.report_interval < 3600
    index = pd.DatetimeIndex(times)
    load = pd.Series(utilization, index=index)
    if hourly:
        load = load.groupby(index.floor("h")).mean()
    load = load.dropna()
    if load.empty:
        return math.nan, hourly
    low, high = float(load.min()), float(load.max())
    if low <= 0:
        return (math.inf if high > 0 else 1.0), hourly
    return high / low, hourly
