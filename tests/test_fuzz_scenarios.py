"""Fuzzing from every shipped scenario (`tests/fuzzgen.py`): each file shortened, then fields dropped,
retyped, pushed to extremes, renamed everywhere they are named, or given unusual legal values (time
zones, offsets, Unicode names, odd periods). Each either runs, and its folder then agrees with its
own requests.csv (`tests/recompute.py`: every request accounted for, money exact), or is refused in
one line (exit 2) leaving nothing behind."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings

from .conftest import run_cli
from .fuzzgen import mutated
from .recompute import check_run_folder


def _check(case, capsys) -> None:
    from tokenecon.footprint import estimate
    from tokenecon.scenario import load_scenario

    name, data, changes = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        scenario = root / "s.yaml"
        scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        code, _, err = run_cli(["validate", str(scenario)], capsys)
        assert code in (0, 2), err
        if code == 2:
            assert err.startswith("tokenecon: error: ") and err.count("\n") == 1 and len(err) < 2200, err
            event("refused by validate")
            return
        if estimate(load_scenario(scenario)).requests > 5000:
            event("valid, too large to run here")
            return
        out = root / "out"
        code, _, err = run_cli(["run", str(scenario), "--out", str(out), "--no-figures", "-q"], capsys)
        assert code in (0, 2), err
        leftovers = [p for p in root.rglob(".*") if p.name != ".tokenecon-locks"]
        assert leftovers == [], leftovers
        if code == 2:
            assert err.count("\n") == 1 and not out.exists(), err
            event("refused by run")
            return
        event(f"ran ({name})")
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["requests_arrived"] == sum(summary[f"requests_{s}"] for s in
                                                  ("completed", "rejected", "timed_out", "running"))
        assert check_run_folder(out) > 0


FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])


@FAST
@given(case=mutated(max_changes=2))
def test_mutated_shipped_scenarios_run_correctly_or_are_refused_in_one_line(case, capsys):
    _check(case, capsys)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(case=mutated(max_changes=4, durations=("2min", "5min", "1h")))
def test_mutated_shipped_scenarios_long(case, capsys):
    _check(case, capsys)
