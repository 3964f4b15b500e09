"""Surge pricing: a causal, capped, smoothed multiplier that follows the provider's load."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

import tokenecon
from tokenecon.pricing.surge import surge_levels
from tokenecon.scenario import ProviderSpec, Surge

from .conftest import scenario_dict


def provider_spec():
    return ProviderSpec.model_validate({
        "name": "p1", "replicas": 1, "gpu": {"cost_per_hour": 1},
        "performance": {"prefill_tokens_per_s": 1e4, "decode_step_s": {"base": 0.01, "per_sequence": 0},
                        "max_batch": 10}, "price": "std"})


def test_levels_by_hand():
    surge = Surge(threshold=0.5, slope=2, cap=2, step=0.1, smoothing="2h")
    edges = np.arange(0, 6 * 3600 + 1, 3600.0)
    utilization = np.array([0.9, 0.6, 0.2, 0.95, 1.0, 0.0])
    samples = {"occupancy_s": utilization * 3600 * 10}
    levels = surge_levels(surge, samples, edges, provider_spec())
    values = [surge.levels()[k] for k in levels]
    # interval 0: nothing observed yet; 1: mean(0.9) -> 1 + 2 x 0.4 = 1.8; 2: mean(0.9, 0.6) = 0.75 -> 1.5;
    # 3: mean(0.6, 0.2) = 0.4 -> 1; 4: mean(0.2, 0.95) = 0.575 -> 1.15 -> 1.1 (rounded down to the step);
    # 5: mean(0.95, 1.0) = 0.975 -> 1.95 -> 1.9
    assert values == [Decimal(1), Decimal("1.8"), Decimal("1.5"), Decimal(1), Decimal("1.1"), Decimal("1.9")]


def test_cap_holds():
    surge = Surge(threshold=0.1, slope=10, cap=1.5, step=0.25)
    edges = np.arange(0, 3 * 3600 + 1, 3600.0)
    levels = surge_levels(surge, {"occupancy_s": np.full(3, 3600 * 10.0)}, edges, provider_spec())
    assert [surge.levels()[k] for k in levels] == [Decimal(1), Decimal("1.5"), Decimal("1.5")]


def test_requests_pay_the_multiplier_of_their_arrival_interval():
    data = scenario_dict(
        duration="3h", report_interval="30min",
        pricing={"std": {"type": "per_token", "input": 2, "output": 8,
                         "surge": {"threshold": 0.05, "slope": 4, "cap": 3, "step": 0.05, "smoothing": "30min"}}})
    data["customers"][0]["arrivals"] = {"type": "poisson", "rate": "2/s", "profile": [3] * 1 + [1] * 23}
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    ts = result.timeseries
    assert ts["price_multiplier"].iloc[0] == 1.0 and ts["price_multiplier"].max() > 1.0
    r = result.requests
    done = r[r["status"] == "completed"].copy()
    k = (done["arrival_s"] // 1800).astype(int)
    multiplier = ts["price_multiplier"].to_numpy()[k]
    list_price = (done["input_tokens"] * Decimal(2) + done["output_tokens"] * Decimal(8)) / Decimal(10**6)
    for charge, base, m in zip(done["charge"], list_price, multiplier):
        assert Decimal(charge) == base * Decimal(str(m))
