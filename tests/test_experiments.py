"""Replications, confidence intervals, sweeps and executors (a real Dask LocalCluster)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import tokenecon
from tokenecon.experiments import confidence_interval, replicate
from tokenecon.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from tokenecon.experiments.stats import t_quantile_975
from tokenecon.experiments.sweep import load_sweep, run_sweep

from .conftest import run_cli, scenario_dict


def test_t_quantiles():
    assert t_quantile_975(1) == 12.706 and t_quantile_975(9) == 2.262 and t_quantile_975(1000) == 1.96
    assert 2.021 < t_quantile_975(35) < 2.042
    mean, half, std = confidence_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and std == 1.0 and half == pytest.approx(4.303 / math.sqrt(3))


def mm1(seed: int):
    data = scenario_dict(seed=seed, duration="1h", report_interval="1h")
    data["providers"] = [{"name": "p1", "replicas": 1, "gpu": {"cost_per_hour": 1.0}, "price": "std",
                          "performance": {"prefill_tokens_per_s": 1e12,
                                          "decode_step_s": {"base": 0.001, "per_sequence": 0.0}, "max_batch": 1}}]
    data["customers"] = [{"name": "c1", "arrivals": {"type": "poisson", "rate": "0.5/s"},
                          "input_tokens": {"type": "fixed", "value": 1},
                          "output_tokens": {"type": "exponential", "mean": 1000}, "providers": ["p1"]}]
    return tokenecon.scenario_from_dict(data)


@pytest.mark.slow
def test_confidence_intervals_cover_the_truth_at_about_the_nominal_rate():
    """An M/M/1 queue at rho ~ 0.5: 30 experiments of 8 replications each.

    True means: arrivals = rate x horizon = 1800 exactly (Poisson); utilization = lambda E[S]
    with E[S] = E[output - 1] x 1 ms. About 95% of the intervals must contain them.
    """
    from tokenecon.demand.sizes import draw_sizes
    from tokenecon.demand.streams import stream
    from tokenecon.scenario import ExponentialSize

    service = float((draw_sizes(ExponentialSize(type="exponential", mean=1000), 2_000_000,
                                stream(0, "probe")) - 1).mean() * 0.001)
    truth = {"requests_arrived": 1800.0, "utilization": 0.5 * service}
    covered = {k: 0 for k in truth}
    executor = SerialExecutor()
    experiments = 30
    for e in range(experiments):
        table = replicate(mm1(1000 + 8 * e), 8, executor).table().set_index("metric")
        for metric, value in truth.items():
            covered[metric] += table.loc[metric, "ci95_low"] <= value <= table.loc[metric, "ci95_high"]
    for metric, hits in covered.items():
        assert hits >= 25, (metric, hits)  # P(<= 24 of 30) < 0.2% at a true 95% rate


SWEEP = {"base": "base.yaml", "replications": 2, "grid": {"pricing.std.output": [8, 12],
                                                          "providers.p1.replicas": [1, 2]},
         "metrics": ["revenue", "utilization"],
         "optimize": {"maximize": "revenue", "subject_to": [{"metric": "utilization", "max": 0.9}]}}


def write_sweep(tmp_path, sweep=SWEEP):
    base = scenario_dict(duration="30min")
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    return path


@pytest.mark.slow
def test_sweep_points_equal_single_runs_and_executors_agree(tmp_path):
    spec, points = load_sweep(write_sweep(tmp_path))
    assert len(points) == 4 and points[3].overrides == {"pricing.std.output": 12, "providers.p1.replicas": 2}
    serial = run_sweep(spec, points, SerialExecutor())
    single = tokenecon.run(points[3].scenario, seed=points[3].scenario.seed + 1).summary()
    assert serial.outcomes[3][1]["summary"]["revenue"] == single["revenue"]
    assert serial.outcomes[3][1]["summary"]["e2e_latency_p95_s"] == single["e2e_latency_p95_s"]
    processes = run_sweep(spec, points, ProcessExecutor(2))
    dask = DaskExecutor(local_workers=2)
    try:
        on_dask = run_sweep(spec, points, dask)
    finally:
        dask.close()
    for other in (processes, on_dask):
        assert other.table().equals(serial.table())
    best = serial.best()
    assert best["feasible"] and best["overrides"]["pricing.std.output"] == 12


def test_sweep_command(tmp_path, capsys):
    path = write_sweep(tmp_path, {**SWEEP, "replications": 1})
    out = tmp_path / "sw"
    code, stdout, err = run_cli(["sweep", str(path), "--out", str(out), "--serial"], capsys)
    assert code == 0, err
    assert (out / "sweep.csv").exists() and (out / "runs.csv").exists() and (out / "best.json").exists()
    assert (out / "sweep_revenue.png").stat().st_size > 0 and "best: point" in stdout
    header = stdout.splitlines()[1].split()
    assert header[:2] == ["pricing.std.output", "providers.p1.replicas"]  # whole names, never cut


def test_sweep_cells_show_counts_whole_and_fractions_to_four_digits():
    from tokenecon.cli.experiments import _figure

    assert [_figure(v) for v in (18840.0, 3804.99, 0.742391, 2.1e-05, 1234567.8, -21266.4)] == [
        "18,840", "3,805", "0.7424", "2.1e-05", "1,234,568", "-21,266"]


def test_sweep_command_names_the_constraints_no_point_meets(tmp_path, capsys):
    impossible = {"maximize": "revenue", "subject_to": [{"metric": "utilization", "min": 2},
                                                        {"metric": "e2e_latency_p95_s", "max": 0.001}]}
    path = write_sweep(tmp_path, {**SWEEP, "replications": 1, "optimize": impossible})
    code, stdout, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "sw"), "--serial", "--no-figures"], capsys)
    assert code == 0, err
    assert "best: none, no point meets the constraints (utilization >= 2, e2e_latency_p95_s <= 0.001)" in stdout


@pytest.mark.parametrize("change,message", [
    (lambda s: s["grid"].update({"providers.p1.replica": [1]}), "providers[0]: unknown field 'replica'; did you mean"),
    (lambda s: s["grid"].update({"providers.p1.gpu.cost.hour": [1]}), "grid: providers.p1.gpu.cost.hour: unknown field 'cost'"),
    (lambda s: s["grid"].update({"providers.p9.replicas": [1]}), "no entry named 'p9'"),
    (lambda s: s.update(grid={}), "grid is empty"),
    (lambda s: s["grid"].update({"providers.p1.replicas": ["four"]}), "providers[0].replicas: Input should be a valid integer"),
    (lambda s: s["grid"].update({"duration": []}), "needs a non-empty list"),
])
def test_bad_sweep_files(change, message, tmp_path, capsys):
    sweep = yaml.safe_load(yaml.safe_dump(SWEEP))
    change(sweep)
    path = write_sweep(tmp_path, sweep)
    code, _, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "sw"), "--serial"], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "sw").exists()


def test_run_with_replications_writes_intervals(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(duration="20min"))
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["run", str(path), "--replications", "3", "--out", str(out)], capsys)
    assert code == 0, err
    import pandas as pd

    runs = pd.read_csv(out / "replications.csv")
    assert runs["seed"].tolist() == [1, 2, 3]
    table = pd.read_csv(out / "summary_ci.csv").set_index("metric")
    assert table.loc["requests_arrived", "mean"] == pytest.approx(runs["requests_arrived"].mean())
    assert (out / "replications_over_time.png").exists() and "+/-" in stdout


def test_replications_page_answers_per_provider_and_per_segment():
    """The replications page gives each provider's margin and utilization and each segment's bill, with intervals."""
    from tokenecon.experiments import make_executor
    from tokenecon.report.pages import replications_page

    scenario = tokenecon.scenario_from_dict(scenario_dict(duration="20min"))
    reps = tokenecon.replicate(scenario, 2, make_executor(serial=True))
    page = replications_page(reps, Path("."))
    table = reps.table().set_index("metric")
    for metric in ("p1.margin", "p1.utilization", "bill.c1", "revenue"):
        assert any(line.startswith(f"{metric}: ") for line in page.answer), (metric, page.answer)
        assert metric in [row[0] for row in page.tables[0].rows]
    assert table.loc["p1.margin", "mean"] != 0
