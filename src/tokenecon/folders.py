"""Output folders written whole or not at all: a temporary sibling folder, then a rename.

An existing folder is replaced only with ``force=True``, and only after the new one is complete;
used by every command that writes a folder (run, compare, experiments, meter).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import TokenEconError

__all__ = ["atomic_folder", "check_output_dir", "write_json"]


def check_output_dir(out: Path, force: bool, kind: str = "folder") -> None:
    """Fail before any work if `out` exists and may not be replaced."""
    if out.exists() and not force:
        raise TokenEconError(f"{out}: {kind} exists; use --force to replace it or --out to choose another")
    if out.exists() and not out.is_dir():
        raise TokenEconError(f"{out}: exists and is not a folder")


@contextmanager
def atomic_folder(out: Path, force: bool, kind: str = "folder") -> Iterator[Path]:
    """A temporary sibling folder to write into; it replaces `out` only when the block succeeds."""
    check_output_dir(out, force, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished folder into place; an old one is removed only after the new one is there."""
    os.chmod(tmp, 0o755)
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """JSON with non-finite floats as null (JSON has no NaN)."""
    clean = {k: _json_safe(v) for k, v in data.items()}
    path.write_text(json.dumps(clean, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
