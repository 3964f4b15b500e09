"""The pricing-policy interface, the usage it prices and the exact charge table it returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..scenario.pricing import Modifiers, PriceClass

__all__ = ["Usage", "ChargeTable", "PricingPolicy", "line_amounts", "COMPONENTS"]

_INT64_SAFE = 2**62

# Token classes in the order they fill tiers within one request (the cached prefix first).
COMPONENTS: tuple[PriceClass, ...] = ("cached_input", "cached_input_explicit", "cache_write", "cache_write_1h", "input",
                                      "reasoning", "output", "thinking_output")
SERVICE_TIERS = ("standard", "priority", "flex", "batch")


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


@dataclass(frozen=True)
class Usage:
    """Token usage of n requests, as columns. `input_tokens` includes cached and cache-write tokens.

    The optional columns give time-of-use and period-based policies what they need: the
    request's arrival time (seconds from `start`), its account and billing period codes, and
    `order`, its rank in completion order.
    """

    input_tokens: np.ndarray
    cached_input_tokens: np.ndarray
    output_tokens: np.ndarray
    reasoning_tokens: np.ndarray | None = None
    cache_write_tokens: np.ndarray | None = None
    cache_write_1h: np.ndarray | None = None  # bool: the cache writes use the 1-hour TTL
    cache_write_1h_tokens: np.ndarray | None = None  # the 1-hour-TTL writes among cache_write_tokens
    cached_explicit_tokens: np.ndarray | None = None  # the explicit-cache hits among cached_input_tokens
    service_tier: np.ndarray | None = None  # 0 standard, 1 priority, 2 flex, 3 batch
    surge_level: np.ndarray | None = None  # index into the policy's surge levels at arrival
    arrival_s: np.ndarray | None = None
    account: np.ndarray | None = None
    period: np.ndarray | None = None
    order: np.ndarray | None = None
    start: datetime | None = field(default=None)

    def __len__(self) -> int:
        return len(self.input_tokens)

    @property
    def uncached_input_tokens(self) -> np.ndarray:
        uncached: np.ndarray = self.input_tokens - self.cached_input_tokens
        return uncached

    def tiers(self) -> np.ndarray:
        return self.service_tier.astype(np.intp) if self.service_tier is not None else np.zeros(len(self), np.intp)

    def surges(self) -> np.ndarray:
        return self.surge_level.astype(np.intp) if self.surge_level is not None else np.zeros(len(self), np.intp)

    def quantities(self) -> dict[str, np.ndarray]:
        """Tokens per class; every input token is in exactly one of the input classes."""
        n = len(self)
        writes = self.cache_write_tokens if self.cache_write_tokens is not None else _zeros(n)
        if self.cache_write_1h_tokens is not None:
            long_writes = self.cache_write_1h_tokens
        elif self.cache_write_1h is not None:
            long_writes = np.where(self.cache_write_1h, writes, 0)
        else:
            long_writes = _zeros(n)
        explicit = self.cached_explicit_tokens if self.cached_explicit_tokens is not None else _zeros(n)
        return {
            "cached_input": self.cached_input_tokens - explicit,
            "cached_input_explicit": explicit,
            "cache_write": writes - long_writes,
            "cache_write_1h": long_writes,
            "input": self.input_tokens - self.cached_input_tokens - writes,
            "reasoning": self.reasoning_tokens if self.reasoning_tokens is not None else _zeros(n),
            "output": self.output_tokens,
        }


@dataclass(frozen=True)
class ChargeTable:
    """Charge lines of n requests: per component a quantity, a unit price and an exact amount.

    Unit prices are integer price units (1e-9 currency per 1M tokens); amounts are integer money
    units (1e-15 currency: quantity x unit price), so nothing here is ever rounded.
    """

    components: tuple[str, ...]
    quantity: dict[str, np.ndarray]
    unit_price: dict[str, np.ndarray]
    amount: dict[str, np.ndarray]

    @classmethod
    def from_prices(cls, quantity: dict[str, np.ndarray], unit: dict[str, np.ndarray]) -> "ChargeTable":
        components = tuple(quantity)
        amount = {c: line_amounts(quantity[c], unit[c]) for c in components}
        return cls(components, quantity, unit, amount)

    def totals(self) -> np.ndarray:
        """Each request's charge: the sum of its lines (int64, or exact Python ints if huge)."""
        amounts = [self.amount[c] for c in self.components]
        if not amounts:
            return np.zeros(0, dtype=np.int64)
        if any(a.dtype == object for a in amounts) or sum(_abs_max(a) for a in amounts) >= _INT64_SAFE:
            exact: np.ndarray = np.sum([a.astype(object) for a in amounts], axis=0)
            return exact
        total = amounts[0].astype(np.int64)  # a copy: the lines stay as they are
        for a in amounts[1:]:
            total += a
        return total


def line_amounts(quantity: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
    """quantity x price exactly: int64 when it cannot overflow, Python ints otherwise."""
    if _abs_max(quantity) * _abs_max(unit_price) < _INT64_SAFE:
        small: np.ndarray = quantity.astype(np.int64, copy=False) * unit_price.astype(np.int64, copy=False)
        return small
    exact: np.ndarray = quantity.astype(object) * unit_price.astype(object)
    return exact


def _abs_max(values: np.ndarray) -> int:
    """The largest magnitude in `values` (0 when empty), as a Python int."""
    if values.dtype == object:
        return int(np.abs(values).max(initial=0))
    return max(int(values.max(initial=0)), -int(values.min(initial=0)))


class PricingPolicy(ABC):
    """A named price rule. `charges` must be pure: the same usage gives the same lines."""

    needs_time = False  # reads Usage.arrival_s / start
    needs_periods = False  # reads Usage.account / period / order

    def __init__(self, name: str, spec: Modifiers):
        self.name = name
        self.spec = spec
        self.currency = getattr(spec, "currency", None)

    @abstractmethod
    def charges(self, usage: Usage) -> ChargeTable:
        """Exact charge lines for every request in `usage`."""
