"""Provisioned throughput: reserved replicas, paid per hour, no per-token charge on them."""

from __future__ import annotations

from decimal import Decimal

import pytest

import tokenecon
from tokenecon.errors import ScenarioError

from .conftest import scenario_dict


def fleet(replicas=3):
    return [{"name": "p1", "replicas": replicas, "gpu": {"cost_per_hour": 1.0},
             "performance": {"prefill_tokens_per_s": 1e9, "decode_step_s": {"base": 0.5, "per_sequence": 0.0},
                             "max_batch": 1}, "price": "std"}]


def customer(name, rate, **extra):
    c = {"name": name, "arrivals": {"type": "poisson", "rate": rate},
         "input_tokens": {"type": "fixed", "value": 100}, "output_tokens": {"type": "fixed", "value": 5},
         "providers": ["p1"]}
    c.update(extra)
    return c


def run(spillover=True, duration="2h"):
    reserved = {"provider": "p1", "replicas": 2, "price_per_replica_hour": 7.5, "spillover": spillover}
    data = scenario_dict(duration=duration, providers=fleet(), pricing={"std": {"type": "per_token", "input": 2,
                                                                                   "output": 8}},
                         customers=[customer("ent", "1/s", provisioned=reserved), customer("crowd", "0.6/s")])
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def test_reserved_requests_are_free_per_token_and_capacity_is_billed_per_hour():
    result = run()
    r = result.requests
    ent, crowd = r[r["segment"] == "ent"], r[r["segment"] == "crowd"]
    on_reservation = ent[ent["provisioned"]]
    assert len(on_reservation) > 0.5 * len(ent)
    assert (on_reservation["charge_exact"] == "0").all()
    assert not crowd["provisioned"].any()  # nobody else runs on the reservation
    spilled = ent[(ent["status"] == "completed") & ~ent["provisioned"]]
    assert len(spilled) > 0 and (spilled["charge_exact"].map(Decimal) > 0).all()  # spillover at list price
    lines = result.ledger[result.ledger["component"] == "provisioned"]
    # 2 hours x 2 replicas x 7.5 = 30, billed in the day's invoice, used or not
    assert lines["quantity"].sum() == 4 and sum(lines["amount_exact"].map(Decimal)) == Decimal(30)
    ent_invoice = result.invoices[result.invoices["customer"] == "ent"]["subtotal_exact"].map(Decimal).sum()
    assert ent_invoice == Decimal(30) + spilled["charge_exact"].map(Decimal).sum()


def test_without_spillover_the_customer_waits_for_its_reservation():
    result = run(spillover=False)
    ent = result.requests[result.requests["segment"] == "ent"]
    started = ent[ent["start_s"].notna()]
    assert started["provisioned"].all()
    assert (ent["charge_exact"] == "0").all()


def test_provisioned_needs_one_account_and_shared_capacity():
    reserved = {"provider": "p1", "replicas": 3, "price_per_replica_hour": 1}
    data = scenario_dict(providers=fleet(), customers=[customer("ent", "1/s", provisioned=reserved)])
    with pytest.raises(ScenarioError, match="at least one must stay shared"):
        tokenecon.scenario_from_dict(data)
    data["customers"][0]["provisioned"]["replicas"] = 1
    data["customers"][0]["count"] = 2
    with pytest.raises(ScenarioError, match="use count: 1"):
        tokenecon.scenario_from_dict(data)
