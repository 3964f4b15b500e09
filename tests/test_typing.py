"""mypy keeps the whole package typed, and the simulator, the pricing policies and billing strictly typed
(configuration in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the strictly typed part of the package (see [[tool.mypy.overrides]] in pyproject.toml)
STRICT = ["src/tokenecon/sim", "src/tokenecon/pricing", "src/tokenecon/billing.py"]


def _mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One mypy cache for the module's checks of the package (a fresh one: nothing carried over from a run)."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.slow
def test_the_package_is_clean(cache):
    """`python -m mypy` (the files and per-module flags of pyproject.toml) finds nothing in src/tokenecon."""
    run = _mypy(cache=cache)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout


@pytest.mark.slow
def test_strict_modules_are_clean(cache):
    """sim/, pricing/ and billing.py pass mypy's strict flags; the modules they import are read, not judged."""
    run = _mypy("--follow-imports=silent", *STRICT, cache=cache)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout


@pytest.mark.slow
def test_a_type_error_in_the_simulator_is_reported(tmp_path):
    """The check can fail: an untyped function in sim/ is an error under the strict flags."""
    bad = tmp_path / "src" / "tokenecon" / "sim"
    bad.mkdir(parents=True)
    for d in (tmp_path / "src" / "tokenecon", bad):
        (d / "__init__.py").write_text("")
    (bad / "late.py").write_text("def delay(t):\n    return t + 1\n")
    run = _mypy("--follow-imports=silent", str(bad / "late.py"), cache=tmp_path / "cache")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "late.py:1: error: Function is missing a type annotation" in run.stdout
