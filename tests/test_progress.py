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
