"""Which provider serves each request of a customer segment that lists several.

- ``cheapest``: the provider whose price for this request is lowest (first listed on ties);
- ``round_robin``: the segment's requests take the providers in turn;
- ``least_loaded``: the provider with the fewest outstanding requests per replica at arrival.
The first two are decided before the run (they do not depend on the simulation's state).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..demand import Workload
from ..pricing import PricingPolicy
from ..scenario import Scenario

__all__ = ["plan_routes", "DYNAMIC"]

DYNAMIC = -1  # decided at arrival time (least_loaded)


def plan_routes(scenario: Scenario, workload: Workload, policies: dict[str, PricingPolicy]
                ) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Provider index per request (or DYNAMIC), and each dynamic segment's candidate providers."""
    index = {p.name: i for i, p in enumerate(scenario.providers)}
    route = np.full(len(workload), DYNAMIC, dtype=np.int16)
    dynamic: dict[int, list[int]] = {}
    for seg, customer in enumerate(scenario.customers):
        rows = np.flatnonzero(workload.segment == seg)
        candidates = [index[name] for name in customer.providers]
        if len(candidates) == 1:
            route[rows] = candidates[0]
        elif customer.routing == "round_robin":
            route[rows] = np.asarray(candidates, dtype=np.int16)[np.arange(len(rows)) % len(candidates)]
        elif customer.routing == "cheapest":
            # each provider prices the request as its own tokenizer counts it
            currencies = {scenario.provider_currency(c) for c in candidates}
            prices = []
            for c in candidates:
                total = policies[scenario.providers[c].price].charges(
                    workload.usage_for(c, rows, start=scenario.start_local)).totals()
                if len(currencies) > 1:  # compare in the scenario currency, exactly
                    rate = scenario.to_reporting(scenario.provider_currency(c))
                    total = np.asarray([Decimal(int(v)) * rate for v in total], dtype=object)
                prices.append(total)
            prices = np.stack(prices)  # exact; argmin picks the first listed provider on ties
            route[rows] = np.asarray(candidates, dtype=np.int16)[np.argmin(prices, axis=0)]
        else:
            dynamic[seg] = candidates
    return route, dynamic
