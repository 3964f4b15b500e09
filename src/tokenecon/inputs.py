"""Reading user files safely: regular files only, bounded sizes, strict YAML, short quotes.

Every file a scenario, a sweep or a command names goes through `read_text` (or `check_file`
for files read by a streaming parser): a directory, a FIFO or device (``/dev/zero``), a path
too long for the system or a file larger than the limit is refused in one line. `load_yaml`
refuses duplicate keys (naming both lines) and strings that are not valid Unicode (lone
surrogates written as escapes). `quote` shortens a value for an error message, so a 10 MB
field is never echoed back whole.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .errors import InputDataError, TokenEconError

__all__ = ["MAX_YAML_BYTES", "missing", "check_file", "read_text", "load_yaml", "quote"]

MAX_YAML_BYTES = 16 * 1024 * 1024  # a scenario, sweep or calibration file
QUOTE_CHARS = 60


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)``, cut to about `limit` characters (with the full length) when longer."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def missing(path: Path) -> bool:
    """True when nothing is at `path` (a path too long or unreadable is not "missing": `check_file` says why)."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def check_file(path: Path, what: str = "file", *, error: Callable[[str], TokenEconError] = InputDataError,
               max_bytes: int | None = None) -> int:
    """The size of `path` if it is a readable regular file (within `max_bytes`); else one-line error."""
    name = str(path) if len(str(path)) <= 200 else f"{str(path)[:200]}... ({len(str(path)):,} characters)"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{name}: file not found") from None
    except OSError as exc:
        raise error(f"{name}: cannot read {what}: {exc.strerror or exc.__class__.__name__}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{name}: is a folder, expected a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{name}: not a regular file (a device, FIFO or socket), expected a {what}")
    if max_bytes is not None and info.st_size > max_bytes:
        raise error(f"{name}: {info.st_size:,} bytes, more than the {max_bytes:,} a {what} may have")
    if not os.access(path, os.R_OK):
        raise error(f"{name}: cannot read {what}: permission denied")
    return info.st_size


def read_text(path: Path, what: str = "file", *, error: Callable[[str], TokenEconError] = InputDataError,
              max_bytes: int = MAX_YAML_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `max_bytes` (a leading BOM dropped)."""
    check_file(path, what, error=error, max_bytes=max_bytes)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc.__class__.__name__}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise error(f"{path}: line {line}: invalid UTF-8 at byte {exc.start}") from None


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys and strings with lone surrogates."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # reported by the base constructor
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {quote(key)} (lines {seen[key]} and {line})", key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_str(self, node):
        value = super().construct_scalar(node)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a string that is not valid Unicode (a lone surrogate)", node.start_mark) from None
        return value


_StrictLoader.add_constructor("tag:yaml.org,2002:str", _StrictLoader.construct_yaml_str)
# types-PyYAML types construct_yaml_map as SafeConstructor's, not as a method of the loader subclass
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map)  # type: ignore[type-var]


def load_yaml(text: str, source: str, *, error: Callable[[str], TokenEconError] = InputDataError) -> Any:
    """Parse YAML strictly; a problem is one line naming `source`, the line and column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{source}: {where}invalid YAML: {problem}") from None
    except RecursionError:
        raise error(f"{source}: invalid YAML: nested too deeply") from None
