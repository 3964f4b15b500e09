"""The workload of a run: every request's arrival time, account and token sizes, drawn up front.

Drawing all demand before the event loop keeps the loop lean (vectorised numpy draws instead of
one Python call per request) and keeps each segment's draws in its own named stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import CustomerSpec, Scenario
from .arrivals import poisson_arrival_times
from .sizes import draw_sizes
from .streams import stream

__all__ = ["Workload", "build_workload", "account_names"]


@dataclass(frozen=True)
class Workload:
    """Columnar request table sorted by arrival time; request id = row index."""

    segments: tuple[str, ...]
    accounts: tuple[str, ...]  # one billed customer account per entry
    account_segment: np.ndarray  # int32, segment index of each account
    arrival_s: np.ndarray  # float64
    account: np.ndarray  # int32, index into `accounts`
    segment: np.ndarray  # int32, index into `segments`
    input_tokens: np.ndarray  # int64, including cached
    cached_input_tokens: np.ndarray  # int64
    output_tokens: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.arrival_s)


def account_names(customer: CustomerSpec) -> list[str]:
    """``sme`` with count 50 -> ``sme-01`` ... ``sme-50``; count 1 -> ``sme``."""
    if customer.count == 1:
        return [customer.name]
    width = len(str(customer.count))
    return [f"{customer.name}-{i:0{width}d}" for i in range(1, customer.count + 1)]


def _segment_requests(scenario: Scenario, customer: CustomerSpec) -> dict[str, np.ndarray]:
    seed, name = scenario.seed, customer.name
    times = poisson_arrival_times(customer.arrivals, scenario.start_local, scenario.duration,
                                  stream(seed, "arrivals", name))
    n = len(times)
    inputs = draw_sizes(customer.input_tokens, n, stream(seed, "input_tokens", name), scenario.resolve_path)
    outputs = draw_sizes(customer.output_tokens, n, stream(seed, "output_tokens", name), scenario.resolve_path)
    cached = np.floor(inputs * customer.cache_hit_ratio).astype(np.int64)
    accounts = stream(seed, "account", name).integers(0, customer.count, size=n, dtype=np.int32)
    return {"arrival_s": times, "account": accounts, "input": inputs, "cached": cached, "output": outputs}


def build_workload(scenario: Scenario) -> Workload:
    """Draw every request of every customer segment and merge them in arrival order."""
    accounts: list[str] = []
    account_segment: list[int] = []
    parts = []
    for seg_index, customer in enumerate(scenario.customers):
        offset = len(accounts)
        names = account_names(customer)
        accounts.extend(names)
        account_segment.extend([seg_index] * len(names))
        part = _segment_requests(scenario, customer)
        part["account"] = part["account"] + offset
        part["segment"] = np.full(len(part["arrival_s"]), seg_index, dtype=np.int32)
        parts.append(part)
    arrival = np.concatenate([p["arrival_s"] for p in parts])
    order = np.argsort(arrival, kind="stable")  # ties keep segment order: deterministic

    def merged(key: str, dtype) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([p[key] for p in parts])[order], dtype=dtype)

    return Workload(
        segments=tuple(c.name for c in scenario.customers),
        accounts=tuple(accounts),
        account_segment=np.asarray(account_segment, dtype=np.int32),
        arrival_s=merged("arrival_s", np.float64),
        account=merged("account", np.int32),
        segment=merged("segment", np.int32),
        input_tokens=merged("input", np.int64),
        cached_input_tokens=merged("cached", np.int64),
        output_tokens=merged("output", np.int64),
    )
