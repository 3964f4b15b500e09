"""Policy comparison: common random numbers, equality with single runs, clear errors."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.comparison import policy_variants

from .conftest import run_cli, scenario_dict

PRICING = {
    "std": {"type": "per_token", "input": 2.5, "cached_input": 1.25, "output": 10},
    "night": {"type": "per_token", "input": 2.5, "cached_input": 1.25, "output": 10,
              "time_of_use": {"timezone": "UTC", "windows": [{"start": "00:00", "end": "01:00",
                                                                "multipliers": {"all": 0.5}}]}},
}


def test_variants_share_the_workload_and_equal_single_runs():
    scenario = tokenecon.scenario_from_dict(scenario_dict(pricing=PRICING))
    variants = policy_variants(scenario, ["std", "night"])
    comparison = tokenecon.compare(variants)
    a, b = comparison.results["std"], comparison.results["night"]
    assert np.array_equal(a.workload.arrival_s, b.workload.arrival_s)
    assert np.array_equal(a.workload.input_tokens, b.workload.input_tokens)
    single = tokenecon.run(variants["night"])
    assert single.summary()["revenue"] == b.summary()["revenue"]
    table = comparison.table().set_index("policy")
    # the first hour is half price, everything after it the same
    first_hour = a.requests["arrival_s"] < 3600
    charges = a.requests["charge_exact"].map(Decimal)
    expected = sum(charges[~first_hour]) + sum(charges[first_hour]) / 2
    assert Decimal(table.loc["night", "revenue"]) == expected
    assert Decimal(table.loc["std", "bill.c1"]) == Decimal(table.loc["std", "revenue"])


@pytest.mark.slow
def test_compare_command_writes_the_folder(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(pricing=PRICING))
    out = tmp_path / "cmp"
    code, stdout, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "night", "--out", str(out)],
                                capsys)
    assert code == 0, err
    table = pd.read_csv(out / "comparison.csv", dtype={"revenue": str})
    assert table["policy"].tolist() == ["std", "night"]
    assert Decimal(table["revenue"][1]) < Decimal(table["revenue"][0])
    for name in ("cost_over_time.png", "revenue_margin.png", "bill_by_segment.png", "latency_utilization.png",
                 "runs/std/summary.json", "runs/night/timeseries.csv"):
        assert (out / name).stat().st_size > 0, name
    assert "report: " in stdout


def test_compare_files_that_differ_only_in_pricing(tmp_path, write_yaml, capsys):
    one = scenario_dict(pricing={"std": PRICING["std"]})
    two = scenario_dict(name="other", pricing={"std": PRICING["night"]})
    code, stdout, err = run_cli(["compare", str(write_yaml(one, "a.yaml")), str(write_yaml(two, "b.yaml")),
                                 "--out", str(tmp_path / "cmp"), "--no-figures"], capsys)
    assert code == 0, err
    assert pd.read_csv(tmp_path / "cmp" / "comparison.csv")["policy"].tolist() == ["a", "b"]
    three = scenario_dict(seed=99)
    code, _, err = run_cli(["compare", str(write_yaml(one, "a.yaml")), str(write_yaml(three, "c.yaml")),
                            "--out", str(tmp_path / "cmp2")], capsys)
    assert code == 2 and "field 'seed' differs" in err and not (tmp_path / "cmp2").exists()


@pytest.mark.parametrize("args,message", [
    (["--policy", "std"], "give two or more --policy variants"),
    (["--policy", "std", "--policy", "std"], "--policy std is given twice"),
    (["--policy", "std", "--policy", "nope"], "unknown price 'nope'"),
    (["--policy", "std", "--policy", "pX=std"], "unknown provider 'pX'"),
])
def test_compare_bad_flags(args, message, tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(pricing=PRICING))
    code, _, err = run_cli(["compare", str(path), *args, "--out", str(tmp_path / "cmp")], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "cmp").exists()


def test_compare_page_says_when_requests_start_to_be_lost(tmp_path, write_yaml, capsys):
    """An overloaded fleet from the second hour: the answer names the first interval that lost requests."""
    data = scenario_dict(pricing=PRICING, report_interval="15min")
    data["providers"][0].update(replicas=1, queue={"max_waiting": 2})
    data["providers"][0]["performance"]["max_batch"] = 2
    data["customers"][0]["arrivals"] = {"type": "poisson", "rate": "0.5/s",
                                        "growth": {"type": "piecewise", "points": [["0s", 0.01], ["1h", 0.01],
                                                                                  ["70min", 1], ["2h", 1]]}}
    path = write_yaml(data)
    out = tmp_path / "cmp"
    code, _, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "night", "--out", str(out),
                            "--no-figures", "-q"], capsys)
    assert code == 0, err
    runs = pd.read_csv(out / "runs" / "std" / "timeseries.csv")
    lost = runs[(runs["requests_rejected"] + runs["requests_timed_out"]) > 0]
    assert len(lost) and lost["interval_start_s"].min() >= 3600  # nothing is lost in the quiet first hour
    first = lost.sort_values("interval_start_s")["time"].iloc[0][:16].replace("T", " ")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"First interval that lost requests (rejected or timed out): std {first}, night {first}." in page
