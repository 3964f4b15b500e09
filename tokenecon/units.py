"""Parsing of quantities with units, and exact money.

Durations: ``"250ms"``, ``"30s"``, ``"15min"``, ``"24h"``, ``"7d"``, ``"2w"`` -> seconds (float).
Rates: ``"2/s"``, ``"120/min"``, ``"5000/h"``, ``"1e6/d"`` -> events per second (float).

Money is never a float. A price is given per 1M tokens as a decimal and stored as an integer
number of *micro* currency units per 1M tokens; a token count times that integer is then an
exact charge in *pico* currency units (1e-12). Sums are Python integers (unbounded).
Rounding to the currency's minor unit happens once, on the invoice (see `round_to_minor`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "parse_duration",
    "parse_rate",
    "format_duration",
    "price_to_micro",
    "pico_to_decimal",
    "format_money",
    "format_decimal",
    "round_to_minor",
    "CURRENCY_MINOR_UNITS",
    "PICO_PER_UNIT",
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

PICO_PER_UNIT = 10**12
_MICRO = Decimal(10**6)

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


def parse_duration(text: str | int | float) -> float:
    """Seconds in a duration string such as ``"15min"``; raises ``ValueError`` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"expected a duration with a unit like '30s', '15min', '24h', '7d' (got {text!r})")
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(f"expected a duration with a unit like '30s', '15min', '24h', '7d' (got {text!r})")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def parse_rate(text: str | int | float) -> float:
    """Events per second in a rate string such as ``"120/min"``; raises ``ValueError`` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"expected a rate with a unit like '2/s', '120/min', '5000/h' (got {text!r})")
    match = _RATE_RE.match(text)
    if not match:
        raise ValueError(f"expected a rate with a unit like '2/s', '120/min', '5000/h' (got {text!r})")
    return float(match.group(1)) / _DURATION_UNITS[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest exact unit string for a number of seconds (``900`` -> ``"15min"``)."""
    for unit in ("w", "d", "h", "min", "s"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)}{unit}"
    return f"{seconds:g}s"


def price_to_micro(value: object) -> int:
    """A price per 1M tokens as an exact integer of micro currency units.

    Accepts ints, decimal strings and floats (floats through their shortest repr, so
    ``2.5`` is exactly 2.5). More than 6 decimal places cannot be represented exactly
    and is an error rather than a silent rounding.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a price per 1M tokens (got {value!r})")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"expected a price per 1M tokens (got {value!r})") from None
    if not amount.is_finite():
        raise ValueError(f"expected a finite price (got {value!r})")
    if amount < 0:
        raise ValueError(f"a price must be >= 0 (got {value!r})")
    micro = amount * _MICRO
    if micro != micro.to_integral_value():
        raise ValueError(f"a price per 1M tokens may have at most 6 decimal places (got {value!r})")
    return int(micro)


def pico_to_decimal(pico: int) -> Decimal:
    """An exact Decimal from integer pico currency units."""
    return Decimal(int(pico)).scaleb(-12)


def format_money(pico: int) -> str:
    """Exact plain decimal string of a pico-unit amount, without exponent or trailing zeros."""
    text = format(pico_to_decimal(pico).normalize(), "f")
    return text


def format_decimal(value: Decimal) -> str:
    """Exact plain decimal string of a Decimal, without exponent or trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


def round_to_minor(pico: int, currency: str) -> Decimal:
    """The one rounding step: an exact amount to the currency's minor unit, half up."""
    places = CURRENCY_MINOR_UNITS[currency]
    return pico_to_decimal(pico).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
