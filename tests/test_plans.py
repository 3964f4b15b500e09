"""Customer plans: free quota, subscriptions, prepaid packages, credits and commitments."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import tokenecon
from tokenecon.errors import ScenarioError

from .conftest import scenario_dict

PLAN = {
    "free_quota": {"tokens": 1000, "valid_for": "90d"},
    "subscription": {"fee": 5, "included_tokens": 2000},
    "packages": [{"tokens": 10_000, "price": 3, "valid_for": "7d"}],
    "credits": [{"amount": 0.01, "kind": "granted"}, {"amount": 1, "kind": "paid"}],
    "minimum_commitment": 2,
}


def planned(duration="1d", rate="0.01/s", plan=PLAN):
    customer = {"name": "c1", "arrivals": {"type": "poisson", "rate": rate}, "plan": "starter",
                "input_tokens": {"type": "fixed", "value": 900}, "output_tokens": {"type": "fixed", "value": 100},
                "providers": ["p1"]}
    data = scenario_dict(duration=duration, billing_period="day", pricing={"std": {"type": "per_token", "input": 10,
                                                                                      "output": 10}},
                         plans={"starter": plan}, customers=[customer])
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def test_consumption_order_and_revenue_by_hand():
    result = planned()
    r = result.requests.sort_values("finish_s")
    done = r[r["status"] == "completed"]
    n = len(done)
    assert n > 300
    # every request is 1,000 tokens at 10 per 1M: 0.01 at list price
    assert set(done["list_charge_exact"]) == {"0.01"}
    # free quota (1 request), the day's subscription tokens (2), the package (10): 13 requests free
    charges = done["charge_exact"].map(Decimal).tolist()
    assert charges[:13] == [0] * 13
    # then the granted 0.01, then 1.00 paid: 101 more requests paid from wallets
    assert charges[13:114] == [0] * 101 and all(c == Decimal("0.01") for c in charges[114:])
    ledger = result.ledger
    sources = ledger.groupby("component")["quantity"].sum()
    assert sources["allowance:free_quota"] == 1000 and sources["allowance:subscription"] == 2000
    assert sources["allowance:package[0]"] == 10_000
    usage_after_allowances = (n - 13) * Decimal("0.01")
    true_up = max(Decimal(0), Decimal(2) - usage_after_allowances)
    expected = Decimal(5) + Decimal(3) + Decimal(1) + (usage_after_allowances - Decimal("1.01")) + true_up
    assert Decimal(result.summary()["revenue"]) == expected
    assert Decimal(result.invoices["subtotal_exact"].iloc[0]) == expected
    wallets = result.wallets
    assert (wallets["balance_exact"].map(Decimal) >= 0).all()
    assert wallets["balance_exact"].iloc[-1] == "0"


def test_subscription_tokens_and_minimum_reset_every_period():
    result = planned(duration="2d", rate="0.0005/s", plan={"subscription": {"fee": 5, "included_tokens": 2000},
                                                           "minimum_commitment": 2})
    inv = result.invoices
    assert len(inv) == 2
    ledger = result.ledger
    assert (ledger["component"] == "subscription").sum() == 2
    covered = ledger[ledger["component"] == "allowance:subscription"]
    done = result.requests[result.requests["status"] == "completed"]
    day = (done["finish_s"] // 86400).astype(int)
    for d in (0, 1):
        assert covered.loc[covered["time_s"] // 86400 == d, "quantity"].sum() == min(2000, 1000 * (day == d).sum())
    # a quiet period: usage below the commitment is trued up to 2 (plus the fee)
    for _, row in inv.iterrows():
        assert Decimal(row["subtotal_exact"]) >= Decimal(7)


def test_expired_credit_is_not_used_and_package_bought_later_counts_from_then():
    plan = {"credits": [{"amount": 100, "kind": "granted", "valid_for": "1h"}],
            "packages": [{"tokens": 5000, "price": 1, "at": "12h"}]}
    result = planned(plan=plan)
    ledger = result.ledger
    credit = ledger[ledger["component"] == "credit:granted"]
    assert (credit["time_s"] < 3600).all() and len(credit) > 0
    package = ledger[ledger["component"] == "allowance:package[0]"]
    assert (package["time_s"] >= 12 * 3600).all() and package["quantity"].sum() == 5000
    bought = ledger[ledger["component"] == "package[0]"]
    assert bought["time_s"].tolist() == [12 * 3600] and bought["amount_exact"].tolist() == ["1"]


def test_unknown_plan_is_an_error():
    data = scenario_dict()
    data["customers"][0]["plan"] = "gold"
    with pytest.raises(ScenarioError, match=r"customers\[0\].plan: unknown plan 'gold'"):
        tokenecon.scenario_from_dict(data)


def test_plan_run_folder_has_wallets_and_reconciles(tmp_path):
    result = planned()
    out = tokenecon.write_run_folder(result, tmp_path / "r", figures=False)
    wallets = pd.read_csv(out / "wallets.csv", dtype=str)
    assert set(wallets["wallet"]) == {"granted[0]", "paid[1]"}
    ledger = pd.read_csv(out / "ledger.csv", dtype=str, keep_default_na=False)
    invoices = pd.read_csv(out / "invoices.csv", dtype=str)
    total = sum(Decimal(a) for a in ledger["amount"])
    assert total == sum(Decimal(a) for a in invoices["subtotal"]) == Decimal(result.summary()["revenue"])


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(0, 20_000), st.decimals(0, 2, places=2),
       st.decimals(0, 2, places=2), st.decimals(0, 3, places=2), st.sampled_from(["30min", "2h", "1d"]))
def test_wallets_never_go_below_zero_and_billing_reconciles(free, included, package, granted, paid, minimum,
                                                           validity):
    plan = {"free_quota": {"tokens": free, "valid_for": validity} if free else None,
            "subscription": {"fee": 1, "included_tokens": included},
            "packages": [{"tokens": package, "price": 2, "valid_for": validity}] if package else [],
            "credits": [c for c in ({"amount": granted, "kind": "granted", "valid_for": validity},
                                    {"amount": paid, "kind": "paid"}) if c["amount"] > 0],
            "minimum_commitment": minimum}
    plan = {k: v for k, v in plan.items() if v is not None}
    result = planned(duration="6h", rate="0.02/s", plan=plan)  # bill() reconciles or raises
    wallets = result.wallets
    assert (wallets["balance_exact"].map(Decimal) >= 0).all()
    # each wallet's balance is its amount minus what it paid
    for _name, rows in wallets.groupby("wallet"):
        changes = rows["change_exact"].map(Decimal)
        assert changes.sum() == Decimal(rows["balance_exact"].iloc[-1])
    assert (result.requests["charge_exact"].map(Decimal) >= 0).all()
    ledger = result.ledger
    assert sum(ledger["amount_exact"].map(Decimal)) == Decimal(result.summary()["revenue"])


def test_invoice_line_items_add_up_to_the_invoices():
    result = planned(duration="2d", rate="0.01/s")
    lines = result.invoice_lines
    for _, invoice in result.invoices.iterrows():
        mine = lines[(lines["customer"] == invoice["customer"]) & (lines["period_start"] == invoice["period_start"])]
        assert sum(mine["amount_exact"].map(Decimal)) == Decimal(invoice["subtotal_exact"])
    assert {"input", "output", "subscription", "allowance:subscription"} <= set(lines["component"])
