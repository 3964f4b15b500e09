"""The run summary (summary.json): flat totals computed once, from the columns, the bill and the time series."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..billing import Bill
from ..demand import Workload
from ..money import exact_group_sums, exact_total, in_reporting
from ..scenario import Scenario
from ..sim.records import BATCH, BATCH_EXPIRED, COMPLETED, REJECTED, RUNNING, TIMED_OUT, Records
from ..units import format_decimal, format_money
from .scaleup import scale_summary

__all__ = ["run_summary", "segment_bills", "percentile"]


def percentile(values: np.ndarray, q: float) -> float:
    """The q-th percentile (linear interpolation between order statistics); NaN when empty."""
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _requests(workload: Workload, records: Records, mine: np.ndarray | slice = slice(None)) -> dict[str, Any]:
    """Counts and tokens of the requests selected by `mine` (unscaled)."""
    status = records.column("status")[mine]
    done = status == COMPLETED
    w = {name: getattr(workload, name)[mine][done] for name in
         ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cache_write_tokens")}
    return {
        "requests_arrived": int(len(status)),
        "requests_completed": int(done.sum()),
        "requests_rejected": int((status == REJECTED).sum()),
        "requests_timed_out": int((status == TIMED_OUT).sum()),
        "requests_running": int((status == RUNNING).sum()),
        **{name: int(values.sum()) for name, values in w.items()},
    }


def _latency(workload: Workload, records: Records) -> dict[str, float]:
    """Waiting and latency of the requests (per request, over the whole run)."""
    arrival, start = workload.arrival_s, records.column("start_s")
    first, finish = records.column("first_token_s"), records.column("finish_s")
    done = records.column("status") == COMPLETED
    started = ~np.isnan(start)
    ttft, e2e = first[done] - arrival[done], finish[done] - arrival[done]
    return {
        "wait_mean_s": _mean(start[started] - arrival[started]),
        "ttft_p50_s": percentile(ttft, 50),
        "ttft_p95_s": percentile(ttft, 95),
        "e2e_latency_mean_s": _mean(e2e),
        "e2e_latency_p50_s": percentile(e2e, 50),
        "e2e_latency_p95_s": percentile(e2e, 95),
    }


def _fleet(rows: pd.DataFrame, weight: pd.Series) -> dict[str, float]:
    """Fleet totals from (already scaled-up) time-series rows; utilization weighted by capacity online."""
    return {
        "gpu_cost": round(float(rows["gpu_cost"].sum()), 6),
        "energy_kwh": round(float(rows["energy_kwh"].sum()), 6),
        "energy_cost": round(float(rows["energy_cost"].sum()), 6),
        "co2_kg": round(float(rows["co2_kg"].sum()), 6),
        "utilization": float((rows["utilization"] * weight).sum() / weight.sum()),
    }


def _kv(rows: pd.DataFrame, weight: pd.Series) -> dict[str, float]:
    """Share of the modelled KV memory holding tokens over the run (absent when no provider models it)."""
    kv = rows["kv_occupancy"].notna()
    if not kv.any():
        return {}
    return {"kv_occupancy": float((rows["kv_occupancy"][kv] * weight[kv]).sum() / weight[kv].sum())}


def _per_kwh(energy_kwh: float, tokens: int, factor: float) -> float:
    return energy_kwh / tokens * 1e6 / factor if tokens else float("nan")


def segment_bills(scenario: Scenario, workload: Workload, records: Records, bill: Bill) -> dict[str, Decimal]:
    """Everything each customer segment is billed (requests, fees, purchases), in the scenario currency."""
    w = workload
    providers = len(scenario.providers)
    provider = np.maximum(records.column("provider"), 0).astype(np.int64)
    lines = bill.plan_lines
    other = np.flatnonzero(lines.request_id < 0)  # fees and purchases belong to the account's segment
    codes = np.concatenate([w.segment.astype(np.int64) * providers + provider,
                            w.account_segment[lines.account[other]].astype(np.int64) * providers
                            + lines.provider[other]])
    amounts = np.concatenate([bill.charge.astype(object), lines.amount[other].astype(object)]) \
        if len(other) else bill.charge
    sums = exact_group_sums(codes, amounts, len(w.segments) * providers)
    rates = bill.provider_rate
    return {name: in_reporting(sums[s * providers:(s + 1) * providers], rates) for s, name in enumerate(w.segments)}


def segment_latency(workload: Workload, records: Records) -> dict[str, float]:
    """Per customer segment, p95 time to first token and end-to-end latency of its completed requests:
    ``ttft_p95_s.<segment>``, ``e2e_p95_s.<segment>`` (does a policy slow one segment to serve another?)."""
    arrival, first, finish = workload.arrival_s, records.column("first_token_s"), records.column("finish_s")
    done = records.column("status") == COMPLETED
    out: dict[str, float] = {}
    for s, name in enumerate(workload.segments):
        mine = done & (workload.segment == s)
        out[f"ttft_p95_s.{name}"] = percentile(first[mine] - arrival[mine], 95)
        out[f"e2e_p95_s.{name}"] = percentile(finish[mine] - arrival[mine], 95)
    return out


def _totals(scenario: Scenario, workload: Workload, records: Records, bill: Bill, ts: pd.DataFrame,
            weight: pd.Series, factor: float) -> dict[str, Any]:
    """The run's totals, scaled up by declared field where the run is a scaled fraction."""
    counts = records.derived(("requests",), lambda: _requests(workload, records))
    lost = counts["requests_rejected"] + counts["requests_timed_out"]
    length = ts["interval_end_s"] - ts["interval_start_s"]
    fleet = _fleet(ts, weight)
    tokens = processed_tokens(counts)
    return {
        **{k: counts[k] for k in ("requests_arrived", "requests_completed", "requests_rejected",
                                  "requests_timed_out", "requests_running")},
        "rejection_rate": float(lost / max(1, counts["requests_arrived"])),
        **{k: counts[k] for k in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens",
                                  "cache_write_tokens")},
        "revenue": format_decimal(bill.revenue),
        "list_charges": format_money(exact_total(bill.list_charge)),
        "revenue_invoiced": str(bill.invoiced_total),
        "currency": scenario.currency,
        **records.derived(("latency",), lambda: _latency(workload, records)),
        "output_tokens_per_s": float(counts["output_tokens"] / scenario.duration),
        **{k: fleet[k] for k in ("gpu_cost", "energy_kwh", "energy_cost", "co2_kg")},
        "gpus_mean": float((ts["gpus"] * length).sum() / scenario.duration),
        "utilization": fleet["utilization"],
        "preemptions": int(records.column("preemptions").sum()),
        **_kv(ts, weight),
        "kwh_per_million_tokens": float(ts["energy_kwh"].sum()) / max(1, tokens) * 1e6 / factor,
        "invoices": int(len(bill.invoices)),
    }


def _batch(scenario: Scenario, workload: Workload, records: Records) -> dict[str, int]:
    """Batch-tier requests: how many, and how many missed their completion window."""
    batch = workload.service_tier == BATCH
    if not batch.any():
        return {}
    provider = records.column("provider")
    window = np.asarray([p.batch_window for p in scenario.providers] + [np.inf])[provider]
    done = records.column("status") == COMPLETED
    late = batch & done & (records.column("finish_s") > workload.arrival_s + window)
    expired = records.column("reason") == BATCH_EXPIRED
    return {"batch_requests": int(batch.sum()), "batch_window_expired": int(expired.sum()),
            "batch_finished_late": int(late.sum()), "batch_window_missed": int(expired.sum() + late.sum())}


def _provider(scenario: Scenario, workload: Workload, records: Records, bill: Bill, ts: pd.DataFrame,
              weight: pd.Series, p: int, factor: float) -> dict[str, Any]:
    """One provider's figures (unprefixed), scaled up by declared field."""
    counts = records.derived(("requests", p), lambda: _requests(workload, records, records.column("provider") == p))
    mine = (ts["provider"] == scenario.providers[p].name).to_numpy()
    rows = ts[mine]
    fleet = _fleet(rows, weight[mine])
    tokens = processed_tokens(counts)
    out = scale_summary({
        **{k: counts[k] for k in ("requests_completed", "requests_rejected", "requests_timed_out", "input_tokens",
                                  "output_tokens")},
        "revenue": format_money(bill.revenue_by_provider[p]),
        "currency": bill.provider_currency[p],
        **{k: fleet[k] for k in ("gpu_cost", "energy_kwh", "energy_cost", "co2_kg")},
        "kwh_per_million_tokens": _per_kwh(float(rows["energy_kwh"].sum()), tokens, factor),
        "utilization": fleet["utilization"],
    }, factor)
    revenue = float(Decimal(out["revenue"]) * bill.provider_rate[p])  # in the scenario currency
    out["margin"] = round(revenue - (out["gpu_cost"] + out["energy_cost"]), 6)
    return out


def processed_tokens(counts: dict[str, int]) -> int:
    """Tokens the fleet processed for completed requests: prompt, visible output and hidden reasoning
    (reasoning is decoded like output), the denominator of energy per 1M tokens."""
    return counts["input_tokens"] + counts["output_tokens"] + counts["reasoning_tokens"]


def run_summary(scenario: Scenario, workload: Workload, records: Records, bill: Bill, ts: pd.DataFrame, *,
                scale: float, fleet_source: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The flat summary.json dict. `ts` is the final (scaled-up) time series; `extra` keys go last."""
    factor = 1.0 / scale
    length = ts["interval_end_s"] - ts["interval_start_s"]
    weight = ts["replica_s"] if fleet_source == "simulation" else ts["gpus"] * length
    out: dict[str, Any] = {"scenario": scenario.name, "question": scenario.question, "seed": scenario.seed,
                           "start": scenario.start_local.isoformat(), "duration_s": scenario.duration}
    out.update(scale_summary(_totals(scenario, workload, records, bill, ts, weight, factor), factor))
    out.update(records.derived(("batch",), lambda: _batch(scenario, workload, records)))
    for p, spec in enumerate(scenario.providers):
        values = _provider(scenario, workload, records, bill, ts, weight, p, factor)
        out.update({f"{spec.name}.{k}": v for k, v in values.items()})
    if scale != 1.0:
        out["scale"] = scale
        out["simulated_requests"] = len(workload)
    for segment, amount in segment_bills(scenario, workload, records, bill).items():
        out[f"bill.{segment}"] = _bill(amount, factor)
    out.update(records.derived(("segment_latency",), lambda: segment_latency(workload, records)))
    if fleet_source != "simulation":
        out["fleet_source"] = fleet_source
    out.update(extra)
    return out


def _bill(amount: Decimal, factor: float) -> str:
    if factor != 1.0:
        amount = (amount * Decimal(repr(factor))).quantize(Decimal("0.01"))
    return format_decimal(amount)
