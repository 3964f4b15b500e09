"""What a run will need, estimated before it starts: requests, memory and disk.

`estimate(scenario)` counts the requests a run is expected to draw (rates x hourly profile x
growth over the horizon, elastic segments at their cap, traces as replayed) and turns them into
bytes with per-request figures measured on the quickstart scenario (475k requests: 0.9 GB of
peak memory above the interpreter's baseline, 150 MB of CSVs). `check_fits` refuses, in one
line with the figure, a run that cannot fit: more than `MAX_REQUESTS` requests on any machine,
or more memory than this machine has available. The estimate is of the expected count; the
Poisson draw differs from it by a few standard deviations at most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ScenarioError
from .scenario.limits import MAX_REQUESTS

__all__ = ["Footprint", "estimate", "check_fits", "available_memory", "summary_disk", "compare_disk"]

BASE_BYTES = 250 * 2**20          # interpreter, numpy, pandas, SimPy, matplotlib
BYTES_PER_REQUEST = 2_000         # workload, SimPy records, bill, tables and CSV writing
BYTES_PER_ACCOUNT = 400           # names, budgets, invoices
BYTES_PER_INTERVAL = 600          # per provider and report interval: samples and time series
BYTES_PER_REPLICA = 4_000         # a SimPy replica and its batch state
DISK_PER_REQUEST = {"requests": 180, "ledger": 150}  # bytes of CSV per request
DISK_BASE = 2 * 2**20             # figures, summary, time series
DISK_PER_RUN = 2_000              # a run's row in replications.csv / runs.csv (measured: about 1 kB)
DISK_PER_POINT = 8_000            # a sweep point's row in sweep.csv and the page (measured: about 5 kB)


@dataclass(frozen=True)
class Footprint:
    requests: float  # expected requests drawn (all surge passes draw the same count)
    memory_bytes: int
    disk_bytes: int  # the run folder
    table_bytes: int = 0  # of which the per-request tables (requests.csv, ledger.csv)


def _growth_mean(growth, duration: float) -> float:
    """The mean demand multiplier over [0, duration) (midpoint rule on 4,096 points)."""
    if growth is None:
        return 1.0
    from .demand.behaviour import growth_multiplier

    t = (np.arange(4096) + 0.5) * (duration / 4096)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(np.mean(growth_multiplier(growth, t)))
    return mean if math.isfinite(mean) else math.inf


def _segment_requests(scenario, customer) -> float:
    arrivals = customer.arrivals
    if arrivals.type == "trace":
        from .demand.traces import load_trace

        trace = load_trace(scenario.resolve_path(arrivals.path), arrivals, scenario.duration)
        times = trace.time_s / arrivals.speed  # in time order
        rows = float(np.searchsorted(times, scenario.duration))
        if arrivals.loop:  # whole passes, then the rows of the last pass that start before the end
            n, period = len(times), trace.span_s / arrivals.speed
            shift = period + (period / max(1, n - 1) if n > 1 else 1.0)
            whole = math.floor(scenario.duration / shift) if shift > 0 else 0
            rows = whole * n + float(np.searchsorted(times, scenario.duration - whole * shift))
        return rows * arrivals.sample
    from .demand.profiles import hourly_multipliers

    profile = hourly_multipliers(arrivals.profile)
    cap = customer.elasticity.max_multiplier if customer.elasticity is not None else 1.0
    return arrivals.rate * cap * (sum(profile) / 24) * _growth_mean(arrivals.growth, scenario.duration) \
        * scenario.duration


def estimate(scenario) -> Footprint:
    """Requests, memory and disk a run of `scenario` (its simulated, scaled part) needs."""
    from .scaling import scaled_scenario

    sim = scaled_scenario(scenario)
    requests = sum(_segment_requests(sim, c) for c in sim.customers)
    if not math.isfinite(requests):
        return Footprint(math.inf, 2**63, 2**63)
    accounts = sum(c.count for c in sim.customers)
    intervals = math.ceil(sim.duration / sim.report_interval)
    replicas = sum(p.max_replicas() for p in sim.providers)
    memory = (BASE_BYTES + requests * BYTES_PER_REQUEST + accounts * BYTES_PER_ACCOUNT
              + intervals * len(sim.providers) * BYTES_PER_INTERVAL + replicas * BYTES_PER_REPLICA)
    outputs = scenario.outputs
    per_request = (DISK_PER_REQUEST["requests"] * outputs.requests
                   + DISK_PER_REQUEST["ledger"] * outputs.write_ledger(int(requests)))
    tables = requests * per_request
    disk = DISK_BASE + tables + intervals * len(sim.providers) * 200 + accounts * 100
    return Footprint(requests, int(min(memory, 2**63)), int(min(disk, 2**63)), int(min(tables, 2**63)))


def summary_disk(runs: int, points: int = 1) -> int:
    """Bytes of a replications or sweep folder: a row per run and per point, figures and the page."""
    return DISK_BASE + runs * DISK_PER_RUN + points * DISK_PER_POINT


def compare_disk(footprints: list[Footprint]) -> int:
    """Bytes of a comparison folder: each variant's run folder without its per-request tables."""
    return sum(f.disk_bytes - f.table_bytes for f in footprints)


def available_memory() -> int | None:
    """Bytes of memory this process can still use (MemAvailable, and the address-space limit)."""
    found = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit != resource.RLIM_INFINITY:
            found = limit if found is None else min(found, limit)
    except (ImportError, OSError, ValueError):
        pass
    return found


def gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.0f} MB"


def check_fits(scenario, source: str = "", *, copies: int = 1) -> Footprint:
    """Refuse a run that cannot complete here (`copies` runs held at once, as by compare)."""
    found = estimate(scenario)
    where = {"path": source} if source else {}
    if found.requests * copies > MAX_REQUESTS:
        raise ScenarioError(f"the run would draw about {found.requests * copies:,.3g} requests, more than the "
                            f"{MAX_REQUESTS:,} one run may hold; shorten duration, lower rates or use scale", **where)
    need = BASE_BYTES + (found.memory_bytes - BASE_BYTES) * copies
    have = available_memory()
    if have is not None and need > have:
        raise ScenarioError(f"the run needs about {gb(need)} of memory for {found.requests * copies:,.0f} expected "
                            f"requests, {gb(have)} available; shorten duration, lower rates or use scale", **where)
    return found
