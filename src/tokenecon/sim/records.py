"""Columnar per-request records written by the simulation (the only per-request state kept).

Columns are preallocated ``array.array`` buffers indexed by request id: item assignment from
Python is cheap there, each record costs a few dozen bytes, and numpy views them without copies.
"""

from __future__ import annotations

from array import array
from typing import Any, Callable, TypeVar

import numpy as np

T = TypeVar("T")

__all__ = ["Records", "STATUS", "REASONS", "SERVICE_TIERS", "RUNNING", "COMPLETED", "REJECTED", "TIMED_OUT"]

RUNNING, COMPLETED, REJECTED, TIMED_OUT = 0, 1, 2, 3
STATUS = ("running", "completed", "rejected", "timed_out")

# reason codes (index into REASONS)
(NO_REASON, QUEUE_FULL, RATE_RPM, RATE_TPM, QUEUE_TIMEOUT, QUEUED_AT_END, SERVING_AT_END, FLEX_BUSY,
 BATCH_EXPIRED, BUDGET_STOP, KV_TOO_SMALL) = range(11)
REASONS = (
    "",
    "queue_full",
    "rate_limit_rpm",
    "rate_limit_tpm",
    "queue_timeout",
    "queued_at_horizon",
    "in_service_at_horizon",
    "flex_capacity_unavailable",
    "batch_window_expired",
    "budget_exhausted",
    "exceeds_kv_cache",
)

# service tiers (index into SERVICE_TIERS, shared with pricing)
from ..pricing.base import SERVICE_TIERS  # noqa: E402

STANDARD, PRIORITY, FLEX, BATCH = range(len(SERVICE_TIERS))


class Records:
    """Outcome columns for `n` requests; NaN marks a time that never happened."""

    __slots__ = ("n", "provider", "start_s", "first_token_s", "finish_s", "status", "reason", "reserved",
                 "preemptions", "gpu_s", "_derived")

    def __init__(self, n: int):
        nan = array("d", [float("nan")])
        self.n = n
        self.provider = array("h", [-1]) * n
        self.start_s = nan * n
        self.first_token_s = nan * n
        self.finish_s = nan * n
        self.status = array("b", [RUNNING]) * n
        self.reason = array("b", [NO_REASON]) * n
        self.reserved = array("b", [0]) * n  # 1: served on the customer's provisioned (reserved) capacity
        self.preemptions = array("i", [0]) * n  # times its KV memory was taken back (recomputed later)
        self.gpu_s = array("d", [0.0]) * n  # replica-seconds of GPU time attributed to it
        self._derived: dict[tuple[Any, ...], Any] = {}

    def column(self, name: str) -> np.ndarray:
        """A zero-copy numpy view of one column."""
        return np.frombuffer(getattr(self, name), dtype={"d": np.float64, "h": np.int16, "b": np.int8, "i": np.int32}[
            getattr(self, name).typecode])

    def derived(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """A figure derived from these requests, computed once (after the simulation).

        For what does not change with the prices: variants billed on one simulation
        (`tokenecon.rebill`) share it. `key` names the figure and every input it reads beyond
        these records and the simulation's own inputs (the workload drawn for them, its load and
        the simulated scenario), e.g. the billing-period edges.
        """
        if key not in self._derived:
            self._derived[key] = compute()
        value: T = self._derived[key]
        return value

    def nbytes(self) -> int:
        return sum(getattr(self, name).itemsize * self.n
                   for name in ("provider", "start_s", "first_token_s", "finish_s", "status", "reason", "reserved",
                     "preemptions", "gpu_s"))
