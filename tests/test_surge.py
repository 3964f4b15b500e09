"""Surge pricing: a causal, capped, smoothed multiplier that follows the provider's load."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import tokenecon
from tokenecon.errors import PricingError
from tokenecon.load import IntervalLoad, replica_seconds, surge_signal, utilization
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
    share = np.array([0.9, 0.6, 0.2, 0.95, 1.0, 0.0])
    samples = {"occupancy_s": share * 3600 * 10}
    levels = surge_levels(surge, utilization(provider_spec(), samples, edges), edges)
    values = [surge.levels()[k] for k in levels]
    # interval 0: nothing observed yet; 1: mean(0.9) -> 1 + 2 x 0.4 = 1.8; 2: mean(0.9, 0.6) = 0.75 -> 1.5;
    # 3: mean(0.6, 0.2) = 0.4 -> 1; 4: mean(0.2, 0.95) = 0.575 -> 1.15 -> 1.1 (rounded down to the step);
    # 5: mean(0.95, 1.0) = 0.975 -> 1.95 -> 1.9
    assert values == [Decimal(1), Decimal("1.8"), Decimal("1.5"), Decimal(1), Decimal("1.1"), Decimal("1.9")]


def test_cap_holds():
    surge = Surge(threshold=0.1, slope=10, cap=1.5, step=0.25)
    edges = np.arange(0, 3 * 3600 + 1, 3600.0)
    signal = utilization(provider_spec(), {"occupancy_s": np.full(3, 3600 * 10.0)}, edges)
    levels = surge_levels(surge, signal, edges)
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
    for charge, base, m in zip(done["charge_exact"], list_price, multiplier):
        assert Decimal(charge) == base * Decimal(str(m))


def growing_fleet(surge: bool = True):
    """One replica for 2 h, then four: load that fills one replica is a quarter of four."""
    data = scenario_dict(
        duration="4h", report_interval="30min",
        pricing={"std": {"type": "per_token", "input": 2, "output": 8,
                         **({"surge": {"threshold": 0.5, "slope": 2, "cap": 2, "step": 0.05,
                                       "smoothing": "30min"}} if surge else {})}})
    provider = data["providers"][0]
    provider.update(replicas=1, replicas_schedule=[["0s", 1], ["2h", 4]])
    provider["performance"] = {"prefill_tokens_per_s": 20000, "decode_step_s": {"base": 0.1, "per_sequence": 0},
                               "max_batch": 2}
    data["customers"][0]["arrivals"] = {"type": "poisson", "rate": "0.08/s"}
    data["customers"][0]["output_tokens"] = {"type": "exponential", "mean": 150}
    return tokenecon.scenario_from_dict(data)


def test_utilization_divides_by_the_replicas_online():
    spec = growing_fleet().providers[0]
    edges = np.arange(0, 4 * 3600 + 1, 1800.0)
    assert replica_seconds(spec, edges).tolist() == [1800.0] * 4 + [4 * 1800.0] * 4
    busy = {"occupancy_s": np.full(8, 1800.0 * 2 * 0.6)}  # 0.6 of one replica's slots, all run long
    assert utilization(spec, busy, edges).tolist() == pytest.approx([0.6] * 4 + [0.15] * 4)


def test_no_surge_after_the_fleet_grows():
    result = tokenecon.run(growing_fleet())
    ts = result.timeseries
    before, after = ts[ts["interval_start_s"] < 7200], ts[ts["interval_start_s"] >= 7200 + 1800]
    assert before["utilization"].max() > 0.5 and before["price_multiplier"].max() > 1.0  # one replica surges
    assert after["utilization"].max() < 0.5  # four replicas: load below the threshold ...
    assert (after["price_multiplier"] == 1.0).all()  # ... so nobody pays a surge price
    r = result.requests
    late = r[(r["status"] == "completed") & (r["arrival_s"] >= 7200 + 1800)]
    list_price = (late["input_tokens"] * Decimal(2) + late["output_tokens"] * Decimal(8)) / Decimal(10**6)
    assert len(late) > 50 and all(Decimal(c) == p for c, p in zip(late["charge_exact"], list_price))


def test_bill_prices_surge_from_the_signal_alone():
    from tokenecon.billing import bill
    from tokenecon.pricing import make_policy

    result = tokenecon.run(growing_fleet())
    sc = result.scenario
    policies = {name: make_policy(name, spec) for name, spec in sc.pricing.items()}
    load = IntervalLoad(result.sim.load.edges, result.sim.load.samples)
    again = bill(sc, result.workload, result.sim.records, policies, surge_signal(sc, load))
    assert again.revenue == result.bill.revenue and (again.charge == result.bill.charge).all()
    with pytest.raises(PricingError, match=r"^provider '\w+' is priced with surge: bill\(\) needs the run's surge "
                                           r"signal \(surge=tokenecon\.load\.surge_signal\(scenario, load\)\)$"):
        bill(sc, result.workload, result.sim.records, policies)
