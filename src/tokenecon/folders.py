"""Output folders written whole or not at all: a temporary sibling folder, then a rename.

An existing folder is replaced only with ``force=True``, and only after the new one is complete;
used by every command that writes a folder (run, compare, experiments, meter).
"""

from __future__ import annotations

import glob
import json
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import TokenEconError

__all__ = ["atomic_folder", "check_output_dir", "check_output_file", "write_text_file", "lock_output_dir", "remove_stale_temp", "write_json"]


def check_output_dir(out: Path, force: bool, kind: str = "folder", need_bytes: int = 0) -> None:
    """Fail before any work if `out` cannot be written: it exists (without `force`) or is a file,
    a parent is a file, the nearest existing parent is not writable, or the disk lacks `need_bytes`.
    Then claim `out` for this process (`lock_output_dir`)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise TokenEconError(f"{out}: exists and is not a folder")
    if out.exists() and not force:
        raise TokenEconError(f"{out}: {kind} exists; use --force to replace it or --out to choose another")
    parent = _writable_parent(out, "folder")
    free = shutil.disk_usage(parent).free
    if need_bytes > free:
        raise TokenEconError(f"{out}: the {kind} needs about {need_bytes / 1e6:,.0f} MB, only "
                             f"{free / 1e6:,.0f} MB free in {parent}")
    lock_output_dir(out)


def check_output_file(path: Path) -> None:
    """Fail before any work if the file `path` cannot be written: a folder is there, a parent is a
    file, or the nearest existing parent is not writable."""
    path = Path(path)
    if path.is_dir():
        raise TokenEconError(f"{path}: is a folder, expected a file name")
    _writable_parent(path, "file")


def _writable_parent(target: Path, what: str) -> Path:
    """The nearest existing parent of `target`, checked to be a folder this process can write in."""
    parent = _existing_parent(target)
    if not parent.is_dir():
        raise TokenEconError(f"{target}: cannot create a {what} under {parent}: it is a file")
    try:
        Path(tempfile.mkdtemp(prefix=".tokenecon-probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise TokenEconError(f"{target}: cannot write in {parent}: {exc.strerror or exc.__class__.__name__}") from None
    return parent


def write_text_file(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all (a temporary sibling, then a rename)."""
    check_output_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tokenecon-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TokenEconError(f"{path}: cannot write: {exc.strerror or exc.__class__.__name__}") from None


def _existing_parent(out: Path) -> Path:
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


_LOCKS: dict[str, int] = {}


def lock_output_dir(out: Path) -> None:
    """Hold an exclusive lock on `out` until it is written: a second writer is refused.

    The lock is an flock on a file named after the folder's absolute path (in the system's
    temporary folder), so it is released when the process ends, even by kill -9.
    """
    key = str(Path(out).resolve())
    if key in _LOCKS:
        return
    import fcntl
    import hashlib

    folder = Path(tempfile.gettempdir()) / "tokenecon-locks"
    folder.mkdir(exist_ok=True)
    name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24] + ".lock"
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise TokenEconError(f"{out}: another tokenecon process is writing this folder; wait for it or choose "
                             "another --out") from None
    _LOCKS[key] = fd


def unlock_output_dir(out: Path) -> None:
    fd = _LOCKS.pop(str(Path(out).resolve()), None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


_TEMP = ".tokenecon-tmp-"  # a temporary folder is .NAME.tokenecon-tmp-XXXXXXXX beside NAME


def remove_stale_temp(out: Path) -> None:
    """Clean up after runs killed while writing `out` (call while holding its lock): its temporary
    folders (``.NAME.tokenecon-tmp-XXXXXXXX``, no other name matches) are removed; a report moved
    aside as ``.NAME.old`` is restored when `out` is missing, else removed."""
    parent = out.parent
    if not parent.is_dir():
        return
    old = out.with_name(f".{out.name}.old")
    if old.is_dir() and not old.is_symlink():
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.rename(out)
    own = re.compile(re.escape(f".{out.name}{_TEMP}") + r"[a-z0-9_]{8}")
    for candidate in parent.glob(f".{glob.escape(out.name)}{_TEMP}*"):
        if own.fullmatch(candidate.name) and candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)


@contextmanager
def atomic_folder(out: Path, force: bool, kind: str = "folder") -> Iterator[Path]:
    """A temporary sibling folder to write into; it replaces `out` only when the block succeeds."""
    check_output_dir(out, force, kind)
    try:
        remove_stale_temp(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{_TEMP}", dir=out.parent))
        try:
            yield tmp
            _publish(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        unlock_output_dir(out)


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
