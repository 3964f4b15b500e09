"""Billing: exact per-request charges, charge lines, invoices per customer and period.

Charges are integer pico currency units (1e-12) and are never rounded. Each invoice (one per
provider, customer account and billing period) sums its requests' charges exactly into
`subtotal`, then rounds once, half up, to the currency's minor unit into `amount`: that is the
only rounding step. Only completed requests are billed; rejected, timed-out and unfinished
requests cost nothing. `reconcile` checks that charge lines, invoices and revenue agree to the
last pico unit and raises `ReconciliationError` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from .demand import Workload
from .errors import ReconciliationError
from .pricing import ChargeTable, PricingPolicy
from .scenario import Scenario
from .sim.records import COMPLETED, Records
from .units import format_money, round_to_minor

__all__ = ["Bill", "bill", "period_edges", "exact_group_sums"]

_SPLIT = 10**9


@dataclass(frozen=True)
class Bill:
    """Everything billing produced for one run."""

    currency: str
    charge_pico: np.ndarray  # per request; 0 where not billed (int64, or object for huge values)
    tables: dict[int, tuple[np.ndarray, ChargeTable]]  # provider -> (request ids, their charge lines)
    invoices: pd.DataFrame
    invoice_subtotals_pico: list[int]
    revenue_pico: int
    revenue_by_provider_pico: list[int]

    @property
    def invoiced_total(self):
        """Sum of the rounded invoice amounts (what customers actually pay)."""
        return sum((round_to_minor(p, self.currency) for p in self.invoice_subtotals_pico),
                   start=round_to_minor(0, self.currency))


def exact_group_sums(group: np.ndarray, amounts: np.ndarray, groups: int) -> list[int]:
    """Exact integer sums of `amounts` per group code, without floats or int64 overflow."""
    if amounts.dtype == object:
        sums = [0] * groups
        for g, a in zip(group.tolist(), amounts.tolist()):
            sums[g] += a
        return sums
    amounts = amounts.astype(np.int64)
    high, low = np.divmod(amounts, _SPLIT)
    high_sum = np.zeros(groups, dtype=np.int64)
    low_sum = np.zeros(groups, dtype=np.int64)
    np.add.at(high_sum, group, high)
    np.add.at(low_sum, group, low)
    return [int(h) * _SPLIT + int(lo) for h, lo in zip(high_sum.tolist(), low_sum.tolist())]


def period_edges(scenario: Scenario) -> tuple[np.ndarray, list[datetime]]:
    """Billing-period boundaries in seconds from the start, and each period's local start.

    Periods are calendar days or months of the scenario's time zone; the first and last may
    be cut by the run's start and horizon.
    """
    start = scenario.start_local
    tz = start.tzinfo
    if scenario.billing_period == "day":
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    horizon = start + timedelta(seconds=scenario.duration)
    while True:
        current = starts[-1].replace(tzinfo=None)
        if scenario.billing_period == "day":
            following = current + timedelta(days=1)
        else:
            following = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        nxt = following.replace(tzinfo=tz)
        if nxt >= horizon:
            break
        starts.append(nxt)
    edges = np.asarray([max(0.0, (s - start).total_seconds()) for s in starts])
    return edges, starts + [nxt]


def bill(scenario: Scenario, workload: Workload, records: Records,
         policies: dict[str, PricingPolicy]) -> Bill:
    """Price every completed request with its provider's policy and issue invoices."""
    n = len(workload)
    status = records.column("status")
    provider = records.column("provider")
    billed = status == COMPLETED
    finish = records.column("finish_s")
    edges, _ = period_edges(scenario)
    period = np.clip(np.searchsorted(edges, np.nan_to_num(finish), side="right") - 1, 0, len(edges) - 1)
    order = np.argsort(np.argsort(np.where(billed, finish, np.inf), kind="stable"), kind="stable")
    charge = np.zeros(n, dtype=np.int64)
    tables: dict[int, tuple[np.ndarray, ChargeTable]] = {}
    for p, spec in enumerate(scenario.providers):
        rows = np.flatnonzero(billed & (provider == p))
        usage = workload.usage_for(p, rows, period=period[rows], order=order[rows], start=scenario.start_local)
        table = policies[spec.price].charges(usage)
        totals = table.total_pico()
        if totals.dtype == object and charge.dtype != object:
            charge = charge.astype(object)
        charge[rows] = totals
        tables[p] = (rows, table)
    invoices, subtotals = _invoices(scenario, workload, records, charge, billed)
    by_provider = exact_group_sums(np.where(billed, provider, 0).astype(np.int64),
                                   np.where(billed, charge, 0), len(scenario.providers))
    result = Bill(scenario.currency, charge, tables, invoices, subtotals, sum(by_provider), by_provider)
    reconcile(result)
    return result


def _invoices(scenario, workload, records, charge, billed) -> tuple[pd.DataFrame, list[int]]:
    edges, period_starts = period_edges(scenario)
    finish = records.column("finish_s")
    rows = np.flatnonzero(billed)
    period = np.searchsorted(edges, finish[rows], side="right") - 1
    n_accounts, n_periods = len(workload.accounts), len(edges)
    key = (records.column("provider")[rows].astype(np.int64) * n_accounts
           + workload.account[rows].astype(np.int64)) * n_periods + period
    codes, group = np.unique(key, return_inverse=True)
    subtotals = exact_group_sums(group, charge[rows], len(codes))
    counts = np.bincount(group, minlength=len(codes))

    def token_sum(column: np.ndarray) -> np.ndarray:
        out = np.zeros(len(codes), dtype=np.int64)
        np.add.at(out, group, column[rows])
        return out

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
        "input_tokens": token_sum(workload.input_tokens),
        "cached_input_tokens": token_sum(workload.cached_input_tokens),
        "output_tokens": token_sum(workload.output_tokens),
        "reasoning_tokens": token_sum(workload.reasoning_tokens),
        "cache_write_tokens": token_sum(workload.cache_write_tokens),
        "subtotal": [format_money(s) for s in subtotals],
        "amount": [str(round_to_minor(s, scenario.currency)) for s in subtotals],
        "currency": scenario.currency,
    })
    return frame, subtotals


def reconcile(result: Bill) -> None:
    """Charge lines = per-request charges = invoices = revenue, exactly; else a loud failure."""
    from_lines = 0
    for rows, table in result.tables.values():
        for component in table.components:
            amounts = table.amount_pico[component]
            from_lines += sum(exact_group_sums(np.zeros(len(amounts), dtype=np.int64), amounts, 1))
    per_request = sum(exact_group_sums(np.zeros(len(result.charge_pico), dtype=np.int64), result.charge_pico, 1))
    invoiced = sum(result.invoice_subtotals_pico)
    if not (from_lines == per_request == invoiced == result.revenue_pico == sum(result.revenue_by_provider_pico)):
        raise ReconciliationError(
            f"billing does not reconcile: charge lines {format_money(from_lines)}, requests {format_money(per_request)}, "
            f"invoices {format_money(invoiced)}, revenue {format_money(result.revenue_pico)} {result.currency}"
        )
