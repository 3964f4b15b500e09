from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenecon.units import (format_duration, format_money, money_from_price_units, parse_duration, parse_rate,
                             price_to_units)


@pytest.mark.parametrize("text,seconds", [("250ms", 0.25), ("30s", 30), ("15min", 900), ("24h", 86400),
                                          ("7d", 604800), ("2w", 1209600), ("1.5h", 5400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text,per_second", [("2/s", 2), ("120/min", 2), ("7200/h", 2), ("86400/d", 1)])
def test_rates(text, per_second):
    assert parse_rate(text) == per_second


@pytest.mark.parametrize("bad", ["24", 24, "15 minutes", "-3s", "s", True, None, "2/fortnight"])
def test_bad_units_are_errors(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)
    with pytest.raises(ValueError):
        parse_rate(bad)


def test_format_duration():
    assert [format_duration(s) for s in (900, 86400, 90, 0.5)] == ["15min", "1d", "90s", "0.5s"]


def test_prices_are_exact():
    assert price_to_units(2.5) == 2_500_000_000
    assert price_to_units("0.075") == 75_000_000
    assert price_to_units(0.1) == 100_000_000  # the float's shortest repr, not its binary value
    assert price_to_units("0.000000001") == 1
    with pytest.raises(ValueError):
        price_to_units("0.0000000001")
    with pytest.raises(ValueError):
        price_to_units(-1)


@given(st.decimals(min_value=0, max_value=10**6, places=9, allow_nan=False))
def test_price_round_trip(value):
    units = price_to_units(value)
    assert Decimal(format_money(money_from_price_units(units))) == value
