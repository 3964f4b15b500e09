"""Re-billing: variants that differ only in what billing reads, billed on one shared simulation,
equal byte for byte to simulating each; variants whose prices reach the event loop are simulated."""

from __future__ import annotations

import json

import pytest
import yaml

import tokenecon
from tokenecon.comparison import compare, policy_variants
from tokenecon.rebill import price_reads, run_variants, shared_groups
from tokenecon.report.tables import csv_text
from tokenecon.scenario import scenario_from_dict

from .conftest import QUICKSTART, ROOT

_TOU = {"timezone": "Asia/Shanghai", "windows": [{"start": "00:30", "end": "08:30", "multipliers": {"all": 0.5}}]}


def _variants() -> dict[str, object]:
    """Quickstart (2 h, a batch segment) under price lists that only billing reads."""
    base = yaml.safe_load(QUICKSTART.read_text())
    base.update(duration="2h", report_interval="15min")
    base["customers"].append({"name": "batchers", "count": 5, "service_tier": "batch", "providers": ["budget"],
                              "arrivals": {"type": "poisson", "rate": "0.3/s"},
                              "input_tokens": {"type": "exponential", "mean": 900},
                              "output_tokens": {"type": "exponential", "mean": 200}})
    base["pricing"]["economy"]["service_tiers"] = {"batch": 0.6}
    base["customers"][0]["flexible"] = {"share": 0.3, "to": "batch"}
    prices = {
        "list": base["pricing"],
        "discount": {"premium": {"type": "per_token", "input": 2.0, "cached_input": 0.5, "output": 8.0},
                     "economy": {"type": "per_token", "input": 0.55, "cached_input": 0.1, "output": 2.2,
                                 "service_tiers": {"batch": 0.5}}},
        "offpeak": {"premium": {**base["pricing"]["premium"], "time_of_use": _TOU},
                    "economy": {**base["pricing"]["economy"], "time_of_use": _TOU}},
        "context_tiers": {"premium": {"type": "context_tiers", "mode": "per_request", "tiers": [
                              {"up_to": 2000, "input": 2.0, "output": 9.0},
                              {"up_to": None, "input": 4.0, "output": 14.0}]},
                          "economy": {"type": "volume_tiers", "mode": "graduated", "tiers": [
                              {"up_to": 20000000, "input": 0.6, "output": 2.4},
                              {"up_to": None, "input": 0.3, "output": 1.2}], "service_tiers": {"batch": 0.5}}},
        "yuan_surge": {"premium": {**base["pricing"]["premium"], "surge": {
                           "signal": "utilization", "threshold": 0.3, "slope": 2.0, "cap": 2}},
                       "economy": {"type": "per_token", "input": 4.0, "output": 16.0, "currency": "CNY",
                                   "service_tiers": {"batch": 0.5}}},
    }
    out = {}
    for name, pricing in prices.items():
        data = dict(base, pricing=pricing, exchange_rates={"CNY": 0.14})
        out[name] = scenario_from_dict(data, base_dir=str(ROOT / "scenarios"))
    # plans and credits on the list prices, billed by the day
    plans = {"starter": {"free_quota": {"tokens": 2_000_000, "valid_for": "1h"},
                         "subscription": {"fee": 20, "included_tokens": 5_000_000},
                         "credits": [{"amount": 15, "kind": "granted"}, {"amount": 40, "kind": "paid", "at": "30min"}]}}
    customers = [dict(c, plan="starter") if c["name"] == "sme" else c for c in base["customers"]]
    data = dict(base, customers=customers, plans=plans, billing_period="day")
    out["plans_credits_daily"] = scenario_from_dict(data, base_dir=str(ROOT / "scenarios"))
    return out


def _tables(result) -> dict[str, str]:
    tables = {"requests": result.requests, "timeseries": result.timeseries, "invoices": result.invoices,
              "ledger": result.ledger, "invoice_lines": result.invoice_lines, "unit_economics": result.unit_economics,
              "segments": result.segments()}
    if len(result.bill.plan_lines.wallet):
        tables["wallets"] = result.wallets
    out = {k: csv_text(v) for k, v in tables.items()}
    summary = {k: v for k, v in result.summary().items() if k != "wall_time_s"}
    out["summary"] = json.dumps(summary, sort_keys=True, default=str)
    return out


@pytest.mark.slow
def test_rebilled_variants_equal_simulated_ones_byte_for_byte():
    variants = _variants()
    assert not any(price_reads(s) for s in variants.values())
    assert shared_groups(list(variants.values())) == [list(range(len(variants)))]
    shared, simulations = run_variants(list(variants.values()))
    assert simulations == 1
    separate, simulations = run_variants(list(variants.values()), share=False)
    assert simulations == len(variants)
    for name, a, b in zip(variants, shared, separate):
        assert _tables(a) == _tables(b), name
    revenues = {r.summary()["revenue"] for r in shared}
    assert len(revenues) == len(variants)  # the variants really bill differently


@pytest.mark.slow
def test_plan_prices_rebilled_on_one_simulation():
    data = yaml.safe_load((ROOT / "scenarios" / "prepaid_vs_payg_sme.yaml").read_text())
    data["duration"] = "3d"
    scenario = scenario_from_dict(data, base_dir=str(ROOT / "scenarios"))
    data["plans"]["package_100m"]["packages"][0]["price"] = 35
    other = scenario_from_dict(data, base_dir=str(ROOT / "scenarios"))
    shared, simulations = run_variants([scenario, other])
    separate, _ = run_variants([scenario, other], share=False)
    assert simulations == 1
    for a, b in zip(shared, separate):
        assert _tables(a) == _tables(b)


@pytest.mark.parametrize("change, reason", [
    ({"routing": "cheapest", "providers": ["acme", "budget"]}, "routing 'cheapest'"),
    ({"budget": {"amount": 5}}, "budget"),
    ({"elasticity": {"elasticity": -0.5, "reference_price": 1.0}}, "elastic"),
])
def test_variants_whose_prices_reach_the_event_loop_are_simulated(change, reason):
    data = yaml.safe_load(QUICKSTART.read_text())
    data.update(duration="30min")  # which path runs is decided before any draw: half an hour shows it
    data["customers"][0].update(change)
    try:
        scenario = scenario_from_dict(data, base_dir=str(ROOT / "scenarios"))
    except tokenecon.errors.ScenarioError as exc:  # the field names of the spec: shown if they drift
        pytest.fail(str(exc))
    assert any(reason in r for r in price_reads(scenario))
    variants = policy_variants(scenario, ["premium", "economy"])
    comparison = compare(variants)
    assert comparison.simulations == 2
    assert "simulated each" in comparison.path and reason in comparison.path


def test_compare_says_which_path_ran():
    scenario = tokenecon.load_scenario(QUICKSTART).model_copy(update={"duration": 1800.0})
    comparison = compare(policy_variants(scenario, ["premium", "economy", "acme=economy,budget=premium"]))
    assert comparison.simulations == 1
    assert "re-billed" in comparison.path and "1 simulation for 3 variants" in comparison.path


def test_price_sweep_rebills_points_and_equals_simulating_each(tmp_path):
    from tokenecon.experiments.executors import SerialExecutor
    from tokenecon.experiments.sweep import load_sweep, run_sweep

    from .test_experiments import SWEEP, write_sweep

    spec, points = load_sweep(write_sweep(tmp_path, SWEEP))
    shared = run_sweep(spec, points, SerialExecutor())
    separate = run_sweep(spec, points, SerialExecutor(), share=False)
    assert shared.simulations == 2 * spec.replications and separate.simulations == 4 * spec.replications
    strip = [[{k: v for k, v in o["summary"].items() if k != "wall_time_s"} for o in per] for per in shared.outcomes]
    plain = [[{k: v for k, v in o["summary"].items() if k != "wall_time_s"} for o in per] for per in separate.outcomes]
    assert strip == plain
    assert shared.table().equals(separate.table()) and shared.runs().equals(separate.runs())
