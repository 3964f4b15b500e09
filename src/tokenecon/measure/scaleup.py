"""Scale-up of a scaled run (``scale: s`` < 1) to the full scenario, field by declared field.

Every figure of the time series and the summary is declared here as one of:
- ``DEMAND``: counts, tokens and throughput, x 1/s;
- ``FLEET``: GPUs, GPU-hours, energy and CO2, x the fleet's actual replica ratio per interval
  (replicas are whole numbers, so the ratio is not exactly 1/s);
- ``MONEY``: exact decimal strings, x 1/s and then to the cent (an estimate, not a bill);
- intensive figures (latencies, utilization, queue lengths, shares, rates) are not scaled: they
  describe the simulated fraction of the fleet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..load import replica_seconds
from ..scenario import Scenario
from ..units import format_decimal

__all__ = ["DEMAND", "FLEET", "MONEY", "TIMESERIES_FIELDS", "SUMMARY_FIELDS", "scale_timeseries",
           "scale_summary"]

DEMAND, FLEET, MONEY = "demand", "fleet", "money"

TIMESERIES_FIELDS = {
    "requests_arrived": DEMAND, "requests_completed": DEMAND, "requests_rejected": DEMAND,
    "requests_timed_out": DEMAND, "input_tokens": DEMAND, "cached_input_tokens": DEMAND,
    "output_tokens": DEMAND, "output_tokens_per_s": DEMAND, "revenue": MONEY,
    "gpus": FLEET, "gpu_cost": FLEET, "energy_kwh": FLEET, "energy_cost": FLEET, "co2_kg": FLEET,
    "replica_s": FLEET, "busy_s": FLEET, "prefill_s": FLEET, "preemptions": FLEET,
}
# summary keys of the run and of each provider (``<provider>.<key>``); fleet totals come from the
# scaled time series, so they are not scaled again here
SUMMARY_FIELDS = {
    "requests_arrived": DEMAND, "requests_completed": DEMAND, "requests_rejected": DEMAND,
    "requests_timed_out": DEMAND, "requests_running": DEMAND, "input_tokens": DEMAND,
    "cached_input_tokens": DEMAND, "output_tokens": DEMAND, "reasoning_tokens": DEMAND,
    "cache_write_tokens": DEMAND, "output_tokens_per_s": DEMAND, "preemptions": DEMAND,
    "revenue": MONEY, "list_charges": MONEY,
}
# not scaled: `invoices` and `revenue_invoiced` are those of invoices.csv, the simulated sample's bills
# (scaling the sample's cent roundings by 1/scale would invent a gap between revenue and invoices)


def _money(value: str | Decimal, factor: float) -> str:
    return format_decimal((Decimal(value) * Decimal(repr(factor))).quantize(Decimal("0.01")))


def scale_timeseries(frame: pd.DataFrame, simulated: Scenario, full: Scenario, edges: np.ndarray) -> pd.DataFrame:
    """The time series of the simulated fraction, scaled up to the full scenario."""
    factor = 1.0 / full.scale
    for column, kind in TIMESERIES_FIELDS.items():
        if kind == DEMAND:
            frame[column] = frame[column] * factor
        elif kind == MONEY:
            frame[column] = [format_decimal(Decimal(v) * Decimal(repr(factor))) for v in frame[column]]
    for spec, spec_full in zip(simulated.providers, full.providers):
        rows = frame["provider"] == spec.name
        ratio = replica_seconds(spec_full, edges) / replica_seconds(spec, edges)
        for column, kind in TIMESERIES_FIELDS.items():
            if kind == FLEET:
                frame.loc[rows, column] = frame.loc[rows, column].to_numpy() * ratio
    frame["cost"] = frame["gpu_cost"] + frame["energy_cost"]
    return frame


def scale_summary(values: dict[str, Any], factor: float) -> dict[str, Any]:
    """Summary figures (unprefixed keys) scaled up by their declared kind; others unchanged."""
    out = dict(values)
    if factor == 1.0:
        return out
    for key, value in values.items():
        kind = SUMMARY_FIELDS.get(key)
        if kind == DEMAND:
            out[key] = type(value)(value * factor) if isinstance(value, int) else value * factor
        elif kind == MONEY:
            out[key] = _money(value, factor)
    return out
