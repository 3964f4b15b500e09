"""Thinking-mode prices: every generated token of a request that carries reasoning is billed at
`thinking_output` (Qwen); requests without reasoning pay the plain output price."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pydantic import TypeAdapter

import tokenecon
from tokenecon.catalog import lookup
from tokenecon.errors import PricingError, ScenarioError
from tokenecon.pricing import Usage, make_policy
from tokenecon.scenario import PricingSpec
from tokenecon.units import MONEY_UNITS_PER_UNIT as MONEY

from .conftest import scenario_dict

SPEC = TypeAdapter(PricingSpec)
M = 10**6


def charges(pricing: dict, inp, out, reasoning, cached=0, **context):
    p = make_policy("p", SPEC.validate_python(pricing))
    n = len(inp)
    u = Usage(np.asarray(inp), np.asarray([cached] * n), np.asarray(out), reasoning_tokens=np.asarray(reasoning),
              **context)
    table = p.charges(u)
    return table, [Fraction(int(v), MONEY) for v in table.totals()]


QWEN_PLUS = lookup("catalog:alibaba/qwen-plus@2026-01-01").pricing


def test_qwen_thinking_call_bills_answer_and_reasoning_at_the_thinking_price():
    # thinking: 1,000 in + (200 answer + 800 reasoning) out; non-thinking: 1,000 in + 200 out
    table, totals = charges(QWEN_PLUS, [1000, 1000], [200, 200], [800, 0])
    assert totals == [Fraction(1000 * 8, 10 * M) + Fraction(1000 * 8, M), Fraction(1000 * 8, 10 * M) + Fraction(200 * 2, M)]
    assert table.quantity["thinking_output"].tolist() == [1000, 0]
    assert table.quantity["output"].tolist() == [0, 200] and table.quantity["reasoning"].tolist() == [0, 0]


@pytest.mark.parametrize("inp,thinking_price,input_price", [(128_000, 8, Fraction(8, 10)),
                                                             (128_001, 24, Fraction(24, 10)),
                                                             (256_000, 24, Fraction(24, 10)),
                                                             (256_001, 64, Fraction(48, 10))])
def test_thinking_price_follows_the_context_tier_at_t_and_t_plus_1(inp, thinking_price, input_price):
    _, totals = charges(QWEN_PLUS, [inp], [10], [90])
    assert totals == [inp * input_price / M + Fraction(100 * thinking_price, M)]


def test_batch_halves_the_thinking_price_and_cache_hits_pay_a_fifth():
    _, totals = charges(QWEN_PLUS, [1000], [10], [90], service_tier=np.asarray([3], np.int8))
    assert totals == [Fraction(1000 * 4, 10 * M) + Fraction(100 * 4, M)]  # batch 0.5: 1,000 x 0.4 + 100 x 4
    _, totals = charges(QWEN_PLUS, [1000], [10], [0], cached=600)
    assert totals == [Fraction(400 * 8, 10 * M) + Fraction(600 * 16, 100 * M) + Fraction(10 * 2, M)]  # hits at 20%


def test_thinking_price_inside_a_window_derives_from_the_windows_output():
    from datetime import datetime, timezone

    pricing = {"type": "per_token", "input": 1, "output": 4, "thinking_output": 8, "time_of_use": {
        "windows": [{"start": "00:00", "end": "06:00", "multipliers": {"all": "0.5"}}]}}
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)
    _, totals = charges(pricing, [10, 10], [10, 10], [10, 10], arrival_s=np.asarray([3600.0, 7 * 3600.0]),
                        start=start)
    assert totals == [Fraction(10 * 1, 2 * M) + Fraction(20 * 8, 2 * M), Fraction(10, M) + Fraction(20 * 8, M)]


def test_thinking_on_some_tiers_only_or_only_in_a_window_is_refused():
    with pytest.raises(Exception, match="thinking_output is given on some tiers but not on tier 1"):
        SPEC.validate_python({"type": "context_tiers", "mode": "per_request", "tiers": [
            {"up_to": 10, "input": 1, "output": 2, "thinking_output": 4}, {"up_to": None, "input": 1, "output": 2}]})
    with pytest.raises(PricingError, match="windows\\[0\\]: a thinking_output price needs thinking_output"):
        make_policy("p", SPEC.validate_python({"type": "per_token", "input": 1, "output": 2, "time_of_use": {
            "windows": [{"start": "00:00", "end": "06:00", "prices": {"thinking_output": 1}}]}}))


def test_a_run_with_thinking_requests_reconciles():
    data = scenario_dict(duration="20min")
    data["pricing"] = {"std": QWEN_PLUS}
    data["currency"] = "CNY"
    data["customers"][0]["reasoning_tokens"] = {"type": "fixed", "value": 50}
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    ledger = result.ledger
    assert set(ledger["component"]) >= {"thinking_output"} and "reasoning" not in set(ledger["component"])
    done = result.requests[result.requests["status"] == "completed"]
    thinking = ledger[ledger["component"] == "thinking_output"]
    assert thinking["quantity"].sum() == (done["output_tokens"] + done["reasoning_tokens"]).sum()


def test_scenario_error_for_unknown_class_names_the_field():
    with pytest.raises(ScenarioError, match="thinking_input"):
        tokenecon.scenario_from_dict(scenario_dict(pricing={"std": {"type": "per_token", "input": 1, "output": 2,
                                                                    "thinking_input": 3}}))
