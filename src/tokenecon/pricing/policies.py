"""The pricing policies: per-token rate cards, context-length tiers and volume tiers.

Each accepts a ``time_of_use`` modifier (multipliers by the request's local time). All prices
are checked for exactness when the policy is built; pricing itself is integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import PricingError
from ..money import running_before
from ..timegrid import index_of
from .base import COMPONENTS, ChargeTable, PricingPolicy, Usage
from .ratecard import level_multipliers, price_table, rate_card
from .time_of_use import window_index

if TYPE_CHECKING:
    from ..scenario.pricing import ContextTiersPricing, Modifiers, PerTokenPricing, RateFields, VolumeTiersPricing

__all__ = ["PerTokenPolicy", "ContextTiersPolicy", "VolumeTiersPolicy"]


def _upper_bound(tier: RateFields) -> int:
    """A tier's ``up_to``; a rate card (no tiers) or the last tier has no limit."""
    up_to: int | None = getattr(tier, "up_to", None)
    return up_to if up_to is not None else np.iinfo(np.int64).max


class _TableBased(PricingPolicy):
    """Prices looked up in a (tier, window, class) table."""

    def __init__(self, name: str, spec: Modifiers, tiers: Sequence[RateFields]):
        super().__init__(name, spec)
        cards = [rate_card(tier, f"pricing.{name}" + (f".tiers[{k}]" if len(tiers) > 1 else ""))
                 for k, tier in enumerate(tiers)]
        schedule = spec.price_schedule
        self.table = price_table(cards, spec.time_of_use, spec.service_tiers, level_multipliers(spec.surge, schedule),
                                 f"pricing.{name}", spec.surge.classes if spec.surge is not None else None)
        self._columns = np.ascontiguousarray(self.table.reshape(-1, len(COMPONENTS)).T)  # class -> flat cell
        self.schedule_times = np.asarray([t for t, _ in schedule], dtype=float) if schedule else None
        self.needs_time = spec.time_of_use is not None or schedule is not None
        self.bounds = np.asarray([_upper_bound(t) for t in tiers], dtype=np.int64)
        self.thinking = any(getattr(t, "thinking_output", None) is not None for t in tiers)
        for k, window in enumerate(spec.time_of_use.windows if spec.time_of_use is not None else []):
            if not self.thinking and ("thinking_output" in window.prices or "thinking_output" in window.multipliers):
                raise PricingError(f"pricing.{name}.time_of_use.windows[{k}]: a thinking_output price needs "
                                   "thinking_output on the rate card")

    def _quantities(self, usage: Usage) -> dict[str, np.ndarray]:
        """Tokens per class. With a thinking price, every generated token (answer and reasoning) of a
        request that carries reasoning is in `thinking_output` instead."""
        quantities = usage.quantities()
        if not self.thinking:
            return quantities
        thinking = quantities["reasoning"] > 0
        quantities["thinking_output"] = np.where(thinking, quantities["output"] + quantities["reasoning"], 0)
        quantities["output"] = np.where(thinking, 0, quantities["output"])
        quantities["reasoning"] = np.where(thinking, 0, quantities["reasoning"])
        return quantities

    def _levels(self, usage: Usage) -> np.ndarray:
        """Index on the level axis: surge level x price-schedule step at each request's arrival."""
        surge = usage.surges()
        if self.schedule_times is None:
            return surge
        if usage.arrival_s is None:
            raise ValueError("a price schedule needs arrival times")
        step = index_of(usage.arrival_s, self.schedule_times)
        levels: np.ndarray = surge * len(self.schedule_times) + step
        return levels

    def _units(self, tier: np.ndarray, window: np.ndarray, service: np.ndarray,
               surge: np.ndarray) -> dict[str, np.ndarray]:
        _, windows, services, levels, _ = self.table.shape
        cell = ((np.asarray(tier, dtype=np.intp) * windows + window) * services + service) * levels + surge
        return {c: self._columns[k].take(cell) for k, c in enumerate(COMPONENTS)}  # contiguous, one gather each

    def _tier_of(self, tokens: np.ndarray) -> np.ndarray:
        """Index of the tier whose range holds `tokens` (``up_to`` inclusive)."""
        return np.searchsorted(self.bounds, tokens, side="left")

    def _graduated(self, usage: Usage, start: np.ndarray, window: np.ndarray,
                   classes: tuple[str, ...], rest_tier: np.ndarray | None) -> ChargeTable:
        """Token positions (start + offset within the request, in `classes` order) split across tiers.

        Classes not in `classes` are priced at `rest_tier`.
        """
        quantities = self._quantities(usage)
        service, surge = usage.tiers(), self._levels(usage)
        lower = np.concatenate(([0], self.bounds[:-1]))
        quantity, unit = {}, {}
        position = start.copy()
        for c in (c for c in classes if c in quantities):
            q = quantities[c]
            k_index = COMPONENTS.index(c)
            for t in range(len(self.bounds)):
                overlap = np.clip(np.minimum(position + q, self.bounds[t]) - np.maximum(position, lower[t]), 0, None)
                if overlap.any():
                    label = f"{c}@tier{t + 1}"
                    quantity[label] = overlap
                    unit[label] = self.table[t, window, service, surge, k_index]
            position = position + q
        if rest_tier is not None:
            units = self._units(rest_tier, window, service, surge)
            for c in COMPONENTS:
                if c not in classes and c in quantities and quantities[c].any():
                    quantity[c] = quantities[c]
                    unit[c] = units[c]
        return ChargeTable.from_prices(quantity, unit)


class PerTokenPolicy(_TableBased):
    """``{type: per_token, input: 2.50, cached_input: 1.25, output: 10.00}`` (per 1M tokens).

    Cached input tokens are billed only at the cached rate (never also as input); cache writes
    at the cache-write rate; reasoning tokens at the reasoning rate (default: output). With
    ``thinking_output``, a request that carries reasoning has all its generated tokens billed there.
    """

    spec: PerTokenPricing

    def __init__(self, name: str, spec: PerTokenPricing):
        super().__init__(name, spec, [spec])

    def charges(self, usage: Usage) -> ChargeTable:
        window = window_index(self.spec.time_of_use, usage)
        quantity = self._quantities(usage)
        return ChargeTable.from_prices(quantity, self._units(np.zeros(len(usage), dtype=np.intp), window,
                                                             usage.tiers(), self._levels(usage)))


class ContextTiersPolicy(_TableBased):
    spec: ContextTiersPricing

    def __init__(self, name: str, spec: ContextTiersPricing):
        super().__init__(name, spec, spec.tiers)

    def charges(self, usage: Usage) -> ChargeTable:
        window = window_index(self.spec.time_of_use, usage)
        tier = self._tier_of(usage.input_tokens)
        if self.spec.mode == "per_request":
            return ChargeTable.from_prices(self._quantities(usage), self._units(tier, window, usage.tiers(),
                                                                           self._levels(usage)))
        start = np.zeros(len(usage), dtype=np.int64)
        return self._graduated(usage, start, window, ("cached_input", "cached_input_explicit", "cache_write",
                                                             "cache_write_1h", "input"), tier)


class VolumeTiersPolicy(_TableBased):
    needs_periods = True
    spec: VolumeTiersPricing

    def __init__(self, name: str, spec: VolumeTiersPricing):
        super().__init__(name, spec, spec.tiers)

    def charges(self, usage: Usage) -> ChargeTable:
        window = window_index(self.spec.time_of_use, usage)
        n = len(usage)
        if n == 0:
            return ChargeTable.from_prices(self._quantities(usage), self._units(np.zeros(0, dtype=np.intp), window,
                                                                           usage.tiers(), self._levels(usage)))
        if usage.account is None or usage.period is None or usage.order is None:
            raise ValueError("volume tiers need each request's account, billing period and completion order")
        first_class, *other_classes = self._quantities(usage).values()
        tokens = first_class
        for q in other_classes:
            tokens = tokens + q
        # cumulative tokens of the account's period before each request, in completion order
        rank = np.lexsort((usage.order, usage.period, usage.account))
        key = usage.account.astype(np.int64)[rank] * (int(usage.period.max()) + 1) + usage.period[rank]
        sorted_tokens = tokens[rank]
        first = np.r_[True, key[1:] != key[:-1]]
        before_sorted = running_before(sorted_tokens, first)
        before = np.empty(n, dtype=np.int64)
        before[rank] = before_sorted
        if self.spec.mode == "graduated":
            return self._graduated(usage, before, window, COMPONENTS, None)
        group_of = np.cumsum(first) - 1  # the period's total: its last row's tokens before plus its own
        last = np.r_[np.flatnonzero(first)[1:] - 1, n - 1]
        total = np.empty(n, dtype=np.int64)
        total[rank] = (before_sorted + sorted_tokens)[last[group_of]]
        return ChargeTable.from_prices(self._quantities(usage), self._units(self._tier_of(total), window, usage.tiers(),
                                                                       self._levels(usage)))
