"""The `Result` of a run: a plain holder of its columns, bill and measured tables (reports format it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .billing import Bill
from .demand import Workload
from .load import SurgeSignal
from .measure import Measures
from .scenario import Scenario
from .sim import SimOutput
from .sim.records import COMPLETED, REASONS, SERVICE_TIERS, STATUS
from .moneycols import with_numeric_money
from .measure.costserve import MICRO
from .units import MONEY_UNITS_PER_UNIT, format_money, format_money_array

__all__ = ["Result"]


@dataclass
class Result:
    """One simulated run: its columns, its bill and its measured tables.

    The per-request, ledger and invoice tables are the columns formatted, built once on first
    access; the time series and the summary were computed by the measure stage.
    """

    scenario: Scenario
    workload: Workload
    sim: SimOutput
    bill: Bill
    measures: Measures
    surge: SurgeSignal  # the surge price per interval the bill charged
    full_scenario: Scenario | None = None  # with `scale` < 1: the scenario before scaling

    @property
    def scale(self) -> float:
        return self.full_scenario.scale if self.full_scenario is not None else 1.0

    # -- raw columns ------------------------------------------------------
    def _col(self, name: str) -> np.ndarray:
        return self.sim.records.column(name)

    @cached_property
    def _completed(self) -> np.ndarray:
        return np.asarray(self._col("status") == COMPLETED)

    # -- tables -----------------------------------------------------------
    @cached_property
    def requests(self) -> pd.DataFrame:
        """One row per request (the requests.csv contract); money as numbers, with ``*_exact`` text."""
        return with_numeric_money(self._requests_text)

    @cached_property
    def _requests_text(self) -> pd.DataFrame:
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
            "cache_write_1h_tokens": w.cache_write_1h_tokens,
            "cached_input_explicit_tokens": w.cached_explicit_tokens,
            "service_tier": np.asarray(SERVICE_TIERS, dtype=object)[w.service_tier],
            "provisioned": self._col("reserved").astype(bool),
            "status": np.asarray(STATUS, dtype=object)[self._col("status")],
            "reason": np.asarray(REASONS, dtype=object)[self._col("reason")],
            "preemptions": self._col("preemptions").astype(np.int64),
            "charge": charge_text,
            "cost_to_serve": self._cost_to_serve_text(),
            "currency": np.asarray(self.bill.provider_currency + [sc_currency], dtype=object)[provider],
            "list_charge": np.asarray(format_money_array(self.bill.list_charge), dtype=object)
            if len(self.bill.plan_lines) else charge_text,
        })

    def _cost_to_serve_text(self) -> np.ndarray:
        """Each request's share of its provider's fleet cost (scenario currency, 6 decimals)."""
        cost = self.measures.cost_to_serve
        units = cost.per_request if cost is not None else np.zeros(len(self.workload), dtype=np.int64)
        return np.asarray(format_money_array(units * (MONEY_UNITS_PER_UNIT // MICRO)), dtype=object)

    @cached_property
    def invoices(self) -> pd.DataFrame:
        """One row per provider, customer account and billing period (the invoices.csv contract).

        ``amount`` and ``subtotal`` are numbers (``invoices["amount"].sum()``); ``amount_exact`` and
        ``subtotal_exact`` are the exact decimal strings the file holds."""
        return with_numeric_money(self.bill.invoices)

    @cached_property
    def _ledger_columns(self) -> Any:
        from .ledger import ledger_columns

        return ledger_columns(self)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """Charge lines: one per billed request and price component, with exact amounts."""
        from .ledger import ledger_frame

        return with_numeric_money(ledger_frame(self, self._ledger_columns))

    @cached_property
    def invoice_lines(self) -> pd.DataFrame:
        """Invoice line items: per provider, customer, billing period and component, the summed lines."""
        from .ledger import invoice_lines_frame

        return with_numeric_money(invoice_lines_frame(self, self._ledger_columns))

    @cached_property
    def wallets(self) -> pd.DataFrame:
        """Wallet movements and balances over time (credits bought or granted, then spent)."""
        names = [p.name for p in self.scenario.providers]
        rows = sorted(self.bill.plan_lines.wallet, key=lambda w: w[0])
        return with_numeric_money(pd.DataFrame({
            "time_s": [w[0] for w in rows],
            "provider": [names[w[1]] for w in rows],
            "customer": [self.workload.accounts[w[2]] for w in rows],
            "wallet": [w[3] for w in rows],
            "change": [format_money(w[4]) for w in rows],
            "balance": [format_money(w[5]) for w in rows],
        }))

    def files_table(self, name: str) -> pd.DataFrame:
        """Table `name` as its file holds it: each money column the exact text under its own name.

        The same values as ``files_view(getattr(result, name))``, built without the numbers beside
        the text (the writers read only the text)."""
        from .moneycols import files_view

        if name == "requests":
            return self._requests_text
        if name == "timeseries":
            return self.measures.timeseries
        if name == "invoices":
            return self.bill.invoices
        if name == "ledger":
            from .ledger import ledger_frame

            return ledger_frame(self, self._ledger_columns)
        if name == "invoice_lines":  # sums need no ledger order: the lines unsorted, unless already built
            from .ledger import invoice_lines_frame, ledger_columns

            columns = self.__dict__.get("_ledger_columns") or ledger_columns(self, ordered=False)
            return invoice_lines_frame(self, columns)
        return files_view(getattr(self, name))

    # -- measured (computed once by the measure stage) ---------------------
    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per provider and report interval (the timeseries.csv contract), at full size.

        `revenue` is a number; `revenue_exact` the exact decimal string the file holds."""
        return with_numeric_money(self.measures.timeseries)

    def summary(self) -> dict[str, Any]:
        """Flat run totals: the same dict as summary.json."""
        return self.measures.summary

    def segment_bills(self) -> dict[str, Decimal]:
        """Everything each customer segment is billed (requests, fees, purchases), in the scenario currency."""
        return self.measures.segment_bills

    def accounts_by_segment(self) -> dict[str, int]:
        """Customer accounts per segment: the scenario's `count`, or for a trace replayed
        `by_customer` the customers the trace names (one account each)."""
        segments = list(self.workload.segments)
        counts = np.bincount(self.workload.account_segment, minlength=len(segments))
        return {c.name: int(counts[segments.index(c.name)]) if getattr(c.arrivals, "by_customer", False)
                else c.count for c in self.scenario.customers}

    def segments(self) -> pd.DataFrame:
        """Per customer segment: its bill, its cost to serve and the margin (scenario currency, exact text
        in ``*_exact``; scaled up like the summary in a scaled run)."""
        s = self.summary()
        names = list(self.workload.segments)
        frame = pd.DataFrame({"segment": names, "bill": [s[f"bill.{g}"] for g in names],
                              "cost_to_serve": [s[f"cost_to_serve.{g}"] for g in names],
                              "margin": [s[f"margin.{g}"] for g in names]})
        return with_numeric_money(frame)

    @property
    def unit_economics(self) -> pd.DataFrame:
        """Charged, cost to serve and margin per 1M tokens by prompt length and by service tier
        (unit_economics.csv; `tokenecon.measure.unit_economics`)."""
        table = self.measures.unit_economics
        return table if table is not None else pd.DataFrame()

    @property
    def national(self) -> pd.DataFrame | None:
        """Per interval, all providers together: tokens per day, price and the supply model (or None)."""
        return self.measures.national

    @property
    def milestones(self) -> pd.DataFrame | None:
        return self.measures.milestones
