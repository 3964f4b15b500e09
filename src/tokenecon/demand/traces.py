"""Replay recorded traffic: arrival times and token sizes from a trace file.

Replay is exact: every row kept (all of them unless `sample` < 1) whose time falls inside the
horizon becomes one request with the row's token counts. A bad row (unparsable time, missing or
negative count) is an error naming the file and line, or with `skip_bad` is skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..scenario import TraceArrivals
from ..inputs import check_file, quote
from ..scenario.limits import MAX_TOKENS
from ..usage import read_usage, usage_object

__all__ = ["Trace", "load_trace", "replay", "trace_offset"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_AZURE = {"time": "TIMESTAMP", "input": "ContextTokens", "output": "GeneratedTokens"}


@dataclass(frozen=True)
class Trace:
    """Rows of a trace, times in seconds from its first row."""

    time_s: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cached_input_tokens: np.ndarray
    reasoning_tokens: np.ndarray
    customer: np.ndarray  # object: customer names ("" when the trace has none)
    skipped: int
    span_s: float  # first to last row
    cache_write_tokens: np.ndarray  # 5-minute cache writes (part of input)
    cache_write_1h_tokens: np.ndarray  # 1-hour cache writes (part of input)
    first_epoch_ns: int | None = None  # the first row's time (Unix nanoseconds) when the trace has absolute times

    @property
    def first_epoch_s(self) -> float | None:
        """The first row's time in Unix seconds (a float: about 0.2 us coarse; offsets use the nanoseconds)."""
        return None if self.first_epoch_ns is None else self.first_epoch_ns / 1e9


def _times(values: pd.Series, unit: str, path: Path, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's time in whole nanoseconds (Unix time for absolute times), and which rows are good.

    Integers, not float seconds: a float of Unix seconds is about 0.2 us coarse, enough to move a
    call made at a price window's first instant back into the window before it.
    """
    if unit == "datetime":
        parsed = _datetimes(values)
        years = parsed.dt.year
        ok = (parsed.notna() & (years >= 1970) & (years < 2200)).to_numpy()  # the calendar a scenario may use
        ns = np.zeros(len(values), dtype=np.int64)
        if ok.any():
            ns[ok] = parsed[ok].dt.tz_convert(None).astype("datetime64[ns]").astype(np.int64).to_numpy()
        return ns, ok
    if unit == "mixed":  # JSONL: epoch seconds (OpenAI `created`) or ISO text, row by row
        text = values.map(lambda v: isinstance(v, str))
        ns, ok = _times(values.where(~text, None), "s", path, lines)
        if text.any():
            dated, ok_dated = _times(values[text], "datetime", path, lines)
            ns[text.to_numpy()], ok[text.to_numpy()] = dated, ok_dated
        return ns, ok
    parsed = pd.to_numeric(values.map(lambda v: None if isinstance(v, bool) else v), errors="coerce")
    numbers = parsed.to_numpy(dtype=float)
    scale = 10**6 if unit == "ms" else 10**9
    ok = np.isfinite(numbers) & (np.abs(numbers) * (scale / 1e9) <= _MAX_EPOCH_S)  # `created: true` is no time
    numbers = np.where(ok, numbers, 0.0)
    whole = np.floor(numbers)  # whole units exactly, then the fraction (exact in floats) to the nanosecond
    return whole.astype(np.int64) * scale + np.round((numbers - whole) * scale).astype(np.int64), ok


def _datetimes(values: pd.Series) -> pd.Series:
    """ISO 8601 times (aware, UTC); NaT where unparsable or outside what a scenario may use."""
    try:
        return pd.to_datetime(values, format="ISO8601", errors="coerce", utc=True)
    except (OverflowError, ValueError):  # a time beyond pandas' calendar (year 9999): row by row
        def one(value):
            try:
                return pd.to_datetime(value, format="ISO8601", utc=True)
            except (OverflowError, ValueError, TypeError):
                return pd.NaT
        return pd.to_datetime(values.map(one), utc=True)


_MAX_EPOCH_S = 7.3e9  # seconds from 1970 to 2200: the calendar a scenario may use


def _counts(values, name: str) -> tuple[np.ndarray, np.ndarray]:
    series = pd.Series(values)
    parsed = pd.to_numeric(series.map(lambda v: None if isinstance(v, bool) else v), errors="coerce")
    numbers = parsed.to_numpy(dtype=float)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers <= MAX_TOKENS) & (numbers == np.floor(numbers))
    return np.where(ok, numbers, 0).astype(np.int64), ok


def _table(path: Path, spec) -> tuple[dict[str, object], np.ndarray]:
    """The raw columns and the file line of each row."""
    if spec.format in ("azure", "csv"):
        columns = _AZURE if spec.format == "azure" else spec.columns
        frame = _read_csv_columns(path, list(dict.fromkeys(columns.values())))
        return {key: frame[name] for key, name in columns.items()}, np.arange(len(frame)) + 2
    from ..meter.logs import MAX_LINE_BYTES, bounded_lines, parse_json_line

    rows, lines, errors = [], [], {}
    for number, raw, size in bounded_lines(path, MAX_LINE_BYTES):
        if raw is not None and not raw.strip():
            continue
        lines.append(number)
        try:
            if raw is None:
                raise InputDataError(f"line {number}: longer than {MAX_LINE_BYTES:,} bytes ({size:,})")
            data = parse_json_line(raw, number)
            if not isinstance(data, dict):
                raise InputDataError(f"line {number}: expected a JSON object")
        except InputDataError as exc:
            rows.append(_BAD_ROW)
            errors[len(rows) - 1] = f"{path}: {exc}"
            continue
        try:
            rows.append(_usage_row(data, f"{path}: line {number}", spec))
        except InputDataError as exc:
            rows.append(_BAD_ROW)
            errors[len(rows) - 1] = str(exc)
    if not rows:
        raise InputDataError(f"{path}: empty trace")
    frame = pd.DataFrame(rows)
    return {key: frame[key] for key in frame.columns} | {"errors": errors}, np.asarray(lines)


_BAD_ROW = {"time": None, "input": None, "output": None, "cached": 0, "reasoning": 0, "cache_write": 0,
            "cache_write_1h": 0, "customer": ""}


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
            "reasoning": usage.reasoning, "cache_write": usage.cache_write, "cache_write_1h": usage.cache_write_1h}


@lru_cache(maxsize=16)
def _load_cached(path: str, spec_json: str) -> Trace:
    return _load(Path(path), TraceArrivals.model_validate_json(spec_json))


def _read_csv_columns(path: Path, names: list[str]) -> pd.DataFrame:
    """The named columns of a CSV file as text, read in chunks (other columns never held)."""
    from .sizes import column_hint

    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError):
        raise InputDataError(f"{path}: cannot read CSV (expected a header line of column names)") from None
    missing = [c for c in names if c not in header]
    if missing:
        raise InputDataError(f"{path}: no column {quote(missing[0])}{column_hint(path)}")
    try:
        chunks = pd.read_csv(path, usecols=names, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                             chunksize=1 << 18)
        return pd.concat(list(chunks), ignore_index=True) if names else pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        line = getattr(exc, "lineno", None) or ""
        raise InputDataError(f"{path}: cannot read CSV{f' at line {line}' if line else ''}: "
                             f"{quote(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__, 120)}") from None


def _load(path: Path, spec) -> Trace:
    check_file(path, "trace file")
    columns, lines = _table(path, spec)
    if len(lines) == 0:
        raise InputDataError(f"{path}: empty trace")
    time_values = columns["time"]
    unit = spec.time_unit
    if spec.format in ("openai_usage", "meter_log"):
        unit = "mixed"  # epoch seconds (OpenAI `created`) or ISO, decided row by row
    elif spec.format == "azure":
        unit = "datetime"
    times, ok_time = _times(pd.Series(time_values).astype(object), unit, path, lines)
    counts, oks = {}, [ok_time]
    for key in ("input", "output", "cached", "reasoning", "cache_write", "cache_write_1h"):
        if key in columns:
            counts[key], ok = _counts(columns[key], key)
            oks.append(ok)
        else:
            counts[key] = np.zeros(len(lines), dtype=np.int64)
    writes = counts["cache_write"] + counts["cache_write_1h"]
    ok = np.logical_and.reduce(oks) & (counts["input"] >= 1) & (counts["output"] + counts["reasoning"] >= 1)
    ok &= counts["cached"] + writes <= counts["input"]
    bad = np.flatnonzero(~ok)
    if len(bad) and not spec.skip_bad:
        k = bad[0]
        errors = columns.get("errors")  # JSON lines: the reader's message for each row it could not read
        if isinstance(errors, dict) and k in errors:
            raise InputDataError(f"{errors[k]}; fix it or set skip_bad: true")
        what = ("time" if not ok_time[k] else "token counts (whole numbers, input >= 1, output + reasoning >= 1, "
                "cached + cache writes <= input)")
        raise InputDataError(f"{path}: line {lines[k]}: bad {what}; fix it or set skip_bad: true")
    keep = np.flatnonzero(ok)
    if not len(keep):
        raise InputDataError(f"{path}: no usable rows")
    order = keep[np.argsort(times[keep], kind="stable")]
    t = (times[order] - times[order[0]]) / 1e9
    customer = np.asarray(columns["customer"], dtype=object)[order] if "customer" in columns else \
        np.full(len(order), "", dtype=object)
    absolute = unit == "datetime" or spec.format in ("openai_usage", "meter_log")  # ISO times or Unix `created`
    return Trace(t, counts["input"][order], counts["output"][order], counts["cached"][order],
                 counts["reasoning"][order], customer, int(len(bad)), float(t[-1]),
                 counts["cache_write"][order], counts["cache_write_1h"][order],
                 int(times[order[0]]) if absolute else None)


def load_trace(path: Path, spec) -> Trace:
    """The trace's usable rows in time order (cached per file and options)."""
    return _load_cached(str(path), spec.model_dump_json())


def trace_offset(trace: Trace, start, duration: float, path) -> float:
    """Seconds from the scenario start to the trace's first row: 0 for a trace of relative times;
    for absolute times the trace keeps them, and a trace that starts before the run or after its
    end is an error."""
    if trace.first_epoch_ns is None or start is None:
        return 0.0
    start_ns = (start - _EPOCH) // timedelta(microseconds=1) * 1000  # exact: a datetime holds microseconds
    offset = (trace.first_epoch_ns - start_ns) / 1e9
    if -1e-6 < offset < 0:  # `start: trace` holds the first time to the microsecond
        offset = 0.0
    if 0.0 <= offset < duration:
        return offset
    first = pd.Timestamp(trace.first_epoch_ns, unit="ns", tz="UTC").isoformat()
    where = "before the scenario start" if offset < 0 else "after the run ends"
    raise InputDataError(f"{path}: the trace starts at {first}, {where} ({start.isoformat()} + "
                         f"{duration:g} s); set start: trace, or a start and duration that hold its times")


def replay(trace: Trace, spec, duration: float, rng: np.random.Generator, offset: float = 0.0) -> np.ndarray:
    """Indices of trace rows and their arrival times in the run: offset, speed, loops, sampling, horizon."""
    times = offset + trace.time_s / spec.speed
    period = trace.span_s / spec.speed
    row_passes, arrival_passes = [np.arange(len(times))], [times]
    if spec.loop:
        # the next pass starts one mean inter-arrival after the last row, so passes do not collide
        gap = period / max(1, len(times) - 1) if len(times) > 1 else 1.0
        shift = period + gap
        passes = int(np.ceil((duration - offset) / shift)) if shift > 0 else 1
        row_passes = [np.arange(len(times))] * passes
        arrival_passes = [times + k * shift for k in range(passes)]
    rows, arrivals = np.concatenate(row_passes), np.concatenate(arrival_passes)
    inside = arrivals < duration
    rows, arrivals = rows[inside], arrivals[inside]
    if spec.sample < 1.0:
        keep = rng.random(len(rows)) < spec.sample
        rows, arrivals = rows[keep], arrivals[keep]
    return np.stack([rows.astype(float), arrivals])
