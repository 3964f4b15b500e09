"""Scaled simulation: run a representative fraction of demand and fleet, report full-size totals.

With ``scale: s`` the model simulates s of every customer segment's arrival rate (and of trace
rows, by sampling) and s of every fleet (replicas rounded, at least one), with s of the accounts.
Extensive outputs are scaled back up: requests, tokens, revenue, bills and throughput by 1/s;
GPU cost, GPUs, energy and CO2 by the fleet's actual ratio (replicas are whole numbers).
Intensive outputs are not scaled: latencies, utilization, queue lengths and rejection rates come
from the smaller system, and queueing delay depends on pooling (fewer, busier replicas wait
differently), so read them as the behaviour of a fleet of the simulated size. Which figure is
which is declared in `tokenecon.measure.scaleup`.
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario

__all__ = ["scaled_scenario"]


def _scaled_count(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def scaled_scenario(scenario: Scenario) -> Scenario:
    """The fraction of the scenario that is simulated (scale 1: the scenario itself)."""
    s = scenario.scale
    if s == 1.0:
        return scenario
    providers = []
    for p in scenario.providers:
        update: dict[str, Any] = {"replicas": _scaled_count(p.replicas, s)}
        if p.replicas_schedule:
            update["replicas_schedule"] = [(t, _scaled_count(n, s)) for t, n in p.replicas_schedule]
        providers.append(p.model_copy(update=update))
    customers = []
    for c in scenario.customers:
        update_c: dict[str, Any] = {"count": _scaled_count(c.count, s)}
        if c.arrivals.type == "poisson":
            update_c["arrivals"] = c.arrivals.model_copy(update={"rate": c.arrivals.rate * s})
        else:
            update_c["arrivals"] = c.arrivals.model_copy(update={"sample": c.arrivals.sample * s})
        if c.provisioned is not None:
            update_c["provisioned"] = c.provisioned.model_copy(
                update={"replicas": _scaled_count(c.provisioned.replicas, s)})
        customers.append(c.model_copy(update=update_c))
    return scenario.model_copy(update={"providers": providers, "customers": customers})
