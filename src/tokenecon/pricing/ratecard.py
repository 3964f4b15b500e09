"""Rate cards and price tables: exact integer prices (1e-9 per 1M tokens) per token class.

A policy's prices form a table indexed by (tier, time-of-use window, service tier, level, token
class); index 0 on the window axis means "no window applies". Every entry is checked to be a
whole number of price units when the policy is built, so pricing a request never rounds.

Derived prices derive in their context. A class not priced explicitly (`DERIVED`: cached input =
input, explicit-cache hits = cached input, 5-minute cache write = 1.25 x input, 1-hour write =
2 x input, reasoning and thinking output = output) takes its factor times its base class's price
*in the same context*: inside a time-of-use window the window's input or output price, inside a
tier that tier's. A class given explicitly (on the card, or as a price or a named multiplier in
the window) keeps its own price.
Service-tier, surge and price-schedule multipliers then apply per class: to every class, or to
the classes a multiplier names (``batch: {multiplier: 0.5, classes: [input, output]}``). A
service tier with ``cache_discount: false`` bills cache reads at its input price.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from ..errors import PricingError
from ..units import PRICE_DECIMALS, price_to_units
from ..scenario.pricing import class_factor
from .base import COMPONENTS, SERVICE_TIERS

if TYPE_CHECKING:
    from ..scenario.pricing import RateFields, ServiceTiers, Surge, TimeOfUse, TimeWindow

__all__ = ["rate_card", "price_table", "level_multipliers", "DERIVED"]

DERIVED = {"cached_input": ("input", Decimal(1)), "cached_input_explicit": ("cached_input", Decimal(1)),
           "cache_write": ("input", Decimal("1.25")),
           "cache_write_1h": ("input", Decimal(2)), "reasoning": ("output", Decimal(1)),
           "thinking_output": ("output", Decimal(1))}

_CACHE_READS = ("cached_input", "cached_input_explicit")


def _exact_price(value: Decimal, what: str) -> int:
    units = value.scaleb(PRICE_DECIMALS)
    if units != units.to_integral_value():
        raise PricingError(f"{what} = {value} per 1M tokens is not exact to 9 decimals; give it explicitly")
    return int(units)


def rate_card(fields: RateFields, where: str = "") -> dict[str, Decimal | None]:
    """The card's explicit prices per 1M tokens; None for a class derived in each context (`DERIVED`)."""
    card: dict[str, Decimal | None] = {}
    for component in COMPONENTS:
        given = getattr(fields, component, None)
        card[component] = None if given is None else Decimal(price_to_units(given)).scaleb(-PRICE_DECIMALS)
    return card


def level_multipliers(surge: Surge | None,
                      schedule: Sequence[tuple[float, Decimal]] | None) -> list[tuple[Decimal, Decimal]]:
    """(surge level, schedule step) multiplier pairs, surge-major: index = u * steps + d."""
    surges = surge.levels() if surge is not None else [Decimal(1)]
    steps = [m for _, m in schedule] if schedule else [Decimal(1)]
    return [(u, d) for u in surges for d in steps]


def _window_prices(card: dict[str, Decimal | None], window: TimeWindow | None) -> dict[str, Decimal | None]:
    """The card's prices inside `window` (None: still derived there), before service tiers and levels."""
    if window is None:
        return dict(card)
    prices: dict[str, Decimal | None] = {}
    for component in COMPONENTS:
        named = window.multipliers.get(component)
        if component in window.prices:
            prices[component] = window.prices[component]
        elif card[component] is not None or named is not None:
            given = card[component]
            base = given if given is not None else _derive(card, component)
            prices[component] = base * (named if named is not None else window.multipliers.get("all", Decimal(1)))
        else:
            prices[component] = None
    return prices


def _derive(prices: dict[str, Decimal | None], component: str) -> Decimal:
    base, factor = DERIVED[component]
    price = prices[base]
    if price is None and base in DERIVED:  # a derived base (explicit-cache hits from cached input)
        price = _derive(prices, base)
    if price is None:  # bases (input, output) are required on every card, and kept in every window
        raise PricingError(f"{component} derives from {base}, which has no price")
    return factor * price


def price_table(cards: list[dict[str, Decimal | None]], time_of_use: TimeOfUse | None, service_tiers: ServiceTiers,
                levels: list[tuple[Decimal, Decimal]], where: str,
                surge_classes: Collection[str] | None = None) -> np.ndarray:
    """int64 prices, shape (tiers, 1 + windows, service tiers, levels, classes), `COMPONENTS` order.

    The level axis holds every (surge level, price-schedule step) pair; the surge multiplier
    applies to `surge_classes` (None: all), the schedule step to every class.

    Service tiers a policy does not offer keep the standard price here; the scenario check
    refuses customers of a tier their provider's policy does not price.
    """
    windows: list[TimeWindow | None] = [None] + (list(time_of_use.windows) if time_of_use is not None else [])
    table = np.zeros((len(cards), len(windows), len(SERVICE_TIERS), len(levels), len(COMPONENTS)), dtype=np.int64)
    service = [None] + [getattr(service_tiers, name) for name in SERVICE_TIERS[1:]]
    for t, card in enumerate(cards):
        for w, window in enumerate(windows):
            explicit = _window_prices(card, window)
            in_window: dict[str, Decimal] = {}
            for component in COMPONENTS:  # derived in the window from the window's own base prices
                given = explicit[component]
                in_window[component] = given if given is not None else _derive(explicit, component)
            for c, component in enumerate(COMPONENTS):
                for s, tier_multiplier in enumerate(service):
                    # a tier without cache discount bills cache reads as input (Alibaba's batch calls)
                    billed_as = "input" if component in _CACHE_READS and tier_multiplier is not None \
                        and not tier_multiplier.cache_discount else component
                    for u, (surge, step) in enumerate(levels):
                        surge_factor = surge if surge_classes is None or component in surge_classes else Decimal(1)
                        table[t, w, s, u, c] = _exact_price(
                            in_window[billed_as] * class_factor(tier_multiplier, billed_as) * surge_factor * step,
                            f"{where}: {component}" + (f" x window {w - 1}" if w else "")
                            + (f" x {SERVICE_TIERS[s]}" if s else "") + (f" x level {surge * step}" if u else ""))
    return table
