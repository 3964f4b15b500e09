"""Pricing policies: a hand-computed example each, and property-based invariants."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from tokenecon.errors import PricingError, ScenarioError
from tokenecon.units import MONEY_UNITS_PER_UNIT as MONEY, PRICE_UNITS as PRICE
from tokenecon.pricing import Usage, make_policy
from tokenecon.scenario import PricingSpec, scenario_from_dict

from .conftest import scenario_dict

SPEC = TypeAdapter(PricingSpec)


def policy(**spec):
    return make_policy("p", SPEC.validate_python(spec))


def usage(inp, cached=0, out=0, reasoning=0, writes=0, one_hour=False, **context):
    def arr(v, dtype=np.int64):
        return np.atleast_1d(np.asarray(v, dtype=dtype))

    n = len(arr(inp))
    return Usage(arr(inp), arr(cached) * np.ones(n, np.int64), arr(out) * np.ones(n, np.int64),
                 reasoning_tokens=arr(reasoning) * np.ones(n, np.int64),
                 cache_write_tokens=arr(writes) * np.ones(n, np.int64),
                 cache_write_1h=np.full(n, one_hour), **context)


def total(table) -> Decimal:
    return sum((Decimal(int(v)) for v in table.totals()), Decimal(0)) / Decimal(MONEY)


def lines(table, k=0) -> dict[str, Decimal]:
    return {c: Decimal(int(table.amount[c][k])) / Decimal(MONEY)
            for c in table.components if table.quantity[c][k]}


# ---------------------------------------------------------------- 1. rate card

def test_rate_card_with_cache_writes_and_reasoning_by_hand():
    # Anthropic Sonnet-like: input 3, cache write 1.25x = 3.75 (5 min) or 2x = 6 (1 h), read 0.30, output 15
    p = policy(type="per_token", input=3, cached_input=0.30, output=15)
    t = p.charges(usage(10_000, cached=6_000, writes=1_000, out=500, reasoning=200))
    # 3,000 input x 3 + 6,000 read x 0.30 + 1,000 write x 3.75 + 500 out x 15 + 200 reasoning x 15
    assert lines(t) == {"input": Decimal("0.009"), "cached_input": Decimal("0.0018"),
                        "cache_write": Decimal("0.00375"), "output": Decimal("0.0075"), "reasoning": Decimal("0.003")}
    assert total(t) == Decimal("0.02505")
    t = p.charges(usage(10_000, cached=6_000, writes=1_000, one_hour=True))
    assert lines(t)["cache_write_1h"] == Decimal("0.006")  # 1,000 x 6


def test_reasoning_priced_separately_when_given():
    p = policy(type="per_token", input=1, output=4, reasoning=8)
    assert lines(p.charges(usage(0, out=10, reasoning=10)))["reasoning"] == Decimal("0.00008")


# ---------------------------------------------------------------- 2. context tiers

QWEN_PLUS = dict(type="context_tiers", tiers=[
    {"up_to": 128_000, "input": 0.8, "output": 2},
    {"up_to": 256_000, "input": 2.4, "output": 20},
    {"up_to": None, "input": 4.8, "output": 48},
])


def test_per_request_context_tiers_bill_the_whole_request_at_its_tier():
    p = policy(mode="per_request", **QWEN_PLUS)
    t = p.charges(usage([128_000, 128_001, 300_000], out=1_000))
    got = [sum(int(t.amount[c][k]) for c in t.components) / MONEY for k in range(3)]
    # 128,000 is in tier 1 (up_to inclusive); 128,001 bills every token at tier 2
    assert got == pytest.approx([128_000 * 0.8e-6 + 1_000 * 2e-6, 128_001 * 2.4e-6 + 1_000 * 20e-6,
                                 300_000 * 4.8e-6 + 1_000 * 48e-6])
    assert total(p.charges(usage(128_001, out=1_000))) == Decimal("0.3272024")


def test_graduated_context_tiers_split_the_input():
    p = policy(mode="graduated", **QWEN_PLUS)
    t = p.charges(usage(130_000, cached=100_000, out=1_000))
    # positions 1..100,000 cached (tier 1), 100,001..128,000 input at tier 1, 128,001..130,000 at tier 2;
    # output at the tier the whole input reaches (tier 2)
    assert t.quantity["cached_input@tier1"][0] == 100_000
    assert t.quantity["input@tier1"][0] == 28_000 and t.quantity["input@tier2"][0] == 2_000
    assert total(t) == Decimal("0.08") + Decimal("0.0224") + Decimal("0.0048") + Decimal("0.02")


# ---------------------------------------------------------------- 3. volume tiers

VOLUME = [{"up_to": 1_000, "input": 2, "output": 2}, {"up_to": None, "input": 1, "output": 1}]


def period_usage(sizes, accounts=None, periods=None):
    n = len(sizes)
    return usage(sizes, account=np.asarray(accounts or [0] * n), period=np.asarray(periods or [0] * n),
                 order=np.arange(n))


def test_volume_tiers_graduated_and_volume_by_hand():
    u = period_usage([600, 600])  # 1,200 tokens in the period
    graduated = policy(type="volume_tiers", mode="graduated", tiers=VOLUME).charges(u)
    # first request: 600 @ 2; second: 400 @ 2 + 200 @ 1
    assert [int(v) for v in graduated.totals()] == [1200 * PRICE, 1000 * PRICE]
    volume = policy(type="volume_tiers", mode="volume", tiers=VOLUME).charges(u)
    assert [int(v) for v in volume.totals()] == [600 * PRICE, 600 * PRICE]  # all 1,200 at tier 2


def test_volume_tiers_reset_each_period_and_are_per_account():
    u = period_usage([600, 600, 600, 600], accounts=[0, 0, 1, 0], periods=[0, 0, 0, 1])
    t = policy(type="volume_tiers", mode="graduated", tiers=VOLUME).charges(u)
    # account 0 period 0: 1,200 tokens -> 1,200 + 1,000; account 1: 600 -> 1,200; account 0 period 1 restarts
    assert [int(v) // PRICE for v in t.totals()] == [1200, 1000, 1200, 1200]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=30),
       st.decimals(min_value=0, max_value=100, places=2))
def test_graduated_equals_volume_with_a_single_tier(sizes, price):
    tiers = [{"up_to": None, "input": price, "output": price}]
    u = period_usage(sizes)
    graduated = policy(type="volume_tiers", mode="graduated", tiers=tiers).charges(u).totals()
    volume = policy(type="volume_tiers", mode="volume", tiers=tiers).charges(u).totals()
    assert [int(v) for v in graduated] == [int(v) for v in volume]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20),
       st.integers(min_value=1, max_value=50_000))
def test_any_threshold_works_and_tokens_are_conserved(sizes, threshold):
    tiers = [{"up_to": threshold, "input": 3, "output": 3}, {"up_to": None, "input": 1, "output": 1}]
    t = policy(type="volume_tiers", mode="graduated", tiers=tiers).charges(period_usage(sizes))
    assert sum(int(t.quantity[c].sum()) for c in t.components) == sum(sizes)
    first_tier = sum(int(t.quantity[c].sum()) for c in t.components if c.endswith("@tier1"))
    assert first_tier == min(sum(sizes), threshold)
    assert all(int(v) >= 0 for v in t.totals())


# ---------------------------------------------------------------- 4. time of use

DEEPSEEK = dict(type="per_token", input=0.27, cached_input=0.07, output=1.10,
                time_of_use={"timezone": "UTC", "windows": [
                    {"start": "16:30", "end": "00:30", "multipliers": {"all": 0.5}}]})


def at(*moments):
    start = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # a Monday
    seconds = [(m - start).total_seconds() for m in moments]
    return usage([1_000_000] * len(moments), arrival_s=np.asarray(seconds), start=start)


def utc(day, hh, mm, ss=0, us=0):
    return datetime(2026, 3, day, hh, mm, ss, us, tzinfo=timezone.utc)


def test_deepseek_offpeak_window_boundaries_by_hand():
    p = policy(**DEEPSEEK)
    t = p.charges(at(utc(2, 16, 29, 59, 999999), utc(2, 16, 30), utc(3, 0, 29, 59), utc(3, 0, 30), utc(2, 12, 0)))
    # start inclusive, end exclusive, across midnight: 1M input tokens at 0.27 or half of it
    assert [int(v) / MONEY for v in t.totals()] == [0.27, 0.135, 0.135, 0.27, 0.27]


def test_time_of_use_in_a_local_time_zone():
    # Beijing 00:30-08:30 is UTC 16:30-00:30 of the day before
    p = policy(type="per_token", input=2, output=8, time_of_use={"timezone": "Asia/Shanghai", "windows": [
        {"start": "00:30", "end": "08:30", "multipliers": {"input": 0.5, "output": 0.5}}]})
    t = p.charges(at(utc(2, 16, 30), utc(2, 16, 29), utc(3, 0, 29), utc(3, 0, 30)))
    assert [int(v) / MONEY for v in t.totals()] == [1.0, 2.0, 1.0, 2.0]


def test_weekday_windows_skip_weekends_and_holidays():
    p = policy(type="per_token", input=1, output=1, time_of_use={"timezone": "UTC", "holidays": ["2026-03-04"],
               "windows": [{"start": "09:00", "end": "18:00", "days": "weekdays", "multipliers": {"all": 2}}]})
    t = p.charges(at(utc(2, 10, 0), utc(4, 10, 0), utc(7, 10, 0), utc(2, 18, 0)))  # Mon, holiday Wed, Sat, Mon 18:00
    assert [int(v) / MONEY for v in t.totals()] == [2.0, 1.0, 1.0, 1.0]


def test_a_window_starting_friday_night_runs_into_saturday():
    p = policy(type="per_token", input=1, output=1, time_of_use={"windows": [
        {"start": "22:00", "end": "06:00", "days": ["fri"], "multipliers": {"all": 0.25}}]})
    t = p.charges(at(utc(6, 23, 0), utc(7, 5, 59), utc(7, 23, 0), utc(6, 5, 0)))  # Fri 23h, Sat 5:59, Sat 23h, Fri 5h
    assert [int(v) / MONEY for v in t.totals()] == [0.25, 0.25, 1.0, 1.0]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=7 * 86400 - 1), st.integers(min_value=0, max_value=1439),
       st.integers(min_value=1, max_value=1439))
def test_window_membership_matches_a_direct_rule(second, start_min, length):
    end_min = (start_min + length) % 1440
    clock = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    p = policy(type="per_token", input=1, output=1, time_of_use={"windows": [
        {"start": clock(start_min), "end": clock(end_min), "multipliers": {"all": 3}}]})
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)
    t = p.charges(usage([1_000_000], arrival_s=np.asarray([float(second)]), start=start))
    minute = (second // 60) % 1440
    inside = (minute - start_min) % 1440 < length
    assert int(t.totals()[0]) / MONEY == (3.0 if inside else 1.0)


# ---------------------------------------------------------------- invariants and bad input

@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500_000), st.integers(0, 100), st.integers(0, 100), st.integers(0, 50_000),
       st.integers(0, 10_000), st.sampled_from(["per_request", "graduated"]))
def test_charges_are_never_negative_and_cached_never_billed_twice(inp, cached_pct, write_pct, out, reasoning, mode):
    cached = inp * cached_pct // 100
    writes = (inp - cached) * write_pct // 100
    u = usage(inp, cached=cached, writes=writes, out=out, reasoning=reasoning)
    for p in (policy(type="per_token", input=2.5, cached_input=1.25, output=10), policy(mode=mode, **QWEN_PLUS)):
        t = p.charges(u)
        assert all(int(t.amount[c][0]) >= 0 for c in t.components)
        input_like = sum(int(t.quantity[c][0]) for c in t.components
                         if c.split("@")[0] in ("input", "cached_input", "cache_write", "cache_write_1h"))
        assert input_like == inp  # every input token billed exactly once
        out_like = sum(int(t.quantity[c][0]) for c in t.components if c.split("@")[0] in ("output", "reasoning"))
        assert out_like == out + reasoning


@pytest.mark.parametrize("spec,message", [
    (dict(type="context_tiers", mode="per_request", tiers=[{"up_to": 200, "input": 1, "output": 1},
                                                          {"up_to": 100, "input": 1, "output": 1},
                                                          {"up_to": None, "input": 1, "output": 1}]), "tiers overlap"),
    (dict(type="context_tiers", mode="per_request", tiers=[{"up_to": 100, "input": 1, "output": 1}]),
     "the last tier must have up_to: null"),
    (dict(type="per_token", input=-1, output=1), "a price must be >= 0"),
    (dict(type="per_token", input="0.0000000001", output=1), "at most 9 decimal places"),
    (dict(type="per_token", input=1, output=1, time_of_use={"windows": [{"start": "16:30", "multipliers": {"all": 0.5}}]}),
     "end"),
    (dict(type="per_token", input=1, output=1, time_of_use={"windows": [
        {"start": "10:00", "end": "12:00", "multipliers": {"all": 2}},
        {"start": "11:00", "end": "13:00", "multipliers": {"all": 3}}]}), "overlap"),
    (dict(type="per_token", input=1, output=1, time_of_use={"timezone": "Mars/Olympus", "windows": [
        {"start": "10:00", "end": "12:00", "multipliers": {"all": 2}}]}), "unknown time zone"),
    (dict(type="flat_fee", input=1, output=1), "Input tag 'flat_fee'"),
])
def test_bad_pricing_yaml_is_one_clear_error(spec, message):
    data = scenario_dict(pricing={"std": spec})
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(data, source="s.yaml")


def test_inexact_multiplied_price_is_an_error_not_a_rounding():
    with pytest.raises(PricingError, match="not exact to 9 decimals"):
        policy(type="per_token", input="0.000000001", output=1, time_of_use={"windows": [
            {"start": "10:00", "end": "12:00", "multipliers": {"input": 0.5}}]})
