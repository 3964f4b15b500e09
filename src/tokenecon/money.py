"""Exact money over arrays: sums per group, running sums per account, the reporting currency.

Amounts are integer money units (1e-15 of a currency, see `tokenecon.units`): int64 arrays while
they are safe, arrays of Python integers (dtype object) beyond. Nothing here rounds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

import numpy as np

from .units import money_to_decimal

__all__ = ["exact_group_sums", "exact_total", "in_reporting", "running_before"]

_SPLIT = 10**9


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


def exact_total(amounts: np.ndarray) -> int:
    """The exact integer sum of an array of money units."""
    return exact_group_sums(np.zeros(len(amounts), dtype=np.int64), amounts, 1)[0]


def in_reporting(amounts: Iterable[int], rates: Iterable[Decimal]) -> Decimal:
    """Money-unit amounts, each in its own currency, summed exactly in the reporting currency."""
    return sum((money_to_decimal(a) * rate for a, rate in zip(amounts, rates)), Decimal(0))


def running_before(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per group (rows sorted by group, `first` marks each group's first row): the sum of its earlier rows.

    Exact for int64 (when the running total fits) and for object arrays of Python integers or Decimals.
    """
    n = len(values)
    if n == 0:
        return values.copy()
    before = np.cumsum(values) - values
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    out: np.ndarray = before - before[group_start]
    return out
