"""Against Vidur (Llama-2-70B on 2x A100, TP2) on identical requests: the acceptance check.

The workloads and Vidur's answers are in tests/data/vidur/ (Vidur's MIT licence beside them);
benchmarks/vidur_compare.py prints the same table.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _compare_module():
    spec = importlib.util.spec_from_file_location("vidur_compare", ROOT / "benchmarks" / "vidur_compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prefill_first_with_the_vidur_profile_matches_vidur():
    rows = _compare_module().compare(ROOT / "tests" / "data" / "vidur", "prefill_first")
    checked = 0
    for case, figure, ours, theirs in rows:
        if figure == "preemptions":
            continue
        tolerance = 0.10 if figure == "saturated req/s" else 0.15
        assert abs(ours - theirs) <= tolerance * theirs, (case, figure, ours, theirs)
        checked += 1
    assert checked == 13
    preempted = {case: (ours, theirs) for case, figure, ours, theirs in rows if figure == "preemptions"}
    assert preempted["burst 2 req/s"][0] > 0 and preempted["0.25 req/s"][0] == 0  # KV memory binds only when full


# Other mixes (tests/data/vidur/README.md): prefill-heavy, Azure coding-trace lengths, half coding and
# half chat; three loads and a burst each, under Vidur's vllm and sarathi (512-token chunks) schedulers;
# and three mixes run after the model was settled: long outputs (500/2,000), short chat (200/150) at high
# load, heavy-tailed lengths. tokenecon is held within 10% of Vidur on TTFT, time per output token and
# end-to-end p50/p95, 15% on their p99, 5% on throughput, and on pre-emptions within 10% (or 5) of
# Vidur's, none where Vidur has none.
TOLERANCE = {"p50": 0.10, "p95": 0.10, "p99": 0.15, "req_s": 0.05}
QUICK = ("prefill_r0.42", "code_r1.4", "mixed_burst_r1.6", "chat_r3.6", "tail_r1.05")  # highest loads, mixed burst
# Figures that no serving model can be held to: at 96% load the heavy-tailed mix has one congestion
# episode, and its TTFT p95/p99 move by 20-30% and its pre-emptions between 0 and 7 when every step time
# changes by 1% (less than Vidur's two trainings of its own predictor differ; docs/model.md). Its other
# figures are held as everywhere, and tail_r1.05 holds every figure of that mix near saturation.
ILL_CONDITIONED = {("tail_r1.2", "ttft_p95"), ("tail_r1.2", "ttft_p99"), ("tail_r1.2", "preemptions")}


def _workload_cases():
    compare = _compare_module()
    for scheduler in ("prefill_first", "chunked"):
        for name in compare.workload_names(scheduler=scheduler):
            marks = () if name in QUICK else (pytest.mark.slow,)
            yield pytest.param(name, scheduler, marks=marks, id=f"{name}-{scheduler}")


@pytest.mark.parametrize("name, scheduler", list(_workload_cases()))
def test_other_mixes_match_vidur(name, scheduler):
    rows = _compare_module().compare_workload(name, scheduler)
    assert len(rows) == 11
    for case, figure, ours, theirs in rows:
        if (name, figure) in ILL_CONDITIONED:
            continue
        if figure == "preemptions":
            assert abs(ours - theirs) <= max(5, 0.10 * theirs) and (ours == 0) == (theirs == 0), (case, ours, theirs)
            continue
        tolerance = TOLERANCE[figure.rsplit("_", 1)[-1] if figure != "req_s" else "req_s"]
        assert abs(ours - theirs) <= tolerance * theirs, (case, scheduler, figure, ours, theirs)
