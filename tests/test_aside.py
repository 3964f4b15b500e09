"""Figures drawn in a forked child while the tables are written: the same folder, failures raised here."""

from __future__ import annotations

import os
import time

import pytest

import tokenecon
from tokenecon.report import aside as aside_module
from tokenecon.report.aside import AsideError, aside

from .conftest import scenario_dict

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs a POSIX system")


@pytest.fixture
def forking(monkeypatch):
    """Fork even where this test process keeps idle helper threads (the meter's tokenizer pool)."""
    monkeypatch.setattr(aside_module, "can_fork", lambda: True)


def _folder_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@needs_fork
def test_a_folder_drawn_in_a_child_equals_one_drawn_here(tmp_path, monkeypatch, forking):
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="30min")))
    forked = tokenecon.write_run_folder(result, tmp_path / "forked")
    monkeypatch.setattr(aside_module, "can_fork", lambda: False)
    here = tokenecon.write_run_folder(result, tmp_path / "here")
    a, b = _folder_bytes(forked), _folder_bytes(here)
    assert sorted(a) == sorted(b) and "cost_over_time.png" in a and "requests.csv" in a
    assert [name for name in a if a[name] != b[name]] == []


@needs_fork
def test_a_failure_in_the_child_is_raised_with_its_traceback():
    def fail():
        raise ValueError("no such figure")

    started = aside(fail, fork=True)
    with pytest.raises(AsideError, match="ValueError: no such figure"):
        started.wait()


@needs_fork
def test_a_failing_figure_leaves_no_folder(tmp_path, monkeypatch, forking):
    import tokenecon.report.figures as figures

    def broken(result, folder):
        (folder / "half.png").write_bytes(b"")
        raise RuntimeError("drawing broke")

    monkeypatch.setattr(figures, "write_figures", broken)
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="20min")))
    with pytest.raises(AsideError, match="drawing broke"):
        tokenecon.write_run_folder(result, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left either


@needs_fork
def test_the_child_is_stopped_when_this_process_fails_first():
    began = time.perf_counter()
    with pytest.raises(KeyError):
        with aside(lambda: time.sleep(60), fork=True) as started:
            pid = started._pid
            raise KeyError("table")
    assert time.perf_counter() - began < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped


def test_without_a_fork_the_work_is_done_at_once():
    done = []
    started = aside(lambda: done.append(1), fork=False)
    assert done == [1]
    started.wait()


def test_a_fork_only_from_a_single_thread(monkeypatch):
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not aside_module.can_fork()


@needs_fork
def test_a_users_error_in_the_child_arrives_as_itself():
    from tokenecon.errors import ScenarioError

    def refuse():
        raise ScenarioError("must be a name (got '')", path="x.yaml", field="providers[0].name")

    started = aside(refuse, fork=True)
    with pytest.raises(ScenarioError) as caught:
        started.wait()
    assert str(caught.value) == "x.yaml: providers[0].name: must be a name (got '')"
    assert (caught.value.path, caught.value.field) == ("x.yaml", "providers[0].name")


@needs_fork
def test_a_users_error_while_drawing_is_one_line_and_exit_2(tmp_path, monkeypatch, forking, capsys):
    import tokenecon.report.figures as figures
    from tokenecon.cli.group import main
    from tokenecon.errors import InputDataError

    def refuse(result, folder):
        (folder / "half.png").write_bytes(b"")
        raise InputDataError("fonts.ttf: expected a TrueType font")

    monkeypatch.setattr(figures, "write_figures", refuse)
    scenario = tmp_path / "s.yaml"
    import yaml

    scenario.write_text(yaml.safe_dump(scenario_dict(duration="20min")))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept.txt").write_text("old report")
    with pytest.raises(SystemExit) as code:
        main(["run", str(scenario), "--out", str(tmp_path / "out"), "--force", "-q"])
    err = capsys.readouterr().err
    assert code.value.code == 2
    assert err == "tokenecon: error: fonts.ttf: expected a TrueType font\n"
    assert (tmp_path / "out" / "kept.txt").read_text() == "old report"  # --force: the old folder survives
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]
