"""Pricing policies at their edges, priced directly: price schedules beside surge levels, volume
tiers over several accounts and periods, explicit-cache hits in graduated context tiers, one
reasoning token in thinking mode, holidays before a window that crosses midnight, charge totals
beyond int64, and the errors that name what is missing."""

from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

import numpy as np
import pytest
from pydantic import TypeAdapter

import tokenecon
from tokenecon.errors import PricingError, ScenarioError
from tokenecon.pricing import ChargeTable, Usage, make_policies, make_policy
from tokenecon.scenario import PricingSpec

from .conftest import scenario_dict

MONEY = 10**15  # money units per currency unit
M = 10**6


def policy(spec: dict, name="p"):
    return make_policy(name, TypeAdapter(PricingSpec).validate_python(spec))


def charges(p, usage) -> list[Fraction]:
    return [Fraction(int(t), MONEY) for t in p.charges(usage).totals()]


def ints(*values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def test_price_schedule_steps_combine_with_surge_levels():
    # schedule x1 from 0, x2 from 1 h; surge levels 1, 1.5, 2 (cap 2, step 0.5); input 1 per 1M
    p = policy({"type": "per_token", "input": 1, "output": 1, "price_schedule": [["0s", 1], ["1h", 2]],
                "surge": {"threshold": 0.5, "slope": 1, "cap": 2, "step": 0.5}})
    n = 4
    usage = Usage(ints(*[M] * n), ints(*[0] * n), ints(*[0] * n), arrival_s=np.asarray([10.0, 3599.0, 3600.0, 7000.0]),
                  surge_level=np.asarray([0, 1, 2, 1]))
    assert charges(p, usage) == [1, Fraction(3, 2), 4, 3]
    with pytest.raises(ValueError, match="^a price schedule needs arrival times$"):
        p.charges(Usage(ints(1), ints(0), ints(1)))


def test_volume_tiers_total_per_account_and_period():
    # every token at the tier the account's period total reaches: <= 1000 at 2, above at 1 (per 1M)
    p = policy({"type": "volume_tiers", "mode": "volume", "tiers": [{"up_to": 1000, "input": 2, "output": 2},
                                                                    {"up_to": None, "input": 1, "output": 1}]})
    tokens = ints(600, 600, 300, 300, 900, 200)
    account = np.asarray([0, 0, 2, 2, 0, 2])  # account 1 has no calls here
    period = np.asarray([0, 0, 0, 0, 1, 1])
    usage = Usage(tokens, ints(*[0] * 6), ints(*[0] * 6), account=account, period=period, order=np.arange(6))
    # account 0 period 0: 1200 -> tier 2; account 2 period 0: 600 -> tier 1; period 1 (900, 200): tier 1
    assert charges(p, usage) == [Fraction(600, M), Fraction(600, M), Fraction(600, M), Fraction(600, M),
                                 Fraction(1800, M), Fraction(400, M)]
    with pytest.raises(ValueError, match="^volume tiers need"):
        p.charges(Usage(tokens, ints(*[0] * 6), ints(*[0] * 6), period=period, order=np.arange(6)))
    with pytest.raises(ValueError, match="^volume tiers need each request's account, billing period and "
                                         "completion order$"):
        p.charges(Usage(tokens, ints(*[0] * 6), ints(*[0] * 6), account=account, period=period))


def test_explicit_cache_hits_fill_graduated_context_tiers_in_order():
    # graduated: cached input, explicit-cache hits, then plain input fill the tiers (<= 100 at the
    # first tier's prices, the rest at the second's); explicit hits 0.1 and 0.05
    p = policy({"type": "context_tiers", "mode": "graduated", "tiers": [
        {"up_to": 100, "input": 10, "cached_input": 2, "cached_input_explicit": 1, "output": 10},
        {"up_to": None, "input": 5, "cached_input": 1, "cached_input_explicit": "0.5", "output": 5}]})
    usage = Usage(ints(200), ints(150), ints(0), cached_explicit_tokens=ints(90))
    table = p.charges(usage)
    lines = {c: int(table.quantity[c][0]) for c in table.components if table.quantity[c][0]}
    assert lines == {"cached_input@tier1": 60, "cached_input_explicit@tier1": 40, "cached_input_explicit@tier2": 50,
                     "input@tier2": 50}
    assert charges(p, usage) == [Fraction(60 * 2 + 40 * 1, M) + Fraction(50, 2 * M) + Fraction(50 * 5, M)]


def test_one_reasoning_token_puts_the_call_in_thinking_mode():
    p = policy({"type": "per_token", "input": 1, "output": 2, "thinking_output": 8})
    usage = Usage(ints(10, 10), ints(0, 0), ints(5, 5), reasoning_tokens=ints(0, 1))
    assert charges(p, usage) == [Fraction(10 + 5 * 2, M), Fraction(10 + 6 * 8, M)]


@pytest.mark.parametrize("weekend_day", ["sat", "sun"])
def test_holidays_count_as_weekend_days_also_after_midnight(weekend_day):
    # window 22:00-02:00 on one weekend day only, half price; 2026-03-04 (a Wednesday) is a holiday
    p = policy({"type": "per_token", "input": 2, "output": 2, "time_of_use": {
        "timezone": "UTC", "holidays": ["2026-03-04"],
        "windows": [{"start": "22:00", "end": "02:00", "days": [weekend_day], "multipliers": {"all": 0.5}}]}})
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday
    hours = [2 * 24 + 23, 3 * 24 + 1, 4 * 24 + 1, 1 * 24 + 23]  # Wed 23:00, Thu 01:00, Fri 01:00, Tue 23:00
    usage = Usage(ints(*[M] * 4), ints(*[0] * 4), ints(*[0] * 4), arrival_s=np.asarray(hours, float) * 3600,
                  start=start)
    assert charges(p, usage) == [1, 1, 2, 2]
    with pytest.raises(ValueError, match="^time-of-use pricing needs arrival times and the scenario start$"):
        p.charges(Usage(ints(1), ints(0), ints(1), arrival_s=np.asarray([1.0])))


def test_charge_totals_beyond_int64_stay_exact():
    third = 2**62 - 1  # three lines of nearly 2^62 units: their sum does not fit in int64
    table = ChargeTable.from_prices({"input": ints(1, 1), "output": ints(1, 1), "reasoning": ints(1, 0)},
                                    {"input": ints(third, 5), "output": ints(third, 6), "reasoning": ints(third, 7)})
    totals = table.totals()
    assert [int(t) for t in totals] == [3 * third, 11]
    small = ChargeTable.from_prices({"input": ints(2)}, {"input": ints(3)}).totals()
    assert small.dtype == np.int64 and small.tolist() == [6]
    empty = ChargeTable((), {}, {}, {}).totals()
    assert empty.dtype == np.int64 and len(empty) == 0


@pytest.mark.parametrize("spec", [
    {"type": "per_token", "input": "10000.000000001", "output": 1},
    {"type": "context_tiers", "mode": "per_request", "tiers": [{"up_to": None, "input": "10000.000000001",
                                                                "output": 1}]},
    {"type": "volume_tiers", "mode": "volume", "tiers": [{"up_to": None, "input": "10000.000000001", "output": 1}]}])
def test_an_inexact_derived_price_names_its_policy(spec):
    with pytest.raises(PricingError, match=r"^pricing\.dear: cache_write = 12500\.00000000125 per 1M tokens is not "
                                           r"exact to 9 decimals"):
        make_policy("dear", TypeAdapter(PricingSpec).validate_python(spec))
    data = scenario_dict(pricing={"std": {"type": "per_token", "input": 1, "output": 1}, "dear": spec})
    with pytest.raises((PricingError, ScenarioError), match=r"pricing\.dear: cache_write"):
        make_policies(tokenecon.scenario_from_dict(data))


def test_a_window_multiplier_on_a_derived_class_scales_its_derived_price():
    # cache writes are not on the card (1.25 x input = 2.5); the window halves them alone: 1.25
    p = policy({"type": "per_token", "input": 2, "output": 8, "time_of_use": {
        "timezone": "UTC", "windows": [{"start": "00:00", "end": "12:00", "multipliers": {"cache_write": 0.5}}]}})
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)
    usage = Usage(ints(M, M), ints(0, 0), ints(0, 0), cache_write_tokens=ints(M, M),
                  arrival_s=np.asarray([3600.0, 13 * 3600.0]), start=start)
    assert charges(p, usage) == [Fraction(5, 4), Fraction(5, 2)]
