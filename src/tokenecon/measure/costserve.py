"""Cost to serve: each provider's fleet cost (GPU + energy) shared among the requests it served.

A provider's fleet cost over the run splits in two:

- idle cost: GPU cost of replica-seconds with nothing in service, plus the energy drawn at idle
  power. It stays unattributed (``<provider>.idle_cost``).
- attributed cost (``<provider>.cost_to_serve``): the rest, the cost of busy replicas. It is shared
  among the provider's requests by their share of its GPU time (`Records.gpu_s`: a request's own
  prefill seconds plus its equal share of every decode step or interval it decoded in).

Costs are kept in integer micro-units of the scenario currency (1e-6, the precision of the
summary's ``gpu_cost`` and ``energy_cost``). The fleet cost is the summary's rounded
``gpu_cost + energy_cost``; the idle cost is rounded once to micro-units; the attributed cost is
the difference, and it is divided among requests by rounding the running share (so the parts
sum exactly to the whole). Hence, exactly: sum of requests' ``cost_to_serve`` = attributed, and
attributed + idle = fleet cost.

In a scaled run (``scale`` < 1) or a fleet from the supply model, the per-request figures are the
simulated sample's; the summary splits the full fleet cost by the sample's attributed share, and
a segment's cost to serve scales each provider's part like that provider's cost to serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..demand import Workload
from ..errors import ScenarioError
from ..scenario import Scenario
from ..sim.records import Records

__all__ = ["CostToServe", "attribute_cost", "cost_summary", "fleet_wholes", "full_run_costs", "MICRO"]

MICRO = 1_000_000  # micro-units per unit of the scenario currency
MAX_FLEET_UNITS = 10**12  # currency units: the fleets' cost, in micro-units, stays far inside int64


@dataclass(frozen=True)
class CostToServe:
    """The simulated run's cost to serve, in micro-units of the scenario currency."""

    per_request: np.ndarray  # int64, one per request (0 where none was served)
    attributed: list[int]  # per provider: sum of its requests' cost to serve
    fleet: list[int]  # per provider: GPU + energy cost of the simulated fleet
    provider: np.ndarray  # each request's provider index (-1: none)
    weight: np.ndarray  # float64, each request's GPU seconds (its share of its provider's busy time)


def micro(value: float) -> int:
    """A currency amount as the summary rounds it (6 decimals), in integer micro-units."""
    return int(round(round(value, 6) * MICRO))


def _idle_cost(spec, rows: pd.DataFrame) -> float:
    """GPU cost of idle replica-seconds plus the energy drawn at idle power, over the rows."""
    replica_s = rows["replica_s"].to_numpy(dtype=np.float64)
    busy = rows["busy_s"].to_numpy(dtype=np.float64)
    prefill = rows["prefill_s"].to_numpy(dtype=np.float64)
    idle = replica_s - busy
    power = spec.gpu.power_w
    idle_j = idle * power.idle
    total_j = prefill * power.busy + (busy - prefill) * power.decode_w + idle_j
    gpu_share = np.divide(idle, replica_s, out=np.zeros_like(idle), where=replica_s > 0)
    energy_share = np.divide(idle_j, total_j, out=np.zeros_like(idle), where=total_j > 0)
    return float((rows["gpu_cost"].to_numpy() * gpu_share + rows["energy_cost"].to_numpy() * energy_share).sum())


def split_by_weight(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer parts of `total`, proportional to `weights` (>= 0), summing exactly to `total`."""
    out = np.zeros(len(weights), dtype=np.int64)
    running = np.cumsum(weights, dtype=np.float64)
    if not len(weights) or running[-1] <= 0.0:
        return out
    cum = np.rint(total * (running / running[-1])).astype(np.int64)
    cum[-1] = total
    out[:] = np.diff(cum, prepend=0)
    return out


def attribute_cost(scenario: Scenario, records: Records, ts: pd.DataFrame) -> CostToServe:
    """Split each provider's fleet cost in `ts` (the simulated, unscaled time series)."""
    provider, gpu_s = records.column("provider"), records.column("gpu_s")
    per_request = np.zeros(records.n, dtype=np.int64)
    attributed: list[int] = []
    fleet: list[int] = []
    for p, spec in enumerate(scenario.providers):
        rows = ts[ts["provider"] == spec.name]
        whole = micro(float(rows["gpu_cost"].sum())) + micro(float(rows["energy_cost"].sum()))
        if sum(fleet) + whole > MAX_FLEET_UNITS * MICRO:
            raise ScenarioError(f"the fleets' GPU and energy cost reaches {(sum(fleet) + whole) / MICRO:.4g} "
                                f"{scenario.currency}, beyond the {MAX_FLEET_UNITS:.0e} that cost to serve counts "
                                "exactly; lower gpu.cost_per_hour or energy_price_per_kwh",
                                field=f"providers[{p}]")
        mine = np.flatnonzero(provider == p)
        weights = gpu_s[mine]
        served = whole - min(whole, max(0, micro(_idle_cost(spec, rows)))) if weights.sum() > 0 else 0
        per_request[mine] = split_by_weight(served, weights)
        attributed.append(served)
        fleet.append(whole)
    return CostToServe(per_request, attributed, fleet, provider.copy(), np.asarray(gpu_s, dtype=np.float64))


def _text(units: int) -> str:
    return str(Decimal(units).scaleb(-6).quantize(Decimal("0.000001")))


def _full_attributed(cost: CostToServe, p: int, whole: int) -> int:
    """Provider p's attributed cost in the full run: the sample's share of the full fleet cost."""
    if whole == cost.fleet[p]:
        return cost.attributed[p]
    if cost.fleet[p]:  # scaled up: the sample's attributed share
        return round(whole * cost.attributed[p] / cost.fleet[p])
    # a modelled fleet (supply model) where the simulated one cost nothing: the modelled fleet is
    # the one this demand needs, so all of its cost is the cost of serving it
    return whole if cost.weight[cost.provider == p].sum() > 0 else 0


def fleet_wholes(scenario: Scenario, summary: dict[str, Any]) -> list[int]:
    """Per provider, the full run's fleet cost (GPUs and energy, micro-units) as the summary has it."""
    return [micro(summary[f"{spec.name}.gpu_cost"]) + micro(summary[f"{spec.name}.energy_cost"])
            for spec in scenario.providers]


def full_run_costs(scenario: Scenario, cost: CostToServe, summary: dict[str, Any]) -> np.ndarray:
    """Each simulated request's cost to serve in the full run's terms (float micro-units): its
    provider's attributed cost split like the sample's (by GPU time where the sample's fleet cost
    nothing). Equal to `cost.per_request` in a run that is neither scaled nor modelled."""
    out = cost.per_request.astype(np.float64)
    for p, whole in enumerate(fleet_wholes(scenario, summary)):
        served, mine = _full_attributed(cost, p, whole), cost.provider == p
        if cost.attributed[p]:
            out[mine] *= served / cost.attributed[p]
        elif served:
            out[mine] = served * cost.weight[mine] / cost.weight[mine].sum()
    return out


def cost_summary(scenario: Scenario, workload: Workload, cost: CostToServe, summary: dict[str, Any]) -> dict[str, Any]:
    """Summary keys: per provider and in total ``cost_to_serve`` and ``idle_cost`` (numbers, like
    ``gpu_cost``); per customer segment ``cost_to_serve.<segment>`` and ``margin.<segment>`` (exact
    text, like ``bill.<segment>``: the segment's bill minus its cost to serve)."""
    out: dict[str, Any] = {}
    total_served = total_idle = 0
    wholes = fleet_wholes(scenario, summary)
    for p, spec in enumerate(scenario.providers):
        whole = wholes[p]
        served = _full_attributed(cost, p, whole)
        out[f"{spec.name}.cost_to_serve"] = served / MICRO
        out[f"{spec.name}.idle_cost"] = (whole - served) / MICRO
        total_served += served
        total_idle += whole - served
    out["cost_to_serve"] = total_served / MICRO
    out["idle_cost"] = total_idle / MICRO
    exact = wholes == cost.fleet  # neither scaled nor modelled: the requests' own integer shares
    full = None if exact else full_run_costs(scenario, cost, summary)
    for s, name in enumerate(workload.segments):
        mine = workload.segment == s
        units = int(cost.per_request[mine].sum()) if full is None else round(float(full[mine].sum()))
        out[f"cost_to_serve.{name}"] = _text(units)
        bill = summary.get(f"bill.{name}")
        if bill is not None:
            out[f"margin.{name}"] = str(Decimal(bill) - Decimal(units).scaleb(-6))
    return out
