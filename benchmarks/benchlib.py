"""What the whole-command benchmarks share: the installed console script they time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def console() -> str:
    """The `tokenecon` script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "tokenecon"
    found = str(beside) if beside.exists() else shutil.which("tokenecon")
    if not found:
        sys.exit("the tokenecon console script is not installed (pip install .)")
    return found
