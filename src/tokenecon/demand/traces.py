"""Replay recorded traffic: arrival times and token sizes from a trace file.

Replay is exact: every row kept (all of them unless `sample` < 1) whose time falls inside the
horizon becomes one request with the row's token counts. A bad row (unparsable time, missing or
negative count) is an error naming the file and line, or with `skip_bad` is skipped and counted.

The file is read in chunks (`tokenecon.demand.tracefile`) and only the rows the run can replay are
held, so memory follows the simulated requests, not the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..scenario import TraceArrivals
from ..inputs import check_file
from ..scenario.limits import MAX_TOKENS
from .tracefile import Chunk, chunks

__all__ = ["Trace", "load_trace", "replay", "trace_offset"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


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
    customer_names: tuple[str, ...] = ()  # `by_customer`: every customer named by a usable row read
    cached_explicit_tokens: np.ndarray | None = None  # explicit-cache hits (part of cached); None: all zero
    first_bad: str | None = None  # the first bad row's one-line error (raised unless `skip_bad`)

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


_COUNTS = ("input", "output", "cached", "reasoning", "cache_write", "cache_write_1h", "cached_explicit")


def _parse(chunk: Chunk, unit: str, path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Per row of a chunk: its values (time in nanoseconds, counts, customer), whether the row is usable
    and whether its time is."""
    columns, n = chunk.columns, len(chunk.lines)
    times, ok_time = _times(pd.Series(columns["time"]).astype(object), unit, path, chunk.lines)
    values, oks = {"time": times}, [ok_time]
    for key in _COUNTS:
        if key in columns:
            values[key], ok = _counts(columns[key], key)
            oks.append(ok)
        else:
            values[key] = np.zeros(n, dtype=np.int64)
    values["customer"] = np.asarray(columns["customer"], dtype=object) if "customer" in columns else \
        np.full(n, "", dtype=object)
    writes = values["cache_write"] + values["cache_write_1h"]
    # no output is a real outcome (a filtered or cut-off call): billed for its prompt, served as a prefill
    ok = np.logical_and.reduce(oks) & (values["input"] >= 1)
    ok &= (values["cached"] + writes <= values["input"]) & (values["cached_explicit"] <= values["cached"])
    return values, ok, ok_time


class _Kept:
    """The usable rows read so far that fall within `limit` nanoseconds of the earliest time read
    (all of them when `limit` is None). A row dropped can never come back: the earliest time only
    moves earlier, so the set kept at the end is exactly the rows within `limit` of the trace's
    first time, in any row order."""

    def __init__(self, limit: float | None):
        self.limit = limit
        self.parts: list[dict[str, np.ndarray]] = []
        self.first: int | None = None  # the earliest and latest usable times read (nanoseconds)
        self.last: int | None = None

    def add(self, values: dict[str, np.ndarray]) -> None:
        t = values["time"]
        if not len(t):
            return
        self.last = int(t.max()) if self.last is None else max(self.last, int(t.max()))
        if self.first is None or t.min() < self.first:
            self.first = int(t.min())
            self.parts = [p for p in map(self._within, self.parts) if len(p["time"])]
        part = self._within(values)
        if len(part["time"]):
            self.parts.append(part)

    def _within(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self.limit is None:
            return values
        keep = values["time"] - self.first <= self.limit
        return values if keep.all() else {key: v[keep] for key, v in values.items()}

    def merged(self) -> dict[str, np.ndarray]:
        return {key: np.concatenate([p[key] for p in self.parts]) for key in self.parts[0]}


def _bad_row(chunk: Chunk, k: int, ok_time: np.ndarray, late: np.ndarray, path: Path) -> InputDataError:
    if k in chunk.errors:
        return InputDataError(f"{chunk.errors[k]}; fix it or set skip_bad: true")
    what = "time" if not ok_time[k] else \
        "time (earlier than a row before it, and the trace is declared ordered)" if late[k] else \
        "token counts (whole numbers >= 0, input >= 1, cached + cache writes <= input, cached_explicit <= cached)"
    return InputDataError(f"{path}: line {chunk.lines[k]}: bad {what}; fix it or set skip_bad: true")


class _NoRows(InputDataError):
    """No usable row: the message, and the first bad row's error (what a run without `skip_bad` reports)."""

    def __init__(self, message: str, first_bad: str | None):
        super().__init__(message)
        self.first_bad = first_bad


_NONE = np.iinfo(np.int64).min  # before any time


def _in_order(values, ok, kept: _Kept, latest: int) -> tuple[np.ndarray, int | None]:
    """`ordered` traces: the usable rows earlier than a row before them, and the index of the first
    in-order row beyond the horizon (where reading stops), if any."""
    t = np.where(ok, values["time"], _NONE)
    before = np.maximum.accumulate(np.concatenate([np.asarray([latest], dtype=np.int64), t]))[:-1]
    late = ok & (t < before)
    if kept.limit is None or not (ok & ~late).any():
        return late, None
    first = kept.first if kept.first is not None else int(t[np.flatnonzero(ok & ~late)[0]])
    beyond = np.flatnonzero(ok & ~late & (t - first > kept.limit))
    return late, (int(beyond[0]) if len(beyond) else None)


def _load(path: Path, spec, limit: float | None) -> Trace:
    """The trace's usable rows within `limit` nanoseconds of its first time, bad rows skipped and
    counted, the first of them kept as its error (`load_trace` raises it unless `skip_bad`)."""
    check_file(path, "trace file")
    unit = spec.time_unit
    if spec.format in ("openai_usage", "meter_log"):
        unit = "mixed"  # epoch seconds (OpenAI `created`) or ISO, decided row by row
    elif spec.format == "azure":
        unit = "datetime"
    kept, skipped, latest = _Kept(None if limit is None else limit * 1e9), 0, int(_NONE)
    names: set[str] = set()
    first_bad: str | None = None
    for chunk in chunks(path, spec):
        values, ok, ok_time = _parse(chunk, unit, path)
        late, stop = np.zeros(len(ok), dtype=bool), None
        if spec.ordered:
            late, stop = _in_order(values, ok, kept, latest)
            if stop is not None:  # the rest of the file lies beyond the horizon: not read
                values, ok, ok_time, late = ({k: v[:stop] for k, v in values.items()}, ok[:stop], ok_time[:stop],
                                             late[:stop])
            ok &= ~late
            if ok.any():
                latest = max(latest, int(values["time"][ok].max()))
        bad = np.flatnonzero(~ok)
        if len(bad) and first_bad is None:
            first_bad = str(_bad_row(chunk, int(bad[0]), ok_time, late, path))
        skipped += len(bad)
        usable = {key: v[ok] for key, v in values.items()}
        if spec.by_customer:
            names.update(str(c) for c in set(usable["customer"]) if str(c))
        kept.add(usable)
        if stop is not None:
            break
    if not kept.parts or kept.first is None or kept.last is None:
        raise _NoRows(f"{path}: no usable rows", first_bad)
    values = kept.merged()
    order = np.argsort(values["time"], kind="stable")
    absolute = unit == "datetime" or spec.format in ("openai_usage", "meter_log")  # ISO times or Unix `created`
    return Trace((values["time"][order] - kept.first) / 1e9, values["input"][order], values["output"][order],
                 values["cached"][order], values["reasoning"][order], values["customer"][order], skipped,
                 (kept.last - kept.first) / 1e9, values["cache_write"][order], values["cache_write_1h"][order],
                 first_epoch_ns=kept.first if absolute else None, customer_names=tuple(sorted(names)),
                 cached_explicit_tokens=values["cached_explicit"][order], first_bad=first_bad)


@lru_cache(maxsize=16)
def _load_cached(path: str, spec_json: str, limit: float | None, stamp: tuple | None) -> Trace:
    return _load(Path(path), TraceArrivals.model_validate_json(spec_json), limit)


def _stamp(path: Path) -> tuple | None:
    """The file's modification time and size: a file changed since it was read is read again."""
    try:
        stat = os.stat(path)
    except OSError:
        return None  # `check_file` names the problem
    return stat.st_mtime_ns, stat.st_size


def load_trace(path: Path, spec, duration: float | None = None) -> Trace:
    """The trace's usable rows in time order (cached per file, options and horizon).

    With a `duration` (the run's horizon in seconds) and no `loop`, only the rows a run of that
    length can replay are held: those within `duration` x `speed` of the trace's first time. The
    file is still read to its end (its rows may come in any order, and every row is checked), one
    chunk at a time; an `ordered` trace is read only up to its first row beyond the horizon.
    """
    limit = None if duration is None or spec.loop else duration * spec.speed * (1 + 1e-9)
    # one read serves both settings of `skip_bad` (a run with --skip-bad, the first time of `start: trace`)
    # and every `sample`, `speed` and `loop` (a scaled run's sample): the rows read depend on them only
    # through `limit`
    key = spec.model_copy(update={"skip_bad": True, "sample": 1.0, "speed": 1.0, "loop": False})
    try:
        trace = _load_cached(str(path), key.model_dump_json(), limit, _stamp(path))
    except _NoRows as exc:
        raise InputDataError(exc.first_bad if exc.first_bad and not spec.skip_bad else str(exc)) from None
    if trace.first_bad is not None and not spec.skip_bad:
        raise InputDataError(trace.first_bad)
    return trace


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
