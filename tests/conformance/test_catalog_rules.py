"""Catalog-wide vendor rules, LiteLLM imports, and the token columns of requests.csv and CSV traces
that make every charge recomputable from the files alone."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

import tokenecon
from tokenecon.catalog import catalog_entries
from tokenecon.catalog.litellm import import_litellm
from tokenecon.errors import TokenEconError
from tokenecon.pricing import Usage, make_policy
from tokenecon.scenario import PricingSpec
from tokenecon.units import MONEY_UNITS_PER_UNIT

from ..conftest import scenario_dict
from ..recompute import check_run_folder
from .conftest import M

# Vendors whose caches charge no write fee: a token written to the cache is billed as an uncached
# input token (OpenAI and Gemini: automatic caching, no write charge; DeepSeek: a write is a cache
# miss; Moonshot: automatic cache, misses at the input price; Volcano Engine: creation at the input
# price plus storage, not modelled).
NO_WRITE_FEE = ("openai", "google", "deepseek", "deepseek-cn", "moonshot", "volcengine")


def _charge(pricing: dict, **columns) -> Fraction:
    policy = make_policy("p", TypeAdapter(PricingSpec).validate_python(pricing))
    n = len(columns["input_tokens"])
    usage = Usage(np.asarray(columns.pop("input_tokens")), np.asarray(columns.pop("cached_input_tokens", [0] * n)),
                  np.asarray(columns.pop("output_tokens")), **{k: np.asarray(v) for k, v in columns.items()})
    return Fraction(int(policy.charges(usage).totals()[0]), MONEY_UNITS_PER_UNIT)


@pytest.mark.parametrize("entry", [e for e in catalog_entries() if e.provider in NO_WRITE_FEE],
                         ids=lambda e: e.reference)
def test_cache_writes_of_vendors_without_a_write_fee_bill_at_the_input_price(entry):
    tiers = entry.pricing["tiers"] if entry.pricing["type"] == "context_tiers" else [entry.pricing]
    for k, tier in enumerate(tiers):
        prompt = tier.get("up_to") or (tiers[k - 1]["up_to"] + 1 if k else 4_000)
        charge = _charge({**entry.pricing, "time_of_use": None}, input_tokens=[prompt], output_tokens=[0],
                         cache_write_tokens=[prompt], cache_write_1h_tokens=[prompt // 3])
        assert charge == prompt * Fraction(str(tier["input"])) / M, (entry.reference, k)


def test_litellm_zero_cache_write_price_is_a_cache_miss(tmp_path):
    # LiteLLM ships deepseek/deepseek-chat with cache_creation_input_token_cost 0.0; DeepSeek bills a
    # token written to its cache as a cache miss, at the input price (V3.2: 0.28 per 1M)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"deepseek/deepseek-chat": {
        "litellm_provider": "deepseek", "mode": "chat", "input_cost_per_token": 2.8e-07,
        "output_cost_per_token": 4.2e-07, "cache_read_input_token_cost": 2.8e-08,
        "cache_creation_input_token_cost": 0.0}}))
    (entry,), _ = import_litellm(path, effective=date(2026, 11, 28))
    assert entry.pricing["cache_write"] == entry.pricing["cache_write_1h"] == 0.28
    charge = _charge(entry.pricing, input_tokens=[10_000], cached_input_tokens=[2_000], output_tokens=[100],
                     cache_write_tokens=[5_000])
    assert charge == (8_000 * Fraction("0.28") + 2_000 * Fraction("0.028") + 100 * Fraction("0.42")) / M


def test_qwen_batch_calls_get_no_cache_discount():
    # docs/pricing.md: catalog qwen-plus in batch, 1,000 input of which 600 implicit-cache hits, at tier 1:
    # 1,000 x 0.8 / 2 = 0.0004 CNY (not 400 x 0.4 + 600 x 0.08); the explicit-cache hits likewise
    entry = next(e for e in catalog_entries() if e.key == "alibaba/qwen-plus")
    batch = np.asarray([3])
    assert _charge(entry.pricing, input_tokens=[1_000], cached_input_tokens=[600], output_tokens=[0],
                   service_tier=batch) == Fraction(4, 10_000)
    assert _charge(entry.pricing, input_tokens=[130_000], cached_input_tokens=[100_000], output_tokens=[10],
                   cached_explicit_tokens=[100_000], service_tier=batch) == (130_000 * Fraction("1.2")
                                                                              + 10 * 10) / M
    assert _charge(entry.pricing, input_tokens=[1_000], cached_input_tokens=[600], output_tokens=[0]) \
        == (400 * Fraction("0.8") + 600 * Fraction("0.16")) / M  # standard calls keep the 20% hit price


def _csv_trace_run(tmp_path, price: str, currency: str, rows: list[tuple], tz: str = "UTC"):
    trace = tmp_path / "calls.csv"
    trace.write_text("time,prompt,completion,hits,explicit_hits,writes,writes_1h\n"
                     + "".join(f"{k * 2},{','.join(map(str, r))}\n" for k, r in enumerate(rows)))
    data = scenario_dict(duration="1h", currency=currency, timezone=tz)
    data["providers"][0].update(price=price, replicas=8)
    data["customers"] = [{"name": "api", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(trace), "format": "csv", "time_unit": "s", "columns": {
            "time": "time", "input": "prompt", "output": "completion", "cached": "hits",
            "cached_explicit": "explicit_hits", "cache_write": "writes", "cache_write_1h": "writes_1h"}}}]
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def test_csv_trace_explicit_hits_and_1h_writes_are_recomputable_from_requests_csv(tmp_path):
    # qwen-plus (CNY, tier 1): implicit hits 20% of input, explicit hits 10%, explicit writes 125%;
    # Sonnet 4: 5-minute writes 3.75, 1-hour writes 6, reads 0.30. Columns `cache_write` hold 5-minute
    # writes, `cache_write_1h` 1-hour writes; `cached_explicit` the explicit hits among `cached`.
    qwen = [(2_000, 50, 1_500, 1_500, 0, 0), (2_000, 50, 1_500, 0, 0, 0), (3_000, 10, 0, 0, 2_000, 0)]
    result = _csv_trace_run(tmp_path, "catalog:alibaba/qwen-plus", "CNY", qwen, tz="Asia/Shanghai")
    r = result.requests.sort_values("arrival_s")
    assert r["cached_input_explicit_tokens"].tolist() == [1_500, 0, 0]
    assert [Fraction(v) for v in r["charge_exact"]] == [
        (500 * Fraction("0.8") + 1_500 * Fraction("0.08") + 50 * 2) / M,
        (500 * Fraction("0.8") + 1_500 * Fraction("0.16") + 50 * 2) / M,
        (1_000 * Fraction("0.8") + 2_000 * Fraction("1.0") + 10 * 2) / M]
    out = tokenecon.write_run_folder(result, tmp_path / "qwen", figures=False)
    assert check_run_folder(out) > 3

    claude = [(10_000, 100, 4_000, 0, 1_000, 3_000), (10_000, 100, 0, 0, 0, 10_000)]
    result = _csv_trace_run(tmp_path, "catalog:anthropic/claude-sonnet-4", "USD", claude)
    r = result.requests.sort_values("arrival_s")
    assert r["cache_write_1h_tokens"].tolist() == [3_000, 10_000]
    assert r["cache_write_tokens"].tolist() == [4_000, 10_000]
    assert [Fraction(v) for v in r["charge_exact"]] == [
        (2_000 * 3 + 4_000 * Fraction("0.30") + 1_000 * Fraction("3.75") + 3_000 * 6 + 100 * 15) / M,
        Fraction(10_000 * 6 + 100 * 15, M)]
    out = tokenecon.write_run_folder(result, tmp_path / "claude", figures=False)
    assert check_run_folder(out) > 2
    # the recomputation reads the 1-hour column: one token moved from 1-hour to 5-minute fails it
    requests = pd.read_csv(out / "requests.csv", dtype=str)
    requests.loc[requests["request_id"] == "0", "cache_write_1h_tokens"] = "2999"
    requests.to_csv(out / "requests.csv", index=False)
    with pytest.raises(AssertionError, match="list_charge"):
        check_run_folder(out)


def test_csv_trace_explicit_hits_beyond_the_cached_tokens_are_a_bad_row(tmp_path):
    with pytest.raises(TokenEconError, match=r"calls.csv: line 3: bad token counts .*cached_explicit <= cached"):
        _csv_trace_run(tmp_path, "catalog:alibaba/qwen-plus", "CNY", [(2_000, 5, 100, 100, 0, 0),
                                                                      (2_000, 5, 100, 101, 0, 0)])


LITELLM_TIERS = {  # as LiteLLM's price map gives them (USD per token)
    "gemini/gemini-2.5-pro": {
        "litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-07, "input_cost_per_token_batches": 6.25e-07,
        "output_cost_per_token_batches": 5e-06, "cache_read_input_token_cost_batches": 1.25e-07,
        "input_cost_per_token_flex": 6.25e-07, "output_cost_per_token_flex": 5e-06,
        "cache_read_input_token_cost_flex": 1.25e-07},
    "gpt-5": {
        "litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-07, "input_cost_per_token_batches": 6.25e-07,
        "output_cost_per_token_batches": 5e-06, "cache_read_input_token_cost_batches": 6.25e-08,
        "input_cost_per_token_priority": 2.5e-06, "output_cost_per_token_priority": 2e-05,
        "cache_read_input_token_cost_priority": 2.5e-07},
    "o4-mini": {  # flex cache reads at 1.38e-07: not half of 2.75e-07, not one multiplier
        "litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.1e-06, "output_cost_per_token": 4.4e-06,
        "cache_read_input_token_cost": 2.75e-07, "input_cost_per_token_batches": 5.5e-07,
        "output_cost_per_token_batches": 2.2e-06, "input_cost_per_token_flex": 5.5e-07,
        "output_cost_per_token_flex": 2.2e-06, "cache_read_input_token_cost_flex": 1.38e-07},
}


def test_litellm_service_tier_prices_keep_their_cache_read_rule(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(LITELLM_TIERS))
    entries = {e.model: e.pricing for e in import_litellm(path, effective=date(2026, 11, 28))[0]}
    not_cache_reads = ["input", "cache_write", "cache_write_1h", "output", "reasoning"]
    assert entries["gemini-2.5-pro"]["service_tiers"] == {
        "batch": {"multiplier": 0.5, "classes": not_cache_reads}, "flex": {"multiplier": 0.5, "classes": not_cache_reads}}
    assert entries["gpt-5"]["service_tiers"] == {"batch": 0.5, "priority": 2}
    assert entries["o4-mini"]["service_tiers"] == {"batch": 0.5}  # batch gives no cache-read price: they stack
    # Gemini 2.5 Pro in batch: 60,000 uncached at 0.625, 40,000 cache hits at 0.125 (not 0.0625), 1,000 output at 5
    for pricing in (entries["gemini-2.5-pro"], {**next(e for e in catalog_entries()
                                                       if e.key == "google/gemini-2.5-pro").pricing}):
        assert _charge(pricing, input_tokens=[100_000], cached_input_tokens=[40_000], output_tokens=[1_000],
                       service_tier=np.asarray([3])) == (60_000 * Fraction("0.625") + 40_000 * Fraction("0.125")
                                                         + 1_000 * 5) / M
