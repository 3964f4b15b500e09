"""Parsing of quantities with units, and exact money.

Durations: ``"250ms"``, ``"30s"``, ``"15min"``, ``"24h"``, ``"7d"``, ``"2w"`` -> seconds (float).
Rates: ``"2/s"``, ``"120/min"``, ``"5000/h"``, ``"1e6/d"`` -> events per second (float).

Money is never a float. A price is given per 1M tokens as a decimal with at most
`PRICE_DECIMALS` (9) places and stored as an integer number of price units (1e-9 currency per
1M tokens); a token count times that integer is an exact amount in money units (1e-15 of the
currency). The fine grid keeps every derived price exact (a 1.25x cache write at 50% off-peak,
batch and surge). Sums are Python integers (unbounded). Rounding to the currency's minor unit
happens once, on the invoice (see `round_to_minor`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .inputs import quote

__all__ = [
    "parse_duration",
    "parse_rate",
    "format_duration",
    "price_to_units",
    "money_to_decimal",
    "money_from_price_units",
    "format_money",
    "format_money_array",
    "format_decimal",
    "round_to_minor",
    "CURRENCY_MINOR_UNITS",
    "MONEY_UNITS_PER_UNIT",
    "PRICE_UNITS",
]

_NUMBER = r"([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)"
_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
_DURATION_RE = re.compile(rf"^\s*{_NUMBER}\s*(ms|s|sec|min|h|d|w)\s*$")
_RATE_RE = re.compile(rf"^\s*{_NUMBER}\s*/\s*(s|sec|min|h|d)\s*$")

PRICE_DECIMALS = 9  # a price per 1M tokens is an integer of 1e-9 currency units
MONEY_DECIMALS = PRICE_DECIMALS + 6  # an amount (tokens x price per token) is an integer of 1e-15 units
PRICE_UNITS = 10**PRICE_DECIMALS
MONEY_UNITS_PER_UNIT = 10**MONEY_DECIMALS
MONEY_PER_PRICE_UNIT = 10**6  # a currency amount given as a price-unit integer, scaled to money units

# ISO 4217 minor units of the currencies tokenecon knows; an unknown code is an error.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "USD": 2,
    "CNY": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "SGD": 2,
    "KRW": 0,
    "JPY": 0,
}


def parse_duration(text: object) -> float:
    """Seconds in a duration string such as ``"15min"``; raises ``ValueError`` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"expected a duration with a unit like '30s', '15min', '24h', '7d' (got {quote(text)})")
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(f"expected a duration with a unit like '30s', '15min', '24h', '7d' (got {quote(text)})")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def parse_rate(text: object) -> float:
    """Events per second in a rate string such as ``"120/min"``; raises ``ValueError`` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"expected a rate with a unit like '2/s', '120/min', '5000/h' (got {quote(text)})")
    match = _RATE_RE.match(text)
    if not match:
        raise ValueError(f"expected a rate with a unit like '2/s', '120/min', '5000/h' (got {quote(text)})")
    return float(match.group(1)) / _DURATION_UNITS[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest exact unit string for a number of seconds (``900`` -> ``"15min"``)."""
    for unit in ("w", "d", "h", "min", "s"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)}{unit}"
    return f"{seconds:g}s"


def price_to_units(value: object) -> int:
    """A price per 1M tokens (or a currency amount) as an exact integer of 1e-9 currency units.

    Accepts ints, decimal strings and floats (floats through their shortest repr, so
    ``2.5`` is exactly 2.5). More than 9 decimal places cannot be represented exactly
    and is an error rather than a silent rounding.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a price per 1M tokens (got {quote(value)})")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"expected a price per 1M tokens (got {quote(value)})") from None
    if not amount.is_finite():
        raise ValueError(f"expected a finite price (got {quote(value)})")
    if amount < 0:
        raise ValueError(f"a price must be >= 0 (got {quote(value)})")
    units = amount.scaleb(PRICE_DECIMALS)
    if units != units.to_integral_value():
        raise ValueError(f"a price per 1M tokens may have at most {PRICE_DECIMALS} decimal places (got {quote(value)})")
    return int(units)


def money_to_decimal(amount: int) -> Decimal:
    """An exact Decimal from an integer amount of money units (1e-15)."""
    return Decimal(int(amount)).scaleb(-MONEY_DECIMALS)


def money_from_price_units(units: int) -> int:
    """A currency amount given in price units (as `price_to_units` parses it), in money units."""
    return units * MONEY_PER_PRICE_UNIT


def format_money(amount: int) -> str:
    """Exact plain decimal string of a money-unit amount, without exponent or trailing zeros."""
    return format_decimal(money_to_decimal(amount))


def format_money_array(amounts) -> list[str]:
    """`format_money` of every element of an array, at numpy speed (the same strings)."""
    from .textcols import money_text

    return money_text(amounts, format_money)


def format_decimal(value: Decimal) -> str:
    """Exact plain decimal string of a Decimal, without exponent or trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


def round_to_minor(amount: int, currency: str) -> Decimal:
    """The one rounding step: an exact amount (money units) to the currency's minor unit, half up."""
    places = CURRENCY_MINOR_UNITS[currency]
    return money_to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
