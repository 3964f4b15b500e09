"""The ledger (one charge line per billed request and price component, plus plan lines) and the
invoice line items summed from it, built column-wise from the bill's charge tables.

Both come from one set of columns (`ledger_columns`): the ledger formats them, invoice lines
sum them exactly per provider, customer, billing period and component.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .units import format_money, format_money_array

__all__ = ["LedgerColumns", "ledger_columns", "ledger_frame", "invoice_lines_frame"]

_NO_REQUEST = np.iinfo(np.int64).max  # plan lines without a request sort last, as NA does


@dataclass(frozen=True)
class LedgerColumns:
    """Charge lines as arrays, in ledger order (request id, stable)."""

    request_id: np.ndarray  # int64; -1: a fee or purchase (no request)
    account: np.ndarray
    provider: np.ndarray
    component: np.ndarray  # int32: index into `component_names`
    component_names: np.ndarray  # object (str), each component once
    quantity: np.ndarray
    unit_price: np.ndarray | None  # price units; None for the plan lines' part (empty in the table)
    amount: np.ndarray  # money units (int64, or object for exact integers beyond int64)
    time_s: np.ndarray  # NaN on usage lines
    usage_lines: int  # how many lines (before sorting) came from the charge tables
    order: np.ndarray  # the stable sort applied


def _concat(parts: list[np.ndarray], dtype=None) -> np.ndarray:
    if any(p.dtype == object for p in parts):
        return np.concatenate([p.astype(object) for p in parts])
    return np.concatenate(parts).astype(dtype) if dtype is not None else np.concatenate(parts)


def ledger_columns(result, *, ordered: bool = True) -> LedgerColumns:
    """The ledger's lines from the bill: charge-table lines per provider and component, then plan lines.

    In ledger order (by request id, stable) unless `ordered` is false: invoice lines sum them per
    group and sort their own rows, so they need no ordering of the million-line ledger."""
    rid, account, prov, comp, qty, unit, amount = [], [], [], [], [], [], []
    code: dict[str, int] = {}  # component name -> its code (lines hold codes: no string per line)
    for p, (rows, table) in result.bill.tables.items():
        for component in table.components:
            used = table.quantity[component] > 0  # a line per token class the request used
            rid.append(rows[used].astype(np.int64))
            account.append(result.workload.account[rows[used]].astype(np.int64))
            prov.append(np.full(len(rid[-1]), p, np.int64))
            comp.append(np.full(len(rid[-1]), code.setdefault(component, len(code)), np.int32))
            qty.append(np.asarray(table.quantity[component][used], np.int64))
            unit.append(np.asarray(table.unit_price[component][used]))
            amount.append(np.asarray(table.amount[component][used]))
    usage = sum(len(r) for r in rid)
    lines = result.bill.plan_lines
    if len(lines):
        rid.append(lines.request_id.astype(np.int64))
        account.append(lines.account.astype(np.int64))
        prov.append(lines.provider.astype(np.int64))
        codes, names = pd.factorize(np.asarray(lines.component, dtype=object))
        comp.append(np.asarray([code.setdefault(n, len(code)) for n in names.tolist()], np.int32)[codes])
        qty.append(lines.quantity.astype(np.int64))
        amount.append(np.asarray(lines.amount))
    empty = [np.zeros(0, np.int64)]
    request_id = _concat(rid or empty, np.int64)
    time_s = np.full(len(request_id), np.nan)
    if len(lines):
        time_s[usage:] = lines.time_s
    account_, provider_ = _concat(account or empty, np.int64), _concat(prov or empty, np.int64)
    component_, quantity_ = _concat(comp or empty, np.int32), _concat(qty or empty, np.int64)
    unit_, amount_ = (_concat(unit) if unit else None), _concat(amount or empty)
    names = np.asarray(list(code), dtype=object)
    if not ordered:  # the lines as concatenated: no sort, no gathers
        return LedgerColumns(request_id, account_, provider_, component_, names, quantity_, unit_, amount_,
                             time_s, usage, np.arange(len(request_id)))
    order = np.argsort(np.where(request_id < 0, _NO_REQUEST, request_id), kind="stable")
    return LedgerColumns(
        request_id=request_id[order], account=account_[order], provider=provider_[order],
        component=component_[order], component_names=names, quantity=quantity_[order],
        unit_price=unit_[order[order < usage]] if unit_ is not None else None,
        amount=amount_[order], time_s=time_s[order], usage_lines=usage, order=order)


def ledger_frame(result, columns: LedgerColumns) -> pd.DataFrame:
    """The ledger table (ledger.csv): exact amounts as plain decimal strings."""
    names = np.asarray([p.name for p in result.scenario.providers], dtype=object)
    accounts = np.asarray(result.workload.accounts, dtype=object)
    c = columns
    if not len(c.request_id) and not len(result.bill.plan_lines):
        return pd.DataFrame(columns=["request_id", "customer", "provider", "component", "quantity",
                                     "unit_price_per_1m", "amount"])
    from_table = c.order < c.usage_lines
    unit_text = np.full(len(c.request_id), "", dtype=object)
    if c.unit_price is not None and len(c.unit_price):
        unit_text[from_table] = _price_text(c.unit_price)
    frame = {
        "request_id": c.request_id,
        "customer": accounts[c.account] if len(accounts) else np.zeros(0, object),
        "provider": names[c.provider],
        "component": c.component_names[c.component],
        "quantity": c.quantity,
        "unit_price_per_1m": unit_text,
        "amount": np.asarray(format_money_array(c.amount), dtype=object),
    }
    if len(result.bill.plan_lines):
        frame["request_id"] = pd.arrays.IntegerArray(c.request_id, c.request_id < 0)  # empty: no request
        frame["time_s"] = c.time_s
    return pd.DataFrame(frame)


def _price_text(units: np.ndarray) -> np.ndarray:
    """Unit prices per 1M tokens as text: few distinct values, each formatted once."""
    from .units import money_from_price_units

    distinct, index = np.unique(units.astype(object) if units.dtype == object else units, return_inverse=True)
    text = np.asarray([format_money(money_from_price_units(int(u))) for u in distinct.tolist()], dtype=object)
    return text[index.reshape(-1)]


def invoice_lines_frame(result, columns: LedgerColumns) -> pd.DataFrame:
    """Per provider, customer, billing period and component (before any '@'), the summed lines, exactly.

    The lines may come in any order (`ledger_columns(..., ordered=False)`): the sums are exact and
    the rows are sorted by their (unique) provider, customer, period and component."""
    from .billing import period_edges
    from .money import exact_group_sums
    from .timegrid import index_of

    c = columns
    edges, starts = period_edges(result.scenario)
    finish = result.sim.records.column("finish_s")
    when = np.where(c.request_id >= 0, finish[np.maximum(c.request_id, 0)] if len(finish) else np.nan, c.time_s)
    period = index_of(when, edges)
    if not len(c.component):
        return pd.DataFrame(columns=["provider", "customer", "period_start", "component", "quantity", "amount"])
    base, base_of = np.unique(np.asarray([str(d).split("@")[0] for d in c.component_names.tolist()]),
                              return_inverse=True)
    base_code = base_of.reshape(-1)[c.component]
    n_accounts, n_periods, n_base = len(result.workload.accounts), len(edges), len(base)
    key = ((c.provider * n_accounts + c.account) * n_periods + period) * n_base + base_code
    group, codes = pd.factorize(key)  # groups in order of appearance: the frame is sorted below
    quantity = np.zeros(len(codes), np.int64)
    np.add.at(quantity, group, c.quantity)
    amounts = exact_group_sums(group, c.amount, len(codes))
    rest, comp = np.divmod(codes, n_base)
    rest, per = np.divmod(rest, n_periods)
    prov, account = np.divmod(rest, n_accounts)
    fmt = "%Y-%m-%dT%H:%M:%S%z"
    frame = pd.DataFrame({
        "provider": np.asarray([p.name for p in result.scenario.providers], dtype=object)[prov],
        "customer": np.asarray(result.workload.accounts, dtype=object)[account],
        "period_start": np.asarray([s.strftime(fmt) for s in starts[:-1]], dtype=object)[per],
        "component": base.astype(object)[comp],
        "quantity": quantity,
        "amount": np.asarray(format_money_array(np.asarray(amounts, dtype=object)), dtype=object),
    })
    return frame.sort_values(["provider", "customer", "period_start", "component"], kind="stable",
                             ignore_index=True)
