"""Billing: exact per-request charges, charge lines, invoices per customer and period.

Charges are integer money units (1e-15 of the currency) and are never rounded. Each invoice (one per
provider, customer account and billing period) sums its requests' charges exactly into
`subtotal`, then rounds once, half up, to the currency's minor unit into `amount`: that is the
only rounding step. Only completed requests are billed; rejected, timed-out and unfinished
requests cost nothing. `reconcile` checks that charge lines, invoices and revenue agree to the
last money unit and raises `ReconciliationError` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from datetime import datetime

import numpy as np
import pandas as pd

from .demand import Workload
from .errors import PricingError, ReconciliationError
from .load import SurgeSignal
from .money import exact_group_sums, exact_total, in_reporting
from .plans import PlanLines, apply_plans
from .pricing import ChargeTable, PricingPolicy, Usage
from .scenario import Scenario
from .sim.records import COMPLETED, Records
from .timegrid import billing_periods, index_of
from .units import format_money, money_from_price_units, price_to_units, round_to_minor

__all__ = ["Bill", "bill", "period_edges", "reconcile"]


@dataclass(frozen=True)
class Bill:
    """Everything billing produced for one run."""

    currency: str
    charge: np.ndarray  # per request, net of plan lines; 0 where not billed
    list_charge: np.ndarray  # per request at list price (before allowances and credits)
    tables: dict[int, tuple[np.ndarray, ChargeTable]]  # provider -> (request ids, their charge lines)
    plan_lines: PlanLines
    invoices: pd.DataFrame
    invoice_subtotals: list[int]
    invoice_provider: list[int]
    revenue_by_provider: list[int]  # each in its provider's currency
    provider_currency: list[str]
    provider_rate: list[Decimal]  # scenario currency per unit of the provider's currency

    @property
    def revenue(self) -> Decimal:
        """Total revenue in the scenario currency (exact; converted at the scenario's rates)."""
        return in_reporting(self.revenue_by_provider, self.provider_rate)

    @property
    def invoiced_total(self) -> Decimal:
        """Sum of the rounded invoice amounts (what customers actually pay), in the scenario currency."""
        return sum((round_to_minor(s, self.provider_currency[p]) * self.provider_rate[p]
                    for s, p in zip(self.invoice_subtotals, self.invoice_provider)),
                   round_to_minor(0, self.currency))


def period_edges(scenario: Scenario) -> tuple[np.ndarray, list[datetime]]:
    """Billing-period boundaries in seconds from the start, and each period's local start (`timegrid`)."""
    return billing_periods(scenario.start_local, scenario.duration, scenario.billing_period)


def bill(scenario: Scenario, workload: Workload, records: Records,
         policies: dict[str, PricingPolicy], surge: SurgeSignal | None = None) -> Bill:
    """Price every completed request with its provider's policy, apply plans, issue invoices.

    A provider priced with surge needs the run's `surge` signal (`tokenecon.load.surge_signal`):
    each request pays the level of the interval it arrived in.
    """
    n = len(workload)
    provider = records.column("provider")
    billed = records.derived(("completed",), lambda: records.column("status") == COMPLETED)
    finish = records.column("finish_s")
    edges, _ = period_edges(scenario)
    charge = np.zeros(n, dtype=np.int64)
    tables: dict[int, tuple[np.ndarray, ChargeTable]] = {}
    for p, spec in enumerate(scenario.providers):
        rows, usage = _usage(scenario, workload, records, p, edges)
        if policies[spec.price].spec.surge is not None:
            if surge is None or p not in surge.levels:
                raise PricingError(f"provider {spec.name!r} is priced with surge: bill() needs the run's surge "
                                   "signal (surge=tokenecon.load.surge_signal(scenario, load))")
            usage = replace(usage, surge_level=surge.level_at(p, workload.arrival_s[rows]))
        table = policies[spec.price].charges(usage)
        on_reservation = records.derived(("reserved", p), lambda: records.column("reserved")[rows].astype(bool))
        if on_reservation.any():  # paid by the capacity-hour: no per-token charge
            for component in table.components:
                table.unit_price[component] = np.where(on_reservation, 0, table.unit_price[component])
                table.amount[component] = np.where(on_reservation, 0, table.amount[component])
        totals = table.totals()
        if totals.dtype == object and charge.dtype != object:
            charge = charge.astype(object)
        charge[rows] = totals
        tables[p] = (rows, table)
    list_charge = charge.copy()
    lines = apply_plans(scenario, workload, finish, provider, tables, edges)
    _provisioned_lines(scenario, workload, edges, lines)
    if len(lines):
        on_request = lines.request_id >= 0
        amounts = lines.amount[on_request]
        if charge.dtype != object and amounts.dtype != object:
            np.add.at(charge, lines.request_id[on_request], amounts)  # exact: int64 that cannot overflow
        else:  # beyond int64: exact Python integers
            charge = charge.astype(object)
            for rid, amount in zip(lines.request_id[on_request].tolist(), amounts.tolist()):
                charge[rid] += amount
    invoices, subtotals, invoice_provider, by_provider = _invoices(scenario, workload, records, charge, billed, lines)
    currencies = [scenario.provider_currency(p) for p in range(len(scenario.providers))]
    result = Bill(scenario.currency, charge, list_charge, tables, lines, invoices, subtotals, invoice_provider,
                  by_provider, currencies, [scenario.to_reporting(c) for c in currencies])
    reconcile(result)
    return result


def _usage(scenario: Scenario, workload: Workload, records: Records, p: int,
           edges: np.ndarray) -> tuple[np.ndarray, Usage]:
    """Provider p's completed requests and their usage (periods, completion order), before any surge
    level: the same for every price list billed on these records, so derived once."""
    def compute() -> tuple[np.ndarray, Usage]:
        billed = records.column("status") == COMPLETED
        finish = records.column("finish_s")
        rows = np.flatnonzero(billed & (records.column("provider") == p))
        period = records.derived(("period", edges.tobytes()), lambda: index_of(np.nan_to_num(finish), edges))
        order = records.derived(("completion_order",), lambda: np.argsort(
            np.argsort(np.where(billed, finish, np.inf), kind="stable"), kind="stable"))
        return rows, workload.usage_for(p, rows, period=period[rows], order=order[rows], start=scenario.start_local)

    return records.derived(("usage", p, edges.tobytes(), scenario.start_local.isoformat()), compute)


def _provisioned_lines(scenario: Scenario, workload: Workload, edges: np.ndarray, lines: PlanLines) -> None:
    """Reserved capacity, billed per started hour within each billing period, used or not."""
    import math

    bounds = list(edges) + [scenario.duration]
    first_account = np.searchsorted(workload.account_segment, np.arange(len(scenario.customers)))
    names = [p.name for p in scenario.providers]
    for s, customer in enumerate(scenario.customers):
        reservation = customer.provisioned
        if reservation is None:
            continue
        hourly = money_from_price_units(price_to_units(reservation.price_per_replica_hour)) * reservation.replicas
        for k in range(len(edges)):
            hours = math.ceil((min(bounds[k + 1], scenario.duration) - bounds[k]) / 3600.0 - 1e-9)
            if hours > 0:
                lines.add(-1, names.index(reservation.provider), int(first_account[s]), float(bounds[k]),
                          "provisioned", hours * reservation.replicas, hours * hourly)


def _invoices(scenario: Scenario, workload: Workload, records: Records, charge: np.ndarray, billed: np.ndarray,
              lines: PlanLines) -> tuple[pd.DataFrame, list[int], list[int], list[int]]:
    """Invoices per provider, account and period: request charges plus plan lines, summed exactly."""
    edges, period_starts = period_edges(scenario)
    rows = np.flatnonzero(billed)
    extra = np.flatnonzero(lines.request_id < 0)
    n_accounts, n_periods = len(workload.accounts), len(edges)
    request_codes, request_group, counts, tokens = _request_groups(workload, records, billed, edges)
    extra_keys = _invoice_key(lines.provider[extra], lines.account[extra], index_of(lines.time_s[extra], edges),
                              n_accounts, n_periods)
    codes = request_codes
    if len(extra):  # fees and purchases may open invoices of their own: merge their keys in
        codes = np.union1d(request_codes, extra_keys)
        at = np.searchsorted(codes, request_codes)
        request_group = at[request_group]
        counts, tokens = _spread(counts, at, len(codes)), {k: _spread(v, at, len(codes)) for k, v in tokens.items()}
    subtotals = exact_group_sums(request_group, charge[rows], len(codes))
    for g, i in zip(np.searchsorted(codes, extra_keys).tolist(), extra.tolist()):  # fees and purchases: few
        subtotals[g] += int(lines.amount[i])
    provider_code, rest = np.divmod(codes, n_accounts * n_periods)
    account_code, period_code = np.divmod(rest, n_periods)
    names = [p.name for p in scenario.providers]
    fmt = "%Y-%m-%dT%H:%M:%S%z"
    frame = pd.DataFrame({
        "provider": [names[i] for i in provider_code],
        "customer": [workload.accounts[i] for i in account_code],
        "segment": [workload.segments[workload.account_segment[i]] for i in account_code],
        "period_start": [period_starts[i].strftime(fmt) for i in period_code],
        "period_end": [period_starts[i + 1].strftime(fmt) for i in period_code],
        "requests": counts,
        **tokens,
        "subtotal": [format_money(s) for s in subtotals],
        "amount": [str(round_to_minor(s, scenario.provider_currency(p))) for s, p in zip(subtotals, provider_code)],
        "currency": [scenario.provider_currency(p) for p in provider_code],
    })
    by_provider = [0] * len(scenario.providers)
    for code, subtotal in zip(provider_code.tolist(), subtotals):
        by_provider[code] += subtotal
    return frame, subtotals, provider_code.tolist(), by_provider


_INVOICE_TOKENS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cache_write_tokens")


def _invoice_key(provider: np.ndarray, account: np.ndarray, period: np.ndarray, n_accounts: int,
                 n_periods: int) -> np.ndarray:
    key: np.ndarray = (provider.astype(np.int64) * n_accounts + account.astype(np.int64)) * n_periods + period
    return key


def _request_groups(workload: Workload, records: Records, billed: np.ndarray,
                    edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The invoice keys of the billed requests (sorted, unique), each request's group among them, and per
    group its request count and token sums: the same under any prices, so derived once per period grid."""
    def compute() -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        rows = np.flatnonzero(billed)
        keys = _invoice_key(records.column("provider")[rows], workload.account[rows],
                            index_of(records.column("finish_s")[rows], edges), len(workload.accounts), len(edges))
        codes, group = np.unique(keys, return_inverse=True)

        def token_sum(column: np.ndarray) -> np.ndarray:
            out = np.zeros(len(codes), dtype=np.int64)
            np.add.at(out, group, column[rows])
            return out

        counts = np.bincount(group, minlength=len(codes))
        return codes, group, counts, {name: token_sum(getattr(workload, name)) for name in _INVOICE_TOKENS}

    return records.derived(("invoice_groups", edges.tobytes()), compute)


def _spread(values: np.ndarray, at: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=values.dtype)
    out[at] = values
    return out


def reconcile(result: Bill) -> None:
    """Per provider (one currency each): charge lines (usage + plans) = request charges + other lines
    = invoices = revenue, exactly. A mismatch is a bug and fails loudly."""
    providers = len(result.revenue_by_provider)
    lines = result.plan_lines
    from_lines = exact_group_sums(lines.provider, lines.amount, providers)
    other = exact_group_sums(lines.provider, np.where(lines.request_id < 0, lines.amount, 0), providers)
    per_request = [0] * providers
    for p, (rows, table) in result.tables.items():
        for component in table.components:
            amounts = table.amount[component]
            from_lines[p] += exact_total(amounts)
        per_request[p] = exact_total(result.charge[rows])
    invoiced = [0] * providers
    for subtotal, p in zip(result.invoice_subtotals, result.invoice_provider):
        invoiced[p] += subtotal
    for p in range(providers):
        if not (from_lines[p] == per_request[p] + other[p] == invoiced[p] == result.revenue_by_provider[p]):
            raise ReconciliationError(
                f"billing does not reconcile for provider {p}: charge lines {format_money(from_lines[p])}, requests "
                f"{format_money(per_request[p])} + other lines {format_money(other[p])}, invoices "
                f"{format_money(invoiced[p])}, revenue {format_money(result.revenue_by_provider[p])} "
                f"{result.provider_currency[p]}")
