"""The dated price catalog and the LiteLLM import."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import yaml

import tokenecon
from tokenecon.catalog import catalog_entries, lookup
from tokenecon.catalog.litellm import export_litellm, import_litellm
from tokenecon.errors import UnknownNameError

from .conftest import run_cli, scenario_dict

PROVIDERS = {"openai", "anthropic", "google", "deepseek", "deepseek-cn", "alibaba", "volcengine", "moonshot"}


def test_every_entry_has_a_source_a_date_a_currency_and_valid_prices():
    entries = catalog_entries()
    assert {e.provider for e in entries} >= PROVIDERS
    for e in entries:
        assert e.source.strip() and isinstance(e.effective, date), e.key
        assert e.currency in ("USD", "CNY") and e.date_basis in ("announced", "observed")
        data = scenario_dict(currency=e.currency)
        data["providers"][0]["price"] = e.reference
        tokenecon.scenario_from_dict(data)  # validates the policy and the exactness of every derived price


def test_dated_versions_pick_the_price_in_effect():
    assert lookup("catalog:deepseek/deepseek-chat@2025-03-01").pricing["output"] == 1.10
    assert lookup("catalog:deepseek/deepseek-chat@2025-09-05").pricing["output"] == 1.68  # the day it changed
    assert lookup("catalog:deepseek/deepseek-chat@2025-10-01").pricing["output"] == 0.42
    assert lookup("catalog:deepseek/deepseek-chat").effective == date(2025, 9, 29)  # no date: the latest
    with pytest.raises(UnknownNameError, match="no price in effect on 2024-01-01"):
        lookup("catalog:deepseek/deepseek-chat@2024-01-01")
    with pytest.raises(UnknownNameError, match="close matches: deepseek/deepseek-chat"):
        lookup("catalog:deepseek/deepseek-caht")


def test_a_scenario_prices_from_the_catalog_with_the_offpeak_window():
    data = scenario_dict(duration="1d", start="2025-03-03T00:00:00+00:00")
    data["providers"][0]["price"] = "catalog:deepseek/deepseek-chat@2025-03-01"
    data["customers"][0].update(input_tokens={"type": "fixed", "value": 1000},
                                output_tokens={"type": "fixed", "value": 100}, cache_hit_ratio=0)
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    r = result.requests[result.requests["status"] == "completed"]
    seconds = r["arrival_s"] % 86400
    night = (seconds >= 16.5 * 3600) | (seconds < 0.5 * 3600)
    # 1,000 x 0.27 + 100 x 1.10 per 1M = 0.00038; half of it off-peak
    assert set(r.loc[~night, "charge_exact"]) == {"0.00038"} and set(r.loc[night, "charge_exact"]) == {"0.00019"}


def test_unknown_catalog_entry_in_a_scenario(write_yaml, capsys):
    data = scenario_dict()
    data["providers"][0]["price"] = "catalog:openai/gpt5"
    code, _, err = run_cli(["validate", str(write_yaml(data))], capsys)
    assert code == 2 and "providers[0].price: no catalog entry 'openai/gpt5'; close matches: openai/gpt-5" in err


LITELLM = {
    "sample_spec": {"max_tokens": "LEGACY", "input_cost_per_token": 0.0},
    "claude-sonnet-4-20250514": {
        "litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 1000000,
        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
        "cache_read_input_token_cost": 3e-07,
        "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
        "cache_read_input_token_cost_above_200k_tokens": 6e-07,
        "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
    },
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
               "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
               "input_cost_per_token_batches": 1.25e-06, "output_cost_per_token_batches": 5e-06},
    "o3-mini": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.1e-06,
                "output_cost_per_token": 4.4e-06, "output_cost_per_reasoning_token": 4.4e-06},
    "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08},
}


def test_litellm_import_by_hand_and_round_trip(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(LITELLM))
    entries, skipped = import_litellm(path, effective=date(2026, 11, 28))
    assert skipped == 1  # the embedding model
    by_model = {e.model: e for e in entries}
    sonnet = by_model["claude-sonnet-4-20250514"].pricing
    assert sonnet["type"] == "context_tiers" and sonnet["tiers"][0] == {
        "up_to": 200000, "input": 3, "output": 15, "cached_input": 0.3, "cache_write": 3.75, "cache_write_1h": 6}
    assert sonnet["tiers"][1]["input"] == 6 and sonnet["tiers"][1]["output"] == 22.5
    # cache writes are written out as LiteLLM bills them (no own price: the input price), never tokenecon's 1.25x
    assert by_model["gpt-4o"].pricing == {"type": "per_token", "input": 2.5, "output": 10, "cached_input": 1.25,
                                          "cache_write": 2.5, "cache_write_1h": 2.5, "service_tiers": {"batch": 0.5}}
    assert sonnet["tiers"][1]["cache_write"] == 7.5 and sonnet["tiers"][1]["cache_write_1h"] == 6
    assert by_model["o3-mini"].pricing["reasoning"] == 4.4
    # every imported entry is a valid policy, and exporting gives back the same prices
    for e in entries:
        data = scenario_dict()
        data["pricing"] = {"imported": {**e.pricing, "currency": "USD"}}
        data["providers"][0]["price"] = "imported"
        tokenecon.scenario_from_dict(data)
    exported = export_litellm(entries)
    for model, item in exported.items():
        original = LITELLM[model]
        for key, value in item.items():
            if isinstance(value, float):
                assert Decimal(str(value)) == Decimal(str(original[key])), (model, key)
            else:
                assert value == original[key], (model, key)


def test_import_litellm_command(tmp_path, capsys):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(LITELLM))
    out = tmp_path / "catalog.yaml"
    code, stdout, err = run_cli(["catalog", "import-litellm", str(path), "--out", str(out)], capsys)
    assert code == 0 and "3 entries converted, 1 skipped" in stdout
    records = yaml.safe_load(out.read_text())
    assert {r["model"] for r in records} == {"claude-sonnet-4-20250514", "gpt-4o", "o3-mini"}
    assert all(r["source"].startswith("LiteLLM") and r["effective"] for r in records)
    path.write_text("{not json")
    code, _, err = run_cli(["catalog", "import-litellm", str(path)], capsys)
    assert code == 2 and "not a LiteLLM price file" in err


def test_catalog_list_and_show(capsys):
    code, out, _ = run_cli(["catalog", "list", "--provider", "deepseek"], capsys)
    assert code == 0 and out.count("deepseek/deepseek-chat") == 3
    code, out, _ = run_cli(["catalog", "show", "alibaba/qwen-plus"], capsys)
    assert code == 0 and "context_tiers" in out and "source: https://help.aliyun.com" in out
    code, _, err = run_cli(["catalog", "list", "--provider", "nobody"], capsys)
    assert code == 2


LITELLM_TIERED = {
    # Alibaba's all-or-nothing tiers, priced only by `tiered_pricing` (LiteLLM's dashscope entries)
    "dashscope/qwen-plus": {
        "litellm_provider": "dashscope", "mode": "chat", "output_cost_per_token": 2e-06,
        "tiered_pricing": [
            {"range": [128000, 256000], "input_cost_per_token": 2.4e-06, "output_cost_per_token": 2e-05,
             "output_cost_per_reasoning_token": 2.4e-05},
            {"range": [0, 128000], "input_cost_per_token": 8e-07, "cache_read_input_token_cost": 1.6e-07,
             "output_cost_per_reasoning_token": 8e-06},
            {"range": [256000, 1000000], "input_cost_per_token": 4.8e-06, "output_cost_per_token": 4.8e-05}]},
    "deepseek/deepseek-chat": {"litellm_provider": "deepseek", "mode": "chat", "input_cost_per_token": 2.8e-07,
                               "output_cost_per_token": 4.2e-07, "cache_read_input_token_cost": 2.8e-08},
    "openrouter/deepseek/deepseek-chat": {"litellm_provider": "openrouter", "mode": "chat",
                                          "input_cost_per_token": 3e-07, "output_cost_per_token": 8.8e-07},
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
               "output_cost_per_token": 1e-05},
    "openai/gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
                      "output_cost_per_token": 1e-05},
}


def test_litellm_tiered_pricing_and_provider_qualified_names(tmp_path):
    from fractions import Fraction

    import numpy as np
    from pydantic import TypeAdapter

    from tokenecon.pricing import Usage, make_policy
    from tokenecon.scenario import PricingSpec
    from tokenecon.units import MONEY_UNITS_PER_UNIT

    path = tmp_path / "prices.json"
    path.write_text(json.dumps(LITELLM_TIERED))
    entries, skipped = import_litellm(path, effective=date(2026, 11, 28))
    assert skipped == 0
    keys = sorted(e.key for e in entries)
    assert keys == ["dashscope/qwen-plus", "deepseek/deepseek-chat", "openai/gpt-4o", "openai/openai/gpt-4o",
                    "openrouter/deepseek/deepseek-chat"]
    qwen = next(e for e in entries if e.key == "dashscope/qwen-plus").pricing
    assert [t["up_to"] for t in qwen["tiers"]] == [128000, 256000, None]
    assert qwen["tiers"][0] == {"up_to": 128000, "input": 0.8, "cached_input": 0.16, "output": 2, "reasoning": 8,
                                "cache_write": 0.8, "cache_write_1h": 0.8}  # output from the model; writes at input
    policy = make_policy("q", TypeAdapter(PricingSpec).validate_python(qwen))

    def bill(prompt, cached, completion, reasoning):
        u = Usage(np.asarray([prompt]), np.asarray([cached]), np.asarray([completion - reasoning]),
                  reasoning_tokens=np.asarray([reasoning]))
        return Fraction(int(policy.charges(u).totals()[0]), MONEY_UNITS_PER_UNIT)

    def litellm_rule(prompt, cached, completion, reasoning):  # the published rule: range start < input <= end
        tier = next(t for t in sorted(LITELLM_TIERED["dashscope/qwen-plus"]["tiered_pricing"],
                                      key=lambda t: t["range"][0]) if t["range"][0] < prompt <= t["range"][1])
        rate = {k: Fraction(str(v)) for k, v in tier.items() if k != "range"}
        out = rate.get("output_cost_per_token", Fraction("2e-06"))
        return ((prompt - cached) * rate["input_cost_per_token"]
                + cached * rate.get("cache_read_input_token_cost", rate["input_cost_per_token"])
                + (completion - reasoning) * out + reasoning * rate.get("output_cost_per_reasoning_token", out))

    for prompt in (1, 128000, 128001, 256000, 256001, 999999):
        for cached, completion, reasoning in ((0, 10, 0), (min(prompt, 500), 1000, 600)):
            assert bill(prompt, cached, completion, reasoning) == litellm_rule(prompt, cached, completion, reasoning)


def test_a_scenario_loads_extra_catalog_files(tmp_path, write_yaml, capsys):
    source = tmp_path / "prices.json"
    source.write_text(json.dumps(LITELLM_TIERED))
    code, _, err = run_cli(["catalog", "import-litellm", str(source), "--out", str(tmp_path / "prices.yaml")], capsys)
    assert code == 0, err
    data = scenario_dict(catalogs=["prices.yaml"])
    data["providers"][0]["price"] = "catalog:openrouter/deepseek/deepseek-chat"
    path = write_yaml(data, "s.yaml")
    scenario = tokenecon.load_scenario(path)
    spec = scenario.pricing["catalog:openrouter/deepseek/deepseek-chat"]
    assert spec.input == Decimal("0.3") and spec.output == Decimal("0.88") and spec.cache_write == Decimal("0.3")
    result = tokenecon.run(scenario)
    assert Decimal(result.summary()["revenue"]) > 0
    data["catalogs"] = ["missing.yaml"]
    code, _, err = run_cli(["validate", str(write_yaml(data, "s.yaml"))], capsys)
    assert code == 2 and "catalogs[0]: " in err and "missing.yaml: file not found" in err
    (tmp_path / "bad.yaml").write_text("- {provider: x, model: y, effective: 2026-01-01, currency: USD}\n")
    data["catalogs"] = ["bad.yaml"]
    code, _, err = run_cli(["validate", str(write_yaml(data, "s.yaml"))], capsys)
    assert code == 2 and "bad.yaml: entry 1: missing 'source'" in err and err.count("\n") == 1
