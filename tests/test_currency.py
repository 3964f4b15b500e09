"""Currencies per provider: invoices in the provider's currency, comparisons in the scenario's."""

from __future__ import annotations

from decimal import Decimal

import pytest

import tokenecon
from tokenecon.errors import ScenarioError

from .conftest import scenario_dict


def two_providers(routing="round_robin", rate="0.14"):
    providers = []
    for name, price in (("us", "usd"), ("cn", "cny")):
        providers.append({"name": name, "replicas": 2, "gpu": {"cost_per_hour": 1.0},
                          "performance": {"prefill_tokens_per_s": 1e5, "decode_step_s": {"base": 0.01,
                                                                                           "per_sequence": 0.0},
                                          "max_batch": 64}, "price": price})
    data = scenario_dict(duration="1h", providers=providers, exchange_rates={"CNY": rate}, pricing={
        "usd": {"type": "per_token", "input": 1, "output": 4},
        "cny": {"type": "per_token", "input": 2, "output": 8, "currency": "CNY"}})
    data["customers"][0].update(providers=["us", "cn"], routing=routing)
    return data


def test_invoices_in_each_currency_and_revenue_converted():
    result = tokenecon.run(tokenecon.scenario_from_dict(two_providers()))
    inv = result.invoices
    assert set(zip(inv["provider"], inv["currency"])) == {("us", "USD"), ("cn", "CNY")}
    s = result.summary()
    assert s["us.currency"] == "USD" and s["cn.currency"] == "CNY"
    expected = Decimal(s["us.revenue"]) + Decimal(s["cn.revenue"]) * Decimal("0.14")
    assert Decimal(s["revenue"]) == expected
    r = result.requests
    assert set(zip(r["provider"], r["currency"])) == {("us", "USD"), ("cn", "CNY")}


def test_cheapest_compares_in_the_scenario_currency():
    # CNY prices are twice the USD ones: at 0.14 USD per CNY the CNY provider is cheaper, at 0.6 dearer
    cheap = tokenecon.run(tokenecon.scenario_from_dict(two_providers("cheapest", "0.14")))
    assert set(cheap.requests["provider"]) == {"cn"}
    dear = tokenecon.run(tokenecon.scenario_from_dict(two_providers("cheapest", "0.6")))
    assert set(dear.requests["provider"]) == {"us"}


def test_a_foreign_currency_needs_a_rate():
    data = two_providers()
    data.pop("exchange_rates")
    with pytest.raises(ScenarioError, match=r"pricing.cny.currency: prices in CNY need exchange_rates"):
        tokenecon.scenario_from_dict(data)
    data = two_providers()
    data["pricing"]["cny"]["currency"] = "XBT"
    with pytest.raises(ScenarioError, match="unknown currency 'XBT'"):
        tokenecon.scenario_from_dict(data)


def test_compare_spend_over_time_adds_revenue_in_the_scenario_currency(monkeypatch, tmp_path):
    """compare's cumulative customer spend converts each provider's revenue (CNY here) to the scenario
    currency before adding it up: each policy's line ends at its revenue."""
    import pytest

    from tokenecon.comparison import compare
    from tokenecon.report import compare_figures

    base = two_providers()
    dearer = two_providers()
    dearer["pricing"]["cny"].update(input=4, output=16)
    comparison = compare({"base": tokenecon.scenario_from_dict(base),
                          "dearer": tokenecon.scenario_from_dict(dearer)})
    drawn = {}
    monkeypatch.setattr(compare_figures, "_save", lambda fig, path, title, comparison=None: drawn.setdefault("fig", fig))
    compare_figures.cost_over_time(comparison, tmp_path / "cost_over_time.png")
    lines = {line.get_label(): line.get_ydata() for line in drawn["fig"].axes[0].get_lines()}
    for name, result in comparison.results.items():
        assert result.summary()["cn.revenue"] != "0"
        assert lines[name][0] == 0 and lines[name][-1] == pytest.approx(float(result.summary()["revenue"]))
