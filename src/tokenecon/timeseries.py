"""Per-provider, per-interval aggregates of a run (timeseries.csv)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from .load import queue_length_mean, replica_seconds, utilization
from .sim.records import COMPLETED, REJECTED, TIMED_OUT
from .timegrid import index_of
from .units import format_money

__all__ = ["build_timeseries"]


def by_local_hour(value, local_hours: np.ndarray) -> np.ndarray | float:
    """A constant, or 24 values picked by each interval's local starting hour."""
    return np.asarray(value, dtype=float)[local_hours] if isinstance(value, list) else value


def build_timeseries(result) -> pd.DataFrame:
    sc, w, sim = result.scenario, result.workload, result.sim
    edges = sim.load.edges
    k = len(edges) - 1
    length = np.diff(edges)
    status = sim.records.column("status")
    provider = sim.records.column("provider")
    finish = sim.records.column("finish_s")
    first = sim.records.column("first_token_s")
    arrived_interval = index_of(w.arrival_s, edges[:-1])
    done = status == COMPLETED
    finish_interval = np.where(done, index_of(np.nan_to_num(finish), edges[:-1]), 0)
    _, revenue = result.revenue_by_interval()
    start = sc.start_local
    labels = [(start + timedelta(seconds=float(t))).isoformat() for t in edges[:-1]]
    local_hours = np.asarray([(start + timedelta(seconds=float(t))).hour for t in edges[:-1]])
    frames = []
    for p, spec in enumerate(sc.providers):
        mine = provider == p
        fin = mine & done

        def count(mask: np.ndarray, where: np.ndarray) -> np.ndarray:
            return np.bincount(where[mask], minlength=k)

        def tokens(column: np.ndarray) -> np.ndarray:
            out = np.zeros(k, dtype=np.int64)
            np.add.at(out, finish_interval[fin], column[fin])
            return out

        sample = sim.load.samples[p]
        replica_s = replica_seconds(spec, edges)
        busy = np.minimum(sample["busy_s"], replica_s)
        prefill = np.minimum(sample["prefill_s"], busy)
        gpu_s = replica_s * spec.gpus_per_replica
        power = spec.gpu.power_w
        # prefilling at busy power, otherwise-busy replicas at decode power, the rest idle
        joules_per_gpu = prefill * power.busy + (busy - prefill) * power.decode_w + (replica_s - busy) * power.idle
        energy_kwh = spec.gpus_per_replica * joules_per_gpu * spec.pue / 3.6e6
        out_tokens = tokens(w.output_tokens)
        latency = pd.DataFrame({
            "k": finish_interval[fin],
            "ttft": first[fin] - w.arrival_s[fin],
            "e2e": finish[fin] - w.arrival_s[fin],
        }).groupby("k")
        quantiles = {
            name: latency[col].quantile(q).reindex(range(k))
            for name, col, q in (("ttft_p50_s", "ttft", 0.5), ("ttft_p95_s", "ttft", 0.95),
                                 ("e2e_p50_s", "e2e", 0.5), ("e2e_p95_s", "e2e", 0.95))
        }
        frames.append(pd.DataFrame({
            "provider": spec.name,
            "interval_start_s": edges[:-1],
            "interval_end_s": edges[1:],
            "time": labels,
            "requests_arrived": count(mine, arrived_interval),
            "requests_completed": count(fin, finish_interval),
            "requests_rejected": count(mine & (status == REJECTED), arrived_interval),
            "requests_timed_out": count(mine & (status == TIMED_OUT), arrived_interval),
            "input_tokens": tokens(w.input_tokens),
            "cached_input_tokens": tokens(w.cached_input_tokens),
            "output_tokens": out_tokens,
            "output_tokens_per_s": out_tokens / length,
            "revenue": [format_money(v) for v in revenue[p * k:(p + 1) * k]],
            "currency": result.bill.provider_currency[p],
            "gpus": gpu_s / length,
            "gpu_cost": gpu_s * spec.gpu.cost_per_hour / 3600.0,
            "energy_kwh": energy_kwh,
            "energy_cost": energy_kwh * by_local_hour(spec.energy_price_per_kwh, local_hours),
            "co2_kg": energy_kwh * by_local_hour(spec.carbon_g_per_kwh, local_hours) / 1000.0,
            "replica_s": replica_s,
            "busy_s": busy,
            "prefill_s": prefill,
            # queueing-theory utilization: share of batch slots in use (bounded batch), else share of time busy
            "utilization": utilization(spec, sample, edges),
            "busy_share": busy / replica_s,
            "mean_batch": sample["occupancy_s"] / replica_s,
            "queue_length_mean": queue_length_mean(sample, edges),
            "price_multiplier": result.surge.multiplier(p) if result.surge else np.ones(k),
            "queue_length": sample["queue_length"].astype(np.int64),
            "in_service": sample["in_service"].astype(np.int64),
            **{name: series.to_numpy() for name, series in quantiles.items()},
        }))
    frame = pd.concat(frames, ignore_index=True)
    frame["cost"] = frame["gpu_cost"] + frame["energy_cost"]
    return frame
