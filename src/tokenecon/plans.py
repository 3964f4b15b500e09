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
Everything is exact integer money units (1e-15); a request's net charge is the sum of its lines.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .money import exact_group_sums, running_before
from .timegrid import index_of
from .units import money_from_price_units, price_to_units

__all__ = ["PlanLines", "apply_plans"]

_INF = float("inf")


def _money(money) -> int:
    return money_from_price_units(price_to_units(money))


class PlanLines:
    """Extra ledger lines, columnar, and the wallet movements behind them.

    Lines are added one by one (fees, purchases) or as arrays (one per allowance or wallet pass);
    the columns are numpy arrays built once, on first read.
    """

    _NAMES = ("request_id", "provider", "account", "time_s", "component", "quantity", "amount")

    def __init__(self) -> None:
        self._parts: list[tuple] = []  # tuples of 7 equal-length arrays
        self._single: list[tuple] = []
        self._columns: dict[str, np.ndarray] | None = None
        self.wallet: list[tuple] = []  # (time_s, provider, account, wallet, change, balance)

    def add(self, rid, provider, account, time_s, component, quantity, amount) -> None:
        self._single.append((rid, provider, account, time_s, component, quantity, amount))
        self._columns = None

    def extend(self, rids, provider, accounts, times, component, quantities, amounts) -> None:
        count = len(rids)
        self._parts.append((np.asarray(rids, np.int64), np.full(count, provider, np.int64),
                            np.asarray(accounts, np.int64), np.asarray(times, float),
                            np.full(count, component, dtype=object), np.asarray(quantities, np.int64),
                            np.asarray(amounts)))
        self._columns = None

    def _build(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            parts = list(self._parts)
            if self._single:
                cols = list(zip(*self._single))
                parts.append((np.asarray(cols[0], np.int64), np.asarray(cols[1], np.int64),
                              np.asarray(cols[2], np.int64), np.asarray(cols[3], float),
                              np.asarray(cols[4], dtype=object), np.asarray(cols[5], np.int64),
                              np.asarray(cols[6], dtype=object)))
            if not parts:
                parts = [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                          np.zeros(0, dtype=object), np.zeros(0, np.int64), np.zeros(0, np.int64))]
            columns = {name: np.concatenate([part[k] for part in parts]) for k, name in enumerate(self._NAMES)}
            amount = columns["amount"]
            if amount.dtype == object and (not len(amount) or max(abs(int(a)) for a in amount) < 2**62):
                columns["amount"] = amount.astype(np.int64)
            self._columns = columns
        return self._columns

    def __getattr__(self, name: str) -> np.ndarray:
        if name in PlanLines._NAMES:
            return self._build()[name]
        raise AttributeError(name)

    def __len__(self) -> int:
        return sum(len(part[0]) for part in self._parts) + len(self._single)


def _positions_value(start, take, starts, quantities, units) -> np.ndarray:
    """Value of token positions [start, start + take) of each request, priced component by component."""
    value = np.zeros(len(start), dtype=object if units.dtype == object else np.int64)
    for c in range(quantities.shape[0]):
        overlap = np.clip(np.minimum(start + take, starts[c] + quantities[c]) - np.maximum(start, starts[c]), 0, None)
        value = value + overlap * units[c]
    return value


def apply_plans(scenario, workload, finish: np.ndarray, provider: np.ndarray, tables, period_edges) -> PlanLines:
    """The plan lines of every (provider, account) whose customer segment has a plan.

    Vectorised: each allowance and each wallet is one pass over the requests in completion order
    (a group-wise cumulative sum per account), in priority order.
    """
    lines = PlanLines()
    if not scenario.plans:
        return lines
    for p, (rows, table) in tables.items():
        for seg, customer in enumerate(scenario.customers):
            if customer.plan is None or scenario.providers[p].name not in customer.providers:
                continue
            plan = scenario.plans[customer.plan]
            accounts = np.flatnonzero(workload.account_segment == seg)
            mine = np.flatnonzero(workload.segment[rows] == seg)
            order = np.lexsort((rows[mine], finish[rows[mine]], workload.account[rows[mine]]))
            _segment_lines(lines, plan, p, accounts, mine[order], rows, table, finish, workload,
                           np.asarray(period_edges, dtype=float), float(scenario.duration))
    return lines


def _end(at: float, valid_for: float | None) -> tuple[float, float]:
    """An end time as (time, length after it): exactly at + valid_for, never a rounded float sum."""
    return (_INF, 0.0) if valid_for is None else (float(at), float(valid_for))


def _end_key(end: tuple[float, float]) -> tuple[bool, Fraction]:
    return (True, Fraction(0)) if end[0] == _INF else (False, Fraction(end[0]) + Fraction(end[1]))


def _inside(t: np.ndarray, start: float, end: tuple[float, float]) -> np.ndarray:
    """start <= t < end, exactly. The float sum of an end rounds; where it rounds onto a finish time
    the comparison is decided in fractions (only a tie can differ from the exact one)."""
    at, length = end
    inside: np.ndarray = (t >= start) & (t < at + length)
    if at != _INF:
        for i in np.flatnonzero((t == at + length) & (t >= start)).tolist():
            inside[i] = Fraction(float(t[i])) < Fraction(at) + Fraction(length)
    return inside


def _allowances(plan, edges, horizon):
    """(source, tokens, start, end) in consumption order: free quota, the period's subscription tokens,
    then packages earliest-expiring first. An end is (time, length after it), see `_end`."""
    found = []
    if plan.free_quota is not None:
        found.append((0, _end(0.0, plan.free_quota.valid_for), "free_quota", plan.free_quota.tokens, 0.0))
    if plan.subscription is not None and plan.subscription.included_tokens:
        bounds = list(edges) + [horizon]
        for k in range(len(edges)):
            found.append((1, (float(bounds[k + 1]), 0.0), "subscription", plan.subscription.included_tokens,
                          bounds[k]))
    for k, package in enumerate(plan.packages):
        if package.at < horizon:
            found.append((2, _end(package.at, package.valid_for), f"package[{k}]", package.tokens, package.at))
    return [(source, tokens, start, end) for _, end, source, tokens, start
            in sorted(found, key=lambda a: (a[0], _end_key(a[1])))]


def _segment_lines(lines, plan, p, accounts, items, rows, table, finish, workload, edges, horizon) -> None:
    for account in accounts.tolist():
        _fixed_lines(lines, plan, p, account, edges, horizon)
    n = len(items)
    rid = rows[items]
    t = finish[rid]
    account = workload.account[rid].astype(np.int64)
    first = np.r_[True, account[1:] != account[:-1]] if n else np.zeros(0, bool)
    quantities = np.stack([table.quantity[c][items] for c in table.components]).astype(np.int64) if n else \
        np.zeros((0, 0), np.int64)
    units = np.stack([table.unit_price[c][items] for c in table.components]) if n else np.zeros((0, 0), np.int64)
    starts = np.cumsum(quantities, axis=0) - quantities  # first position of each component in the request
    remaining = quantities.sum(axis=0) if n else np.zeros(0, np.int64)
    covered = np.zeros(n, dtype=np.int64)
    charge = _positions_value(np.zeros(n, np.int64), remaining, starts, quantities, units)
    for source, tokens, start, end in _allowances(plan, edges, horizon):
        eligible = np.where(_inside(t, start, end), remaining, 0)
        take = np.clip(tokens - running_before(eligible, first), 0, eligible)
        used = np.flatnonzero(take)
        if len(used):
            value = _positions_value(covered[used], take[used], starts[:, used], quantities[:, used], units[:, used])
            _extend(lines, rid[used], p, account[used], t[used], f"allowance:{source}", take[used], -value)
            charge[used] = charge[used] - value
        covered += take
        remaining -= take
    if plan.minimum_commitment is not None:
        _true_up(lines, plan, p, account, t, charge, edges, horizon, accounts)
    _wallets(lines, plan, p, rid, account, t, charge, first, horizon)


def _fixed_lines(lines, plan, p, account, edges, horizon) -> None:
    """Purchases and fees of one account: packages, paid top-ups, a subscription fee per period."""
    for k, package in enumerate(plan.packages):
        if package.at < horizon:
            lines.add(-1, p, account, package.at, f"package[{k}]", package.tokens, _money(package.price))
    for k, credit in enumerate(plan.credits):
        if credit.at < horizon:
            if credit.kind == "paid":
                lines.add(-1, p, account, credit.at, f"top_up[{k}]", 0, _money(credit.amount))
            lines.wallet.append((credit.at, p, account, f"{credit.kind}[{k}]", _money(credit.amount),
                                 _money(credit.amount)))
    if plan.subscription is not None:
        for start in edges.tolist():
            lines.add(-1, p, account, start, "subscription", 0, _money(plan.subscription.fee))


def _true_up(lines, plan, p, account, t, charge, edges, horizon, accounts) -> None:
    """Bring each account's usage (after allowances) up to the commitment in every period."""
    minimum = _money(plan.minimum_commitment)
    periods = len(edges)
    period = index_of(t, edges)
    key = account * periods + period
    codes, group = np.unique(key, return_inverse=True)

    usage = dict(zip(codes.tolist(), exact_group_sums(group, charge, len(codes))))
    bounds = list(edges) + [horizon]
    for a in accounts.tolist():
        for k in range(periods):
            short = minimum - usage.get(a * periods + k, 0)
            if short > 0:
                lines.add(-1, p, a, float(np.nextafter(min(bounds[k + 1], horizon), 0.0)), "minimum_true_up", 0, short)


def _wallets(lines, plan, p, rid, account, t, charge, first, horizon) -> None:
    """Pay remaining charges from wallets: granted before paid, earliest-expiring first, never below zero."""
    wallets = []
    for k, credit in enumerate(plan.credits):
        if credit.at < horizon:
            wallets.append((credit.kind != "granted", _end(credit.at, credit.valid_for), k, credit))
    remaining = charge.copy()
    for _, end, k, credit in sorted(wallets, key=lambda w: (w[0], _end_key(w[1]), w[2])):
        balance = _money(credit.amount)
        eligible = np.where(_inside(t, credit.at, end), remaining, 0)
        spent_before = running_before(eligible, first)
        take = np.clip(balance - spent_before, 0, eligible)
        used = np.flatnonzero(take)
        if not len(used):
            continue
        _extend(lines, rid[used], p, account[used], t[used], f"credit:{credit.kind}", np.zeros(len(used), np.int64),
                -take[used])
        left = balance - (spent_before[used] + take[used])
        lines.wallet.extend((float(a), p, int(b), f"{credit.kind}[{k}]", -int(c), int(d))
                            for a, b, c, d in zip(t[used], account[used], take[used], left))
        remaining = remaining - take


def _extend(lines, rids, p, accounts, times, component, quantities, amounts) -> None:
    lines.extend(rids, p, accounts, times, component, quantities, amounts)
