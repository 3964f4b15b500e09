"""The measure stage against independent recomputation from requests.csv, and the bill's reconciliation.

Every latency, queue and utilization figure of summary.json and timeseries.csv is recomputed here
from the per-request rows alone (percentiles of the completed requests, queue length by
integrating each request's wait, batch occupancy by integrating each request's time in a slot).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.billing import reconcile
from tokenecon.errors import ReconciliationError
from tokenecon.timegrid import overlap_seconds

from .conftest import scenario_dict
from .recompute import check_run_folder

HORIZON = 3 * 3600.0
MAX_BATCH = 4


@pytest.fixture(scope="module")
def busy_run(tmp_path_factory):
    """Two providers near saturation with queue timeouts, so queues, percentiles and slots all move."""
    data = scenario_dict(duration="3h", report_interval="20min")
    p1 = data["providers"][0]
    p1.update(replicas=1, queue={"timeout": "2min"})
    p1["performance"]["max_batch"] = MAX_BATCH
    p1["performance"]["decode_step_s"] = {"base": 0.05, "per_sequence": 0.002}
    # energy by power state and hidden reasoning, so kWh per 1M tokens (per provider too) means something
    p1.update(gpu={"cost_per_hour": 1.0, "power_w": {"idle": 100, "busy": 400, "decode": 300}}, pue=1.2,
              energy_price_per_kwh=0.2)
    p2 = {**p1, "name": "p2", "replicas": 1, "replicas_schedule": [["0s", 1], ["1h", 2]],
          "gpu": {"cost_per_hour": 2.0, "power_w": {"idle": 50, "busy": 700}}}
    data["providers"] = [p1, p2]
    data["customers"][0].update(arrivals={"type": "poisson", "rate": "0.9/s", "profile": [1, 3] * 12},
                                providers=["p1", "p2"], reasoning_tokens={"type": "exponential", "mean": 30})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    out = tokenecon.write_run_folder(result, tmp_path_factory.mktemp("measure") / "run", figures=False)
    requests = pd.read_csv(out / "requests.csv", low_memory=False)
    ts = pd.read_csv(out / "timeseries.csv")
    summary = json.loads((out / "summary.json").read_text())
    return result, requests, ts, summary


def _latencies(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    done = rows[rows["status"] == "completed"]
    return (done["first_token_s"] - done["arrival_s"]).to_numpy(), (done["finish_s"] - done["arrival_s"]).to_numpy()


def test_summary_latencies_equal_the_requests(busy_run):
    _, requests, _, s = busy_run
    ttft, e2e = _latencies(requests)
    assert len(ttft) > 1000 and s["requests_timed_out"] > 0  # a run with queues and losses
    started = requests[requests["start_s"].notna()]
    expected = {"ttft_p50_s": np.percentile(ttft, 50), "ttft_p95_s": np.percentile(ttft, 95),
                "e2e_latency_p50_s": np.percentile(e2e, 50), "e2e_latency_p95_s": np.percentile(e2e, 95),
                "e2e_latency_mean_s": e2e.mean(), "wait_mean_s": (started["start_s"] - started["arrival_s"]).mean()}
    for key, value in expected.items():
        assert s[key] == pytest.approx(value, rel=1e-12), key
    # the percentile is of the requests, not of the intervals' percentiles nor another level
    assert s["ttft_p95_s"] != pytest.approx(np.percentile(ttft, 90), rel=1e-6)
    assert s["e2e_latency_p95_s"] != pytest.approx(np.percentile(e2e, 99), rel=1e-6)


def test_interval_percentiles_equal_the_requests_finished_in_them(busy_run):
    _, requests, ts, _ = busy_run
    for (provider, start), row in ts.set_index(["provider", "interval_start_s"]).iterrows():
        mine = requests[(requests["provider"] == provider) & (requests["finish_s"] >= start)
                        & (requests["finish_s"] < row["interval_end_s"])]
        ttft, e2e = _latencies(mine)
        if len(ttft) == 0:
            assert np.isnan(row["ttft_p95_s"])
            continue
        assert row["ttft_p50_s"] == pytest.approx(np.percentile(ttft, 50), rel=1e-12)
        assert row["ttft_p95_s"] == pytest.approx(np.percentile(ttft, 95), rel=1e-12)
        assert row["e2e_p50_s"] == pytest.approx(np.percentile(e2e, 50), rel=1e-12)
        assert row["e2e_p95_s"] == pytest.approx(np.percentile(e2e, 95), rel=1e-12)


def _waiting_until(requests: pd.DataFrame) -> np.ndarray:
    """When each request left the queue: its start, else its end (timed out or rejected), else the horizon."""
    until = requests["start_s"].fillna(requests["finish_s"]).fillna(HORIZON)
    return until.to_numpy()


def test_queue_length_is_the_integral_of_the_waits(busy_run):
    _, requests, ts, s = busy_run
    for provider, rows in ts.groupby("provider", sort=False):
        edges = np.r_[rows["interval_start_s"].to_numpy(), rows["interval_end_s"].iloc[-1]]
        mine = requests[requests["provider"] == provider]
        waited = overlap_seconds(mine["arrival_s"].to_numpy(), _waiting_until(mine), np.ones(len(mine)), edges)
        assert rows["queue_length_mean"].to_numpy() == pytest.approx(waited / np.diff(edges), rel=1e-9, abs=1e-9)
    assert ts["queue_length_mean"].max() > 0.5  # the queues were not empty


def test_utilization_is_the_integral_of_the_slots_held(busy_run):
    result, requests, ts, s = busy_run
    for p, (provider, rows) in enumerate(ts.groupby("provider", sort=False)):
        edges = np.r_[rows["interval_start_s"].to_numpy(), rows["interval_end_s"].iloc[-1]]
        mine = requests[(requests["provider"] == provider) & requests["start_s"].notna()]
        held = overlap_seconds(mine["start_s"].to_numpy(), mine["finish_s"].fillna(HORIZON).to_numpy(),
                               np.ones(len(mine)), edges)
        online = overlap_seconds(np.asarray([0.0, 3600.0]), np.asarray([3600.0, np.inf]), np.asarray([1.0, 1 + p]),
                                 edges)
        assert rows["replica_s"].to_numpy() == pytest.approx(online)
        utilization = held / (online * MAX_BATCH)
        assert rows["utilization"].to_numpy() == pytest.approx(utilization, rel=1e-9, abs=1e-12)
        weighted = (utilization * online).sum() / online.sum()
        assert s[f"{provider}.utilization"] == pytest.approx(weighted, rel=1e-9)
    assert s["utilization"] == pytest.approx((ts["utilization"] * ts["replica_s"]).sum() / ts["replica_s"].sum())
    assert ts["utilization"].max() > 0.5


def test_reconcile_raises_on_a_tampered_charge_line(busy_run):
    result = busy_run[0]
    reconcile(result.bill)  # as billed: consistent
    rows, table = result.bill.tables[0]
    component = table.components[0]
    tampered = {**table.amount, component: table.amount[component].copy()}
    tampered[component][0] += 1  # one money unit (1e-15) on one line
    bad = replace(result.bill, tables={**result.bill.tables, 0: (rows, replace(table, amount=tampered))})
    with pytest.raises(ReconciliationError, match="does not reconcile"):
        reconcile(bad)
    charge = result.bill.charge.copy()
    charge[rows[0]] += 1  # or one request's charge
    with pytest.raises(ReconciliationError):
        reconcile(replace(result.bill, charge=charge))


def test_every_figure_of_the_folder_equals_its_recomputation(busy_run, tmp_path):
    """tests/recompute.py (also run on every shipped scenario by test_installed.py) passes on the
    folder, and fails on it with a planted p90-for-p95 summary figure or a miscounted interval."""
    out = tokenecon.write_run_folder(busy_run[0], tmp_path / "run", figures=False)
    assert check_run_folder(out) > 300
    summary = json.loads((out / "summary.json").read_text())
    ttft, _ = _latencies(busy_run[1])
    (out / "summary.json").write_text(json.dumps({**summary, "ttft_p95_s": float(np.percentile(ttft, 90))}))
    with pytest.raises(AssertionError, match="ttft_p95_s"):
        check_run_folder(out)
    (out / "summary.json").write_text(json.dumps(summary))
    ts = pd.read_csv(out / "timeseries.csv", dtype={"revenue": str})
    ts.loc[3, "requests_timed_out"] += 1
    ts.to_csv(out / "timeseries.csv", index=False)
    with pytest.raises(AssertionError, match="timed_out"):
        check_run_folder(out)


def test_percentiles_of_nothing_are_not_a_number():
    from tokenecon.measure import percentile

    assert np.isnan(percentile(np.array([]), 95)) and percentile(np.array([3.0, 1.0, 2.0]), 50) == 2.0


def test_a_run_built_in_the_test_recomputes_from_its_files(tmp_path):
    """The outside checker on a run made inside the test (two providers with energy by power state,
    hidden reasoning, a growing fleet): every summary, provider and interval figure, kWh per 1M
    tokens per provider included, equals its recomputation from requests.csv."""
    data = scenario_dict(duration="1h", report_interval="15min")
    p1 = data["providers"][0]
    p1.update(replicas=1, gpu={"cost_per_hour": 1.0, "power_w": {"idle": 100, "busy": 400, "decode": 300}}, pue=1.2,
              energy_price_per_kwh=0.2)
    p2 = {**p1, "name": "p2", "replicas_schedule": [["0s", 1], ["30min", 2]],
          "gpu": {"cost_per_hour": 2.0, "power_w": {"idle": 50, "busy": 700}}}
    data["providers"] = [p1, p2]
    data["customers"][0].update(providers=["p1"], arrivals={"type": "poisson", "rate": "1/s"},
                                reasoning_tokens={"type": "exponential", "mean": 30})
    data["customers"].append({**data["customers"][0], "name": "c2", "providers": ["p2"]})
    # a batch tier on a short window, so some batch requests finish late or expire
    data["customers"].append({**data["customers"][0], "name": "bulk", "providers": ["p1"], "service_tier": "batch",
                              "arrivals": {"type": "poisson", "rate": "0.5/s"}})
    p1["batch_window"] = "5s"
    data["pricing"]["std"]["service_tiers"] = {"batch": 0.5}
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    out = tokenecon.write_run_folder(result, tmp_path / "run", figures=False)
    assert check_run_folder(out) > 100
    s = result.summary()
    assert s["p1.kwh_per_million_tokens"] > 0 and s["p2.kwh_per_million_tokens"] > 0 and s["reasoning_tokens"] > 0
    assert s["batch_requests"] > 0 and s["batch_window_missed"] > 0


def test_the_state_at_an_interval_end_counts_what_happens_exactly_at_it(tmp_path):
    """Requests arriving exactly at 900 s and 1,800 s (whole-second trace times): each is in service
    at its interval's end (the state once everything at that instant has happened). The sample used
    to fire before or after such events depending on when they were scheduled (here it missed both)."""
    from tokenecon.report.folder import write_run_folder

    trace = tmp_path / "t.csv"
    trace.write_text("t,i,o\n0,1,1\n516,5000,1\n850,10,1\n900,10,1\n1800,10,1\n")
    data = scenario_dict(duration="1h", report_interval="15min")
    data["customers"] = [{"name": "r", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(trace), "format": "csv", "time_unit": "s",
        "columns": {"time": "t", "input": "i", "output": "o"}}}]
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    out = write_run_folder(result, tmp_path / "run", figures=False)
    series = pd.read_csv(out / "timeseries.csv")
    assert series["in_service"].tolist()[:2] == [1, 1]
    assert check_run_folder(out) > 50
