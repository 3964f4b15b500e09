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
