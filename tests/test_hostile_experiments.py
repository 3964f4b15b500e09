"""Hostile sweeps, replications and comparisons: counts bounded before any work, and the disk each
folder needs estimated and checked against free space before any simulation."""

from __future__ import annotations

import shutil

import pytest
import yaml

from .conftest import run_cli, scenario_dict
from .test_hostile import _refused


def _two_prices(**overrides) -> dict:
    data = scenario_dict(duration="10min", report_interval="5min", **overrides)
    data["pricing"]["cheap"] = {**data["pricing"]["std"], "output": 8}
    return data


def _sweep(tmp_path, **spec):
    base = scenario_dict(duration="10min", report_interval="5min")
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "base": "base.yaml", **spec}))
    return path


@pytest.mark.parametrize("spec,message", [
    ({"replications": 10**9, "grid": {"seed": [1]}}, "replications: Input should be less than or equal to 10000"),
    ({"grid": {"seed": list(range(100)), "name": [f"n{k}" for k in range(100)], "currency": ["USD"] * 100}},
     "the sweep has 1,000,000 points, more than 10,000; split it or use fewer values"),
    ({"replications": 100, "grid": {"seed": list(range(1001))}},
     "the sweep has 1,001 points x 100 replications, more than 100,000 runs"),
    ({"replications": 1, "points": [{"seed": k} for k in range(10_001)]}, "the sweep has 10,001 points"),
])
def test_sweeps_beyond_what_can_be_run_are_refused_before_any_point_is_built(spec, message, tmp_path, capsys):
    _refused(["sweep", str(_sweep(tmp_path, **spec)), "--out", str(tmp_path / "out")], capsys, message)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,message", [
    (["run", "SCENARIO", "--replications", "10001"], "--replications: 10,001 is more than 10,000"),
    (["run", "SCENARIO", "--replications", "2", "--dask-local", "65"], "--dask-local: 65 is more than 64"),
    (["sweep", "SWEEP", "--dask-local", "100000"], "--dask-local: 100,000 is more than 64"),
])
def test_counts_on_the_command_line_are_bounded(argv, message, tmp_path, write_yaml, capsys):
    scenario, sweep = write_yaml(scenario_dict()), _sweep(tmp_path, grid={"seed": [1]})
    argv = [str(scenario) if a == "SCENARIO" else str(sweep) if a == "SWEEP" else a for a in argv]
    _refused([*argv, "--out", str(tmp_path / "out")], capsys, message)
    assert not (tmp_path / "out").exists()


def test_the_disk_estimates_hold_the_folders_written(tmp_path, write_yaml, capsys):
    from tokenecon.footprint import compare_disk, estimate, summary_disk
    from tokenecon.scenario import load_scenario

    sweep = _sweep(tmp_path, replications=2, grid={"pricing.std.output": [8, 12]})
    code, _, err = run_cli(["sweep", str(sweep), "--out", str(tmp_path / "sw"), "--serial"], capsys)
    assert code == 0, err
    written = sum(p.stat().st_size for p in (tmp_path / "sw").rglob("*") if p.is_file())
    assert 0 < written <= summary_disk(4, 2)
    scenario = write_yaml(_two_prices())
    code, _, err = run_cli(["compare", str(scenario), "--policy", "std", "--policy", "cheap", "--out",
                            str(tmp_path / "cmp")], capsys)
    assert code == 0, err
    written = sum(p.stat().st_size for p in (tmp_path / "cmp").rglob("*") if p.is_file())
    found = estimate(load_scenario(scenario))
    assert 0 < written <= compare_disk([found, found]) < 2 * found.disk_bytes


@pytest.mark.parametrize("command", ["run", "sweep", "replications", "compare"])
def test_a_folder_that_cannot_fit_is_refused_before_any_simulation(command, tmp_path, write_yaml, capsys,
                                                                   monkeypatch):
    # no unprivileged test can make a small file system, so free space is what disk_usage reports:
    # 1 MB, less than any folder's figures and page need
    total = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: total._replace(free=10**6))
    scenario = write_yaml(_two_prices())
    argv = {"run": ["run", str(scenario)],
            "sweep": ["sweep", str(_sweep(tmp_path, grid={"seed": [1, 2]}))],
            "replications": ["run", str(scenario), "--replications", "3"],
            "compare": ["compare", str(scenario), "--policy", "std", "--policy", "cheap"]}[command]
    out = tmp_path / "out"
    _refused([*argv, "--out", str(out)], capsys, f"{out}: the ", "MB, only 1 MB free in")
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_sweep_whose_objective_has_no_value_says_so(tmp_path, capsys):
    """Points where no request completes have no latency: minimizing it finds no best point (it
    raised numpy's all-NaN error), and a metric with no value anywhere leaves no range sentence."""
    import json

    path = _sweep(tmp_path, grid={"customers.c1.arrivals.rate": ["1e-6/s", "2e-6/s"]},
                  metrics=["revenue", "e2e_latency_p95_s"], optimize={"minimize": "ttft_p95_s", "subject_to": []})
    code, out, err = run_cli(["sweep", str(path), "--serial", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "best: none, ttft_p95_s has no value at any point that meets the constraints" in out
    best = json.loads((tmp_path / "out" / "best.json").read_text())
    assert best == {"feasible": False, "objective": "ttft_p95_s", "no_value": True, "feasible_points": 2, "points": 2}
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No point that meets the constraints gives ttft_p95_s a value" in page


def test_a_sweep_best_point_skips_points_without_a_value(tmp_path, capsys):
    import json

    path = _sweep(tmp_path, points=[{"customers.c1.arrivals.rate": "1e-6/s"}, {"customers.c1.arrivals.rate": "0.2/s"}],
                  optimize={"minimize": "ttft_p95_s", "subject_to": []})
    code, out, err = run_cli(["sweep", str(path), "--serial", "--no-figures", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    best = json.loads((tmp_path / "out" / "best.json").read_text())
    assert best["feasible"] and best["point"] == 1 and best["feasible_points"] == 2


@pytest.mark.parametrize("address", ["serial", "tcp://localhost", "nowhere://host:1"])
def test_a_malformed_scheduler_address_is_one_line_before_any_run(address, tmp_path, capsys):
    # not an address Dask can parse (a typo, no port, an unknown scheme): one line naming the option, exit 2
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(duration="10min", report_interval="5min")))
    _refused(["run", str(path), "--replications", "2", "--scheduler", address, "--out", str(tmp_path / "out")],
             capsys, f"--scheduler {address}: ")
    assert not (tmp_path / "out").exists()
