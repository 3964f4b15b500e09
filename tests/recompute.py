"""An outside checker of a run folder: every figure of summary.json, timeseries.csv and invoices.csv
that the per-request rows determine, recomputed from requests.csv (and the resolved scenario's
fleet) with pandas and Python integers, never with tokenecon's own code."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["check_run_folder"]

Q = {"ttft_p50_s": ("ttft", 50), "ttft_p95_s": ("ttft", 95), "e2e_p50_s": ("e2e", 50), "e2e_p95_s": ("e2e", 95)}


def _dec(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values if str(v) not in ("", "nan")), Decimal(0))


def _close(got, want, what: str, rel: float = 1e-9, abs_: float = 1e-9) -> None:
    if want is None or (isinstance(want, float) and np.isnan(want)):
        assert got is None or (isinstance(got, float) and np.isnan(got)), f"{what}: {got!r}, expected none"
        return
    assert got is not None and abs(float(got) - float(want)) <= max(abs_, rel * abs(float(want))), \
        f"{what}: {got!r} in the folder, {want!r} recomputed from requests.csv"


def _in(times: pd.Series, lo: float, hi: float, last: bool) -> pd.Series:
    return (times >= lo) & ((times < hi) | (last & (times <= hi)))


def check_run_folder(folder: Path) -> int:
    """Assert every recomputable figure of the folder; the number of figures checked."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    resolved = json.loads((folder / "scenario.resolved.json").read_text(encoding="utf-8"))
    ts = pd.read_csv(folder / "timeseries.csv", dtype={"revenue": str, "provider": str})
    invoices = pd.read_csv(folder / "invoices.csv", dtype={"subtotal": str, "amount": str, "provider": str,
                                                           "customer": str, "segment": str})
    checked = _check_invoices(summary, invoices, folder)
    checked += _check_sums(summary, ts)
    path = folder / "requests.csv"
    if path.exists() and float(resolved.get("scale", 1.0) or 1.0) == 1.0:
        requests = pd.read_csv(path, dtype={"charge": str, "list_charge": str, "cost_to_serve": str, "customer": str,
                                            "segment": str, "provider": str}, low_memory=False)
        checked += _check_requests(summary, ts, requests, resolved, invoices)
        checked += _check_batch(summary, requests, resolved)
        checked += _check_list_charges(requests, resolved)
    return checked


_DERIVED = {"cached_input": ("input", Fraction(1)), "cached_input_explicit": ("cached_input", Fraction(1)),
            "cache_write": ("input", Fraction(5, 4)), "cache_write_1h": ("input", Fraction(2)),
            "reasoning": ("output", Fraction(1)), "thinking_output": ("output", Fraction(1))}


def _card_price(card: dict, component: str) -> Fraction:
    """A rate card's price per 1M tokens of `component`, derived as docs/pricing.md says when not given."""
    if card.get(component) is not None:
        return Fraction(Decimal(card[component]))
    base, factor = _DERIVED[component]
    return factor * _card_price(card, base)


def _tier_factor(tier, component: str) -> tuple[str, Fraction]:
    """The class a service tier bills `component` as, and its multiplier on it."""
    if tier is None:
        return component, Fraction(1)
    billed = "input" if component in ("cached_input", "cached_input_explicit") and not tier["cache_discount"] \
        else component
    applies = tier["classes"] is None or billed in tier["classes"]
    return billed, Fraction(Decimal(tier["multiplier"])) if applies else Fraction(1)


def _quantities(rows: pd.DataFrame, thinking: bool) -> dict[str, np.ndarray]:
    """Tokens per price class from the requests.csv token columns; with a thinking price, a request
    that carries reasoning has every generated token in `thinking_output`."""
    col = {k: rows[k].to_numpy(dtype=np.int64) for k in (
        "input_tokens", "cached_input_tokens", "cached_input_explicit_tokens", "cache_write_tokens",
        "cache_write_1h_tokens", "output_tokens", "reasoning_tokens")}
    q = {"cached_input": col["cached_input_tokens"] - col["cached_input_explicit_tokens"],
         "cached_input_explicit": col["cached_input_explicit_tokens"],
         "cache_write": col["cache_write_tokens"] - col["cache_write_1h_tokens"],
         "cache_write_1h": col["cache_write_1h_tokens"],
         "input": col["input_tokens"] - col["cached_input_tokens"] - col["cache_write_tokens"],
         "output": col["output_tokens"], "reasoning": col["reasoning_tokens"], "thinking_output": 0 * col["output_tokens"]}
    if thinking:
        on = q["reasoning"] > 0
        q["thinking_output"] = np.where(on, q["output"] + q["reasoning"], 0)
        q["output"], q["reasoning"] = np.where(on, 0, q["output"]), np.where(on, 0, q["reasoning"])
    return q


def _check_list_charges(r: pd.DataFrame, resolved: dict) -> int:
    """Each completed request's list charge, recomputed from its token columns (1-hour cache writes and
    explicit-cache hits included) for providers priced by a rate card or per-request context tiers:
    prices derived as docs/pricing.md says, in integer units (1e-9 per 1M tokens, 1e-15 of money)."""
    n = 0
    for provider in resolved["providers"]:
        spec = resolved["pricing"].get(str(provider.get("price")))
        if spec is None or spec["type"] not in ("per_token", "context_tiers") or spec.get("mode", "per_request") \
                != "per_request" or any(spec.get(k) for k in ("time_of_use", "surge", "price_schedule")):
            continue
        rows = r[(r["provider"] == provider["name"]) & (r["status"] == "completed") & ~r["provisioned"].astype(bool)]
        cards = spec["tiers"] if spec["type"] == "context_tiers" else [spec]
        bounds = np.asarray([c.get("up_to") or np.iinfo(np.int64).max for c in cards], dtype=np.int64)
        tier_of = np.searchsorted(bounds, rows["input_tokens"].to_numpy(dtype=np.int64), side="left")
        thinking = any(c.get("thinking_output") is not None for c in cards)
        q = _quantities(rows, thinking)
        want = np.zeros(len(rows), dtype=object)
        for (k, service), index in pd.Series(range(len(rows))).groupby(
                [tier_of, rows["service_tier"].to_numpy()]).groups.items():
            tier = None if service == "standard" else spec["service_tiers"][service]
            at = np.asarray(index)
            for component, quantity in q.items():
                billed, factor = _tier_factor(tier, component)
                units = _card_price(cards[k], billed) * factor * 10**9
                assert units.denominator == 1, f"{component} price not exact to 9 decimals"
                want[at] += quantity[at].astype(object) * int(units)
        got = [int(Decimal(str(v)).scaleb(15)) for v in rows["list_charge"]]
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
        assert not bad, (f"request {rows['request_id'].iloc[bad[0]]}: list_charge {rows['list_charge'].iloc[bad[0]]} in "
                         f"the folder, {Decimal(int(want[bad[0]])).scaleb(-15)} recomputed from its token columns")
        n += len(rows)
    return n


def _check_batch(summary: dict, r: pd.DataFrame, resolved: dict) -> int:
    """Batch-tier counts: requests, windows expired, and completed later than their provider's window."""
    batch = r["service_tier"] == "batch"
    if not batch.any():
        assert "batch_requests" not in summary
        return 0
    window = r["provider"].map({p["name"]: float(p["batch_window"]) for p in resolved["providers"]})
    expired = int((r["reason"] == "batch_window_expired").sum())
    late = int((batch & (r["status"] == "completed") & (r["finish_s"] > r["arrival_s"] + window)).sum())
    want = {"batch_requests": int(batch.sum()), "batch_window_expired": expired, "batch_finished_late": late,
            "batch_window_missed": expired + late}
    for key, value in want.items():
        assert summary[key] == value, f"{key}: {summary[key]} in the folder, {value} recomputed from requests.csv"
    return len(want)


def _check_invoices(summary: dict, invoices: pd.DataFrame, folder: Path) -> int:
    n = 0
    for sub, amount in zip(invoices["subtotal"], invoices["amount"]):
        rounded = Decimal(sub).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # CNY and USD: cents
        assert Decimal(amount) == rounded, f"invoice amount {amount} is not {sub} rounded half up once"
        n += 1
    assert _dec(invoices["amount"]) == Decimal(summary["revenue_invoiced"]), "revenue_invoiced"
    scale = summary.get("scale")  # a scaled run's invoices are the sample's; its revenue is scaled up, to the cent
    billed = _dec(invoices["subtotal"]) * (Decimal(repr(1 / scale)) if scale else 1)
    assert abs(billed - Decimal(summary["revenue"])) <= (Decimal("0.005") if scale else 0), "revenue against invoices"
    assert len(invoices) == summary["invoices"], "invoices"
    lines = folder / "invoice_lines.csv"
    if lines.exists():
        items = pd.read_csv(lines, dtype={"amount": str, "provider": str, "customer": str, "period_start": str})
        per = items.groupby(["provider", "customer", "period_start"])["amount"].agg(lambda a: _dec(a))
        for (p, c, start), sub in zip(invoices[["provider", "customer", "period_start"]].itertuples(index=False),
                                      invoices["subtotal"]):
            assert per.get((p, c, start), Decimal(0)) == Decimal(sub), f"invoice lines of {p}/{c}/{start}"
            n += 1
    return n + 3


def _check_sums(summary: dict, ts: pd.DataFrame) -> int:
    """Run totals that are sums of the time series (which the requests then pin down)."""
    n = 0
    for provider, rows in ts.groupby("provider", sort=False):
        for key in ("gpu_cost", "energy_kwh", "energy_cost", "co2_kg"):
            if f"{provider}.{key}" in summary:
                _close(summary[f"{provider}.{key}"], rows[key].sum(), f"{provider}.{key}", rel=1e-6, abs_=1e-6)
                n += 1
        if f"{provider}.revenue" in summary:
            gap = abs(Decimal(summary[f"{provider}.revenue"]) - _dec(rows["revenue"]))
            assert gap <= (Decimal("0.005") * len(rows) if "scale" in summary else 0), f"{provider}.revenue"
            n += 1
    for key in ("gpu_cost", "energy_kwh", "energy_cost", "co2_kg"):
        if key in summary:
            _close(summary[key], ts[key].sum(), key, rel=1e-6, abs_=1e-6)
            n += 1
    gap = abs(Decimal(summary["revenue"]) - _dec(ts["revenue"]))
    assert gap <= (Decimal("0.005") * len(ts) if "scale" in summary else 0), "revenue against the time series"
    duration = float(summary["duration_s"])
    _close(summary["gpus_mean"], (ts["gpus"] * (ts["interval_end_s"] - ts["interval_start_s"])).sum() / duration,
           "gpus_mean", rel=1e-9)
    online = ts["gpus"] * (ts["interval_end_s"] - ts["interval_start_s"])  # GPU-seconds online
    if online.sum() > 0:
        _close(summary["utilization"], (ts["utilization"] * online).sum() / online.sum(), "utilization")
    return n + 3


def _latency(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    done = rows[rows["status"] == "completed"]
    return done["first_token_s"] - done["arrival_s"], done["finish_s"] - done["arrival_s"]


def _pct(values: pd.Series, q: float):
    return float(np.percentile(values.to_numpy(), q)) if len(values) else None


def _overlap(lo: np.ndarray, hi: np.ndarray, a: float, b: float) -> float:
    return float(np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None).sum())


def _check_requests(summary: dict, ts: pd.DataFrame, r: pd.DataFrame, resolved: dict,
                    invoices: pd.DataFrame) -> int:
    n = 0
    horizon = float(summary["duration_s"])
    done = r[r["status"] == "completed"]
    counts = r["status"].value_counts()
    for key, status in (("requests_completed", "completed"), ("requests_rejected", "rejected"),
                        ("requests_timed_out", "timed_out"), ("requests_running", "running")):
        assert summary[key] == counts.get(status, 0), key
    assert summary["requests_arrived"] == len(r), "requests_arrived"
    for key in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cache_write_tokens"):
        if key in summary and key in r:
            assert summary[key] == int(done[key].sum()), key
    _close(summary["output_tokens_per_s"], done["output_tokens"].sum() / horizon, "output_tokens_per_s")
    lost = counts.get("rejected", 0) + counts.get("timed_out", 0)
    _close(summary["rejection_rate"], lost / max(1, len(r)), "rejection_rate")
    tokens = int(done["input_tokens"].sum() + done["output_tokens"].sum() + done["reasoning_tokens"].sum())
    if tokens and "kwh_per_million_tokens" in summary:
        _close(summary["kwh_per_million_tokens"], ts["energy_kwh"].sum() / tokens * 1e6, "kwh_per_million_tokens")
    if "preemptions" in r and "preemptions" in summary:
        assert summary["preemptions"] == int(r["preemptions"].sum()), "preemptions"
    assert Decimal(summary["list_charges"]) == _dec(r["list_charge"]) if "list_charge" in r else True
    started = r[r["start_s"].notna()]
    _close(summary["wait_mean_s"], (started["start_s"] - started["arrival_s"]).mean(), "wait_mean_s")
    ttft, e2e = _latency(r)
    for key, values, q in (("ttft_p50_s", ttft, 50), ("ttft_p95_s", ttft, 95), ("e2e_latency_p50_s", e2e, 50),
                           ("e2e_latency_p95_s", e2e, 95)):
        _close(summary[key], _pct(values, q), key)
    _close(summary["e2e_latency_mean_s"], e2e.mean() if len(e2e) else None, "e2e_latency_mean_s")
    n += 16
    for segment, rows in r.groupby("segment"):
        t, e = _latency(rows)
        for key, values in ((f"ttft_p95_s.{segment}", t), (f"e2e_p95_s.{segment}", e)):
            if key in summary:
                _close(summary[key], _pct(values, 95), key)
                n += 1
        if f"cost_to_serve.{segment}" in summary and "cost_to_serve" in rows:
            assert Decimal(str(summary[f"cost_to_serve.{segment}"])) == _dec(rows["cost_to_serve"]), \
                f"cost_to_serve.{segment}"
            n += 1
    bills = invoices.groupby("segment")["subtotal"].agg(lambda a: _dec(a))
    for segment, bill in bills.items():
        if f"bill.{segment}" in summary:
            assert Decimal(summary[f"bill.{segment}"]) == bill, f"bill.{segment}"
            if f"margin.{segment}" in summary:
                assert Decimal(summary[f"margin.{segment}"]) == bill - Decimal(str(summary[f"cost_to_serve.{segment}"])), \
                    f"margin.{segment}"
            n += 2
    if Decimal(summary["list_charges"]) == Decimal(summary["revenue"]):  # no plan lines: invoices are the requests
        n += _check_invoice_requests(summary, done, invoices)
    providers = {p["name"]: p for p in resolved["providers"]}
    for name, rows in ts.groupby("provider", sort=False):
        n += _check_provider(summary, rows.reset_index(drop=True), r[r["provider"] == name], providers[name], horizon)
    return n


def _check_provider(summary: dict, ts: pd.DataFrame, r: pd.DataFrame, spec: dict, horizon: float) -> int:
    name, n = spec["name"], 0
    done = r[r["status"] == "completed"]
    for key, status in (("requests_completed", "completed"), ("requests_rejected", "rejected"),
                        ("requests_timed_out", "timed_out")):
        if f"{name}.{key}" in summary:
            assert summary[f"{name}.{key}"] == int((r["status"] == status).sum()), f"{name}.{key}"
            n += 1
    for key in ("input_tokens", "output_tokens"):
        if f"{name}.{key}" in summary:
            assert summary[f"{name}.{key}"] == int(done[key].sum()), f"{name}.{key}"
            n += 1
    tokens = int(done["input_tokens"].sum() + done["output_tokens"].sum() + done["reasoning_tokens"].sum())
    if tokens and f"{name}.kwh_per_million_tokens" in summary:
        _close(summary[f"{name}.kwh_per_million_tokens"], ts["energy_kwh"].sum() / tokens * 1e6,
               f"{name}.kwh_per_million_tokens")
    if f"{name}.margin" in summary:
        margin = Decimal(summary[f"{name}.revenue"]) - Decimal(str(summary[f"{name}.gpu_cost"])) \
            - Decimal(str(summary[f"{name}.energy_cost"]))
        _close(float(Decimal(str(summary[f"{name}.margin"]))), float(margin), f"{name}.margin", abs_=1e-6)
        n += 1
    if f"{name}.cost_to_serve" in summary and "cost_to_serve" in r:
        assert Decimal(str(summary[f"{name}.cost_to_serve"])) == _dec(r["cost_to_serve"]), f"{name}.cost_to_serve"
        cost = Decimal(str(summary[f"{name}.gpu_cost"])) + Decimal(str(summary[f"{name}.energy_cost"]))
        _close(float(Decimal(str(summary[f"{name}.cost_to_serve"])) + Decimal(str(summary[f"{name}.idle_cost"]))),
               float(cost),
               f"{name}.cost_to_serve + idle_cost", abs_=1e-6)
        n += 2
    held_until = r["finish_s"].fillna(horizon).to_numpy()
    waited_until = r["start_s"].fillna(r["finish_s"]).fillna(horizon).to_numpy()
    last = len(ts) - 1
    for k, row in ts.iterrows():
        _check_interval(int(k), row, last, r, done, spec, waited_until, held_until, horizon)
        n += 22
    online = ts["gpus"] * (ts["interval_end_s"] - ts["interval_start_s"])
    weighted = (ts["utilization"] * online).sum() / online.sum() if online.sum() else None
    if f"{name}.utilization" in summary and weighted is not None:
        _close(summary[f"{name}.utilization"], weighted, f"{name}.utilization")
        n += 1
    return n


def _check_interval(k: int, row: pd.Series, last: int, r: pd.DataFrame, done: pd.DataFrame, spec: dict,
                    waited_until: np.ndarray, held_until: np.ndarray, horizon: float) -> None:
    """One time-series row against the requests: counts, tokens, latency, queue, fleet and energy."""
    max_batch = (spec.get("performance") or {}).get("max_batch")
    name = spec["name"]
    a, b = float(row["interval_start_s"]), float(row["interval_end_s"])
    arrived = r[_in(r["arrival_s"], a, b, k == last)]
    finished = done[_in(done["finish_s"], a, b, k == last)]
    where = f"{name} interval {a:g}-{b:g}"
    assert row["requests_arrived"] == len(arrived), f"{where}: requests_arrived"
    assert row["requests_rejected"] == int((arrived["status"] == "rejected").sum()), f"{where}: rejected"
    assert row["requests_timed_out"] == int((arrived["status"] == "timed_out").sum()), f"{where}: timed_out"
    assert row["requests_completed"] == len(finished), f"{where}: requests_completed"
    for key in ("input_tokens", "cached_input_tokens", "output_tokens"):
        assert row[key] == int(finished[key].sum()), f"{where}: {key}"
    _close(row["output_tokens_per_s"], finished["output_tokens"].sum() / (b - a), f"{where}: output_tokens_per_s")
    t, e = _latency(finished)
    for key, (col, q) in Q.items():
        _close(None if np.isnan(row[key]) else row[key], _pct(t if col == "ttft" else e, q), f"{where}: {key}")
    # queue: time-average of requests waiting, and those waiting / in service at the interval's end
    _close(row["queue_length_mean"], _overlap(r["arrival_s"].to_numpy(), waited_until, a, b) / (b - a),
           f"{where}: queue_length_mean", rel=1e-9, abs_=1e-9)
    at_end = b if k < last else b - 1e-9
    assert row["queue_length"] == int(((r["arrival_s"] <= at_end) & (waited_until > at_end)).sum()), \
        f"{where}: queue_length"
    assert row["in_service"] == int(((r["start_s"] <= at_end) & (held_until > at_end)).sum()), f"{where}: in_service"
    gpus = row["replica_s"] * spec["gpus_per_replica"] / (b - a)
    _close(row["gpus"], gpus, f"{where}: gpus")
    _close(row["gpu_cost"], gpus * (b - a) * spec["gpu"]["cost_per_hour"] / 3600, f"{where}: gpu_cost")
    if max_batch and row["replica_s"] > 0:
        held = _overlap(r["start_s"].fillna(horizon).to_numpy(), held_until, a, b)
        _close(row["utilization"], held / (row["replica_s"] * max_batch), f"{where}: utilization",
               rel=1e-9, abs_=1e-12)
        _close(row["mean_batch"], held / row["replica_s"], f"{where}: mean_batch", rel=1e-9, abs_=1e-12)
    power = spec["gpu"].get("power_w") or {}
    if power and row["replica_s"] > 0:
        busy, prefill = row["busy_s"], row["prefill_s"]
        decode_w = power.get("decode") if power.get("decode") is not None else power["busy"]
        joules = prefill * power["busy"] + (busy - prefill) * decode_w + (row["replica_s"] - busy) * power["idle"]
        _close(row["energy_kwh"], spec["gpus_per_replica"] * joules * spec.get("pue", 1.0) / 3.6e6,
               f"{where}: energy_kwh", rel=1e-9, abs_=1e-9)
    price, carbon = spec.get("energy_price_per_kwh"), spec.get("carbon_g_per_kwh")
    if isinstance(price, (int, float)):
        _close(row["energy_cost"], row["energy_kwh"] * price, f"{where}: energy_cost")
    if isinstance(carbon, (int, float)):
        _close(row["co2_kg"], row["energy_kwh"] * carbon / 1000, f"{where}: co2_kg")
    _close(row["cost"], row["gpu_cost"] + row["energy_cost"], f"{where}: cost")


def _check_invoice_requests(summary: dict, done: pd.DataFrame, invoices: pd.DataFrame) -> int:
    """Each invoice's subtotal: the charges of its account's requests completed in its period."""
    start = pd.Timestamp(summary["start"])
    totals = {key: Decimal(0) for key in zip(invoices["provider"], invoices["customer"], invoices["period_start"])}
    bounds = {key: ((pd.Timestamp(a) - start).total_seconds(), (pd.Timestamp(b) - start).total_seconds())
              for key, a, b in zip(totals, invoices["period_start"], invoices["period_end"])}
    counted = {key: (0, 0, 0) for key in totals}
    for (provider, customer), rows in done.groupby(["provider", "customer"]):
        for key in [k for k in totals if k[:2] == (provider, customer)]:
            lo, hi = bounds[key]
            inside = (rows["finish_s"] >= lo) & (rows["finish_s"] < hi)
            totals[key] = _dec(rows.loc[inside, "charge"])
            counted[key] = (int(inside.sum()), int(rows.loc[inside, "input_tokens"].sum()),
                            int(rows.loc[inside, "output_tokens"].sum()))
        assert sum(totals[k] for k in totals if k[:2] == (provider, customer)) == _dec(rows["charge"]), \
            f"{provider}/{customer}: requests outside every invoice period"
    for key, sub, *tokens in zip(totals, invoices["subtotal"], invoices["requests"], invoices["input_tokens"],
                                 invoices["output_tokens"]):
        assert totals[key] == Decimal(sub), f"invoice {'/'.join(key)}: subtotal {sub}, its requests {totals[key]}"
        assert counted[key] == tuple(int(t) for t in tokens), f"invoice {'/'.join(key)}: requests and tokens"
    return 4 * len(totals)
