"""A comparison answers whether each policy flattens the load curve against the first one, from the run."""

from __future__ import annotations

import math
import re

import pandas as pd

from tokenecon.i18n import words
from tokenecon.report.pages import flatness_answer

from .conftest import run_cli, scenario_dict


def test_flatness_verdicts_against_the_first_policy():
    en = flatness_answer({"standard": (5.4, True), "offpeak": (5.2, True), "surge": (6.0, True),
                          "flat": (5.45, True), "idle": (math.inf, True)})
    assert en[0] == ("Does offpeak flatten the load curve against standard? Yes: batch-slot use in the busiest hour "
                     "over the quietest is 5.2x, against 5.4x under standard (1.0x is flat).")
    assert en[1].startswith("Does surge flatten the load curve against standard? No, it is steeper: ")
    assert en[2].startswith("Does flat flatten the load curve against standard? No, about as flat: ")
    assert "is unbounded (the quietest hour idle), against 5.4x" in en[3]
    assert "report interval" in flatness_answer({"a": (2.0, False), "b": (1.0, False)})[0]
    assert flatness_answer({"a": (math.nan, True), "b": (1.0, True)}) == []  # no baseline, no verdict
    zh = flatness_answer({"standard": (5.4, True), "offpeak": (5.2, True)}, words("zh"))
    assert zh == ["offpeak 相比 standard 是否让负载曲线更平？是：最忙小时与最闲小时的批处理槽位占用之比为 5.2x，"
                  "standard 为 5.4x（1.0x 即完全平坦）。"]


def _hourly_peak_to_trough(timeseries: pd.DataFrame) -> float:
    """Recomputed from the CSV: replica-time-weighted utilization per interval, mean per clock hour."""
    ts = timeseries.assign(w=timeseries["utilization"] * timeseries["replica_s"])
    per = ts.groupby("time").agg(w=("w", "sum"), r=("replica_s", "sum"))
    load = (per["w"] / per["r"]).groupby(pd.to_datetime(per.index, utc=True).floor("h")).mean()
    return float(load.max() / load.min())


def test_compare_page_and_terminal_say_whether_the_curve_flattens(tmp_path, write_yaml, capsys):
    pricing = {"std": {"type": "per_token", "input": 2.5, "output": 10},
               "cheap": {"type": "per_token", "input": 1.0, "output": 4}}
    customers = [dict(scenario_dict()["customers"][0], arrivals={"type": "poisson", "rate": "1/s",
                                                                  "profile": "diurnal"})]
    path = write_yaml(scenario_dict(duration="4h", report_interval="30min", pricing=pricing, customers=customers,
                                    start="2026-03-02T06:00:00+00:00"))
    out = tmp_path / "c"
    code, stdout, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "cheap", "--out", str(out),
                                 "--no-figures"], capsys)
    assert code == 0, err
    ratio = _hourly_peak_to_trough(pd.read_csv(out / "runs" / "std" / "timeseries.csv"))
    assert ratio > 1.05  # a diurnal morning: the load is not flat
    sentence = (f"Does cheap flatten the load curve against std? No, about as flat: batch-slot use in the busiest "
                f"hour over the quietest is {ratio:.1f}x, against {ratio:.1f}x under std (1.0x is flat).")
    assert "  " + sentence in stdout.splitlines()  # prices alone: one simulation, the same curve
    page = (out / "report.html").read_text(encoding="utf-8")
    assert sentence in re.sub(r"<[^>]+>", "", page)


def test_a_policy_that_busies_an_idle_quietest_hour_flattens_the_curve():
    # the baseline's quietest hour idle (unbounded ratio), the policy's 3.0x: flatter, not "about as flat"
    en = flatness_answer({"standard": (math.inf, True), "offpeak": (3.0, True), "also_idle": (math.inf, True)})
    assert en[0].startswith("Does offpeak flatten the load curve against standard? Yes: ")
    assert en[1].startswith("Does also_idle flatten the load curve against standard? No, about as flat: ")
