"""Customer plans: free quotas, subscriptions, prepaid token packages, credits, commitments.

Plans turn list-price charges into what is actually invoiced, as extra ledger lines:
- token allowances (free quota, the period's subscription tokens, prepaid packages) cover a
  request's tokens in its charge-line order; the covered value becomes a negative line
  ``allowance:<source>`` (the usage lines stay at list price, so token totals are unchanged);
- wallets pay the remaining charge: granted credits first, then paid credits, each
  earliest-expiring first, never below zero (``credit:granted`` / ``credit:paid`` lines);
- purchases and fees are lines of their own: ``package`` and ``top_up`` when bought,
  ``subscription`` at each billing period's start, ``minimum_true_up`` at its end when usage
  (after allowances) fell short of the commitment.
Everything is exact integer pico units; a request's net charge is the sum of its lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .units import price_to_micro

__all__ = ["PlanLines", "apply_plans"]

_INF = float("inf")


def _pico(money) -> int:
    return price_to_micro(money) * 10**6


@dataclass
class PlanLines:
    """Extra ledger lines (columns) and the wallet movements behind them."""

    request_id: list[int] = field(default_factory=list)  # -1: not tied to a request
    provider: list[int] = field(default_factory=list)
    account: list[int] = field(default_factory=list)
    time_s: list[float] = field(default_factory=list)
    component: list[str] = field(default_factory=list)
    quantity: list[int] = field(default_factory=list)
    amount_pico: list[int] = field(default_factory=list)
    wallet: list[tuple] = field(default_factory=list)  # (time_s, provider, account, wallet, change, balance)

    def add(self, rid, provider, account, time_s, component, quantity, amount) -> None:
        self.request_id.append(rid)
        self.provider.append(provider)
        self.account.append(account)
        self.time_s.append(time_s)
        self.component.append(component)
        self.quantity.append(quantity)
        self.amount_pico.append(amount)

    def __len__(self) -> int:
        return len(self.request_id)


@dataclass
class _Allowance:
    source: str
    tokens: int
    start: float
    end: float


@dataclass
class _Wallet:
    name: str
    balance: int
    start: float
    end: float
    granted: bool


def apply_plans(scenario, workload, finish: np.ndarray, provider: np.ndarray, tables, period_edges) -> PlanLines:
    """The plan lines of every (provider, account) whose customer segment has a plan."""
    lines = PlanLines()
    if not scenario.plans:
        return lines
    horizon = scenario.duration
    segment_plan = [scenario.plans.get(c.plan) if c.plan else None for c in scenario.customers]
    for p, (rows, table) in tables.items():
        plan_rows = [i for i, r in enumerate(rows.tolist()) if segment_plan[workload.segment[r]] is not None]
        by_account: dict[int, list[int]] = {}
        for i in plan_rows:
            by_account.setdefault(int(workload.account[rows[i]]), []).append(i)
        # every account of a planned segment that uses this provider gets its plan, used or not
        for seg, plan in enumerate(segment_plan):
            if plan is None or scenario.providers[p].name not in scenario.customers[seg].providers:
                continue
            for account in np.flatnonzero(workload.account_segment == seg).tolist():
                items = sorted(by_account.get(account, []), key=lambda i: (finish[rows[i]], rows[i]))
                _account_lines(lines, plan, p, account, items, rows, table, finish, period_edges, horizon)
    return lines


def _account_lines(lines, plan, p, account, items, rows, table, finish, period_edges, horizon) -> None:
    allowances: list[_Allowance] = []
    wallets: list[_Wallet] = []
    if plan.free_quota is not None:
        end = plan.free_quota.valid_for if plan.free_quota.valid_for is not None else _INF
        allowances.append(_Allowance("free_quota", plan.free_quota.tokens, 0.0, end))
    for k, package in enumerate(plan.packages):
        if package.at >= horizon:
            continue
        end = package.at + package.valid_for if package.valid_for is not None else _INF
        allowances.append(_Allowance(f"package[{k}]", package.tokens, package.at, end))
        lines.add(-1, p, account, package.at, f"package[{k}]", package.tokens, _pico(package.price))
    for k, credit in enumerate(plan.credits):
        if credit.at >= horizon:
            continue
        end = credit.at + credit.valid_for if credit.valid_for is not None else _INF
        wallets.append(_Wallet(f"{credit.kind}[{k}]", _pico(credit.amount), credit.at, end, credit.kind == "granted"))
        if credit.kind == "paid":
            lines.add(-1, p, account, credit.at, f"top_up[{k}]", 0, _pico(credit.amount))
        lines.wallet.append((credit.at, p, account, f"{credit.kind}[{k}]", _pico(credit.amount), _pico(credit.amount)))
    edges = list(period_edges) + [horizon]
    n_periods = len(period_edges)
    subscription = plan.subscription
    if subscription is not None:
        for k in range(n_periods):
            lines.add(-1, p, account, edges[k], "subscription", 0, _pico(subscription.fee))
            if subscription.included_tokens:
                allowances.append(_Allowance("subscription", subscription.included_tokens, edges[k], edges[k + 1]))
    # free quota first, then the period's subscription tokens, then packages, earliest expiry first
    rank = {"free_quota": 0, "subscription": 1}
    allowances.sort(key=lambda a: (rank.get(a.source, 2), a.end))
    wallets.sort(key=lambda w: (not w.granted, w.end))  # granted first, then earliest expiry
    usage_by_period = [0] * n_periods
    for i in items:
        rid = int(rows[i])
        t = float(finish[rid])
        k = int(np.searchsorted(period_edges, t, side="right") - 1)
        charge = _cover_tokens(lines, table, i, rid, p, account, t, allowances)
        usage_by_period[k] += charge
        _pay_from_wallets(lines, wallets, rid, p, account, t, charge)
    if plan.minimum_commitment is not None:
        minimum = _pico(plan.minimum_commitment)
        for k in range(n_periods):
            if usage_by_period[k] < minimum:
                end = min(edges[k + 1], horizon)
                lines.add(-1, p, account, np.nextafter(end, 0.0), "minimum_true_up", 0, minimum - usage_by_period[k])


def _cover_tokens(lines, table, i, rid, p, account, t, allowances) -> int:
    """Cover the request's tokens from allowances (in charge-line order); its remaining charge."""
    charge = 0
    sources: dict[str, list[int]] = {}  # source -> [tokens, value]
    for component in table.components:
        q = int(table.quantity[component][i])
        if q == 0:
            continue
        unit = int(table.unit_price_micro[component][i])
        charge += q * unit
        for allowance in allowances:
            if q == 0:
                break
            if allowance.tokens and allowance.start <= t < allowance.end:
                take = min(q, allowance.tokens)
                allowance.tokens -= take
                q -= take
                entry = sources.setdefault(allowance.source, [0, 0])
                entry[0] += take
                entry[1] += take * unit
    for source, (tokens, value) in sources.items():
        lines.add(rid, p, account, t, f"allowance:{source}", tokens, -value)
        charge -= value
    return charge


def _pay_from_wallets(lines, wallets, rid, p, account, t, charge) -> None:
    for wallet in wallets:
        if charge <= 0:
            return
        if wallet.balance and wallet.start <= t < wallet.end:
            take = min(charge, wallet.balance)
            wallet.balance -= take
            charge -= take
            lines.add(rid, p, account, t, f"credit:{'granted' if wallet.granted else 'paid'}", 0, -take)
            lines.wallet.append((t, p, account, wallet.name, -take, wallet.balance))
