"""Derived prices (reasoning, cache writes, cached input) derive in their own context: window,
tier, service tier, surge level, price-schedule step. Bills computed by hand with fractions."""

from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

import numpy as np
import pytest
from pydantic import TypeAdapter

from tokenecon.catalog import lookup
from tokenecon.errors import PricingError
from tokenecon.pricing import Usage, make_policy
from tokenecon.scenario import PricingSpec
from tokenecon.units import MONEY_UNITS_PER_UNIT as MONEY

SPEC = TypeAdapter(PricingSpec)
START = datetime(2025, 3, 3, tzinfo=timezone.utc)  # a Monday
M = 10**6


def policy(pricing: dict):
    return make_policy("p", SPEC.validate_python(pricing))


def bill(p, *, inp, cached=0, writes=0, out=0, reasoning=0, at_s=0.0, tier=0, surge=None):
    u = Usage(np.asarray([inp]), np.asarray([cached]), np.asarray([out]), reasoning_tokens=np.asarray([reasoning]),
              cache_write_tokens=np.asarray([writes]), arrival_s=np.asarray([at_s]), start=START,
              service_tier=np.asarray([tier], np.int8),
              surge_level=None if surge is None else np.asarray([surge]))
    table = p.charges(u)
    lines = {c: Fraction(int(table.amount[c][0]), MONEY) for c in table.components if table.quantity[c][0]}
    return lines, Fraction(int(table.totals()[0]), MONEY)


OFF_PEAK = 17 * 3600.0  # 17:00 UTC, inside DeepSeek's 16:30-00:30 window
PEAK = 12 * 3600.0


def test_deepseek_reasoner_off_peak_bills_reasoning_at_the_off_peak_output_price():
    p = policy(lookup("catalog:deepseek/deepseek-reasoner@2025-03-01").pricing)
    lines, total = bill(p, inp=2000, cached=1200, out=300, reasoning=4000, at_s=OFF_PEAK)
    # published off-peak R1: cache hit 0.035, miss 0.135, output 0.55 (chain of thought is output)
    expected = {"cached_input": Fraction(1200 * 35, 1000 * M), "input": Fraction(800 * 135, 1000 * M),
                "output": Fraction(300 * 55, 100 * M), "reasoning": Fraction(4000 * 55, 100 * M)}
    assert lines == expected and total == sum(expected.values())
    lines, total = bill(p, inp=2000, cached=1200, out=300, reasoning=4000, at_s=PEAK)
    assert lines["reasoning"] == Fraction(4000 * 219, 100 * M)  # peak: 2.19


def test_cache_writes_derive_from_the_windows_input_price():
    p = policy({"type": "per_token", "input": 2, "output": 8, "time_of_use": {
        "windows": [{"start": "16:00", "end": "20:00", "prices": {"input": 1, "output": 4}}]}})
    lines, _ = bill(p, inp=1000, writes=400, out=10, at_s=OFF_PEAK)
    assert lines["cache_write"] == Fraction(400 * 125, 100 * M)  # 1.25 x the window's input 1
    lines, _ = bill(p, inp=1000, writes=400, out=10, at_s=PEAK)
    assert lines["cache_write"] == Fraction(400 * 250, 100 * M)  # 1.25 x 2


def test_explicit_prices_keep_their_own_value_in_a_window():
    p = policy({"type": "per_token", "input": 2, "output": 8, "reasoning": 6, "cache_write": 3, "time_of_use": {
        "windows": [{"start": "16:00", "end": "20:00", "prices": {"input": 1, "output": 4},
                     "multipliers": {"cache_write": "0.5"}}]}})
    lines, _ = bill(p, inp=1000, writes=400, out=10, reasoning=100, at_s=OFF_PEAK)
    assert lines["reasoning"] == Fraction(100 * 6, M)  # given on the card, no window price or multiplier
    assert lines["cache_write"] == Fraction(400 * 3, 2 * M)  # its own named multiplier: 3 x 0.5


def test_window_multiplier_on_output_carries_to_derived_reasoning():
    p = policy({"type": "per_token", "input": 2, "output": 8, "time_of_use": {
        "windows": [{"start": "16:00", "end": "20:00", "multipliers": {"output": "0.25"}}]}})
    lines, _ = bill(p, inp=10, out=100, reasoning=1000, at_s=OFF_PEAK)
    assert lines["reasoning"] == Fraction(1000 * 2, M) and lines["output"] == Fraction(100 * 2, M)


def test_context_tiers_with_a_window_derive_per_tier_and_window():
    p = policy({"type": "context_tiers", "mode": "per_request", "tiers": [
        {"up_to": 1000, "input": 1, "output": 4}, {"up_to": None, "input": 2, "output": 10}],
        "time_of_use": {"windows": [{"start": "16:00", "end": "20:00", "multipliers": {"all": "0.5"}}]}})
    for inp, inp_price, out_price in ((1000, 1, 4), (1001, 2, 10)):  # threshold t and t + 1
        lines, _ = bill(p, inp=inp, writes=100, out=5, reasoning=50, at_s=OFF_PEAK)
        assert lines["cache_write"] == Fraction(100 * inp_price * 5, 4 * 2 * M)
        assert lines["reasoning"] == Fraction(50 * out_price, 2 * M)


def test_service_tier_and_surge_levels_scale_derived_prices_with_their_base():
    p = policy({"type": "per_token", "input": 2, "output": 8, "service_tiers": {"batch": "0.5"},
                "surge": {"threshold": 0.5, "slope": 1, "cap": 2, "step": "0.5"}})
    lines, _ = bill(p, inp=1000, writes=1000, out=10, reasoning=100, tier=3, surge=2)  # batch, level 2.0
    assert lines["cache_write"] == Fraction(1000 * 25, 10 * M)  # 1.25 x 2 x 0.5 x 2
    assert lines["reasoning"] == Fraction(100 * 8, M)


def test_a_derived_price_that_is_not_exact_in_its_context_is_an_error():
    with pytest.raises(PricingError, match="cache_write x window 0"):
        policy({"type": "per_token", "input": 2, "output": 8, "time_of_use": {
            "windows": [{"start": "16:00", "end": "20:00", "prices": {"input": "0.000000001"}}]}})


# ---------------------------------------------------------------- multipliers that name their classes

def test_batch_discount_on_named_classes_only():
    p = policy({"type": "per_token", "input": 2, "cached_input": "0.5", "output": 8, "service_tiers": {
        "batch": {"multiplier": "0.5", "classes": ["input", "output"]}, "priority": 2}})
    lines, total = bill(p, inp=1000, cached=600, writes=100, out=10, reasoning=20, tier=3)
    assert lines == {"input": Fraction(300 * 1, M), "cached_input": Fraction(600 * 5, 10 * M),
                     "cache_write": Fraction(100 * 25, 10 * M), "output": Fraction(10 * 4, M),
                     "reasoning": Fraction(20 * 8, M)}  # cache reads, writes and reasoning keep their price
    lines, _ = bill(p, inp=1000, cached=600, writes=100, out=10, reasoning=20, tier=1)  # priority: every class
    assert lines["cached_input"] == Fraction(600, M) and lines["reasoning"] == Fraction(20 * 16, M)


def test_surge_on_named_classes_only():
    p = policy({"type": "per_token", "input": 2, "output": 8,
                "surge": {"threshold": 0.5, "slope": 1, "cap": 2, "step": "0.5", "classes": ["output"]}})
    lines, _ = bill(p, inp=1000, out=10, reasoning=10, surge=2)
    assert lines == {"input": Fraction(2000, M), "output": Fraction(160, M), "reasoning": Fraction(80, M)}


def test_a_class_multiplier_names_known_classes():
    with pytest.raises(Exception, match="classes"):
        SPEC.validate_python({"type": "per_token", "input": 1, "output": 2,
                              "service_tiers": {"batch": {"multiplier": "0.5", "classes": ["inputs"]}}})
    every = policy({"type": "per_token", "input": 2, "output": 8, "service_tiers": {"batch": {"multiplier": "0.5"}}})
    assert bill(every, inp=10, out=10, tier=3)[1] == Fraction(10 + 40, M)
    with pytest.raises(Exception, match="expected a number"):
        SPEC.validate_python({"type": "per_token", "input": 1, "output": 2, "service_tiers": {"batch": "half"}})


def test_the_documented_batch_example():
    p = policy({"type": "per_token", "input": 2, "cached_input": "0.5", "output": 8,
                "service_tiers": {"batch": {"multiplier": "0.5", "classes": ["input", "output"]}}})
    assert bill(p, inp=100, cached=60, out=10, tier=3)[1] == Fraction("0.00011")


# ---------------------------------------------------------------- edges the mutation run found untested

def test_volume_tiers_price_an_empty_usage_and_follow_a_window():
    p = policy({"type": "volume_tiers", "mode": "volume", "tiers": [
        {"up_to": 1000, "input": 2, "output": 8}, {"up_to": None, "input": 1, "output": 4}],
        "time_of_use": {"windows": [{"start": "16:00", "end": "20:00", "multipliers": {"all": "0.5"}}]}})
    empty = Usage(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), arrival_s=np.zeros(0),
                  start=START, account=np.zeros(0, np.int32), period=np.zeros(0, np.int64), order=np.zeros(0, np.int64))
    table = p.charges(empty)
    assert len(table.totals()) == 0 and set(table.components) >= {"input", "output"}
    u = Usage(np.asarray([600, 600]), np.asarray([0, 0]), np.asarray([0, 0]), arrival_s=np.asarray([PEAK, OFF_PEAK]),
              start=START, account=np.asarray([0, 0], np.int32), period=np.asarray([0, 0]), order=np.asarray([0, 1]))
    totals = [Fraction(int(v), MONEY) for v in p.charges(u).totals()]
    assert totals == [Fraction(600, M), Fraction(300, M)]  # 1,200 in the period: tier 2; the second off-peak


def test_graduated_context_tiers_split_cache_writes_of_both_ttls():
    p = policy({"type": "context_tiers", "mode": "graduated", "tiers": [
        {"up_to": 1000, "input": 2, "cache_write": 3, "cache_write_1h": 5, "output": 8},
        {"up_to": None, "input": 1, "cache_write": "1.5", "cache_write_1h": "2.5", "output": 4}]})
    u = Usage(np.asarray([1600]), np.asarray([200]), np.asarray([10]), cache_write_tokens=np.asarray([1000]),
              cache_write_1h_tokens=np.asarray([300]))
    table = p.charges(u)
    lines = {c: int(table.quantity[c][0]) for c in table.components if table.quantity[c][0]}
    # positions: 200 cached, 700 five-minute writes, 300 one-hour writes (100 in tier 1, 200 in tier 2), 400 input
    assert lines == {"cached_input@tier1": 200, "cache_write@tier1": 700, "cache_write_1h@tier1": 100,
                     "cache_write_1h@tier2": 200, "input@tier2": 400, "output": 10}
    total = Fraction(int(table.totals()[0]), MONEY)
    assert total == Fraction(200 * 2 + 700 * 3 + 100 * 5 + 200 * Fraction(5, 2) + 400 * 1 + 10 * 4, M)
