"""Which provider serves each request of a customer segment, and which requests a budget stops.

- ``cheapest``: the provider whose price for this request is lowest (first listed on ties);
- ``round_robin``: the segment's requests take the providers in turn;
- ``logit``: multinomial logit on price (per 1M tokens, this request) and expected latency:
  P(j) = exp(U_j) / sum exp(U_k), U_j = beta_price x price_j + beta_latency x latency_j;
- ``sticky``: every account picks one provider by the given shares, once, and stays;
- ``least_loaded``: the provider with the fewest outstanding requests per replica at arrival.
All but the last are decided before the run. Budgets then walk each account's requests in
arrival order at list prices: once a billing period's spend reaches the budget, the account
stops (the rest of the period's requests are not sent) or downgrades to another provider.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import numpy as np

from .behaviour import request_prices
from .streams import stream
from .workload import Workload
from ..pricing import PricingPolicy
from ..money import running_before
from ..scenario import Scenario
from ..timegrid import billing_periods, index_of
from ..units import money_from_price_units, price_to_units

__all__ = ["Routes", "plan_routes", "DYNAMIC"]

DYNAMIC = -1  # decided at arrival time (least_loaded)


class Routes(NamedTuple):
    """Where each request goes, decided before the run."""

    route: np.ndarray  # int16 provider index per request, or DYNAMIC
    dynamic: dict[int, list[int]]  # segment -> candidate providers of a least-loaded segment
    stopped: np.ndarray  # bool: requests a spent budget stops (never sent)


def _exact_prices(scenario, workload, policies, candidates, rows) -> np.ndarray:
    """Each candidate's exact price of each request, comparable across currencies."""
    currencies = {scenario.provider_currency(c) for c in candidates}
    prices = []
    for c in candidates:
        total = policies[scenario.providers[c].price].charges(
            workload.usage_for(c, rows, start=scenario.start_local)).totals()
        if len(currencies) > 1:  # compare in the scenario currency, exactly
            rate = scenario.to_reporting(scenario.provider_currency(c))
            total = np.asarray([Decimal(int(v)) * rate for v in total], dtype=object)
        prices.append(total)
    return np.stack(prices)


def _price_per_million(scenario, workload, policies, c, rows) -> np.ndarray:
    rate = scenario.to_reporting(scenario.provider_currency(c))
    return request_prices(policies[scenario.providers[c].price],
                          workload.usage_for(c, rows, start=scenario.start_local), rate)


def plan_routes(scenario: Scenario, workload: Workload, policies: dict[str, PricingPolicy]) -> Routes:
    """Provider per request (or DYNAMIC), dynamic segments' candidates, and the budget-stopped mask."""
    index = {p.name: i for i, p in enumerate(scenario.providers)}
    route = np.full(len(workload), DYNAMIC, dtype=np.int16)
    stopped = np.zeros(len(workload), dtype=bool)
    dynamic: dict[int, list[int]] = {}
    for seg, customer in enumerate(scenario.customers):
        rows = np.flatnonzero(workload.segment == seg)
        candidates = [index[name] for name in customer.providers]
        options = np.asarray(candidates, dtype=np.int16)
        if len(candidates) == 1:
            route[rows] = candidates[0]
        elif customer.routing == "round_robin":
            route[rows] = options[np.arange(len(rows)) % len(candidates)]
        elif customer.routing == "cheapest":
            route[rows] = options[np.argmin(_exact_prices(scenario, workload, policies, candidates, rows), axis=0)]
        elif customer.routing == "logit":
            choice = customer.choice
            assert choice is not None  # checked when the scenario was loaded
            utility = np.stack([
                choice.beta_price * _price_per_million(scenario, workload, policies, c, rows)
                + choice.beta_latency * choice.latency_s.get(scenario.providers[c].name, 0.0)
                for c in candidates])
            utility -= utility.max(axis=0)
            probability = np.exp(utility) / np.exp(utility).sum(axis=0)
            draw = stream(scenario.seed, "logit", customer.name).random(len(rows))
            route[rows] = options[np.minimum((draw > np.cumsum(probability, axis=0)).sum(axis=0), len(options) - 1)]
        elif customer.routing == "sticky":
            assert customer.choice is not None  # checked when the scenario was loaded
            shares = np.asarray([customer.choice.shares[scenario.providers[c].name] for c in candidates],
                                dtype=np.float64)
            accounts = np.flatnonzero(workload.account_segment == seg)
            picks = stream(scenario.seed, "sticky", customer.name).choice(len(candidates), size=len(accounts),
                                                                          p=shares / shares.sum())
            pick_of = dict(zip(accounts.tolist(), picks.tolist()))
            route[rows] = options[[pick_of[a] for a in workload.account[rows].tolist()]]
        else:
            dynamic[seg] = candidates
        if customer.budget is not None:
            _apply_budget(scenario, workload, policies, customer, rows, route, stopped, index)
    return Routes(route, dynamic, stopped)


def _apply_budget(scenario, workload, policies, customer, rows, route, stopped, index) -> None:
    edges, _ = billing_periods(scenario.start_local, scenario.duration, scenario.billing_period)
    period = index_of(workload.arrival_s[rows], edges)
    # exact money units in the scenario currency (int64, or exact Decimals across currencies)
    exact = all(scenario.provider_currency(c) == scenario.currency for c in np.unique(route[rows]).tolist())
    spend = np.zeros(len(rows), dtype=np.int64 if exact else object)
    for c in np.unique(route[rows]).tolist():
        mine = route[rows] == c
        totals = policies[scenario.providers[c].price].charges(
            workload.usage_for(c, rows[mine], start=scenario.start_local)).totals()
        if exact:
            spend[mine] = totals
        else:
            rate = scenario.to_reporting(scenario.provider_currency(c))
            spend[mine] = [Decimal(int(v)) * rate for v in totals]
    if exact and int(np.abs(spend).sum(dtype=object)) >= 2**62:  # running sums would overflow int64
        exact, spend = False, spend.astype(object)
    budget = money_from_price_units(price_to_units(customer.budget.amount))
    account = workload.account[rows].astype(np.int64)
    key = account * len(edges) + period
    order = np.lexsort((np.arange(len(rows)), key))  # by account and period, then arrival
    sorted_key, sorted_spend = key[order], spend[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    before = running_before(sorted_spend, first)
    over = np.zeros(len(rows), dtype=bool)
    over[order] = before >= budget  # the budget was reached before this request
    if customer.budget.action == "stop":
        stopped[rows[over]] = True
    else:
        route[rows[over]] = index[customer.budget.downgrade_to]
