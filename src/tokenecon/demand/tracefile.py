"""A trace file read in chunks of rows: raw columns and the file line of each row.

CSV files (``azure``, ``csv``) are read with only the named columns, JSONL files (``openai_usage``,
``meter_log``) line by line within the meter's line limits; either way at most `CHUNK_ROWS` rows
are held at once, so the caller decides which rows to keep (`tokenecon.demand.traces`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..inputs import quote
from ..usage import read_usage, usage_object

__all__ = ["CHUNK_ROWS", "Chunk", "chunks"]

CHUNK_ROWS = 1 << 15
_AZURE = {"time": "TIMESTAMP", "input": "ContextTokens", "output": "GeneratedTokens"}


@dataclass
class Chunk:
    """Raw values of consecutive rows: `columns[key]` per row, `lines` their file lines, and for
    rows that could not be read at all, `errors[k]` the one-line reason (the row's values are empty)."""

    columns: dict[str, pd.Series]
    lines: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)


def chunks(path: Path, spec) -> Iterator[Chunk]:
    """The trace's rows in file order, `CHUNK_ROWS` at a time (an empty trace is an error)."""
    source = _csv_chunks(path, spec) if spec.format in ("azure", "csv") else _jsonl_chunks(path, spec)
    empty = True
    for chunk in source:
        if len(chunk.lines):
            empty = False
            yield chunk
    if empty:
        raise InputDataError(f"{path}: empty trace")


def _csv_chunks(path: Path, spec) -> Iterator[Chunk]:
    from .sizes import column_hint

    columns = _AZURE if spec.format == "azure" else spec.columns
    names = list(dict.fromkeys(columns.values()))
    _check_utf8_text(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError):
        raise InputDataError(f"{path}: cannot read CSV (expected a header line of column names)") from None
    missing = [c for c in names if c not in header]
    if missing:
        spaced = [str(h) for h in header if str(h).strip() == missing[0]]
        if spaced:  # ' out' in the header: the spaces are part of the name (as pandas and csv read it)
            raise InputDataError(f"{path}: no column {quote(missing[0])}; the header has {quote(spaced[0])} "
                                 "(spaces around a column name are part of it)")
        raise InputDataError(f"{path}: no column {quote(missing[0])}{column_hint(path)}")
    if not names:
        return
    first = 2  # the file line of the chunk's first row (after the header)
    try:
        with pd.read_csv(path, usecols=names, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         chunksize=CHUNK_ROWS) as reader:
            for frame in reader:
                lines = np.arange(len(frame)) + first
                first += len(frame)
                yield Chunk({key: frame[name] for key, name in columns.items()}, lines)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        line = getattr(exc, "lineno", None) or ""
        raise InputDataError(f"{path}: cannot read CSV{f' at line {line}' if line else ''}: "
                             f"{quote(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__, 120)}") from None


def _check_utf8_text(path: Path) -> None:
    """A UTF-16 or UTF-32 file (Excel's "Unicode text") is named as such, not as a file without a header."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return  # the read below names the problem
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 2 and head[1:2] == b"\x00" and head[:1] != b"\x00"):
        raise InputDataError(f"{path}: expected UTF-8 text (the file looks UTF-16 or UTF-32 encoded; save it as UTF-8)")


def _jsonl_chunks(path: Path, spec) -> Iterator[Chunk]:
    from ..meter.logs import BLANK, MAX_LINE_BYTES, bounded_lines, parse_json_line

    rows: list[dict] = []
    lines: list[int] = []
    errors: dict[int, str] = {}
    for number, raw, size in bounded_lines(path, MAX_LINE_BYTES):
        try:
            if raw is None:
                raise InputDataError(f"line {number}: longer than {MAX_LINE_BYTES:,} bytes ({size:,})")
            data = parse_json_line(raw, number)
            if data is BLANK:
                continue  # as the meter reads logs
            if not isinstance(data, dict):
                raise InputDataError(f"line {number}: expected a JSON object")
            row = _usage_row(data, f"{path}: line {number}", spec)
        except InputDataError as exc:
            row = _BAD_ROW
            errors[len(rows)] = str(exc) if str(exc).startswith(f"{path}: ") else f"{path}: {exc}"
        rows.append(row)
        lines.append(number)
        if len(rows) == CHUNK_ROWS:
            yield _jsonl_chunk(rows, lines, errors)
            rows, lines, errors = [], [], {}
    if rows:
        yield _jsonl_chunk(rows, lines, errors)


def _jsonl_chunk(rows: list[dict], lines: list[int], errors: dict[int, str]) -> Chunk:
    frame = pd.DataFrame(rows)
    return Chunk({key: frame[key] for key in frame.columns}, np.asarray(lines), errors)


_BAD_ROW = {"time": None, "input": None, "output": None, "cached": 0, "reasoning": 0, "cache_write": 0,
            "cache_write_1h": 0, "cached_explicit": 0, "customer": ""}


def _usage_row(data: dict, where: str, spec) -> dict:
    """One JSONL line: its time, customer and usage in tokenecon's classes (`tokenecon.usage`)."""
    usage = read_usage(usage_object(data), where, spec.usage_format)
    row = {"time": data.get("timestamp", data.get("created")), "customer": data.get("customer", data.get("user", ""))}
    if isinstance(row["time"], bool) or not isinstance(row["time"], (str, int, float)):
        raise InputDataError(f"{where}: 'timestamp' (or 'created') must be epoch seconds or an ISO 8601 time")
    if not isinstance(row["customer"], str) or len(row["customer"]) > 200:
        raise InputDataError(f"{where}: 'customer' must be text of at most 200 characters")
    if usage is None:
        return {**_BAD_ROW, **row}
    return {**row, "input": usage.input, "output": usage.output, "cached": usage.cached_input,
            "reasoning": usage.reasoning, "cache_write": usage.cache_write, "cache_write_1h": usage.cache_write_1h,
            "cached_explicit": usage.cached_explicit}
