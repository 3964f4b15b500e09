"""Shared machinery of the vendor conformance suite: replay usage exactly as each vendor's API
reports it, and compare tokenecon's requests, ledger and invoices with a bill computed here,
independently, with fractions from the vendor's published rule."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import tokenecon

from ..conftest import scenario_dict

M = 10**6


def replay(tmp_path, price: str, currency: str, lines: list[tuple[str, dict]], *, tz: str = "UTC",
           usage_key: str = "usage", usage_format: str = "auto", duration: str = "1d", service_tier: str = "standard"):
    """Run the calls (ISO time, vendor usage object) through `price` (a catalog reference)."""
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps({"timestamp": at, "customer": f"acct{k % 2}", usage_key: usage})
                              for k, (at, usage) in enumerate(lines)) + "\n")
    data = scenario_dict(start="trace", duration=duration, currency=currency, timezone=tz)
    data["providers"][0]["price"] = price
    data["providers"][0]["replicas"] = 8
    data["customers"] = [{"name": "api", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(path), "format": "openai_usage", "usage_format": usage_format,
        "by_customer": True}, "service_tier": service_tier}]
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def check_bill(result, expected: list[Fraction], classes: list[tuple[int, int, int, int, int]],
               apart: list[tuple[int, int]] | None = None) -> None:
    """Requests (in trace order), their exact charges, ledger lines and invoices against `expected`.

    `classes` per call: (input, cached_input, cache writes, output, reasoning) as the vendor
    reported them in tokenecon's classes; `apart` (1-hour cache writes, explicit-cache hits) per
    call, as requests.csv reports them (all zero when not given).
    """
    r = result.requests.sort_values(["arrival_s", "request_id"]).reset_index(drop=True)
    assert (r["status"] == "completed").all(), r["status"].tolist()
    got = list(zip(r["input_tokens"], r["cached_input_tokens"], r["cache_write_tokens"], r["output_tokens"],
                   r["reasoning_tokens"]))
    assert got == classes
    assert list(zip(r["cache_write_1h_tokens"], r["cached_input_explicit_tokens"])) == (apart or [(0, 0)] * len(r))
    charges = [Fraction(Decimal(v)) for v in r["charge_exact"]]
    assert charges == expected
    ledger = result.ledger
    per_request = defaultdict(Fraction)
    for rid, amount in zip(ledger["request_id"], ledger["amount_exact"]):
        per_request[int(rid)] += Fraction(Decimal(amount))
    assert [per_request[int(rid)] for rid in r["request_id"]] == expected
    _check_invoices(result, r, expected)


def _check_invoices(result, r, expected: list[Fraction]) -> None:
    """Per account and local calendar month of the request's finish: the exact subtotal, rounded
    once, half up, to the currency's minor unit."""
    scenario = result.scenario
    zone = ZoneInfo(str(scenario.tz)) if scenario.tz is not None else timezone.utc
    start = scenario.start
    totals: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for customer, finish, charge in zip(r["customer"], r["finish_s"], expected):
        local = (start + timedelta(seconds=float(finish))).astimezone(zone)
        totals[customer, f"{local.year:04d}-{local.month:02d}"] += charge
    inv = result.invoices
    got = {(c, p[:7]): (Fraction(Decimal(s)), Decimal(a))
           for c, p, s, a in zip(inv["customer"], inv["period_start"], inv["subtotal_exact"], inv["amount_exact"])
           if Decimal(s) != 0 or (c, p[:7]) in totals}
    assert set(got) == set(totals), (sorted(got), sorted(totals))
    for key, total in totals.items():
        subtotal, amount = got[key]
        assert subtotal == total, key
        exact = Decimal(total.numerator) / Decimal(total.denominator)
        assert amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), key


def per_million(tokens: int, price: str) -> Fraction:
    return tokens * Fraction(price) / M
