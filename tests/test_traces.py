"""Trace replay: exact counts and totals, time scaling, looping, sampling, bad rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.errors import InputDataError

from .conftest import BASE, ROOT, scenario_dict

AZURE = ROOT / "scenarios" / "data" / "azure-llm-inference-2023" / "AzureLLMInferenceTrace_code.csv"


def trace_scenario(arrivals, duration="1h", **customer):
    relative = arrivals.get("format") == "csv" and arrivals.get("time_unit", "datetime") != "datetime"
    data = scenario_dict(duration=duration, **({} if relative else {"start": "trace"}))
    data["providers"][0]["replicas"] = 4
    data["customers"] = [{"name": "replay", "count": 5, "arrivals": {"type": "trace", **arrivals},
                          "providers": ["p1"], **customer}]
    return tokenecon.scenario_from_dict(data)


def test_azure_replay_is_exact():
    result = tokenecon.run(tokenecon.scenario_from_dict(
        {**__import__("yaml").safe_load((ROOT / "scenarios" / "azure_trace_replay.yaml").read_text()),
         }, base_dir=str(ROOT / "scenarios")))
    raw = pd.read_csv(AZURE)
    r = result.requests
    assert len(r) == len(raw) == 8819
    assert r["input_tokens"].sum() == raw["ContextTokens"].sum() == 18_059_974
    assert r["output_tokens"].sum() == raw["GeneratedTokens"].sum() == 245_896
    times = pd.to_datetime(raw["TIMESTAMP"], format="ISO8601")
    expected = (times - times.iloc[0]).dt.total_seconds().to_numpy()
    assert np.allclose(np.sort(r["arrival_s"].to_numpy()), np.sort(expected), atol=1e-6)
    assert sorted(r["input_tokens"]) == sorted(raw["ContextTokens"])


def test_speed_loop_and_sample():
    fast = tokenecon.run(trace_scenario({"path": str(AZURE), "speed": 60}, duration="1min"))
    assert len(fast.requests) == 8819 and fast.requests["arrival_s"].max() < 60
    looped = tokenecon.run(trace_scenario({"path": str(AZURE), "speed": 60, "loop": True}, duration="3min"))
    times = fast.requests["arrival_s"].sort_values().to_numpy()
    shift = times[-1] + times[-1] / (len(times) - 1)  # one pass, then one mean gap
    expected = sum(int((times + k * shift < 180).sum()) for k in range(5))
    assert len(looped.requests) == expected and 3 * 8819 < expected < 4 * 8819
    sampled = tokenecon.run(trace_scenario({"path": str(AZURE), "sample": 0.25}))
    assert abs(len(sampled.requests) - 8819 / 4) < 4 * np.sqrt(8819 * 0.25 * 0.75)
    slow = tokenecon.run(trace_scenario({"path": str(AZURE), "speed": 0.5}))  # trace time runs at half speed
    assert len(slow.requests) == int((times * 60 < 1800).sum())  # the trace's first 30 minutes fill the hour


def test_csv_with_columns_and_customers(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("t,who,prompt,completion,hit\n0,alice,100,10,50\n1.5,bob,200,20,0\n3,alice,300,30,100\n")
    result = tokenecon.run(trace_scenario({
        "path": str(path), "format": "csv", "time_unit": "s", "by_customer": True,
        "columns": {"time": "t", "input": "prompt", "output": "completion", "cached": "hit", "customer": "who"}}))
    r = result.requests.sort_values("arrival_s")
    assert r["arrival_s"].tolist() == [0.0, 1.5, 3.0]
    assert r["customer"].tolist() == ["replay:alice", "replay:bob", "replay:alice"]
    assert r["cached_input_tokens"].tolist() == [50, 0, 100]


def test_openai_usage_jsonl(tmp_path):
    path = tmp_path / "usage.jsonl"
    rows = [{"created": 1700000000 + k, "user": "u1",
             "usage": {"prompt_tokens": 100 + k, "completion_tokens": 10,
                       "prompt_tokens_details": {"cached_tokens": 64},
                       "completion_tokens_details": {"reasoning_tokens": 5}}} for k in range(4)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = tokenecon.run(trace_scenario({"path": str(path), "format": "openai_usage"}))
    r = result.requests
    assert r["input_tokens"].tolist() == [100, 101, 102, 103]
    assert set(r["cached_input_tokens"]) == {64} and set(r["reasoning_tokens"]) == {5}
    assert set(r["output_tokens"]) == {5}  # completion_tokens includes the reasoning: 10 = 5 answer + 5 reasoning


def test_a_start_without_offset_is_read_in_the_scenario_timezone(tmp_path):
    """start: 2026-01-01T00:00:00 with timezone Asia/Shanghai is 2025-12-31T16:00Z: a trace whose
    first call is at that instant starts the run; one an hour later arrives at 3,600 s."""
    path = tmp_path / "usage.jsonl"
    first = 1767196800  # 2026-01-01T00:00:00+08:00
    rows = [{"created": first + k * 3600, "usage": {"prompt_tokens": 10, "completion_tokens": 2}} for k in range(2)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    data = scenario_dict(duration="2h", start="2026-01-01T00:00:00", timezone="Asia/Shanghai")
    data["customers"] = [{"name": "replay", "count": 1, "providers": ["p1"],
                          "arrivals": {"type": "trace", "path": str(path), "format": "openai_usage"}}]
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    assert sorted(result.requests["arrival_s"].tolist()) == [0.0, 3600.0]


def test_a_by_customer_trace_has_one_account_per_customer_in_the_page(tmp_path):
    """Per-account bills of a segment replayed by_customer divide by the trace's customers, not by
    the segment's `count`."""
    from tokenecon.report.folder import write_run_folder

    path = tmp_path / "usage.csv"
    path.write_text("t,who,prompt,completion\n0,alice,100,10\n1,bob,100,10\n2,carol,100,10\n")
    result = tokenecon.run(trace_scenario({"path": str(path), "format": "csv", "time_unit": "s",
                                           "by_customer": True, "columns": {"time": "t", "input": "prompt",
                                                                            "output": "completion", "customer": "who"}}))
    assert result.accounts_by_segment() == {"replay": 3}
    out = write_run_folder(result, tmp_path / "run", figures=False)
    bill = float(result.summary()["bill.replay"])
    assert f"{bill / 3:,.2f}" in (out / "report.html").read_text(encoding="utf-8")


def test_calls_that_returned_no_output_are_billed_for_their_prompt(tmp_path):
    """completion_tokens: 0 happens (a filtered or cut-off call): the call is replayed, served as a
    prefill (which computes one token, then stops) and billed for its prompt only."""
    path = tmp_path / "usage.jsonl"
    rows = [{"created": 1700000000, "usage": {"prompt_tokens": 1000, "completion_tokens": 0}},
            {"created": 1700000001, "usage": {"prompt_tokens": 1000, "completion_tokens": 20}}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = tokenecon.run(trace_scenario({"path": str(path), "format": "openai_usage"}))
    r = result.requests.sort_values("arrival_s")
    assert r["output_tokens"].tolist() == [0, 20] and r["status"].tolist() == ["completed", "completed"]
    # the test scenario's price, 2.50 input and 10 output per 1M: 1,000 x 2.5 and 1,000 x 2.5 + 20 x 10
    assert [str(c) for c in result.files_table("requests").sort_values("arrival_s")["charge"]] == ["0.0025", "0.0027"]
    first = r.iloc[0]
    assert first["first_token_s"] == first["finish_s"] > first["start_s"]  # done when its prefill is
    csv = tmp_path / "trace.csv"
    csv.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0,10,0\n")
    assert tokenecon.run(trace_scenario({"path": str(csv)})).requests["output_tokens"].tolist() == [0]


@pytest.mark.parametrize("row,message", [
    ("2023-11-16 18:17:05.0,12,-3", "line 3: bad token counts"),
    ("yesterday,12,3", "line 3: bad time"),
    ("2023-11-16 18:17:05.0,,3", "line 3: bad token counts"),
])
def test_bad_rows_name_the_line(row, message, tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text(f"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0,10,2\n{row}\n"
                    "2023-11-16 18:17:06.0,10,2\n")
    with pytest.raises(InputDataError, match=message):
        tokenecon.run(trace_scenario({"path": str(path)}))
    result = tokenecon.run(trace_scenario({"path": str(path), "skip_bad": True}))
    assert len(result.requests) == 2 and result.summary()["replay.trace_rows_skipped"] == 1


def test_trace_and_sizes_do_not_mix():
    from tokenecon.errors import ScenarioError

    with pytest.raises(ScenarioError, match="a trace gives the sizes"):
        trace_scenario({"path": str(AZURE)}, input_tokens={"type": "fixed", "value": 3})


def test_run_skip_bad_flag(tmp_path, write_yaml, capsys):
    from .conftest import run_cli

    path = tmp_path / "trace.csv"
    path.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0,10,2\n"
                    "2023-11-16 18:17:05.0,-1,2\n2023-11-16 18:17:06.0,10,2\n")
    data = scenario_dict(start="trace")
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(path)}, "providers": ["p1"]}]
    scenario = write_yaml(data)
    code, _, err = run_cli(["run", str(scenario), "--out", str(tmp_path / "r"), "--no-figures"], capsys)
    assert code == 2 and "trace.csv: line 3: bad token counts" in err and not (tmp_path / "r").exists()
    code, _, err = run_cli(["run", str(scenario), "--out", str(tmp_path / "r"), "--no-figures", "--skip-bad"], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["requests_arrived"] == 2 and summary["replay.trace_rows_skipped"] == 1


# ---------------------------------------------------------------- absolute time

def test_start_trace_takes_the_first_timestamp():
    scenario = trace_scenario({"path": str(AZURE)}, duration="1min")
    assert scenario.start == pd.Timestamp("2023-11-16T18:17:03.97996Z").to_pydatetime()
    result = tokenecon.run(scenario)
    assert result.requests["arrival_s"].min() == 0.0


def test_a_trace_keeps_its_absolute_times():
    data = scenario_dict(duration="30min", start="2023-11-16T18:00:00+00:00")
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(AZURE)}, "providers": ["p1"]}]
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    raw = pd.read_csv(AZURE)
    times = pd.to_datetime(raw["TIMESTAMP"], format="ISO8601", utc=True)
    expected = (times - pd.Timestamp("2023-11-16T18:00:00Z")).dt.total_seconds().to_numpy()
    arrivals = np.sort(result.requests["arrival_s"].to_numpy())
    assert arrivals[0] == pytest.approx(17 * 60 + 3.97996, abs=1e-6)  # not shifted to 0
    assert np.allclose(arrivals, np.sort(expected[expected < 1800]), atol=1e-6)


@pytest.mark.parametrize("start,where", [("2026-03-02T00:00:00+00:00", "before the scenario start"),
                                         ("2023-11-16T17:00:00+00:00", "after the run ends")])
def test_a_trace_outside_the_horizon_is_an_error_not_a_shift(start, where):
    data = scenario_dict(duration="1h", start=start)
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(AZURE)}, "providers": ["p1"]}]
    with pytest.raises(InputDataError, match=f"the trace starts at 2023-11-16T18:17:03.979960\\+00:00, {where}"):
        tokenecon.run(tokenecon.scenario_from_dict(data))


def test_start_trace_needs_a_trace_with_absolute_times(tmp_path):
    from tokenecon.errors import ScenarioError

    path = tmp_path / "t.csv"
    path.write_text("t,i,o\n0,10,2\n1,10,2\n")
    data = scenario_dict(start="trace")
    data["customers"] = [{"name": "r", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(path), "format": "csv", "time_unit": "s",
        "columns": {"time": "t", "input": "i", "output": "o"}}}]
    with pytest.raises(ScenarioError, match="start: 'trace' needs a customer replaying a trace with absolute times"):
        tokenecon.scenario_from_dict(data)


@pytest.mark.parametrize("skip_bad", [False, True])
@pytest.mark.parametrize("loop", [False, True])
def test_start_trace_reads_the_trace_once(tmp_path, write_yaml, capsys, monkeypatch, skip_bad, loop):
    """The first time of `start: trace` and the run come from one read of the file (it may be large)."""
    from tokenecon.demand import traces

    from .conftest import run_cli

    path = tmp_path / "trace.csv"
    path.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:05.0,10,2\n"
                    "2023-11-16 18:17:04.0,10,2\n2023-11-16 18:17:06.0,12,2\n")
    data = scenario_dict(start="trace", duration="10min")
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(path), "loop": loop},
                          "providers": ["p1"]}]
    scenario = write_yaml(data)
    reads = []
    real = traces._load
    monkeypatch.setattr(traces, "_load", lambda *a: reads.append(a[0]) or real(*a))
    traces._load_cached.cache_clear()
    code, _, err = run_cli(["run", str(scenario), "--out", str(tmp_path / "r"), "--no-figures", "-q"]
                           + (["--skip-bad"] if skip_bad else []), capsys)
    assert code == 0, err
    assert reads == [path]
    resolved = json.loads((tmp_path / "r" / "scenario.resolved.json").read_text())
    assert resolved["start"].startswith("2023-11-16T18:17:04")  # the earliest row, not the first line
    requests = pd.read_csv(tmp_path / "r" / "requests.csv")
    assert requests["arrival_s"].min() == 0.0
    if not loop:
        assert sorted(requests["input_tokens"]) == [10, 10, 12]
    else:
        assert len(requests) > 3 and set(requests["input_tokens"]) == {10, 12}


def test_a_scaled_run_with_start_trace_reads_the_trace_once(tmp_path, monkeypatch):
    """A scaled run replays a sample of the trace (`sample` x scale): the rows read are the same, so
    the first time of `start: trace` and the run still come from one read, held once."""
    from tokenecon.demand import traces

    path = tmp_path / "trace.csv"
    path.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n"
                    + "".join(f"2023-11-16 18:17:{k:02d}.0,10,2\n" for k in range(40)))
    data = scenario_dict(start="trace", duration="10min", scale=0.5)
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(path)}, "providers": ["p1"]}]
    reads = []
    real = traces._load
    monkeypatch.setattr(traces, "_load", lambda *a: reads.append(a[0]) or real(*a))
    traces._load_cached.cache_clear()
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    assert reads == [path] and traces._load_cached.cache_info().currsize == 1
    assert 0 < len(result.requests) < 40  # the run replays its sample


def test_a_bad_row_is_reported_with_or_without_start_trace_from_one_read(tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.0,10,2\n"
                    "2023-11-16 18:17:05.0,x,2\n2023-11-16 18:17:06.0,10,2\n")
    data = scenario_dict(start="trace", duration="10min")
    data["customers"] = [{"name": "replay", "arrivals": {"type": "trace", "path": str(path)}, "providers": ["p1"]}]
    scenario = tokenecon.scenario_from_dict(data)  # the first good time starts the run
    assert scenario.start == pd.Timestamp("2023-11-16T18:17:04Z").to_pydatetime()
    with pytest.raises(InputDataError, match=r"trace.csv: line 3: bad token counts"):
        tokenecon.run(scenario)
    from tokenecon.scenario import skip_bad_rows

    result = tokenecon.run(skip_bad_rows(scenario))
    assert len(result.requests) == 2


def test_validate_counts_the_customers_of_a_by_customer_trace(tmp_path, write_yaml, capsys):
    """A segment replayed by_customer bills one account per customer in the trace (not its `count`):
    validate says so as the run does."""
    from .conftest import run_cli

    path = tmp_path / "usage.csv"
    path.write_text("t,who,prompt,completion\n0,alice,100,10\n1,bob,100,10\n2,carol,100,10\n3,alice,100,10\n")
    data = scenario_dict(duration="1h")
    data["customers"] = [
        {"name": "replay", "count": 5, "providers": ["p1"], "arrivals": {
            "type": "trace", "path": str(path), "format": "csv", "time_unit": "s", "by_customer": True,
            "columns": {"time": "t", "input": "prompt", "output": "completion", "customer": "who"}}},
        {**BASE["customers"][0], "name": "drawn", "count": 4}]
    scenario = write_yaml(data)
    code, out, err = run_cli(["validate", str(scenario), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["accounts"] == 3 + 4
    code, out, err = run_cli(["validate", str(scenario)], capsys)
    assert code == 0 and "2 customer segments, 7 accounts" in out, out
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    assert sum(result.accounts_by_segment().values()) == 7
