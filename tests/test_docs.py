"""The user guides' transcripts are real: every `$ tokenecon ...` command that docs/library.md,
docs/experiments.md and docs/meter.md show with its output runs in a fresh copy of scenarios/
through the installed console script, and prints the lines shown (wall times aside). Commands the
README also runs are checked by tests/test_readme.py against the README's run."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_readme import doc_transcripts, readme_commands, shown_lines_missing

CONSOLE = Path(sys.executable).parent / "tokenecon"
IN_README = set(readme_commands((ROOT / "README.md").read_text(encoding="utf-8")))
CASES = [(page, command, shown) for page, command, shown in doc_transcripts() if command not in IN_README]


@pytest.mark.slow
@pytest.mark.parametrize("page,command,shown", CASES, ids=[f"{p[5:-3]}:{c[10:60]}" for p, c, _ in CASES])
def test_doc_transcript_is_real_output(page, command, shown, tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    exe = str(CONSOLE) if CONSOLE.exists() else shutil.which("tokenecon")
    assert exe, "the tokenecon console script is not installed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([exe, *shlex.split(command)[1:]], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shown_lines_missing(shown, done.stdout) == [], (page, done.stdout[-3000:])
