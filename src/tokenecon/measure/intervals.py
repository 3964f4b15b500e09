"""Per-provider, per-interval aggregates of a run (the rows of timeseries.csv), before scale-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..billing import Bill
from ..demand import Workload
from ..load import IntervalLoad, SurgeSignal, kv_occupancy, queue_length_mean, replica_seconds, utilization
from ..money import exact_group_sums
from ..scenario import ProviderSpec, Scenario
from ..sim.records import COMPLETED, REJECTED, TIMED_OUT, Records
from ..timegrid import index_of
from ..units import format_money

__all__ = ["interval_table", "revenue_by_interval", "fleet_columns"]

PERCENTILES = (("ttft_p50_s", "ttft", 0.5), ("ttft_p95_s", "ttft", 0.95),
               ("e2e_p50_s", "e2e", 0.5), ("e2e_p95_s", "e2e", 0.95))


def revenue_by_interval(scenario: Scenario, records: Records, bill: Bill, edges: np.ndarray) -> list[int]:
    """Exact revenue (money units) per provider x interval: requests by completion, other lines by their time."""
    k = len(edges) - 1
    rows = np.flatnonzero(records.column("status") == COMPLETED)
    code = records.column("provider")[rows].astype(np.int64) * k + index_of(records.column("finish_s")[rows],
                                                                            edges[:-1])
    amounts = bill.charge[rows]
    lines = bill.plan_lines
    other = np.flatnonzero(lines.request_id < 0)  # fees and purchases, by their time
    if len(other):
        code = np.concatenate([code, lines.provider[other] * k + index_of(lines.time_s[other], edges[:-1])])
        amounts = np.concatenate([amounts.astype(object), lines.amount[other].astype(object)])
    return exact_group_sums(code, amounts, len(scenario.providers) * k)


def fleet_columns(spec: ProviderSpec, sample: dict[str, np.ndarray], edges: np.ndarray,
                  local_hours: np.ndarray) -> dict[str, np.ndarray]:
    """GPUs, their cost, energy and CO2 of the simulated fleet, and its busy and batch shares."""
    length = np.diff(edges)
    replica_s = replica_seconds(spec, edges)
    busy = np.minimum(sample["busy_s"], replica_s)
    prefill = np.minimum(sample["prefill_s"], busy)
    gpu_s = replica_s * spec.gpus_per_replica
    power = spec.gpu.power_w
    # prefilling at busy power, otherwise-busy replicas at decode power, the rest idle
    joules_per_gpu = prefill * power.busy + (busy - prefill) * power.decode_w + (replica_s - busy) * power.idle
    energy_kwh = spec.gpus_per_replica * joules_per_gpu * spec.pue / 3.6e6
    return {
        "gpus": gpu_s / length,
        "gpu_cost": gpu_s * spec.gpu.cost_per_hour / 3600.0,
        "energy_kwh": energy_kwh,
        "energy_cost": energy_kwh * _by_local_hour(spec.energy_price_per_kwh, local_hours),
        "co2_kg": energy_kwh * _by_local_hour(spec.carbon_g_per_kwh, local_hours) / 1000.0,
        "replica_s": replica_s,
        "busy_s": busy,
        "prefill_s": prefill,
        # queueing-theory utilization: share of batch slots in use (bounded batch), else share of time busy
        "utilization": utilization(spec, sample, edges),
        "busy_share": busy / replica_s,
        "mean_batch": sample["occupancy_s"] / replica_s,
        "kv_occupancy": kv_occupancy(spec, sample, edges),
        "preemptions": sample["preemptions"].astype(np.int64),
    }


def _by_local_hour(value: float | list[float], local_hours: np.ndarray) -> np.ndarray | float:
    """A constant, or 24 values picked by each interval's local starting hour."""
    if isinstance(value, list):
        picked: np.ndarray = np.asarray(value, dtype=np.float64)[local_hours]
        return picked
    return float(value)


def _percentiles(interval: np.ndarray, ttft: np.ndarray, e2e: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Latency percentiles of the requests completed in each interval (NaN where none)."""
    grouped = pd.DataFrame({"k": interval, "ttft": ttft, "e2e": e2e}).groupby("k")
    return {name: grouped[col].quantile(q).reindex(range(k)).to_numpy() for name, col, q in PERCENTILES}


def interval_table(scenario: Scenario, workload: Workload, records: Records, bill: Bill, load: IntervalLoad,
                   surge: SurgeSignal) -> pd.DataFrame:
    """One row per provider and report interval: demand, tokens, revenue, fleet, load, latency."""
    edges = load.edges
    k = len(edges) - 1
    revenue = revenue_by_interval(scenario, records, bill, edges)
    frames = []
    for p, columns in enumerate(records.derived(("interval_usage",), lambda: _usage_columns(
            scenario, workload, records, load))):
        frame = pd.DataFrame(columns)  # a new frame per bill: the shared columns are copied, never changed
        frame["revenue"] = [format_money(v) for v in revenue[p * k:(p + 1) * k]]
        frame["currency"] = bill.provider_currency[p]
        frame["price_multiplier"] = surge.multiplier(p)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame["cost"] = frame["gpu_cost"] + frame["energy_cost"]
    return frame


def _usage_columns(scenario: Scenario, workload: Workload, records: Records,
                   load: IntervalLoad) -> list[dict[str, Any]]:
    """Per provider, the columns of its rows that do not depend on prices (placeholders where they do)."""
    edges = load.edges
    k = len(edges) - 1
    status, provider = records.column("status"), records.column("provider")
    done = status == COMPLETED
    arrived = index_of(workload.arrival_s, edges[:-1])
    finished = np.where(done, index_of(np.nan_to_num(records.column("finish_s")), edges[:-1]), 0)
    start = scenario.start_local
    local = [start + timedelta(seconds=float(t)) for t in edges[:-1]]
    labels = [t.isoformat() for t in local]
    local_hours = np.asarray([t.hour for t in local])
    out: list[dict[str, Any]] = []
    for p, spec in enumerate(scenario.providers):
        mine = provider == p
        fin = mine & done

        def tokens(column: np.ndarray) -> np.ndarray:
            return _sum_by(finished[fin], column[fin], k)

        sample = load.samples[p]
        arrival = workload.arrival_s[fin]
        out_tokens = tokens(workload.output_tokens)
        out.append({
            "provider": spec.name,
            "interval_start_s": edges[:-1],
            "interval_end_s": edges[1:],
            "time": labels,
            "requests_arrived": np.bincount(arrived[mine], minlength=k),
            "requests_completed": np.bincount(finished[fin], minlength=k),
            "requests_rejected": np.bincount(arrived[mine & (status == REJECTED)], minlength=k),
            "requests_timed_out": np.bincount(arrived[mine & (status == TIMED_OUT)], minlength=k),
            "input_tokens": tokens(workload.input_tokens),
            "cached_input_tokens": tokens(workload.cached_input_tokens),
            "output_tokens": out_tokens,
            "output_tokens_per_s": out_tokens / np.diff(edges),
            "revenue": None,  # billed: set per bill
            "currency": None,
            **fleet_columns(spec, sample, edges, local_hours),
            "queue_length_mean": queue_length_mean(sample, edges),
            "price_multiplier": None,
            "queue_length": sample["queue_length"].astype(np.int64),
            "in_service": sample["in_service"].astype(np.int64),
            **_percentiles(finished[fin], records.column("first_token_s")[fin] - arrival,
                           records.column("finish_s")[fin] - arrival, k),
        })
    return out


def _sum_by(index: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, index, values)
    return out
