"""Each provider's load per report interval: replicas online, utilization, queue length, surge.

The simulation observes, per provider and report interval, replica-seconds busy and prefilling,
sequence-seconds in batch slots and request-seconds waiting (`IntervalLoad`). Everything read
from those samples is defined once here: the time series, the summary, surge pricing and the
demand that answers surge prices all use these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pricing.surge import surge_levels
from .scenario import ProviderSpec, Scenario
from .sim import IntervalLoad
from .timegrid import index_of, overlap_seconds

__all__ = ["IntervalLoad", "SurgeSignal", "replica_seconds", "utilization", "kv_occupancy", "queue_length_mean",
           "surge_signal"]


def replica_seconds(spec: ProviderSpec, edges: np.ndarray) -> np.ndarray:
    """Replica-seconds online in each interval (a growing fleet follows its `replicas_schedule`)."""
    schedule = spec.replicas_schedule or [(0.0, spec.replicas)]
    times = np.asarray([t for t, _ in schedule] + [np.inf])
    counts = np.asarray([n for _, n in schedule], dtype=float)
    return overlap_seconds(times[:-1], times[1:], counts, edges)


def utilization(spec: ProviderSpec, sample: dict[str, np.ndarray], edges: np.ndarray) -> np.ndarray:
    """Share of the capacity online in use: batch slots with a bounded batch, else busy time."""
    online = replica_seconds(spec, edges)
    max_batch = spec.performance.max_batch
    if max_batch is not None:
        return np.asarray(sample["occupancy_s"] / (online * max_batch), dtype=np.float64)
    return np.asarray(np.minimum(sample["busy_s"], online) / online, dtype=np.float64)


def kv_occupancy(spec: ProviderSpec, sample: dict[str, np.ndarray], edges: np.ndarray) -> np.ndarray:
    """Share of the KV memory online that holds tokens (NaN when the provider's KV memory is not modelled)."""
    tokens = spec.performance.kv_cache_tokens
    if tokens is None or spec.performance.scheduler == "overlap":
        return np.full(len(edges) - 1, np.nan)
    return np.asarray(sample["kv_token_s"] / (replica_seconds(spec, edges) * tokens), dtype=np.float64)


def queue_length_mean(sample: dict[str, np.ndarray], edges: np.ndarray) -> np.ndarray:
    """Time-average number of requests waiting in each interval."""
    return np.asarray(sample["queue_s"] / np.diff(edges), dtype=np.float64)


@dataclass(frozen=True)
class SurgeSignal:
    """The surge price of every report interval, for each provider whose price has a surge."""

    edges: np.ndarray
    levels: dict[int, np.ndarray]  # provider -> index into its `Surge.levels()` per interval
    values: dict[int, np.ndarray]  # provider -> the multiplier per interval (float, for display)

    def level_at(self, provider: int, times: np.ndarray) -> np.ndarray:
        """The surge level in force at each time (the interval it falls in)."""
        level: np.ndarray = self.levels[provider][index_of(times, self.edges[:-1])]
        return level

    def multiplier(self, provider: int) -> np.ndarray:
        return self.values.get(provider, np.ones(len(self.edges) - 1))


def surge_signal(scenario: Scenario, load: IntervalLoad, providers: list[int] | None = None) -> SurgeSignal:
    """Each surge-priced provider's price level per interval, from its utilization or queue length."""
    levels, values = {}, {}
    for p, spec in enumerate(scenario.providers):
        surge = scenario.pricing[spec.price].surge
        if surge is None or (providers is not None and p not in providers):
            continue
        sample = load.samples[p]
        raw = (queue_length_mean(sample, load.edges) if surge.signal == "queue_length"
               else utilization(spec, sample, load.edges))
        levels[p] = surge_levels(surge, raw, load.edges)
        values[p] = np.asarray([float(v) for v in surge.levels()])[levels[p]]
    return SurgeSignal(load.edges, levels, values)
