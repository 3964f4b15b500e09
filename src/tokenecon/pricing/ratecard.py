"""Rate cards and price tables: exact integer prices (1e-9 per 1M tokens) per token class.

A policy's prices form a table indexed by (tier, time-of-use window, token class); index 0 on
the window axis means "no window applies". Every entry is checked to be a whole number of price
units when the policy is built, so pricing a request never rounds.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..errors import PricingError
from ..units import PRICE_DECIMALS, price_to_units
from .base import COMPONENTS, SERVICE_TIERS

__all__ = ["rate_card", "price_table"]

_DEFAULT_MULTIPLIER = {"cached_input": ("input", Decimal(1)), "cache_write": ("input", Decimal("1.25")),
                       "cache_write_1h": ("input", Decimal(2)), "reasoning": ("output", Decimal(1))}


def _exact_price(value: Decimal, what: str) -> int:
    units = value.scaleb(PRICE_DECIMALS)
    if units != units.to_integral_value():
        raise PricingError(f"{what} = {value} per 1M tokens is not exact to 9 decimals; give it explicitly")
    return int(units)


def rate_card(fields, where: str) -> dict[str, int]:
    """Micro-unit prices of every token class, with the documented defaults filled in."""
    prices = {"input": price_to_units(fields.input), "output": price_to_units(fields.output)}
    for component, (base, factor) in _DEFAULT_MULTIPLIER.items():
        given = getattr(fields, component)
        if given is not None:
            prices[component] = price_to_units(given)
        else:
            prices[component] = _exact_price(Decimal(prices[base]).scaleb(-PRICE_DECIMALS) * factor, f"{where}.{component}")
    return prices


def level_multipliers(surge, schedule) -> list[Decimal]:
    """The product multipliers of (surge level, schedule step), surge-major: index = u * steps + d."""
    surges = surge.levels() if surge is not None else [Decimal(1)]
    steps = [m for _, m in schedule] if schedule else [Decimal(1)]
    return [u * d for u in surges for d in steps]


def price_table(cards: list[dict[str, int]], time_of_use, service_tiers, levels_, where: str) -> np.ndarray:
    """int64 prices, shape (tiers, 1 + windows, service tiers, levels, classes), `COMPONENTS` order.

    The level axis holds every (surge level x price-schedule step) product.

    Service tiers a policy does not offer keep the standard price here; the scenario check
    refuses customers of a tier their provider's policy does not price.
    """
    windows = time_of_use.windows if time_of_use is not None else []
    levels = [Decimal(1)] + [getattr(service_tiers, name) or Decimal(1) for name in SERVICE_TIERS[1:]]
    surges = levels_
    table = np.zeros((len(cards), 1 + len(windows), len(SERVICE_TIERS), len(surges), len(COMPONENTS)),
                     dtype=np.int64)
    for t, card in enumerate(cards):
        for c, component in enumerate(COMPONENTS):
            base = Decimal(card[component]).scaleb(-PRICE_DECIMALS)
            # per window: an explicit price, else the base price times the window's multiplier
            window_prices = [base] + [w.prices[component] if component in w.prices else
                                      base * w.multipliers.get(component, w.multipliers.get("all", Decimal(1)))
                                      for w in windows]
            for w, window_price in enumerate(window_prices):
                for s, level in enumerate(levels):
                    for u, surge_factor in enumerate(surges):
                        table[t, w, s, u, c] = _exact_price(
                            window_price * level * surge_factor,
                            f"{where}: {component}" + (f" x window {w - 1}" if w else "")
                            + (f" x {SERVICE_TIERS[s]}" if s else "") + (f" x level {surge_factor}" if u else ""))
    return table
