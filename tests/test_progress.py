"""Progress from start to end: a status line per phase on stderr; -q and --json print nothing there."""

from __future__ import annotations
import pytest

from tokenecon.progress import PHASES

from .conftest import run_cli, scenario_dict


def test_every_phase_reports_start_and_end(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(duration="30min"))
    code, out, err = run_cli(["run", str(path), "--out", str(tmp_path / "r"), "--no-figures"], capsys)
    assert code == 0
    lines = err.splitlines()
    for k, phase in enumerate(PHASES, 1):
        assert f"tiny [{k}/{len(PHASES)}] {phase}..." in lines
        assert any(line.startswith(f"tiny [{k}/{len(PHASES)}] {phase}: ") and line.endswith(" s") for line in lines)
    starts = [lines.index(f"tiny [{k}/{len(PHASES)}] {p}...") for k, p in enumerate(PHASES, 1)]
    assert starts == sorted(starts)  # in order: draw, simulate, bill, measure, write


@pytest.mark.slow
def test_quiet_is_silent(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(duration="30min"))
    code, out, err = run_cli(["run", str(path), "--out", str(tmp_path / "q"), "-q"], capsys)
    assert code == 0 and err == "" and out.strip() == str(tmp_path / "q")
    code, out, err = run_cli(["run", str(path), "--out", str(tmp_path / "j"), "--json"], capsys)
    assert code == 0 and err == ""


def test_compare_progress_names_the_variants_each_simulation_serves(tmp_path, write_yaml, capsys):
    """A compare's phase lines say which policy they are for: one shared simulation names both."""
    pricing = {"std": {"type": "per_token", "input": 2.5, "output": 10},
               "cheap": {"type": "per_token", "input": 1.0, "output": 4}}
    path = write_yaml(scenario_dict(duration="20min", pricing=pricing))
    code, out, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "cheap",
                              "--out", str(tmp_path / "c"), "--no-figures"], capsys)
    assert code == 0, err
    lines = err.splitlines()
    assert "tiny/std+cheap [1/5] drawing demand..." in lines  # billing alone differs: one simulation
    assert not [line for line in lines if line.startswith("tiny [1/5]")]
    assert "tiny [5/5] writing the report folder..." in lines
    assert lines.index("tiny/std+cheap [4/5] measuring...") < lines.index("tiny [5/5] writing the report folder...")


def test_tally_in_a_pipe_prints_plain_lines_throttled_by_time_and_share():
    """Not a terminal: one line per finished share of the work, at most one per `every_s`; the last always."""
    import io

    from tokenecon.progress import Tally

    stream = io.StringIO()
    with Tally("sweep prices", 16, unit="point", stream=stream, every_s=0.0) as tally:
        for k in range(16):
            tally.update(1, rebilled=k % 2)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "sweep prices: point 1 of 16 done"
    assert lines[-1] == "sweep prices: point 16 of 16 done (8 re-billed)" and len(lines) == 16
    stream = io.StringIO()
    with Tally("replicating q", 200, stream=stream, every_s=0.0) as tally:
        for _ in range(200):
            tally.update()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 20 and lines[0] == "replicating q: run 10 of 200 done"  # per 5% of the work
    stream = io.StringIO()
    with Tally("replicating q", 200, stream=stream, every_s=3600.0) as tally:
        for _ in range(200):
            tally.update()
    assert stream.getvalue().splitlines() == ["replicating q: run 200 of 200 done"]  # at most one per hour
    stream = io.StringIO()
    with Tally("replicating q", 5, stream=stream, enabled=False) as tally:
        tally.update(5)
    assert stream.getvalue() == ""


def test_sweep_and_replications_report_finished_runs_in_a_pipe(tmp_path, write_yaml, capsys):
    from .test_experiments import SWEEP, write_sweep

    path = write_sweep(tmp_path, {**SWEEP, "replications": 1})
    code, out, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "sw"), "--serial", "--no-figures"], capsys)
    assert code == 0, err
    assert "sweep sweep: point 4 of 4 done (2 re-billed)" in err.splitlines()  # prices re-billed, replicas simulated
    code, out, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "sq"), "--serial", "--no-figures", "-q"],
                             capsys)
    assert code == 0 and err == ""
    scenario = write_yaml(scenario_dict(duration="20min"))
    code, out, err = run_cli(["run", str(scenario), "--replications", "3", "--out", str(tmp_path / "r"),
                              "--no-figures"], capsys)
    assert code == 0, err
    assert "replicating tiny: run 3 of 3 done" in err.splitlines()
