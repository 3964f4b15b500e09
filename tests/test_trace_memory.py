"""Trace memory follows the rows a run can replay, not the file: chunked reading, the horizon
applied per chunk in any row order, and `ordered` traces read only up to the horizon."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import tokenecon
from tokenecon.demand import tracefile
from tokenecon.demand.tracefile import CHUNK_ROWS
from tokenecon.demand.traces import load_trace
from tokenecon.errors import InputDataError
from tokenecon.scenario import TraceArrivals

from .conftest import run_cli, scenario_dict

COLUMNS = {"time": "t", "input": "i", "output": "o", "customer": "who"}


def _spec(path, **options) -> TraceArrivals:
    return TraceArrivals(type="trace", path=str(path), format="csv", time_unit="s", columns=COLUMNS, **options)


def _write(path, times, rng) -> None:
    n = len(times)
    inp, out, who = rng.integers(1, 9000, n), rng.integers(1, 900, n), rng.integers(0, 50, n)
    with open(path, "w") as f:
        f.write("t,i,o,who,note\n")
        f.writelines(f"{t:.3f},{a},{b},c{c},some text the run never reads\n" for t, a, b, c in zip(times, inp, out, who))


def _peak(path, spec, duration) -> int:
    tracemalloc.start()
    try:
        load_trace(path, spec, duration)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows_beyond_the_horizon(tmp_path, monkeypatch):
    # half the library's chunk (tracing every allocation is slow); files of 2 and 5 chunks still
    rows = CHUNK_ROWS // 2
    monkeypatch.setattr(tracefile, "CHUNK_ROWS", rows)
    rng = np.random.default_rng(3)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write(small, np.arange(2 * rows) * 0.5, rng)
    _write(large, np.arange(5 * rows) * 0.5, rng)  # the same first half hour, 2.5 times the rows
    peak_small, peak_large = _peak(small, _spec(small), 1800.0), _peak(large, _spec(large), 1800.0)
    # held whole, the large file would take about 2.5 times the small one's peak
    assert peak_large < 1.25 * peak_small, (peak_small, peak_large)
    assert len(load_trace(large, _spec(large), 1800.0).time_s) == 3601


def test_unordered_rows_keep_exactly_the_rows_within_the_horizon(tmp_path):
    rng = np.random.default_rng(4)
    times = rng.permutation(np.arange(3 * CHUNK_ROWS) * 0.25)
    times[[10, -5]] = times[[-5, 10]]
    first = int(np.argmin(times))
    times[[first, len(times) - 3]] = times[[len(times) - 3, first]]  # the earliest row comes last but two
    path = tmp_path / "shuffled.csv"
    _write(path, times, rng)
    spec = _spec(path, by_customer=True)
    whole, kept = load_trace(path, spec, None), load_trace(path, spec, 900.0)
    inside = whole.time_s <= 900.0
    assert 0 < inside.sum() == len(kept.time_s) < len(whole.time_s) / 10
    for name in ("time_s", "input_tokens", "output_tokens", "customer"):
        assert np.array_equal(getattr(whole, name)[inside], getattr(kept, name)), name
    assert kept.span_s == whole.span_s and kept.skipped == whole.skipped == 0
    assert kept.customer_names == whole.customer_names == tuple(sorted(f"c{k}" for k in range(50)))


def test_a_run_replays_the_same_requests_with_the_horizon_applied_while_reading(tmp_path):
    rng = np.random.default_rng(5)
    path = tmp_path / "trace.csv"
    _write(path, rng.permutation(np.arange(2 * CHUNK_ROWS) * 0.1), rng)
    data = scenario_dict(duration="10min")
    data["customers"] = [{"name": "r", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(path), "format": "csv", "time_unit": "s", "columns": COLUMNS, "sample": 0.5}}]
    requests = tokenecon.run(tokenecon.scenario_from_dict(data)).requests
    whole = load_trace(path, _spec(path, sample=0.5), None)
    inside = whole.time_s < 600
    assert abs(len(requests) - inside.sum() / 2) < 4 * np.sqrt(inside.sum() / 4)
    assert set(requests["input_tokens"]) <= set(whole.input_tokens[inside])


def _ordered_trace(tmp_path, tail: str):
    path = tmp_path / "ordered.csv"
    path.write_text("t,i,o,who\n" + "".join(f"{k},10,2,a\n" for k in range(0, 100)) + tail)
    return path


def test_an_ordered_trace_is_read_only_up_to_its_horizon(tmp_path):
    path = _ordered_trace(tmp_path, "5000,10,2,a\nnot a time,10,2,a\n")
    with pytest.raises(InputDataError, match=r"ordered.csv: line 103: bad time"):
        load_trace(path, _spec(path), 60.0)  # any order: every row is read and checked
    kept = load_trace(path, _spec(path, ordered=True), 60.0)
    assert len(kept.time_s) == 61 and kept.span_s == 60.0 and kept.skipped == 0  # stopped at line 63


def test_a_row_out_of_order_in_an_ordered_trace_is_a_bad_row(tmp_path, write_yaml, capsys):
    path = _ordered_trace(tmp_path, "")
    text = path.read_text().splitlines(keepends=True)
    path.write_text("".join(text[:40] + ["3,10,2,a\n"] + text[40:]))  # line 41 goes back to t = 3
    with pytest.raises(InputDataError, match=r"line 41: bad time \(earlier than a row before it, and the trace "
                                             r"is declared ordered\); fix it or set skip_bad: true"):
        load_trace(path, _spec(path, ordered=True), 60.0)
    kept = load_trace(path, _spec(path, ordered=True, skip_bad=True), 60.0)
    assert len(kept.time_s) == 61 and kept.skipped == 1
    assert len(load_trace(path, _spec(path), 60.0).time_s) == 62  # without `ordered` the row is a row


def test_jsonl_traces_are_read_in_chunks_with_the_horizon(tmp_path):
    path = tmp_path / "usage.jsonl"
    t0 = 1_767_225_600  # 2026-01-01T00:00:00Z
    rows = [{"created": t0 + k, "usage": {"prompt_tokens": 10 + k % 7, "completion_tokens": 3}}
            for k in range(CHUNK_ROWS + 500)]
    rows[CHUNK_ROWS + 10] = {"created": t0 - 100, "usage": {"prompt_tokens": 99, "completion_tokens": 3}}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = TraceArrivals(type="trace", path=str(path), format="openai_usage")
    kept = load_trace(path, spec, 200.0)
    assert kept.first_epoch_s == t0 - 100 and len(kept.time_s) == 102 and kept.input_tokens[0] == 99
    assert kept.span_s == CHUNK_ROWS + 599


@pytest.mark.parametrize("duration,speed", [("10min", 1), ("10min", 0.25), ("1h", 7)])
def test_the_request_estimate_of_a_looped_trace_is_the_rows_replayed(duration, speed, tmp_path):
    from tokenecon.footprint import estimate

    rng = np.random.default_rng(6)
    path = tmp_path / "trace.csv"
    _write(path, np.sort(rng.uniform(0, 1800, 3000)), rng)  # half an hour
    data = scenario_dict(duration=duration)
    data["customers"] = [{"name": "r", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(path), "format": "csv", "time_unit": "s", "columns": COLUMNS, "loop": True,
        "speed": speed}}]
    scenario = tokenecon.scenario_from_dict(data)
    requests = tokenecon.run(scenario).requests
    assert estimate(scenario).requests == len(requests)
