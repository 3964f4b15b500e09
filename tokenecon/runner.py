"""`run(scenario)`: draw the workload, simulate, bill, and return a `Result`."""

from __future__ import annotations

import time
from contextlib import nullcontext

from .billing import bill
from .demand import build_workload
from .pricing import make_policy
from .results import Result
from .scaling import scaled_scenario
from .scenario import Scenario
from .sim import simulate

__all__ = ["run"]


def run(scenario: Scenario, *, seed: int | None = None, progress: bool = False) -> Result:
    """Simulate `scenario` (optionally under another seed) and bill it.

    With ``progress=True`` a progress bar over simulated time appears on stderr when the run
    takes more than a couple of seconds.
    """
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    full, scenario = scenario, scaled_scenario(scenario)  # simulate the scaled fraction
    began = time.perf_counter()
    policies = {name: make_policy(name, spec) for name, spec in scenario.pricing.items()}
    workload = build_workload(scenario)
    bar = _progress_bar(scenario) if progress else nullcontext()
    with bar as tracker:
        done = [0.0]

        def advance(sim_seconds: float) -> None:
            if tracker is not None:
                tracker.update(sim_seconds - done[0])
            done[0] = sim_seconds

        sim = simulate(scenario, workload, policies, advance if tracker is not None else None)
    served = workload.served(sim.records.column("provider"))  # tokens as each request's provider counted them
    billed = bill(scenario, served, sim.records, policies, sim)
    meta = {"wall_time_s": round(time.perf_counter() - began, 3)}
    return Result(scenario, served, sim, billed, meta, full_scenario=full)


def _progress_bar(scenario: Scenario):
    from tqdm import tqdm

    return tqdm(total=scenario.duration, unit="sim-s", unit_scale=True, delay=2.0, leave=False,
                desc=f"simulating {scenario.name}", dynamic_ncols=True, disable=None)
