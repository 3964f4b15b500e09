"""Conservation and reproducibility: tokens, money and requests add up exactly."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.units import CURRENCY_MINOR_UNITS

from .conftest import QUICKSTART, run_cli

pytestmark = pytest.mark.slow  # whole-folder runs, a browser or installed-package subprocesses


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "quick"
    scenario = tokenecon.load_scenario(QUICKSTART)
    result = tokenecon.run(scenario.model_copy(update={"duration": 4 * 3600.0}))
    tokenecon.write_run_folder(result, out)
    return result, out


def test_requests_are_conserved(quick_run):
    result, out = quick_run
    s = json.loads((out / "summary.json").read_text())
    assert s["requests_arrived"] == (s["requests_completed"] + s["requests_rejected"]
                                     + s["requests_timed_out"] + s["requests_running"])
    requests = pd.read_csv(out / "requests.csv", low_memory=False)
    assert len(requests) == s["requests_arrived"]
    assert requests["status"].value_counts().to_dict() == {
        k: v for k, v in {"completed": s["requests_completed"], "rejected": s["requests_rejected"],
                          "timed_out": s["requests_timed_out"], "running": s["requests_running"]}.items() if v
    }
    running = requests[requests["status"] == "running"]
    assert set(running["reason"]) <= {"queued_at_horizon", "in_service_at_horizon"}


def test_tokens_in_ledger_equal_requests_and_summary(quick_run):
    result, out = quick_run
    s = json.loads((out / "summary.json").read_text())
    requests = pd.read_csv(out / "requests.csv", low_memory=False)
    ledger = pd.read_csv(out / "ledger.csv")
    done = requests[requests["status"] == "completed"]
    by_component = ledger.groupby("component")["quantity"].sum()
    assert by_component["input"] + by_component["cached_input"] == done["input_tokens"].sum() == s["input_tokens"]
    assert by_component["cached_input"] == done["cached_input_tokens"].sum() == s["cached_input_tokens"]
    assert by_component["output"] == done["output_tokens"].sum() == s["output_tokens"]
    invoices = pd.read_csv(out / "invoices.csv")
    assert invoices["input_tokens"].sum() == s["input_tokens"]
    assert invoices["output_tokens"].sum() == s["output_tokens"]
    ts = pd.read_csv(out / "timeseries.csv")
    assert ts["output_tokens"].sum() == s["output_tokens"]
    assert ts["requests_arrived"].sum() == s["requests_arrived"] - (requests["provider"].isna()).sum()


def test_money_reconcilesly(quick_run):
    result, out = quick_run
    s = json.loads((out / "summary.json").read_text())
    read = lambda name: pd.read_csv(out / name, dtype=str, keep_default_na=False)  # noqa: E731
    requests, ledger, invoices, ts = read("requests.csv"), read("ledger.csv"), read("invoices.csv"), read("timeseries.csv")
    total = lambda col: sum((Decimal(v) for v in col), Decimal(0))  # noqa: E731
    revenue = Decimal(s["revenue"])
    assert total(requests["charge"]) == total(ledger["amount"]) == total(invoices["subtotal"]) == revenue
    assert total(ts["revenue"]) == revenue
    # each ledger line is quantity x unit price, exactly
    lines = ledger.sample(n=min(500, len(ledger)), random_state=0)
    for q, price, amount in zip(lines["quantity"], lines["unit_price_per_1m"], lines["amount"]):
        assert Decimal(q) * Decimal(price) / Decimal(10**6) == Decimal(amount)
    # invoices round once, to the currency's minor unit, and the invoiced total is their sum
    places = CURRENCY_MINOR_UNITS[s["currency"]]
    assert all(len(a.split(".")[1]) == places for a in invoices["amount"])
    assert total(invoices["amount"]) == Decimal(s["revenue_invoiced"])
    assert abs(Decimal(s["revenue_invoiced"]) - revenue) <= Decimal(len(invoices)) * Decimal("0.005")
    # the per-provider revenues add up to the total
    providers = [k.split(".")[0] for k in s if k.endswith(".revenue")]
    assert sum(Decimal(s[f"{p}.revenue"]) for p in providers) == revenue


def test_only_completed_requests_are_charged(quick_run):
    result, _ = quick_run
    r = result.requests
    assert (r.loc[r["status"] != "completed", "charge_exact"] == "0").all() and (r.loc[r["status"] != "completed", "charge"] == 0).all()
    assert (r.loc[r["status"] == "completed", "charge_exact"].map(Decimal) > 0).all()


def test_python_api_result_matches_summary_json(quick_run):
    result, out = quick_run
    on_disk = json.loads((out / "summary.json").read_text())
    in_memory = json.loads(json.dumps(result.summary()))
    assert in_memory == on_disk
    assert isinstance(result.requests, pd.DataFrame) and isinstance(result.timeseries, pd.DataFrame)


def test_same_seed_gives_byte_identical_csvs(tmp_path, capsys):
    small = tmp_path / "small.yaml"
    text = QUICKSTART.read_text().replace("duration: 24h", "duration: 2h")
    small.write_text(text)
    for folder in ("a", "b"):
        code, _, err = run_cli(["run", str(small), "--out", str(tmp_path / folder), "--no-figures", "-q"], capsys)
        assert code == 0, err
    for name in ("requests.csv", "timeseries.csv", "invoices.csv", "ledger.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    code, _, err = run_cli(["run", str(small), "--out", str(tmp_path / "c"), "--seed", "8", "--no-figures", "-q"],
                           capsys)
    assert code == 0, err
    a = pd.read_csv(tmp_path / "a" / "requests.csv")
    c = pd.read_csv(tmp_path / "c" / "requests.csv")
    assert len(a) != len(c) or not np.allclose(a["arrival_s"], c["arrival_s"])


def test_adding_a_segment_does_not_reshuffle_others():
    scenario = tokenecon.load_scenario(QUICKSTART).model_copy(update={"duration": 3600.0})
    fewer = scenario.model_copy(update={"customers": scenario.customers[:2]})
    from tokenecon.demand import build_workload

    full, part = build_workload(scenario), build_workload(fewer)
    for seg in (0, 1):
        assert np.array_equal(full.arrival_s[full.segment == seg], part.arrival_s[part.segment == seg])
        assert np.array_equal(full.input_tokens[:, full.segment == seg], part.input_tokens[:, part.segment == seg])
