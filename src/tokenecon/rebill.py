"""Re-billing: variants that differ only in what billing reads share one simulation.

Prices reach the event loop only through a few doors: routing by price (``cheapest`` among
several providers, ``logit`` choice), budgets (a customer stops when spend reaches the budget),
price elasticity (demand thinned by the price, including surge prices it answers) and flexible
timing (requests moved to the next off-peak window; a share sent to the batch tier is a plain draw). A scenario that opens none of
them simulates the same requests, routes and timings under any price list; billing alone
(prices, context and volume tiers, service-tier multipliers, plans, currencies, time-of-use
windows, surge read from the load) differs. Such variants are simulated once and each billed
from the same columns; the result is the one a separate simulation gives, byte for byte
(tests/test_rebill.py holds them equal). Anything else is simulated per variant.
"""

from __future__ import annotations

import json
import time
from typing import Callable, TypeVar

from .billing import bill
from .load import surge_signal
from .progress import Phases
from .measure import measure
from .pricing import make_policies
from .results import Result
from .runner import run
from .scaling import scaled_scenario
from .scenario import Scenario

__all__ = ["price_reads", "shared_groups", "rebill", "run_variants", "map_variants"]

T = TypeVar("T")


def price_reads(scenario: Scenario) -> list[str]:
    """Why the simulation of `scenario` depends on its prices (empty: only billing reads them)."""
    reasons = []
    for customer in scenario.customers:
        if len(customer.providers) > 1 and customer.routing in ("cheapest", "logit"):
            reasons.append(f"{customer.name}: routing '{customer.routing}' chooses by price")
        if customer.budget is not None:
            reasons.append(f"{customer.name}: a budget stops requests by spend")
        if customer.elasticity is not None:
            reasons.append(f"{customer.name}: elastic demand answers the price")
        if customer.flexible is not None and customer.flexible.to != "batch":  # the batch share is a plain draw
            reasons.append(f"{customer.name}: flexible requests move to cheaper windows")
    return reasons


_BILLING_ONLY = {"name", "question", "pricing", "plans", "currency", "exchange_rates", "billing_period", "outputs"}


def _simulation_key(scenario: Scenario) -> str:
    """Everything the simulation may read: equal keys simulate the same requests.

    Left out: what only billing and reports read (prices, plans, currencies, billing periods,
    the outputs); with `price_reads` empty no customer reads them either.
    """
    data = scenario.model_dump(mode="json", exclude=_BILLING_ONLY)
    data["providers"] = [{k: v for k, v in p.items() if k != "price"} for p in data["providers"]]
    data["customers"] = [{k: v for k, v in c.items() if k != "plan"} for c in data["customers"]]
    data["base_dir"] = scenario.base_dir  # trace and corpus paths resolve against it
    return json.dumps(data, sort_keys=True, default=str)


def shared_groups(scenarios: list[Scenario]) -> list[list[int]]:
    """Indices of `scenarios` grouped by shared simulation (first-seen order; a group's first is simulated)."""
    groups: dict[str, list[int]] = {}
    for k, scenario in enumerate(scenarios):
        key = f"own:{k}" if price_reads(scenario) else _simulation_key(scenario)
        groups.setdefault(key, []).append(k)
    return list(groups.values())


def rebill(simulated: Result, variant: Scenario) -> Result:
    """`variant` billed on `simulated`'s requests (the variant must share its simulation)."""
    began = time.perf_counter()
    scenario = scaled_scenario(variant)
    sim, served = simulated.sim, simulated.workload
    surge = surge_signal(scenario, sim.load)
    billed = bill(scenario, served, sim.records, make_policies(scenario), surge)
    meta = {"wall_time_s": round(time.perf_counter() - began, 3)}
    measured = measure(scenario, served, sim.records, billed, sim.load, surge, full_scenario=variant, meta=meta)
    return Result(scenario, served, sim, billed, measured, surge, full_scenario=variant)


def run_variants(scenarios: list[Scenario], *, seed: int | None = None, progress: bool = False,
                 share: bool = True, names: list[str] | None = None) -> tuple[list[Result], int]:
    """Run every scenario (under `seed` if given): (results in order, simulations run).

    With `share`, variants that differ only in what billing reads are simulated once and re-billed.
    With `progress`, each simulation's phases are labelled with the variants it serves (`names`,
    e.g. ``deepseek_offpeak/standard``; ``qwen_context_tiers/catalog+graduated`` for a shared run).
    """
    return map_variants(scenarios, lambda result: result, seed=seed, progress=progress, share=share, names=names)


def map_variants(scenarios: list[Scenario], keep: Callable[[Result], T], *, seed: int | None = None,
                 progress: bool = False, share: bool = True, names: list[str] | None = None) -> tuple[list[T], int]:
    """`run_variants`, keeping only `keep(result)` of each run (a result is let go once kept)."""
    if seed is not None:
        scenarios = [s.model_copy(update={"seed": seed}) for s in scenarios]
    groups = shared_groups(scenarios) if share else [[k] for k in range(len(scenarios))]
    kept: dict[int, T] = {}
    for group in groups:
        first = scenarios[group[0]]
        label = first.name if names is None else f"{first.name}/{'+'.join(names[k] for k in group)}"
        simulated = run(first, progress=Phases(label, progress))
        for k in group[1:]:
            kept[k] = keep(rebill(simulated, scenarios[k]))
        kept[group[0]] = keep(simulated)
    return [kept[k] for k in range(len(scenarios))], len(groups)
