"""Billing at its edges, on calls replayed at exact times and sizes: reserved capacity over several
periods on a provider that is not the first, invoices holding only plan lines, charges beyond
int64 with plan lines, and the reconciliation's own error."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import tokenecon
from tokenecon.billing import reconcile
from tokenecon.errors import ReconciliationError

from .conftest import scenario_dict

HOUR = 3600
START = 1772409600  # 2026-03-02T00:00:00Z
UNIT = 10**15  # money units per currency unit


def _trace(tmp_path, calls) -> str:
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps({"created": START + at, "usage": {"prompt_tokens": i, "completion_tokens": o}})
                            + "\n" for at, i, o in calls))
    return str(path)


def _provider(name, price):
    return {"name": name, "replicas": 3, "gpu": {"cost_per_hour": 1.0}, "price": price,
            "performance": {"prefill_tokens_per_s": 1e9, "decode_step_s": {"base": 0.01, "per_sequence": 0.0},
                            "max_batch": 4}}


def test_reserved_capacity_billed_per_started_hour_in_every_period_on_the_second_provider(tmp_path):
    # 53.5 hours by calendar day: 24 + 24 + 6 started hours, 2 replicas at 7.5 an hour; the reserved
    # customer calls only on the first day, so the later invoices hold nothing but the reservation.
    calls = [(HOUR, 100, 5), (2 * HOUR, 300, 7)]
    crowd = {"name": "crowd", "count": 3, "providers": ["p0"], "arrivals": {"type": "poisson", "rate": "0.001/s"},
             "input_tokens": {"type": "fixed", "value": 10}, "output_tokens": {"type": "fixed", "value": 2}}
    ent = {"name": "ent", "providers": ["p1"], "arrivals": {"type": "trace", "path": _trace(tmp_path, calls),
                                                              "format": "openai_usage"},
           "provisioned": {"provider": "p1", "replicas": 2, "price_per_replica_hour": "7.5", "spillover": False}}
    data = scenario_dict(duration="53.5h", billing_period="day", customers=[crowd, ent],
                         providers=[_provider("p0", "cheap"), _provider("p1", "std")],
                         pricing={"cheap": {"type": "per_token", "input": 1, "output": 1},
                                  "std": {"type": "per_token", "input": 2, "output": 8}})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    ledger = result.ledger
    lines = ledger[ledger["component"] == "provisioned"]
    assert list(zip(lines["customer"], lines["provider"], lines["time_s"], lines["quantity"],
                    lines["amount_exact"].map(Decimal))) == [
        ("ent", "p1", 0.0, 48, Decimal(360)), ("ent", "p1", 86400.0, 48, Decimal(360)),
        ("ent", "p1", 172800.0, 12, Decimal(90))]
    r = result.requests
    mine = r[r["segment"] == "ent"]
    assert mine["provisioned"].all() and (mine["charge_exact"] == "0").all() and len(mine) == 2
    on_reservation = ledger[ledger["request_id"].isin(mine["request_id"])]
    assert set(on_reservation["component"]) == {"input", "output"}
    assert set(on_reservation["unit_price_per_1m_exact"]) == {"0"} and set(on_reservation["amount_exact"]) == {"0"}
    inv = result.invoices[result.invoices["customer"] == "ent"]
    assert list(zip(inv["provider"], inv["period_start"].str[:10], inv["requests"], inv["input_tokens"],
                    inv["output_tokens"], inv["subtotal_exact"])) == [
        ("p1", "2026-03-02", 2, 400, 12, "360"), ("p1", "2026-03-03", 0, 0, 0, "360"),
        ("p1", "2026-03-04", 0, 0, 0, "90")]
    assert inv["input_tokens"].dtype == np.int64 and inv["output_tokens"].dtype == np.int64
    crowd_invoices = result.invoices[result.invoices["segment"] == "crowd"]
    assert set(crowd_invoices["provider"]) == {"p0"}
    assert crowd_invoices["input_tokens"].sum() == r.loc[(r["segment"] == "crowd") & (r["status"] == "completed"),
                                                         "input_tokens"].sum()


def test_charges_beyond_int64_with_plan_lines_stay_exact(tmp_path):
    # 1,000,000 input tokens at 10,000.000000001 per 1M: 10^19 + 10^6 money units a request, beyond
    # int64 (9.2 x 10^18). The free quota and the package cover the first request's first 2,000
    # tokens; the package itself costs 20,000 (2 x 10^19 units).
    price = 10_000_000_000_001  # price units (1e-9 per 1M tokens): money units per token
    calls = [(HOUR, 1_000_000, 2), (2 * HOUR, 1_000_000, 2)]
    plan = {"free_quota": {"tokens": 1000}, "packages": [{"tokens": 1000, "price": 20000}]}
    api = {"name": "api", "providers": ["p1"], "plan": "big",
           "arrivals": {"type": "trace", "path": _trace(tmp_path, calls), "format": "openai_usage"}}
    data = scenario_dict(duration="1d", billing_period="day", customers=[api], providers=[_provider("p1", "std")],
                         pricing={"std": {"type": "per_token", "input": "10000.000000001", "output": 1,
                                          "cache_write": 1}},
                         plans={"big": plan})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    out = 2 * 10**9  # 2 output tokens at 1 per 1M
    expected = [(1_000_000 - 2000) * price + out, 1_000_000 * price + out]
    r = result.requests.sort_values("finish_s")
    assert [Fraction(Decimal(c)) * UNIT for c in r["charge_exact"]] == expected
    assert [Fraction(Decimal(c)) * UNIT for c in r["list_charge_exact"]] == [1_000_000 * price + out] * 2
    ledger = result.ledger
    allowances = ledger[ledger["component"].str.startswith("allowance:")]
    assert [Fraction(Decimal(a)) * UNIT for a in allowances["amount_exact"]] == [-1000 * price] * 2
    (invoice,) = result.invoices.itertuples()
    total = sum(expected) + 20000 * UNIT
    assert Fraction(Decimal(invoice.subtotal_exact)) * UNIT == total
    assert Fraction(Decimal(result.summary()["revenue"])) * UNIT == total


def test_reconcile_names_every_figure_when_billing_disagrees():
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="10min")))
    bill = result.bill
    reconcile(bill)  # as billed: agrees
    revenue = bill.revenue_by_provider[0]
    tampered = dataclasses.replace(bill, revenue_by_provider=[revenue + 1])
    units = Decimal(revenue).scaleb(-15).normalize()
    off = (Decimal(revenue) + 1).scaleb(-15)
    expected = (f"billing does not reconcile for provider 0: charge lines {units:f}, requests {units:f} + other lines "
                f"0, invoices {units:f}, revenue {off:f} USD")
    with pytest.raises(ReconciliationError) as caught:
        reconcile(tampered)
    assert str(caught.value) == expected


@pytest.mark.parametrize("duration,hours", [("3600s", 1), ("3601s", 2)])
def test_reserved_capacity_counts_every_started_hour(tmp_path, duration, hours):
    calls = [(60, 100, 5)]
    ent = {"name": "ent", "providers": ["p1"], "arrivals": {"type": "trace", "path": _trace(tmp_path, calls),
                                                              "format": "openai_usage"},
           "provisioned": {"provider": "p1", "replicas": 2, "price_per_replica_hour": 3}}
    data = scenario_dict(duration=duration, customers=[ent], providers=[_provider("p1", "std")],
                         pricing={"std": {"type": "per_token", "input": 2, "output": 8}})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    lines = result.ledger[result.ledger["component"] == "provisioned"]
    assert lines["quantity"].tolist() == [2 * hours] and lines["amount_exact"].tolist() == [str(6 * hours)]


def test_invoices_sum_every_token_class_of_their_requests():
    data = scenario_dict(duration="30min")
    data["customers"][0].update(reasoning_tokens={"type": "fixed", "value": 7}, cache_write_ratio=0.5)
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    r = result.requests[result.requests["status"] == "completed"]
    inv = result.invoices
    for column in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cache_write_tokens"):
        assert r[column].sum() > 0 and inv[column].sum() == r[column].sum(), column
        assert inv[column].dtype == np.int64, column
