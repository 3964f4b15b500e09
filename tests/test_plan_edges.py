"""Customer plans at their edges, on calls replayed at exact times and sizes: several accounts,
periods and providers; allowances that split one request across sources by token position;
expiry; purchases at the horizon; the wallets' priority. Each expectation is computed here by hand
from the plan's rules, in fractions."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import tokenecon
from tokenecon.plans import PlanLines

from .conftest import scenario_dict

M = 10**6
HOUR = 3600


def _exact(values) -> list[Fraction]:
    return [Fraction(Decimal(v)) for v in values]


def replayed(tmp_path, calls, plan, *, duration="3d", extra_customers=(), providers=1, std=None):
    """`calls`: (seconds from start, account, input tokens, output tokens). Input 1, output 10 per 1M
    (or the `std` rate card)."""
    path = tmp_path / "calls.jsonl"
    start = 1772409600  # 2026-03-02T00:00:00Z
    path.write_text("".join(json.dumps({"created": start + at, "customer": who, "usage": {
        "prompt_tokens": i, "completion_tokens": o}}) + "\n" for at, who, i, o in calls))
    data = scenario_dict(duration=duration, billing_period="day",
                         pricing={"std": std or {"type": "per_token", "input": 1, "output": 10},
                                  "dear": {"type": "per_token", "input": 100, "output": 1000}},
                         plans={"pro": plan})
    data["providers"][0]["replicas"] = 8
    if providers == 2:
        data["providers"].append({**data["providers"][0], "name": "p2", "price": "dear"})
    data["customers"] = [*extra_customers, {
        "name": "api", "providers": ["p1"], "plan": "pro",
        "arrivals": {"type": "trace", "path": str(path), "format": "openai_usage", "by_customer": True}}]
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def _requests(result, segment="api"):
    r = result.requests
    return r[r["customer"].str.startswith(segment + ":")].sort_values("finish_s").reset_index(drop=True)


def test_accounts_periods_and_providers_each_get_their_own_allowance_commitment_and_credit(tmp_path):
    # Each request is 900 input + 100 output = 0.0019. Per account and day: 1,000 subscription tokens
    # (the day's first request), a fee of 5, the commitment 0.003 trued up; per account a granted 0.0025.
    calls = [(1 * HOUR, "a0", 900, 100), (2 * HOUR, "a0", 900, 100), (49 * HOUR, "a0", 900, 100),
             (25 * HOUR, "a1", 900, 100), (26 * HOUR, "a1", 900, 100), (27 * HOUR, "a1", 900, 100)]
    plan = {"subscription": {"fee": 5, "included_tokens": 1000}, "minimum_commitment": "0.003",
            "credits": [{"amount": "0.0025", "kind": "granted"}]}
    free = {"name": "free", "providers": ["p1", "p2"], "arrivals": {"type": "poisson", "rate": "0.0002/s"},
            "input_tokens": {"type": "fixed", "value": 10}, "output_tokens": {"type": "fixed", "value": 1}}
    idle = {"name": "idle", "providers": ["p1"], "plan": "pro", "arrivals": {"type": "poisson", "rate": "1e-9/s"},
            "input_tokens": {"type": "fixed", "value": 10}, "output_tokens": {"type": "fixed", "value": 1}}
    result = replayed(tmp_path, calls, plan, extra_customers=[free, idle], providers=2)
    r = _requests(result)
    assert (r["status"] == "completed").all() and len(r) == 6
    per_account = {a: _exact(r.loc[r["customer"] == f"api:{a}", "charge_exact"]) for a in ("a0", "a1")}
    # a0: day 0 first covered, second paid by the credit (0.0006 left), day 2 covered
    # a1: day 1 first covered, then the credit pays 0.0019 and 0.0006 of the third
    assert per_account == {"a0": [0, 0, 0], "a1": [0, 0, Fraction(13, 10**4)]}
    ledger = result.ledger
    mine = ledger[ledger["customer"].str.startswith("api:")]
    assert set(mine["provider"]) == {"p1"}  # the plan is the customer's on p1 only
    covered = mine[mine["component"] == "allowance:subscription"]
    assert covered["quantity"].tolist() == [1000] * 3
    fees = mine[mine["component"] == "subscription"]
    assert len(fees) == 6 and set(fees["quantity"]) == {0} and fees["request_id"].isna().all()
    assert sorted(fees["time_s"]) == [0, 0, 86400, 86400, 172800, 172800]
    usage = {("a0", 0): Fraction(19, 10**4), ("a1", 1): Fraction(38, 10**4)}  # after allowances
    minimum = Fraction(3, 1000)
    true_ups = mine[mine["component"] == "minimum_true_up"]
    assert set(true_ups["quantity"]) == {0} and true_ups["request_id"].isna().all()
    got = {(c.split(":")[1], int(t // 86400)): a for c, t, a in
           zip(true_ups["customer"], true_ups["time_s"], _exact(true_ups["amount_exact"]))}
    assert got == {(a, d): minimum - usage.get((a, d), 0) for a in ("a0", "a1") for d in range(3)
                   if minimum > usage.get((a, d), 0)}
    credits = mine[mine["component"] == "credit:granted"]
    assert sorted(_exact(credits["amount_exact"])) == sorted([Fraction(-19, 10**4)] * 2 + [Fraction(-6, 10**4)])
    inv = result.invoices
    inv = inv[inv["customer"].str.startswith("api:")]
    assert set(inv["provider"]) == {"p1"} and len(inv) == 6
    subtotals = {(c.split(":")[1], int(p[8:10]) - 2): s for c, p, s in
                 zip(inv["customer"], inv["period_start"], _exact(inv["subtotal_exact"]))}
    expected = {key: 5 + got.get(key, 0) for key in subtotals}
    expected[("a1", 1)] += Fraction(13, 10**4)
    assert subtotals == expected
    assert (result.requests.loc[result.requests["customer"] == "free", "charge_exact"].map(Decimal) > 0).all()
    # a plan customer without a request pays the fee and the whole commitment every period
    assert not (result.requests["customer"] == "idle").any()
    idle_lines = ledger[ledger["customer"] == "idle"]
    assert sorted(zip(idle_lines["time_s"] // 86400, idle_lines["component"], _exact(idle_lines["amount_exact"]))) == \
        sorted([(d, "subscription", 5) for d in range(3)] + [(d, "minimum_true_up", minimum) for d in range(3)])


def test_one_request_split_across_three_allowances_by_token_position(tmp_path):
    # Consumption order: free quota (even though it outlasts the period), the period's subscription
    # tokens, then the package (even though it expires first). Within the request the input comes
    # first (900 at 1 per 1M), then the output (100 at 10 per 1M).
    plan = {"free_quota": {"tokens": 850, "valid_for": "2d"}, "subscription": {"fee": 1, "included_tokens": 300},
            "packages": [{"tokens": 400, "price": 2, "valid_for": "2h"}]}
    result = replayed(tmp_path, [(HOUR, "a0", 900, 100), (HOUR + 60, "a0", 900, 100)], plan, duration="1d")
    ledger = result.ledger
    first = ledger[(ledger["request_id"] == 0) & ledger["component"].str.startswith("allowance:")]
    second = ledger[(ledger["request_id"] == 1) & ledger["component"].str.startswith("allowance:")]
    # first request: free quota positions [0, 850) input; subscription [850, 1000): 50 input + 100 output
    assert dict(zip(first["component"], zip(first["quantity"], _exact(first["amount_exact"])))) == {
        "allowance:free_quota": (850, Fraction(-850, M)),
        "allowance:subscription": (150, -Fraction(50 + 100 * 10, M))}
    # second: the subscription's other 150 (input), then the package's 400 (input [150, 550))
    assert dict(zip(second["component"], zip(second["quantity"], _exact(second["amount_exact"])))) == {
        "allowance:subscription": (150, Fraction(-150, M)), "allowance:package[0]": (400, Fraction(-400, M))}
    r = _requests(result)
    assert _exact(r["charge_exact"]) == [0, Fraction(350 + 1000, M)]


def test_expiry_and_purchases_at_the_horizon(tmp_path):
    # Free quota for 2 h, a package valid 3 h (bought at 0), a package and a paid top-up dated at the
    # horizon (never bought), a granted credit valid 4 h paid from before the paid credit.
    plan = {"free_quota": {"tokens": 5000, "valid_for": "2h"},
            "packages": [{"tokens": 5000, "price": 1, "valid_for": "3h"}, {"tokens": 100, "price": 7, "at": "1d"}],
            "credits": [{"amount": "0.002", "kind": "granted", "valid_for": "4h"},
                        {"amount": "0.002", "kind": "paid"}, {"amount": 9, "kind": "paid", "at": "1d"}]}
    calls = [(HOUR, "a0", 900, 100), (int(2.5 * HOUR), "a0", 900, 100), (int(3.5 * HOUR), "a0", 900, 100),
             (5 * HOUR, "a0", 900, 100), (6 * HOUR, "a0", 900, 100)]
    result = replayed(tmp_path, calls, plan, duration="1d")
    ledger = result.ledger
    by_request = ledger[ledger["request_id"].notna()]
    covered = {int(k): c for k, c in zip(by_request["request_id"], by_request["component"]) if c != "input"
               and c != "output"}
    assert covered == {0: "allowance:free_quota", 1: "allowance:package[0]", 2: "credit:granted",
                       3: "credit:paid", 4: "credit:paid"}
    r = _requests(result)
    assert _exact(r["charge_exact"]) == [0, 0, 0, 0, Fraction(18, 10**4)]
    fixed = ledger[ledger["request_id"].isna()]
    assert list(zip(fixed["component"], fixed["quantity"], _exact(fixed["amount_exact"]), fixed["time_s"])) == [
        ("package[0]", 5000, 1, 0.0), ("top_up[1]", 0, Fraction(1, 500), 0.0)]
    assert set(result.wallets["wallet"]) == {"granted[0]", "paid[1]"}


def test_plan_lines_columns_exact_and_typed():
    lines = PlanLines()
    assert len(lines) == 0
    kinds = {"request_id": "i", "provider": "i", "account": "i", "time_s": "f", "component": "O",
             "quantity": "i", "amount": "i"}
    for name, kind in kinds.items():
        column = getattr(lines, name)
        assert len(column) == 0 and column.dtype.kind == kind, name
    with pytest.raises(AttributeError, match="wallet_total"):
        lines.wallet_total  # noqa: B018
    lines.extend([3, 4], 1, [2, 2], [10.0, 11.0], "allowance:x", [5, 6], np.asarray([-7, -8]))
    lines.add(-1, 0, 5, 0, "subscription", 0, 2**62 - 1)
    assert len(lines) == 3
    assert lines.provider.tolist() == [1, 1, 0] and lines.account.tolist() == [2, 2, 5]
    assert lines.amount.dtype == np.int64 and lines.amount.tolist() == [-7, -8, 2**62 - 1]
    assert lines.time_s.dtype.kind == "f" and lines.component.tolist() == ["allowance:x"] * 2 + ["subscription"]
    lines.add(-1, 0, 5, 0, "package[0]", 1, 2**62)  # beyond int64's safe range: exact Python integers
    assert lines.amount.dtype == object and lines.amount.tolist()[-2:] == [2**62 - 1, 2**62]
    assert all(isinstance(a, int) for a in lines.amount.tolist())


def test_positions_continue_across_allowances_within_one_request(tmp_path):
    # free quota (no expiry) [0, 600) input, subscription [600, 900) input, package [900, 910) output;
    # the call at the run's first instant is covered too (the free quota starts at 0)
    plan = {"free_quota": {"tokens": 600}, "subscription": {"fee": 1, "included_tokens": 300},
            "packages": [{"tokens": 50, "price": 2}]}
    result = replayed(tmp_path, [(0, "a0", 900, 10)], plan, duration="1d")
    assert _requests(result)["finish_s"].iloc[0] < 1  # finished within the run's first second
    ledger = result.ledger
    lines = ledger[ledger["component"].str.startswith("allowance:")]
    assert list(zip(lines["component"], lines["quantity"], _exact(lines["amount_exact"]))) == [
        ("allowance:free_quota", 600, Fraction(-600, M)), ("allowance:subscription", 300, Fraction(-300, M)),
        ("allowance:package[0]", 10, Fraction(-100, M))]
    assert _exact(_requests(result)["charge_exact"]) == [0]


def test_packages_with_one_expiry_are_used_in_the_order_bought(tmp_path):
    plan = {"packages": [{"tokens": 100, "price": 1, "valid_for": "1d"} for _ in range(12)]}
    result = replayed(tmp_path, [(HOUR, "a0", 1000, 50)], plan, duration="1d")
    lines = result.ledger[result.ledger["component"].str.startswith("allowance:")]
    assert lines["component"].tolist() == [f"allowance:package[{k}]" for k in range(11)]
    assert lines["quantity"].tolist() == [100] * 10 + [50]


def test_allowances_and_credits_restart_for_each_account_in_one_window(tmp_path):
    # two accounts on the same day: each has its own 1,000 subscription tokens and its own 0.0025
    calls = [(HOUR, "a0", 900, 100), (HOUR + 60, "a1", 900, 100), (2 * HOUR, "a0", 900, 100),
             (2 * HOUR + 60, "a1", 900, 100)]
    plan = {"subscription": {"fee": 5, "included_tokens": 1000}, "credits": [{"amount": "0.0025", "kind": "granted"}]}
    result = replayed(tmp_path, calls, plan, duration="1d")
    ledger = result.ledger
    covered = ledger[ledger["component"] == "allowance:subscription"]
    assert sorted(covered["customer"]) == ["api:a0", "api:a1"] and set(covered["quantity"]) == {1000}
    credit = ledger[ledger["component"] == "credit:granted"]
    assert sorted(credit["customer"]) == ["api:a0", "api:a1"]
    assert set(_exact(credit["amount_exact"])) == {Fraction(-19, 10**4)}
    assert set(_exact(_requests(result)["charge_exact"])) == {0}


def test_granted_credit_first_whatever_the_expiry_and_a_spent_wallet_passes_on(tmp_path):
    # wallets in order: granted before paid, then earliest-expiring: granted[2] (expired at 30 min,
    # pays nothing), granted[0] (from 12 h), paid[1] (valid a day). 0.0019 a call.
    plan = {"credits": [{"amount": "0.002", "kind": "granted", "at": "12h"},
                        {"amount": "0.002", "kind": "paid", "valid_for": "1d"},
                        {"amount": 1, "kind": "granted", "valid_for": "30min"}]}
    result = replayed(tmp_path, [(HOUR, "a0", 900, 100), (13 * HOUR, "a0", 900, 100)], plan, duration="2d")
    ledger = result.ledger
    credits = ledger[ledger["component"].str.startswith("credit:")]
    assert list(zip(credits["request_id"], credits["component"], _exact(credits["amount_exact"]))) == [
        (0, "credit:paid", Fraction(-19, 10**4)), (1, "credit:granted", Fraction(-19, 10**4))]
    assert set(_exact(_requests(result)["charge_exact"])) == {0}


def _finishes(tmp_path, calls) -> list[float]:
    """The finish times of `calls` with no plan lines (a plan never changes when a request finishes)."""
    return _requests(replayed(tmp_path, calls, {"minimum_commitment": 0}, duration="1d"))["finish_s"].tolist()


def _covered_by(result) -> dict[int, set[str]]:
    ledger = result.ledger[result.ledger["request_id"].notna()]
    found: dict[int, set[str]] = {}
    for rid, component in zip(ledger["request_id"], ledger["component"]):
        if component.startswith(("allowance:", "credit:")):
            found.setdefault(int(rid), set()).add(component)
    return found


def test_allowances_and_wallets_hold_from_their_start_up_to_but_not_at_their_end(tmp_path):
    # [at, at + valid_for): a request finishing exactly when a package or wallet starts is covered by it,
    # one finishing exactly when it ends is not (finish times read from a first run, given to the ms)
    calls = [(HOUR, "a0", 900, 100), (2 * HOUR, "a0", 900, 100), (3 * HOUR, "a0", 900, 100)]
    t = _finishes(tmp_path, calls)
    length = t[1] - t[0]
    assert t[0] + length == t[1] and Fraction(t[0]) + Fraction(length) == Fraction(t[1])  # an exact end
    for kind in ("package", "credit"):
        item = {"at": f"{t[0]!r}s", "valid_for": f"{length!r}s"}
        plan = {"packages": [{"tokens": 10**6, "price": 1, **item}]} if kind == "package" else \
            {"credits": [{"amount": 1, "kind": "granted", **item}]}
        covered = _covered_by(replayed(tmp_path, calls, plan, duration="1d"))
        source = "allowance:package[0]" if kind == "package" else "credit:granted"
        assert covered == {0: {source}}, kind


def test_an_end_is_exact_where_its_float_sum_rounds_onto_a_finish_time(tmp_path):
    # A credit bought at `at` and valid for `v` ends at at + v exactly. Chosen here so that the float sum
    # at + v rounds down onto a request's finish time t while at + v > t exactly: that request is inside.
    calls = [(HOUR, "a0", 900, 100), (2 * HOUR, "a0", 900, 100)]
    t = _finishes(tmp_path, calls)[1]
    found = None
    for tenths in range(1, 200):
        at = tenths / 10
        v = t - at
        for _ in range(4):
            if at + v == t and Fraction(at) + Fraction(v) > Fraction(t):
                found = (at, v)
                break
            v = float(np.nextafter(v, np.inf))
        if found:
            break
    assert found is not None
    at, v = found
    for plan, source in (({"credits": [{"amount": 1, "kind": "granted", "at": f"{at!r}s", "valid_for": f"{v!r}s"}]},
                          "credit:granted"),
                         ({"packages": [{"tokens": 10**6, "price": 1, "at": f"{at!r}s", "valid_for": f"{v!r}s"}]},
                          "allowance:package[0]")):
        assert _covered_by(replayed(tmp_path, calls, plan, duration="1d")) == {0: {source}, 1: {source}}


def test_a_commitment_met_exactly_has_no_true_up_and_one_unit_short_has_one(tmp_path):
    # input at 0.000000001 per 1M tokens: a token costs 1e-15, the smallest amount. A day's usage of
    # 1,000,000 tokens (1e-9) meets a 0.000000001 commitment exactly; 999,999 tokens fall 1e-15 short.
    std = {"type": "per_token", "input": "0.000000001", "output": "0.000000001", "cache_write": "0.000000001",
           "cache_write_1h": "0.000000001"}
    for tokens, true_up in ((1_000_000, None), (999_999, Fraction(1, 10**15)), (1_000_001, None)):
        calls = [(HOUR, "a0", tokens - 1, 1)]
        ledger = replayed(tmp_path, calls, {"minimum_commitment": "0.000000001"}, duration="1d", std=std).ledger
        lines = _exact(ledger.loc[ledger["component"] == "minimum_true_up", "amount_exact"])
        assert lines == ([] if true_up is None else [true_up]), tokens


def test_packages_and_wallets_are_used_earliest_expiry_first(tmp_path):
    # Bought at 0: package[0] 400 tokens, no expiry; package[1] 200 tokens, valid 2 h (ends 2 h); bought at
    # 1.5 h: package[2] 350 tokens, valid 1 h (ends 2.5 h, though 2 x its validity is shorter than package[1]'s).
    # A request finishing after 1.75 h of 500 input and 100 output tokens takes positions [0, 200) from
    # package[1], [200, 550) from package[2] (300 input, 50 output) and the last 50 output tokens from
    # package[0]. Wallets likewise: the paid credit valid 2 h pays before the one without expiry.
    plan = {"packages": [{"tokens": 400, "price": 1}, {"tokens": 200, "price": 1, "valid_for": "2h"},
                         {"tokens": 350, "price": 1, "at": "1.5h", "valid_for": "1h"}]}
    ledger = replayed(tmp_path, [(int(1.75 * HOUR), "a0", 500, 100)], plan, duration="1d").ledger
    used = ledger[ledger["component"].str.startswith("allowance:")]
    assert dict(zip(used["component"], zip(used["quantity"], _exact(used["amount_exact"])))) == {
        "allowance:package[1]": (200, Fraction(-200, M)), "allowance:package[2]": (350, Fraction(-800, M)),
        "allowance:package[0]": (50, Fraction(-500, M))}
    plan = {"credits": [{"amount": 1, "kind": "paid"}, {"amount": "0.0001", "kind": "paid", "valid_for": "2h"}]}
    result = replayed(tmp_path, [(HOUR, "a0", 900, 100)], plan, duration="1d")
    moves = result.wallets[result.wallets["change_exact"].map(Decimal) < 0]
    assert list(zip(moves["wallet"], moves["change_exact"].map(Decimal))) == [
        ("paid[1]", Decimal("-0.0001")), ("paid[0]", Decimal("-0.0018"))]


def test_a_package_shorter_than_a_float_step_still_covers_a_request_finishing_when_it_is_bought(tmp_path):
    # valid for 1e-13 s from a finish time t of about 1 h: t + 1e-13 rounds to t in floats, yet
    # [t, t + 1e-13) holds t
    calls = [(HOUR, "a0", 900, 100)]
    t = _finishes(tmp_path, calls)[0]
    assert t + 1e-13 == t
    plan = {"packages": [{"tokens": 10**6, "price": 1, "at": f"{t!r}s", "valid_for": "1e-13s"}]}
    assert _covered_by(replayed(tmp_path, calls, plan, duration="1d")) == {0: {"allowance:package[0]"}}


def test_free_quota_ends_at_valid_for_and_a_period_s_tokens_start_with_it(tmp_path):
    # the free quota holds [0, valid_for): valid for exactly the second request's finish time, it covers the
    # first request and not the second. A request finishing just after a day starts uses that day's
    # subscription tokens, not the unused tokens of the day before: the next request that day pays.
    calls = [(HOUR, "a0", 900, 100), (2 * HOUR, "a0", 900, 100)]
    t = _finishes(tmp_path, calls)
    plan = {"free_quota": {"tokens": 10**6, "valid_for": f"{t[1]!r}s"}}
    assert _covered_by(replayed(tmp_path, calls, plan, duration="1d")) == {0: {"allowance:free_quota"}}
    calls = [(24 * HOUR, "a0", 999, 1), (25 * HOUR, "a0", 999, 1)]  # one output token: done within a second
    first = _requests(replayed(tmp_path, calls, {"minimum_commitment": 0}, duration="2d"))["finish_s"][0]
    assert 24 * HOUR < first < 24 * HOUR + 1
    result = replayed(tmp_path, calls, {"subscription": {"fee": 1, "included_tokens": 1000}}, duration="2d")
    assert _covered_by(result) == {0: {"allowance:subscription"}}
    assert _exact(_requests(result)["charge_exact"]) == [0, Fraction(999 + 10, M)]


def test_wallets_by_expiry_time_not_by_purchase_time_and_ties_in_the_order_listed(tmp_path):
    # paid[0] bought at 0 valid 3 h (ends 3 h); paid[1] bought at 0.5 h valid 1 h (ends 1.5 h): paid[1] first.
    # Two granted credits without expiry: granted before paid, then in the order listed.
    plan = {"credits": [{"amount": 1, "kind": "paid", "valid_for": "3h"},
                        {"amount": "0.0001", "kind": "paid", "at": "0.5h", "valid_for": "1h"},
                        {"amount": "0.0002", "kind": "granted"}, {"amount": "0.0003", "kind": "granted"}]}
    result = replayed(tmp_path, [(HOUR, "a0", 900, 100)], plan, duration="1d")
    moves = result.wallets[result.wallets["change_exact"].map(Decimal) < 0]
    assert list(zip(moves["wallet"], moves["change_exact"].map(Decimal))) == [
        ("granted[2]", Decimal("-0.0002")), ("granted[3]", Decimal("-0.0003")), ("paid[1]", Decimal("-0.0001")),
        ("paid[0]", Decimal("-0.0013"))]
