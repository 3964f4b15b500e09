"""`import tokenecon` is light and changes nothing; `--help` and `validate` need no pandas or matplotlib."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import QUICKSTART

HEAVY = ("pandas", "matplotlib", "simpy", "tiktoken")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint('LOADED:', ' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.rsplit("LOADED:", 1)[1].split()


def test_import_tokenecon_loads_no_heavy_library():
    assert _loaded_after("import tokenecon") == []


def test_help_and_validate_load_no_pandas_or_matplotlib():
    run = "from tokenecon.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
    assert _loaded_after(run.format(argv=["--help"])) == []
    loaded = _loaded_after(run.format(argv=["validate", str(QUICKSTART)]))
    assert "pandas" not in loaded and "matplotlib" not in loaded


def test_a_run_of_drawn_demand_loads_no_trace_reader_or_tokenizer(tmp_path):
    """Traces and corpora (the meter's tokenizers) are imported only by scenarios that use them."""
    code = ("import sys\nimport tokenecon\nfrom tests.conftest import scenario_dict\n"
            "tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration='10min')))\n"
            "print('LOADED:', ' '.join(m for m in ('tokenecon.meter', 'tokenecon.demand.traces', "
            "'tokenecon.demand.corpus', 'tiktoken') if m in sys.modules))")
    from .conftest import ROOT

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.rsplit("LOADED:", 1)[1].split() == []


_COMMANDS = ("run", "validate", "compare", "sweep", "meter", "catalog", "profile", "schema", "tokenizers")


def _starts_at_its_trace(path) -> bool:
    import yaml

    return yaml.safe_load(path.read_text()).get("start") == "trace"


def test_every_commands_help_loads_no_pandas_or_matplotlib():
    code = ("from tokenecon.cli import main\n"
            f"for command in {_COMMANDS!r}:\n"
            "    try:\n        main([command, '--help'])\n"
            "    except SystemExit as exc:\n        assert exc.code == 0, command\n")
    loaded = _loaded_after(code)
    assert "pandas" not in loaded and "matplotlib" not in loaded


@pytest.mark.parametrize("name", sorted(p.name for p in (QUICKSTART.parent).glob("*.yaml")))
def test_validating_each_shipped_scenario_loads_no_pandas_or_matplotlib(name):
    """A scenario starting at its trace's first timestamp (``start: trace``) is the exception for
    pandas: validate reads every row's time to find the first (the rows may come in any order),
    with the ISO 8601 parser the run reads them with, so the start it prints is the run's."""
    path = QUICKSTART.parent / name
    run = "from tokenecon.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
    loaded = _loaded_after(run.format(argv=["validate", str(path)]))
    assert "matplotlib" not in loaded and "simpy" not in loaded
    if not _starts_at_its_trace(path):
        assert "pandas" not in loaded


@pytest.mark.slow
def test_writing_figures_keeps_the_users_backend(tmp_path):
    code = (
        "import matplotlib\nmatplotlib.use('svg')\nimport matplotlib.pyplot\nimport tokenecon\n"
        "from tests.conftest import scenario_dict\n"
        f"tokenecon.write_run_folder(tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration='20min'))), "
        f"{str(tmp_path / 'run')!r})\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
    )
    from .conftest import ROOT

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "run" / "cost_over_time.png").exists()
