"""The `Result` of a run: DataFrames built on demand from columnar records, and `summary()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .billing import Bill
from .money import exact_group_sums, exact_total, in_reporting
from .demand import Workload
from .load import SurgeSignal
from .scenario import Scenario
from .sim import SimOutput
from .sim.records import BATCH, BATCH_EXPIRED, COMPLETED, REASONS, REJECTED, RUNNING, SERVICE_TIERS, STATUS, TIMED_OUT
from .timegrid import index_of
from .units import format_decimal, format_money, format_money_array

__all__ = ["Result"]


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


@dataclass
class Result:
    """One simulated run. DataFrames are built once, on first access."""

    scenario: Scenario
    workload: Workload
    sim: SimOutput
    bill: Bill
    meta: dict[str, Any] = field(default_factory=dict)
    full_scenario: Scenario | None = None  # with `scale` < 1: the scenario before scaling
    surge: SurgeSignal | None = None  # the surge price per interval the bill charged

    @property
    def scale(self) -> float:
        return self.full_scenario.scale if self.full_scenario is not None else 1.0

    # -- raw columns ------------------------------------------------------
    def _col(self, name: str) -> np.ndarray:
        return self.sim.records.column(name)

    @cached_property
    def _completed(self) -> np.ndarray:
        return self._col("status") == COMPLETED

    # -- tables -----------------------------------------------------------
    @cached_property
    def requests(self) -> pd.DataFrame:
        """One row per request (the requests.csv contract)."""
        w = self.workload
        provider = self._col("provider")
        names = np.asarray([p.name for p in self.scenario.providers] + [""], dtype=object)
        charge = self.bill.charge
        sc_currency = self.scenario.currency
        charge_text = np.asarray(format_money_array(charge), dtype=object)
        return pd.DataFrame({
            "request_id": np.arange(len(w), dtype=np.int64),
            "customer": np.asarray(w.accounts, dtype=object)[w.account],
            "segment": np.asarray(w.segments, dtype=object)[w.segment],
            "provider": names[provider],
            "arrival_s": w.arrival_s,
            "start_s": self._col("start_s"),
            "first_token_s": self._col("first_token_s"),
            "finish_s": self._col("finish_s"),
            "input_tokens": w.input_tokens,
            "cached_input_tokens": w.cached_input_tokens,
            "output_tokens": w.output_tokens,
            "reasoning_tokens": w.reasoning_tokens,
            "cache_write_tokens": w.cache_write_tokens,
            "service_tier": np.asarray(SERVICE_TIERS, dtype=object)[w.service_tier],
            "provisioned": self._col("reserved").astype(bool),
            "status": np.asarray(STATUS, dtype=object)[self._col("status")],
            "reason": np.asarray(REASONS, dtype=object)[self._col("reason")],
            "preemptions": self._col("preemptions").astype(np.int64),
            "charge": charge_text,
            "currency": np.asarray(self.bill.provider_currency + [sc_currency], dtype=object)[provider],
            "list_charge": np.asarray(format_money_array(self.bill.list_charge), dtype=object)
            if len(self.bill.plan_lines) else charge_text,
        })

    @cached_property
    def invoices(self) -> pd.DataFrame:
        """One row per provider, customer account and billing period (the invoices.csv contract)."""
        return self.bill.invoices

    @cached_property
    def _ledger_columns(self):
        from .ledger import ledger_columns

        return ledger_columns(self)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """Charge lines: one per billed request and price component, with exact amounts."""
        from .ledger import ledger_frame

        return ledger_frame(self, self._ledger_columns)

    @cached_property
    def invoice_lines(self) -> pd.DataFrame:
        """Invoice line items: per provider, customer, billing period and component, the summed lines."""
        from .ledger import invoice_lines_frame

        return invoice_lines_frame(self, self._ledger_columns)

    @cached_property
    def wallets(self) -> pd.DataFrame:
        """Wallet movements and balances over time (credits bought or granted, then spent)."""
        names = [p.name for p in self.scenario.providers]
        rows = sorted(self.bill.plan_lines.wallet, key=lambda w: w[0])
        return pd.DataFrame({
            "time_s": [w[0] for w in rows],
            "provider": [names[w[1]] for w in rows],
            "customer": [self.workload.accounts[w[2]] for w in rows],
            "wallet": [w[3] for w in rows],
            "change": [format_money(w[4]) for w in rows],
            "balance": [format_money(w[5]) for w in rows],
        })

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per provider and report interval (the timeseries.csv contract).

        With `scale` < 1, extensive columns are scaled up to the full scenario (see scaling.py).
        """
        from .scaling import DEMAND_COLUMNS, FLEET_COLUMNS
        from .load import replica_seconds
        from .timeseries import build_timeseries

        frame = build_timeseries(self)
        if self.scale == 1.0:
            return frame
        demand = 1.0 / self.scale
        for column in DEMAND_COLUMNS:
            frame[column] = frame[column] * demand
        frame["revenue"] = [format_decimal(Decimal(v) * Decimal(repr(demand))) for v in frame["revenue"]]
        for spec, full in zip(self.scenario.providers, self.full_scenario.providers):
            rows = frame["provider"] == spec.name
            ratio = replica_seconds(full, self.sim.load.edges) / replica_seconds(spec, self.sim.load.edges)
            for column in FLEET_COLUMNS:
                frame.loc[rows, column] = frame.loc[rows, column].to_numpy() * ratio
        frame["cost"] = frame["gpu_cost"] + frame["energy_cost"]
        return frame

    # -- summary ----------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Flat run totals: the same dict as summary.json."""
        return self._summary

    @cached_property
    def _summary(self) -> dict[str, Any]:
        w, sc = self.workload, self.scenario
        status = self._col("status")
        done = self._completed
        arrival, start = w.arrival_s, self._col("start_s")
        first, finish = self._col("first_token_s"), self._col("finish_s")
        started = ~np.isnan(start)
        ts = self.timeseries
        out: dict[str, Any] = {
            "scenario": sc.name,
            "question": sc.question,
            "seed": sc.seed,
            "start": sc.start_local.isoformat(),
            "duration_s": sc.duration,
            "requests_arrived": int(len(w)),
            "requests_completed": int(done.sum()),
            "requests_rejected": int((status == REJECTED).sum()),
            "requests_timed_out": int((status == TIMED_OUT).sum()),
            "requests_running": int((status == RUNNING).sum()),
            "rejection_rate": float(((status == REJECTED) | (status == TIMED_OUT)).sum() / max(1, len(w))),
            "input_tokens": int(w.input_tokens[done].sum()),
            "cached_input_tokens": int(w.cached_input_tokens[done].sum()),
            "output_tokens": int(w.output_tokens[done].sum()),
            "reasoning_tokens": int(w.reasoning_tokens[done].sum()),
            "cache_write_tokens": int(w.cache_write_tokens[done].sum()),
            "revenue": format_decimal(self.bill.revenue),
            "list_charges": format_money(exact_total(self.bill.list_charge)),
            "revenue_invoiced": str(self.bill.invoiced_total),
            "currency": sc.currency,
            "wait_mean_s": _mean(start[started] - arrival[started]),
            "ttft_p50_s": _percentile(first[done] - arrival[done], 50),
            "ttft_p95_s": _percentile(first[done] - arrival[done], 95),
            "e2e_latency_mean_s": _mean(finish[done] - arrival[done]),
            "e2e_latency_p50_s": _percentile(finish[done] - arrival[done], 50),
            "e2e_latency_p95_s": _percentile(finish[done] - arrival[done], 95),
            "output_tokens_per_s": float(w.output_tokens[done].sum() / sc.duration),
            "gpu_cost": round(float(ts["gpu_cost"].sum()), 6),
            "energy_kwh": round(float(ts["energy_kwh"].sum()), 6),
            "energy_cost": round(float(ts["energy_cost"].sum()), 6),
            "co2_kg": round(float(ts["co2_kg"].sum()), 6),
            "gpus_mean": float((ts["gpus"] * (ts["interval_end_s"] - ts["interval_start_s"])).sum() / sc.duration),
            "utilization": float((ts["utilization"] * ts["replica_s"]).sum() / ts["replica_s"].sum()),
            "kwh_per_million_tokens": (float(ts["energy_kwh"].sum()) / max(1, int(w.input_tokens[done].sum()
                                       + w.output_tokens[done].sum())) * 1e6 / self._demand()),
            "invoices": int(len(self.invoices)),
        }
        batch = w.service_tier == BATCH
        if batch.any():
            late = batch & done & (finish > arrival + self._batch_window())
            expired = self._col("reason") == BATCH_EXPIRED
            out["batch_requests"] = int(batch.sum())
            out["batch_window_expired"] = int(expired.sum())
            out["batch_finished_late"] = int(late.sum())
            out["batch_window_missed"] = int(expired.sum() + late.sum())
        provider = self._col("provider")
        for p, spec in enumerate(sc.providers):
            mine = provider == p
            rows = ts[ts["provider"] == spec.name]
            prefix = f"{spec.name}."
            out[prefix + "requests_completed"] = int((done & mine).sum())
            out[prefix + "requests_rejected"] = int(((status == REJECTED) & mine).sum())
            out[prefix + "requests_timed_out"] = int(((status == TIMED_OUT) & mine).sum())
            out[prefix + "input_tokens"] = int(w.input_tokens[done & mine].sum())
            out[prefix + "output_tokens"] = int(w.output_tokens[done & mine].sum())
            out[prefix + "revenue"] = format_money(self.bill.revenue_by_provider[p])
            out[prefix + "currency"] = self.bill.provider_currency[p]
            out[prefix + "gpu_cost"] = round(float(rows["gpu_cost"].sum()), 6)
            out[prefix + "energy_kwh"] = round(float(rows["energy_kwh"].sum()), 6)
            out[prefix + "energy_cost"] = round(float(rows["energy_cost"].sum()), 6)
            out[prefix + "co2_kg"] = round(float(rows["co2_kg"].sum()), 6)
            tokens = int(w.input_tokens[done & mine].sum() + w.output_tokens[done & mine].sum())
            out[prefix + "kwh_per_million_tokens"] = (float(rows["energy_kwh"].sum()) / tokens * 1e6 / self._demand()
                                                      if tokens else float("nan"))
            out[prefix + "utilization"] = float((rows["utilization"] * rows["replica_s"]).sum() / rows["replica_s"].sum())
            cost = out[prefix + "gpu_cost"] + out[prefix + "energy_cost"]
            revenue = in_reporting([self.bill.revenue_by_provider[p]], [self.bill.provider_rate[p]])
            out[prefix + "margin"] = round(float(revenue) - cost, 6)  # in the scenario currency
        if self.scale != 1.0:
            self._scale_up(out)
        for segment, amount in self.segment_bills().items():  # in the scenario currency
            if self.scale != 1.0:
                amount = (amount * Decimal(repr(1.0 / self.scale))).quantize(Decimal("0.01"))
            out[f"bill.{segment}"] = format_decimal(amount)
        if sc.milestones or sc.supply_model:
            from .report.national import national_summary

            out.update(national_summary(self))
        for customer in sc.customers:
            if customer.arrivals.type == "trace":
                from .demand.traces import load_trace

                trace = load_trace(sc.resolve_path(customer.arrivals.path), customer.arrivals)
                out[f"{customer.name}.trace_rows_skipped"] = trace.skipped
        out.update(self.meta)
        return out

    def _demand(self) -> float:
        """Demand scale-up factor (energy in the time series is already full size)."""
        return 1.0 / self.scale

    def _scale_up(self, out: dict[str, Any]) -> None:
        """Extensive totals of a scaled run, scaled up to the full scenario (money as estimates)."""
        from .scaling import DEMAND_KEYS

        factor = 1.0 / self.scale
        out["scale"] = self.scale
        out["simulated_requests"] = out["requests_arrived"]
        for key in list(out):
            base = key.split(".", 1)[-1]
            if base in DEMAND_KEYS and isinstance(out[key], (int, float)):
                out[key] = type(out[key])(out[key] * factor) if isinstance(out[key], int) else out[key] * factor
            elif base in ("revenue", "list_charges", "revenue_invoiced") and isinstance(out[key], str):
                # an estimate, not a bill: to the cent
                out[key] = format_decimal((Decimal(out[key]) * Decimal(repr(factor))).quantize(Decimal("0.01")))
        for p in self.scenario.providers:  # margin from the scaled-up revenue and costs
            revenue = float(out[f"{p.name}.revenue"]) * float(self.bill.provider_rate[
                [q.name for q in self.scenario.providers].index(p.name)])
            out[f"{p.name}.margin"] = round(revenue - out[f"{p.name}.gpu_cost"] - out[f"{p.name}.energy_cost"], 6)

    def segment_bills(self) -> dict[str, Decimal]:
        """Everything each customer segment is billed (requests, fees, purchases), in the scenario currency."""
        w = self.workload
        providers = len(self.scenario.providers)
        provider = np.maximum(self.sim.records.column("provider"), 0).astype(np.int64)
        lines = self.bill.plan_lines
        other = np.flatnonzero(lines.request_id < 0)  # fees and purchases belong to the account's segment
        codes = np.concatenate([w.segment.astype(np.int64) * providers + provider,
                                w.account_segment[lines.account[other]].astype(np.int64) * providers
                                + lines.provider[other]])
        amounts = np.concatenate([self.bill.charge.astype(object), lines.amount[other].astype(object)]) \
            if len(other) else self.bill.charge
        sums = exact_group_sums(codes, amounts, len(w.segments) * providers)
        rates = self.bill.provider_rate
        return {name: in_reporting(sums[s * providers:(s + 1) * providers], rates) for s, name in enumerate(w.segments)}

    def _batch_window(self) -> np.ndarray:
        windows = np.asarray([p.batch_window for p in self.scenario.providers] + [np.inf])
        return windows[self._col("provider")]

    def revenue_by_interval(self) -> tuple[np.ndarray, list[int]]:
        """Exact revenue (money units) per provider x interval, by completion time: (codes, sums)."""
        edges = self.sim.load.edges
        done = self._completed
        rows = np.flatnonzero(done)
        interval = index_of(self._col("finish_s")[rows], edges[:-1])
        code = self._col("provider")[rows].astype(np.int64) * (len(edges) - 1) + interval
        groups = len(self.scenario.providers) * (len(edges) - 1)
        amounts = self.bill.charge[rows]
        lines = self.bill.plan_lines
        other = np.flatnonzero(lines.request_id < 0)  # fees and purchases, by their time
        if len(other):
            k = index_of(lines.time_s[other], edges[:-1])
            code = np.concatenate([code, lines.provider[other] * (len(edges) - 1) + k])
            amounts = np.concatenate([amounts.astype(object), lines.amount[other].astype(object)])
        return np.arange(groups), exact_group_sums(code, amounts, groups)
