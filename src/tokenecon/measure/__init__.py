"""The measure stage: every figure of a run, computed once from the simulation's columns and the bill.

`measure()` is called once by `tokenecon.run`, between billing and the `Result`: it builds the
interval aggregates (one time grid, one utilization, one surge signal: see `tokenecon.load`),
scales extensive figures up by declared field (`scaleup`), adds the national supply view
(`supply`) and the summary. The terminal, summary.json, the CSVs and every figure then show the
same number for the same thing; reports only format these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from ..billing import Bill
from ..demand import Workload
from ..load import IntervalLoad, SurgeSignal
from ..scenario import Scenario
from ..sim.records import Records
from .costserve import CostToServe, attribute_cost, cost_summary, fleet_wholes, full_run_costs
from .intervals import interval_table
from .scaleup import scale_timeseries
from .summary import percentile, run_summary, segment_bills
from .supply import milestone_check, national_keys, national_series, supply_fleet
from .unit_economics import unit_economics

__all__ = ["Measures", "measure", "percentile"]


@dataclass(frozen=True)
class Measures:
    """The measured tables of one run."""

    timeseries: pd.DataFrame  # one row per provider and report interval (timeseries.csv), full size
    summary: dict[str, Any]  # summary.json
    segment_bills: dict[str, Decimal]  # per customer segment, exact, in the scenario currency (unscaled)
    national: pd.DataFrame | None = None  # per interval, all providers: tokens per day, price, supply model
    milestones: pd.DataFrame | None = None  # the run against each observed milestone
    fleet_source: str = "simulation"  # where GPUs, cost, energy, CO2 and utilization come from
    cost_to_serve: CostToServe | None = None  # fleet cost attributed to the simulated requests
    unit_economics: pd.DataFrame | None = None  # charged and cost to serve per 1M tokens, by kind of request


def measure(scenario: Scenario, workload: Workload, records: Records, bill: Bill, load: IntervalLoad,
            surge: SurgeSignal, *, full_scenario: Scenario | None = None,
            meta: dict[str, Any] | None = None) -> Measures:
    """Every figure of a run (`scenario` is the simulated one; `full_scenario` the one before scaling)."""
    ts = interval_table(scenario, workload, records, bill, load, surge)
    # on the simulated fleet, before any scale-up (fleet columns only: the same under any prices)
    cost = records.derived(("cost_attribution",), lambda: attribute_cost(scenario, records, ts))
    scale = full_scenario.scale if full_scenario is not None else 1.0
    if full_scenario is not None and scale != 1.0:
        ts = scale_timeseries(ts, scenario, full_scenario, load.edges)
    national = milestones = None
    fleet_source = "simulation"
    extra: dict[str, Any] = {}
    if scenario.milestones or scenario.supply_model:
        national = national_series(scenario, ts, bill.provider_rate)
        milestones = milestone_check(scenario, national)
        if scenario.supply_model is not None:
            ts, fleet_source = supply_fleet(ts, national), "supply_model"
        extra.update(national_keys(national, milestones))
    extra.update({f"{name}.trace_rows_skipped": n for name, n in workload.trace_rows_skipped.items()})
    extra.update(meta or {})
    summary = run_summary(scenario, workload, records, bill, ts, scale=scale, fleet_source=fleet_source,
                          extra=extra)
    summary.update(cost_summary(scenario, workload, cost, summary))
    per_token = records.derived(  # the full run's cost, per sample token (from the fleet's cost alone)
        ("full_run_costs", scale, tuple(fleet_wholes(scenario, summary))),
        lambda: full_run_costs(scenario, cost, summary) * scale)
    return Measures(ts, summary, segment_bills(scenario, workload, records, bill), national, milestones,
                    fleet_source, cost, unit_economics(workload, records, bill, per_token))
