"""The installed package, as a user gets it: imported from site-packages, run by its console
script from a folder outside the checkout, with its data files (the price catalog) present."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tokenecon

from .recompute import check_run_folder

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
CONSOLE = Path(sys.executable).parent / "tokenecon"

pytestmark = pytest.mark.slow  # whole-folder runs, a browser or installed-package subprocesses


def _tokenecon(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    exe = str(CONSOLE) if CONSOLE.exists() else shutil.which("tokenecon")
    assert exe, "the tokenecon console script is not installed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_tests_import_the_installed_package_not_the_checkout():
    src = ROOT / "src"
    assert not Path(tokenecon.__file__).resolve().is_relative_to(src) or os.environ.get("TOKENECON_DEV"), (
        f"tests imported {tokenecon.__file__}; install the package (pip install '.[test]')")


def test_price_catalog_ships_with_the_package(tmp_path):
    listing = _tokenecon(["catalog", "list"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "deepseek" in listing.stdout
    shown = _tokenecon(["catalog", "show", "anthropic/claude-sonnet-4"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "3.75" in shown.stdout or "cache_write" in shown.stdout


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_from_another_folder(scenario, tmp_path):
    done = _tokenecon(["validate", str(scenario)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_from_another_folder(scenario, tmp_path):
    out = tmp_path / "run"
    done = _tokenecon(["run", str(scenario), "--out", str(out), "-q"], tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["requests_arrived"] > 0
    for name in ("invoices.csv", "timeseries.csv", "scenario.resolved.json"):
        assert (out / name).exists(), name
    wants_requests = json.loads((out / "scenario.resolved.json").read_text(encoding="utf-8"))["outputs"]["requests"]
    assert (out / "requests.csv").exists() == wants_requests
    assert check_run_folder(out) > 50  # every figure the per-request rows determine, recomputed outside tokenecon
    if scenario.stem == "quickstart":  # docs/python-api.md quotes this run's revenue
        assert f"result.summary()[\"revenue\"]        # '{summary['revenue']}'" in (
            ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
