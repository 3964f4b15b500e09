"""Rate cards and price tables: exact integer prices (1e-9 per 1M tokens) per token class.

A policy's prices form a table indexed by (tier, time-of-use window, service tier, level, token
class); index 0 on the window axis means "no window applies". Every entry is checked to be a
whole number of price units when the policy is built, so pricing a request never rounds.

Derived prices derive in their context. A class not priced explicitly (`DERIVED`: cached input =
input, 5-minute cache write = 1.25 x input, 1-hour write = 2 x input, reasoning = output) takes its
factor times its base class's price *in the same context*: inside a time-of-use window the
window's input or output price, inside a tier that tier's, under a service tier, surge level or
price-schedule step the base price with that multiplier. A class given explicitly (on the card,
or as a price or a named multiplier in the window) keeps its own price and its own multipliers.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ..errors import PricingError
from ..units import PRICE_DECIMALS, price_to_units
from .base import COMPONENTS, SERVICE_TIERS

__all__ = ["rate_card", "price_table", "level_multipliers", "DERIVED"]

DERIVED = {"cached_input": ("input", Decimal(1)), "cache_write": ("input", Decimal("1.25")),
           "cache_write_1h": ("input", Decimal(2)), "reasoning": ("output", Decimal(1)),
           "thinking_output": ("output", Decimal(1))}


def _exact_price(value: Decimal, what: str) -> int:
    units = value.scaleb(PRICE_DECIMALS)
    if units != units.to_integral_value():
        raise PricingError(f"{what} = {value} per 1M tokens is not exact to 9 decimals; give it explicitly")
    return int(units)


def rate_card(fields, where: str = "") -> dict[str, Decimal | None]:
    """The card's explicit prices per 1M tokens; None for a class derived in each context (`DERIVED`)."""
    card = {}
    for component in COMPONENTS:
        given = getattr(fields, component, None)
        card[component] = None if given is None else Decimal(price_to_units(given)).scaleb(-PRICE_DECIMALS)
    return card


def level_multipliers(surge, schedule) -> list[Decimal]:
    """The product multipliers of (surge level, schedule step), surge-major: index = u * steps + d."""
    surges = surge.levels() if surge is not None else [Decimal(1)]
    steps = [m for _, m in schedule] if schedule else [Decimal(1)]
    return [u * d for u in surges for d in steps]


def _window_prices(card: dict[str, Decimal | None], window) -> dict[str, Decimal | None]:
    """The card's prices inside `window` (None: still derived there), before service tiers and levels."""
    if window is None:
        return dict(card)
    prices: dict[str, Decimal | None] = {}
    for component in COMPONENTS:
        named = window.multipliers.get(component)
        if component in window.prices:
            prices[component] = window.prices[component]
        elif card[component] is not None or named is not None:
            base = card[component] if card[component] is not None else _derive(card, component)
            prices[component] = base * (named if named is not None else window.multipliers.get("all", Decimal(1)))
        else:
            prices[component] = None
    return prices


def _derive(prices: dict[str, Decimal | None], component: str) -> Decimal:
    base, factor = DERIVED[component]
    return factor * prices[base]


def _service_multiplier(service_tiers, s: int, component: str) -> Decimal:
    if s == 0:
        return Decimal(1)
    value = getattr(service_tiers, SERVICE_TIERS[s])
    if value is None:
        return Decimal(1)
    return value.factor(component) if hasattr(value, "factor") else value


def price_table(cards: list[dict[str, Decimal | None]], time_of_use, service_tiers, levels: list[Decimal],
                where: str) -> np.ndarray:
    """int64 prices, shape (tiers, 1 + windows, service tiers, levels, classes), `COMPONENTS` order.

    The level axis holds every (surge level x price-schedule step) product.

    Service tiers a policy does not offer keep the standard price here; the scenario check
    refuses customers of a tier their provider's policy does not price.
    """
    windows = [None] + (list(time_of_use.windows) if time_of_use is not None else [])
    table = np.zeros((len(cards), len(windows), len(SERVICE_TIERS), len(levels), len(COMPONENTS)), dtype=np.int64)
    for t, card in enumerate(cards):
        for w, window in enumerate(windows):
            in_window = _window_prices(card, window)
            for s in range(len(SERVICE_TIERS)):
                for u, level in enumerate(levels):
                    context = {}
                    for component in COMPONENTS:  # explicit classes first: input and output are always
                        if in_window[component] is not None:
                            context[component] = (in_window[component] * _service_multiplier(service_tiers, s, component)
                                                  * level)
                    for component in COMPONENTS:
                        if component not in context:
                            context[component] = _derive(context, component)
                    for c, component in enumerate(COMPONENTS):
                        table[t, w, s, u, c] = _exact_price(
                            context[component],
                            f"{where}: {component}" + (f" x window {w - 1}" if w else "")
                            + (f" x {SERVICE_TIERS[s]}" if s else "") + (f" x level {level}" if u else ""))
    return table
