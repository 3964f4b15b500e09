"""Every command in the README runs verbatim, top to bottom, in a fresh copy of the repository.

Commands are the lines of ```bash blocks and the `$ ` lines of plain ``` blocks (a trailing
backslash continues a line). The one command not run here is the test-suite command itself
(`... python -m pytest`), which is what runs this test. The install command builds a fresh
virtualenv and installs tokenecon into it, as a new user would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


def readme_commands(text: str) -> list[str]:
    commands, block, pending = [], None, ""
    for line in text.splitlines():
        if line.startswith("```"):
            block = None if block is not None else (line[3:].strip() or "plain")
            continue
        if block == "bash":
            command = line
        elif block == "plain" and (line.startswith("$ ") or pending):
            command = line[2:] if line.startswith("$ ") and not pending else line
        else:
            continue
        command = command.split("  # ")[0].rstrip() if not pending else command.rstrip()
        if not command or command.lstrip().startswith("#"):
            continue
        if command.endswith("\\"):
            pending += command[:-1] + " "
            continue
        commands.append((pending + command).strip())
        pending = ""
    return commands


def test_readme_commands_are_found():
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert commands[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install .")
    assert "tokenecon validate scenarios/quickstart.yaml" in commands
    assert any(c.startswith("tokenecon compare ") for c in commands)
    assert any(c.startswith("tokenecon meter ") for c in commands)


def _fresh_copy(target: Path) -> None:
    """The repository's tracked files (what a clone holds), copied as they are in this tree."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(source.read_bytes())


@pytest.mark.slow
def test_readme_runs_top_to_bottom(tmp_path):
    commands = [c for c in readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
                if "python -m pytest" not in c]
    clone = tmp_path / "tokenecon"
    _fresh_copy(clone)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    script = "set -euo pipefail\n" + "".join(
        f"echo '>>> {c.replace(chr(39), '')}'\n{c}\n" for c in commands)
    done = subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    ran = [line[4:] for line in done.stdout.splitlines() if line.startswith(">>> ")]
    assert len(ran) == len(commands)
    assert (clone / "reports" / "quickstart" / "report.html").is_file()
    assert (clone / "reports" / "compare-deepseek_offpeak" / "report.html").is_file()
