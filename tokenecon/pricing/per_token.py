"""Per-token pricing: a linear price per 1M tokens for input, cached input and output."""

from __future__ import annotations

import numpy as np

from ..units import price_to_micro
from .base import ChargeTable, PricingPolicy, Usage, line_amounts

__all__ = ["PerTokenPolicy"]


class PerTokenPolicy(PricingPolicy):
    """``{type: per_token, input: 2.50, cached_input: 1.25, output: 10.00}`` (per 1M tokens).

    Cached input tokens are billed only at the cached rate (never also as input); without
    ``cached_input`` they cost the input rate.
    """

    components = ("input", "cached_input", "output")

    def __init__(self, name: str, spec):
        super().__init__(name, spec)
        self.input_micro = price_to_micro(spec.input)
        cached = spec.cached_input if spec.cached_input is not None else spec.input
        self.cached_micro = price_to_micro(cached)
        self.output_micro = price_to_micro(spec.output)

    def charges(self, usage: Usage) -> ChargeTable:
        quantity = {
            "input": usage.uncached_input_tokens,
            "cached_input": usage.cached_input_tokens,
            "output": usage.output_tokens,
        }
        prices = {"input": self.input_micro, "cached_input": self.cached_micro, "output": self.output_micro}
        unit = {c: np.full(len(usage), prices[c], dtype=np.int64) for c in self.components}
        amount = {c: line_amounts(quantity[c], unit[c]) for c in self.components}
        return ChargeTable(self.components, quantity, unit, amount)
