"""Service tiers reach into the simulator: priority first, flex refused when busy, batch on idle capacity."""

from __future__ import annotations


import pytest

import tokenecon
from tokenecon.errors import ScenarioError

from .conftest import scenario_dict

TIERED = {"type": "per_token", "input": 2, "output": 8,
          "service_tiers": {"priority": 2, "flex": 0.5, "batch": 0.5}}


def one_slot(**queue):
    # one replica, one slot, 2 s per request: a single server
    return [{"name": "p1", "replicas": 1, "gpu": {"cost_per_hour": 1.0},
             "performance": {"prefill_tokens_per_s": 1e12, "decode_step_s": {"base": 1.0, "per_sequence": 0.0},
                             "max_batch": 1},
             "queue": queue, "price": "std", "batch_window": "20min"}]


def segment(name, tier, rate):
    return {"name": name, "arrivals": {"type": "poisson", "rate": rate}, "service_tier": tier,
            "input_tokens": {"type": "fixed", "value": 100}, "output_tokens": {"type": "fixed", "value": 3},
            "providers": ["p1"]}


def run(customers, **queue):
    data = scenario_dict(duration="1h", providers=one_slot(**queue), pricing={"std": TIERED}, customers=customers)
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def test_priority_is_served_ahead_of_standard():
    result = run([segment("std", "standard", "0.22/s"), segment("vip", "priority", "0.2/s")])
    r = result.requests
    done = r[r["start_s"].notna()]
    wait = (done["start_s"] - done["arrival_s"]).groupby(done["segment"]).mean()
    assert wait["vip"] < wait["std"] / 3


def test_flex_is_refused_when_busy_and_not_charged():
    result = run([segment("std", "standard", "0.45/s"), segment("flexy", "flex", "0.1/s")])
    r = result.requests
    flex = r[r["segment"] == "flexy"]
    refused = flex[flex["reason"] == "flex_capacity_unavailable"]
    assert len(refused) > 0.3 * len(flex)
    assert (refused["status"] == "rejected").all() and (refused["charge_exact"] == "0").all()
    assert (r.loc[(r["segment"] == "std") & (r["reason"] == "flex_capacity_unavailable")].empty)


def test_batch_takes_idle_capacity_and_expires_after_its_window():
    result = run([segment("std", "standard", "0.4/s"), segment("bulk", "batch", "0.2/s")])
    r = result.requests
    bulk, std = r[r["segment"] == "bulk"], r[r["segment"] == "std"]
    expired = bulk[bulk["reason"] == "batch_window_expired"]
    assert len(expired) > 0 and (expired["status"] == "timed_out").all()
    assert ((expired["finish_s"] - expired["arrival_s"]) - 1200).abs().max() < 1e-6
    started = bulk[bulk["start_s"].notna()]
    assert ((started["start_s"] - started["arrival_s"]) <= 1200 + 1e-9).all()
    # standard requests never wait behind batch: their wait is at most one service time when alone
    std_wait = (std["start_s"] - std["arrival_s"]).mean()
    bulk_wait = (started["start_s"] - started["arrival_s"]).mean()
    assert bulk_wait > 5 * std_wait
    s = result.summary()
    assert s["batch_window_expired"] == len(expired) and s["batch_window_missed"] >= len(expired)


def test_tier_prices_by_hand():
    result = run([segment("std", "standard", "0.05/s"), segment("vip", "priority", "0.05/s"),
                  segment("bulk", "batch", "0.05/s")])
    r = result.requests
    done = r[r["status"] == "completed"]
    # 100 input x 2 + 3 output x 8 per 1M = 0.000224; priority x2, batch x0.5
    charges = done.groupby("segment")["charge_exact"].agg(set).to_dict()
    assert charges == {"std": {"0.000224"}, "vip": {"0.000448"}, "bulk": {"0.000112"}}
    assert set(done["service_tier"]) == {"standard", "priority", "batch"}


def test_a_tier_without_a_price_is_an_error():
    data = scenario_dict(providers=one_slot(), customers=[segment("bulk", "batch", "1/s")])
    with pytest.raises(ScenarioError, match=r"provider 'p1' has no 'batch' price"):
        tokenecon.scenario_from_dict(data)
