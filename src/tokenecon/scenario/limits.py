"""What the simulator can honour: the bounds every scenario value is checked against.

A value outside these bounds is refused by `validate` (naming the field), never left to
overflow later. The bounds are generous for real scenarios (a national market over years
runs scaled) and tight enough that every count fits in 64 bits, every time in a float with
millisecond resolution, and every date in the calendar the libraries handle. The memory a run
needs is estimated separately (`tokenecon.footprint`) from these values.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

__all__ = [
    "MAX_FLOAT", "MAX_DURATION_S", "MIN_DURATION_S", "MAX_RATE_PER_S", "MAX_TOKENS", "MAX_ACCOUNTS",
    "MAX_REPLICAS", "MAX_GPUS_PER_REPLICA", "MAX_INTERVALS", "MAX_REQUESTS", "MAX_MULTIPLIER",
    "MAX_SURGE_LEVELS", "MAX_SPEED", "MIN_SPEED", "MAX_PRICE", "MAX_PLAN_TOKENS", "EARLIEST", "LATEST",
    "MAX_TEXT", "MAX_REPLICATIONS", "MAX_SWEEP_POINTS", "MAX_SWEEP_RUNS", "MAX_LOCAL_WORKERS", "check_float",
]

MAX_TEXT = 10_000                 # characters in any text field (names: 64)
MAX_FLOAT = 1e15                  # any other number in a scenario (watts, costs, shares, ...)
MAX_DURATION_S = 50 * 365 * 86400.0   # 50 years: any duration (run, interval, timeout, window, ...)
MIN_DURATION_S = 1e-3             # 1 ms: finer times are below the simulator's resolution
MAX_RATE_PER_S = 1e9              # arrivals per second of one segment, before `scale`
MAX_TOKENS = 100_000_000          # tokens in one request (any size distribution is cut here)
MAX_ACCOUNTS = 10_000_000         # accounts in one segment (`count`)
MAX_REPLICAS = 100_000            # replicas of one provider (and of a provisioned reservation)
MAX_GPUS_PER_REPLICA = 4096
MAX_INTERVALS = 1_000_000         # report intervals in a run (duration / report_interval)
MAX_REQUESTS = 1_000_000_000      # requests a run may draw (expected), whatever the memory
MAX_MULTIPLIER = 1000             # price multipliers (schedules, surge cap, service tiers)
MAX_SURGE_LEVELS = 100_000        # (cap - 1) / step
MIN_SPEED, MAX_SPEED = 1e-6, 1e9  # trace replay speed
MAX_PRICE = 10**9                 # currency units per 1M tokens, and any money amount
MAX_PLAN_TOKENS = 10**18          # tokens in a quota, package or subscription
MAX_REPLICATIONS = 10_000         # runs of one scenario (`run --replications`, a sweep's `replications`)
MAX_SWEEP_POINTS = 10_000         # points of one sweep (a grid's combinations or a list of points)
MAX_SWEEP_RUNS = 100_000          # points x replications of one sweep
MAX_LOCAL_WORKERS = 64            # processes of a local Dask cluster (`--dask-local`)
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)  # the run must end before this


def check_float(value: float, what: str = "a number") -> float:
    """`value` if finite and within +-MAX_FLOAT, else ValueError."""
    if not math.isfinite(value) or abs(value) > MAX_FLOAT:
        raise ValueError(f"{what} must be finite and within +-{MAX_FLOAT:g} (got {value:g})")
    return value
