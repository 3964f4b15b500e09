"""`run(scenario)`: draw the workload, simulate, bill, measure, and return a `Result`."""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

import numpy as np

from .billing import bill
from .demand import Workload, build_workload, plan_routes
from .load import SurgeSignal, surge_signal
from .measure import measure
from .pricing import PricingPolicy, make_policies
from .progress import Phases
from .results import Result
from .scaling import scaled_scenario
from .scenario import Scenario
from .sim import SimOutput, simulate

__all__ = ["run"]


def run(scenario: Scenario, *, seed: int | None = None, progress: bool | Phases = False) -> Result:
    """Simulate `scenario` (optionally under another seed) and bill it.

    With ``progress=True`` each phase (draw, simulate, bill, measure) prints a status line on
    stderr, and the simulation a progress bar over simulated time.
    """
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    full, scenario = scenario, scaled_scenario(scenario)  # simulate the scaled fraction
    began = time.perf_counter()
    phases = progress if isinstance(progress, Phases) else Phases(full.name, bool(progress))
    progress = phases.enabled
    policies = make_policies(scenario)
    signal, passes, change = None, 0, 0.0
    surging = bool(_surge_responsive(scenario)) and scenario.surge_response_passes > 0  # demand answers surge prices
    while True:
        again = f"(surge pass {passes + 1} of up to {scenario.surge_response_passes + 1})" if surging else ""
        with phases.phase("drawing demand", again):
            workload = build_workload(scenario, signal)
        with phases.phase("simulating", again):
            sim = _simulate(scenario, workload, policies, progress)
        passes += 1
        responsive = _surge_responsive(scenario)
        if not responsive or passes > scenario.surge_response_passes:
            break
        new_signal = _price_signal(surge_signal(scenario, sim.load, responsive))
        if signal is not None:  # damped: halfway to the new signal, so demand and price settle
            new_signal = {p: (edges, (signal[p][1] + m) / 2) for p, (edges, m) in new_signal.items()}
        change = _signal_change(signal, new_signal)
        if change == 0.0:  # this pass's demand already answers the signal it produces: a fixed point
            break
        signal = new_signal
    served = workload.served(sim.records.column("provider"))  # tokens as each request's provider counted them
    surge = surge_signal(scenario, sim.load)
    with phases.phase("billing"):
        billed = bill(scenario, served, sim.records, policies, surge)
    meta = {"wall_time_s": round(time.perf_counter() - began, 3)}
    if _surge_responsive(scenario):
        meta.update(surge_response_passes=passes, surge_signal_change=round(change, 6))
    with phases.phase("measuring"):
        measured = measure(scenario, served, sim.records, billed, sim.load, surge, full_scenario=full, meta=meta)
    return Result(scenario, served, sim, billed, measured, surge, full_scenario=full)


def _simulate(scenario: Scenario, workload: Workload, policies: dict[str, PricingPolicy], progress: bool) -> SimOutput:
    bar = _progress_bar(scenario) if progress else nullcontext()
    with bar as tracker:
        done = [0.0]

        def advance(sim_seconds: float) -> None:
            if tracker is not None:
                tracker.update(sim_seconds - done[0])
            done[0] = sim_seconds

        return simulate(scenario, workload, plan_routes(scenario, workload, policies),
                        advance if tracker is not None else None)


def _surge_responsive(scenario: Scenario) -> list[int]:
    """Providers whose surge price elastic customers answer (their first-listed provider)."""
    index = {p.name: i for i, p in enumerate(scenario.providers)}
    found = set()
    for customer in scenario.customers:
        if customer.elasticity is not None:
            p = index[customer.providers[0]]
            if scenario.pricing[scenario.providers[p].price].surge is not None:
                found.add(p)
    return sorted(found)


def _price_signal(surge: SurgeSignal) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The surge multipliers customers saw, per provider: (interval edges, multiplier per interval)."""
    return {p: (surge.edges, values) for p, values in surge.values.items()}


PriceSignal = dict[int, tuple[np.ndarray, np.ndarray]]


def _signal_change(old: PriceSignal | None, new: PriceSignal) -> float:
    if old is None:
        return max((float(np.max(np.abs(m - 1.0))) for _, m in new.values()), default=0.0)
    return max(float(np.max(np.abs(new[p][1] - old[p][1]))) for p in new)


def _progress_bar(scenario: Scenario) -> Any:
    from tqdm import tqdm

    return tqdm(total=scenario.duration, unit="sim-s", unit_scale=True, delay=2.0, leave=False,
                desc=f"simulating {scenario.name}", dynamic_ncols=True, disable=None)
