"""Billing: hand-computed charges, invoices per period, exact sums."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenecon
from tokenecon.billing import period_edges
from tokenecon.money import exact_group_sums
from tokenecon.pricing import Usage, make_policy
from tokenecon.scenario import PerTokenPricing
from tokenecon.units import MONEY_UNITS_PER_UNIT, PRICE_UNITS, round_to_minor

from .conftest import scenario_dict

FIXED_CUSTOMER = {
    "name": "c1",
    "count": 2,
    "arrivals": {"type": "poisson", "rate": "20/h"},
    "input_tokens": {"type": "fixed", "value": 1000},
    "output_tokens": {"type": "fixed", "value": 200},
    "cache_hit_ratio": 0.25,
    "providers": ["p1"],
}


def test_per_request_charge_by_hand():
    # 750 uncached x 2.50 + 250 cached x 1.25 + 200 output x 10.00, per 1M tokens
    # = 0.001875 + 0.0003125 + 0.002 = 0.0041875 USD
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(customers=[FIXED_CUSTOMER])))
    done = result.requests[result.requests["status"] == "completed"]
    assert len(done) > 10
    assert set(done["charge_exact"]) == {"0.0041875"}
    assert Decimal(result.summary()["revenue"]) == Decimal("0.0041875") * len(done)
    lines = result.ledger[result.ledger["request_id"] == done["request_id"].iloc[0]]
    assert lines.set_index("component")["amount_exact"].to_dict() == {
        "input": "0.001875", "cached_input": "0.0003125", "output": "0.002"}
    assert lines.set_index("component")["quantity"].to_dict() == {"input": 750, "cached_input": 250, "output": 200}


def test_cached_tokens_are_never_charged_twice_and_default_to_input_price():
    policy = make_policy("p", PerTokenPricing(type="per_token", input=3, output=15))
    usage = Usage(np.array([1000]), np.array([400]), np.array([10]))
    table = policy.charges(usage)
    assert table.quantity["input"].tolist() == [600] and table.quantity["cached_input"].tolist() == [400]
    assert int(table.totals()[0]) == (600 * 3 + 400 * 3 + 10 * 15) * PRICE_UNITS


def test_invoices_split_by_local_calendar_day():
    data = scenario_dict(customers=[FIXED_CUSTOMER], billing_period="day", duration="40h",
                         start="2026-03-02T12:00:00+08:00")
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    inv = result.invoices
    assert sorted(set(inv["period_start"])) == [
        "2026-03-02T00:00:00+0800", "2026-03-03T00:00:00+0800", "2026-03-04T00:00:00+0800"]
    assert set(inv["customer"]) == {"c1-1", "c1-2"} and set(inv["segment"]) == {"c1"}
    ends = {f"2026-03-0{d}T00:00:00+0800": f"2026-03-0{d + 1}T00:00:00+0800" for d in (2, 3, 4)}
    assert (inv["period_end"] == inv["period_start"].map(ends)).all()
    done = result.requests[result.requests["status"] == "completed"]
    local_day = (pd.Timestamp("2026-03-02T12:00:00+08:00") + pd.to_timedelta(done["finish_s"], unit="s")).dt.day
    counts = inv.groupby(inv["period_start"].str[8:10].astype(int))["requests"].sum().to_dict()
    assert counts == local_day.value_counts().sort_index().to_dict()
    for _, row in inv.iterrows():
        assert Decimal(row["subtotal_exact"]) == Decimal("0.0041875") * row["requests"]
        assert Decimal(row["amount_exact"]) == Decimal(row["subtotal_exact"]).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_monthly_periods_follow_the_calendar_across_a_month_end():
    data = scenario_dict(billing_period="month", duration="3d", start="2026-01-30T00:00:00+08:00")
    edges, starts = period_edges(tokenecon.scenario_from_dict(data))
    assert edges.tolist() == [0.0, 2 * 86400.0]
    assert [s.isoformat() for s in starts] == ["2026-01-01T00:00:00+08:00", "2026-02-01T00:00:00+08:00",
                                               "2026-03-01T00:00:00+08:00"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=50),
       st.integers(min_value=1, max_value=5))
def test_exact_group_sums_never_lose_a_unit(amounts, groups):
    group = np.arange(len(amounts)) % groups
    sums = exact_group_sums(group, np.asarray(amounts, dtype=np.int64), groups)
    assert sums == [sum(a for a, g in zip(amounts, group) if g == k) for k in range(groups)]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**21))
def test_rounding_is_half_up_to_the_minor_unit(amount):
    rounded = round_to_minor(amount, "USD")
    exact = Decimal(amount) / Decimal(MONEY_UNITS_PER_UNIT)
    assert abs(rounded - exact) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))
    assert round_to_minor(amount, "JPY") == exact.quantize(Decimal(1), rounding="ROUND_HALF_UP")


def test_huge_charges_stay_exact():
    # 10^12 tokens at 1000 per 1M: 10^9 currency units per request, beyond int64 money units
    policy = make_policy("p", PerTokenPricing(type="per_token", input=1000, output=1000))
    usage = Usage(np.array([10**12, 10**12]), np.array([0, 0]), np.array([1, 1]))
    totals = policy.charges(usage).totals()
    assert [int(t) for t in totals] == [(10**12 * 1000 + 1000) * PRICE_UNITS] * 2


def test_volume_tiers_count_the_accounts_tokens_in_completion_order_and_restart_each_period():
    # graduated: the first 20,000 tokens of an account's day at 2.00 per 1M, the rest at 1.00
    one = dict(FIXED_CUSTOMER, name="solo", count=1, cache_hit_ratio=0, arrivals={"type": "poisson", "rate": "0.5/s"},
               input_tokens={"type": "lognormal", "median": 300, "p90": 1500},
               output_tokens={"type": "exponential", "mean": 150})
    tiers = [{"up_to": 20_000, "input": 2, "output": 2}, {"up_to": None, "input": 1, "output": 1}]
    data = scenario_dict(customers=[one], billing_period="day", duration="1h", start="2026-03-02T23:30:00+00:00",
                         pricing={"std": {"type": "volume_tiers", "mode": "graduated", "tiers": tiers}})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    done = result.requests[result.requests["status"] == "completed"]
    assert (done["arrival_s"].rank(method="first") != done["finish_s"].rank(method="first")).any()
    day = (done["finish_s"] >= 1800).astype(int)
    assert set(day) == {0, 1}
    expected = {}
    for d in (0, 1):
        before = 0
        for rid, row in done[day == d].sort_values("finish_s", kind="stable").iterrows():
            tokens = int(row["input_tokens"] + row["output_tokens"])
            cheap_from = max(20_000 - before, 0)
            expected[row["request_id"]] = (Decimal(min(tokens, cheap_from)) * 2
                                           + Decimal(max(tokens - cheap_from, 0))) / 10**6
            before += tokens
    assert {r: Decimal(c) for r, c in zip(done["request_id"], done["charge_exact"])} == expected
    assert Decimal(result.summary()["revenue"]) == sum(expected.values())


def test_charges_beyond_float_precision_stay_exact_per_request_and_on_the_invoice():
    # 1,001 input x 12345.678912345 + 2 output x 1.00 per 1M = 12.358026591257345: an odd number of
    # 1e-15 units above 2^53, which a float cannot hold
    big = dict(FIXED_CUSTOMER, count=1, cache_hit_ratio=0, arrivals={"type": "poisson", "rate": "30/h"},
               input_tokens={"type": "fixed", "value": 1001}, output_tokens={"type": "fixed", "value": 2})
    data = scenario_dict(customers=[big], pricing={"std": {"type": "per_token", "input": "12345.678912345",
                                                            "output": 1, "cache_write": 1}})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    done = result.requests[result.requests["status"] == "completed"]
    assert len(done) > 5
    assert set(done["charge_exact"]) == {"12.358026591257345"}
    (invoice,) = result.invoices.itertuples()
    assert Decimal(invoice.subtotal_exact) == Decimal("12.358026591257345") * len(done)
    assert Decimal(result.summary()["revenue"]) == Decimal("12.358026591257345") * len(done)
