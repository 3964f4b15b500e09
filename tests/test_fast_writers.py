"""The vectorised tables and the fast CSV writer give the same bytes as the former per-value code.

The reference below is the former implementation (one Python string per money value, pandas
``to_csv``, invoice lines grouped from the ledger with Decimals); the same seeded runs must give
byte-identical CSVs through the new path.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.moneycols import files_view
from tokenecon.report.tables import csv_text
from tokenecon.units import format_decimal, format_money, money_from_price_units

from .conftest import QUICKSTART, ROOT


def _reference_ledger(result) -> pd.DataFrame:
    frames = []
    names = [p.name for p in result.scenario.providers]
    for p, (rows, table) in result.bill.tables.items():
        for component in table.components:
            used = table.quantity[component] > 0
            frames.append(pd.DataFrame({
                "request_id": rows[used],
                "customer": np.asarray(result.workload.accounts, dtype=object)[result.workload.account[rows[used]]],
                "provider": names[p], "component": component, "quantity": table.quantity[component][used],
                "unit_price_per_1m": [format_money(money_from_price_units(u))
                                      for u in table.unit_price[component][used].tolist()],
                "amount": [format_money(a) for a in table.amount[component][used].tolist()],
            }))
    lines = result.bill.plan_lines
    if len(lines):
        frames.append(pd.DataFrame({
            "request_id": pd.arrays.IntegerArray(lines.request_id, lines.request_id < 0),
            "customer": np.asarray(result.workload.accounts, dtype=object)[lines.account],
            "provider": np.asarray(names, dtype=object)[lines.provider], "component": lines.component,
            "quantity": lines.quantity, "unit_price_per_1m": "",
            "amount": [format_money(a) for a in lines.amount.tolist()], "time_s": lines.time_s,
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["request_id"], kind="stable", ignore_index=True)


def _reference_invoice_lines(result, ledger: pd.DataFrame) -> pd.DataFrame:
    from tokenecon.billing import period_edges

    edges, starts = period_edges(result.scenario)
    finish = result.sim.records.column("finish_s")
    rid = ledger["request_id"]
    when = np.where(rid.notna(), finish[rid.fillna(0).astype(np.int64).to_numpy()],
                    ledger["time_s"].to_numpy(dtype=float, na_value=np.nan) if "time_s" in ledger else np.nan)
    period = np.clip(np.searchsorted(edges, when, side="right") - 1, 0, len(edges) - 1)
    fmt = "%Y-%m-%dT%H:%M:%S%z"
    frame = pd.DataFrame({
        "provider": ledger["provider"], "customer": ledger["customer"],
        "period_start": np.asarray([s.strftime(fmt) for s in starts[:-1]], dtype=object)[period],
        "component": ledger["component"].str.split("@").str[0],
        "quantity": ledger["quantity"], "amount": ledger["amount"].map(Decimal),
    })
    grouped = frame.groupby(["provider", "customer", "period_start", "component"], sort=True)
    out = grouped.agg(quantity=("quantity", "sum"), amount=("amount", lambda a: sum(a, Decimal(0))))
    out["amount"] = out["amount"].map(format_decimal)
    return out.reset_index()


def _reference_requests_money(result) -> dict[str, list[str]]:
    charge = [format_money(c) for c in result.bill.charge.tolist()]
    listed = [format_money(c) for c in result.bill.list_charge.tolist()] if len(result.bill.plan_lines) else charge
    return {"charge": charge, "list_charge": listed}


def _runs():
    quick = tokenecon.load_scenario(QUICKSTART).model_copy(update={"duration": 3 * 3600.0})
    plans = tokenecon.load_scenario(ROOT / "scenarios" / "prepaid_vs_payg_sme.yaml")
    plans = plans.model_copy(update={"duration": 3 * 86400.0})
    return {"quickstart": tokenecon.run(quick), "plans": tokenecon.run(plans)}


@pytest.fixture(scope="module")
def runs():
    return _runs()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["quickstart", "plans"])
def test_tables_byte_identical_to_the_former_writers(runs, name):
    result = runs[name]
    ledger = _reference_ledger(result)
    assert csv_text(result.ledger) == ledger.to_csv(index=False)
    assert files_view(result.ledger).to_csv(index=False) == ledger.to_csv(index=False)
    lines = _reference_invoice_lines(result, ledger)
    assert csv_text(result.invoice_lines) == lines.to_csv(index=False)
    requests = result.requests
    for column, values in _reference_requests_money(result).items():
        assert requests[column + "_exact"].tolist() == values, column
    for table in (requests, result.timeseries, result.invoices):
        assert csv_text(table) == files_view(table).to_csv(index=False)
    if name == "plans":
        assert len(result.bill.plan_lines) and result.ledger["request_id"].isna().any()
