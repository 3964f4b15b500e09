"""The pricing-policy interface and the exact charge table it returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

__all__ = ["Usage", "ChargeTable", "PricingPolicy", "line_amounts"]

_INT64_SAFE = 2**62


@dataclass(frozen=True)
class Usage:
    """Token usage of n requests, as columns (int64). `input_tokens` includes cached ones."""

    input_tokens: np.ndarray
    cached_input_tokens: np.ndarray
    output_tokens: np.ndarray

    @property
    def uncached_input_tokens(self) -> np.ndarray:
        return self.input_tokens - self.cached_input_tokens

    def __len__(self) -> int:
        return len(self.input_tokens)


@dataclass(frozen=True)
class ChargeTable:
    """Charge lines of n requests: per component a quantity, a unit price and an exact amount.

    Unit prices are integer micro currency units per 1M tokens; amounts are integer pico
    currency units (quantity x unit price), so nothing here is ever rounded.
    """

    components: tuple[str, ...]
    quantity: dict[str, np.ndarray]
    unit_price_micro: dict[str, np.ndarray]
    amount_pico: dict[str, np.ndarray]

    def total_pico(self) -> np.ndarray:
        """Each request's charge: the sum of its lines (int64, or exact Python ints if huge)."""
        amounts = [self.amount_pico[c] for c in self.components]
        if not amounts:
            return np.zeros(0, dtype=np.int64)
        if any(a.dtype == object for a in amounts) or sum(int(np.abs(a).max(initial=0)) for a in amounts) >= _INT64_SAFE:
            return np.sum([a.astype(object) for a in amounts], axis=0)
        return np.sum(amounts, axis=0, dtype=np.int64)


def line_amounts(quantity: np.ndarray, unit_price_micro: np.ndarray) -> np.ndarray:
    """quantity x price exactly: int64 when it cannot overflow, Python ints otherwise."""
    q_max = int(np.abs(quantity).max(initial=0))
    p_max = int(np.abs(unit_price_micro).max(initial=0))
    if q_max * p_max < _INT64_SAFE:
        return quantity.astype(np.int64) * unit_price_micro.astype(np.int64)
    return quantity.astype(object) * unit_price_micro.astype(object)


class PricingPolicy(ABC):
    """A named price rule. `charges` must be pure: the same usage gives the same lines."""

    def __init__(self, name: str, spec):
        self.name = name
        self.spec = spec

    @abstractmethod
    def charges(self, usage: Usage) -> ChargeTable:
        """Exact charge lines for every request in `usage`."""
