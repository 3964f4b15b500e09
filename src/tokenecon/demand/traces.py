"""Replay recorded traffic: arrival times and token sizes from a trace file.

Replay is exact: every row kept (all of them unless `sample` < 1) whose time falls inside the
horizon becomes one request with the row's token counts. A bad row (unparsable time, missing or
negative count) is an error naming the file and line, or with `skip_bad` is skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError

__all__ = ["Trace", "load_trace", "replay"]

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


def _times(values: pd.Series, unit: str, path: Path, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if unit == "datetime":
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=True)
        ok = parsed.notna().to_numpy()
        seconds = np.zeros(len(values))
        if ok.any():
            ns = parsed[ok].dt.tz_convert(None).astype("datetime64[ns]").astype(np.int64).to_numpy()
            seconds[ok] = ns / 1e9
        return seconds, ok
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(numbers)
    return np.where(ok, numbers, 0.0) / (1000.0 if unit == "ms" else 1.0), ok


def _counts(values, name: str) -> tuple[np.ndarray, np.ndarray]:
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers == np.floor(numbers))
    return np.where(ok, numbers, 0).astype(np.int64), ok


def _table(path: Path, spec) -> tuple[dict[str, object], np.ndarray]:
    """The raw columns and the file line of each row."""
    if spec.format in ("azure", "csv"):
        columns = _AZURE if spec.format == "azure" else spec.columns
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputDataError(f"{path}: cannot read CSV: {str(exc).splitlines()[0]}") from None
        missing = [c for c in columns.values() if c not in frame.columns]
        if missing:
            raise InputDataError(f"{path}: no column '{missing[0]}' (columns: {', '.join(frame.columns)})")
        return {key: frame[name] for key, name in columns.items()}, np.arange(len(frame)) + 2
    rows, lines = [], []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
                usage = data.get("usage") or {}
                details_in = usage.get("prompt_tokens_details") or {}
                details_out = usage.get("completion_tokens_details") or {}
                rows.append({
                    "time": data.get("timestamp", data.get("created")),
                    "input": usage.get("prompt_tokens"), "output": usage.get("completion_tokens"),
                    "cached": usage.get("cached_tokens", details_in.get("cached_tokens", 0)),
                    "reasoning": usage.get("reasoning_tokens", details_out.get("reasoning_tokens", 0)),
                    "customer": data.get("customer", data.get("user", "")),
                })
            except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
                rows.append({"time": None, "input": None, "output": None, "cached": 0, "reasoning": 0,
                             "customer": ""})
            lines.append(number)
    if not rows:
        raise InputDataError(f"{path}: empty trace")
    frame = pd.DataFrame(rows)
    return {key: frame[key] for key in frame.columns}, np.asarray(lines)


@lru_cache(maxsize=16)
def _load_cached(path: str, spec_json: str) -> Trace:
    from ..scenario import TraceArrivals

    return _load(Path(path), TraceArrivals.model_validate_json(spec_json))


def _load(path: Path, spec) -> Trace:
    columns, lines = _table(path, spec)
    if len(lines) == 0:
        raise InputDataError(f"{path}: empty trace")
    time_values = columns["time"]
    unit = spec.time_unit
    if spec.format in ("openai_usage", "meter_log"):
        numeric = pd.to_numeric(time_values, errors="coerce")
        unit = "s" if numeric.notna().all() else "datetime"  # epoch seconds (OpenAI `created`) or ISO
    elif spec.format == "azure":
        unit = "datetime"
    times, ok_time = _times(pd.Series(time_values).astype(object), unit, path, lines)
    counts, oks = {}, [ok_time]
    for key in ("input", "output", "cached", "reasoning"):
        if key in columns:
            counts[key], ok = _counts(columns[key], key)
            oks.append(ok)
        else:
            counts[key] = np.zeros(len(lines), dtype=np.int64)
    ok = np.logical_and.reduce(oks) & (counts["input"] >= 1) & (counts["output"] >= 1)
    ok &= counts["cached"] <= counts["input"]
    bad = np.flatnonzero(~ok)
    if len(bad) and not spec.skip_bad:
        k = bad[0]
        what = ("time" if not ok_time[k] else "token counts (whole numbers, input and output >= 1, cached <= input)")
        raise InputDataError(f"{path}: line {lines[k]}: bad {what}; fix it or set skip_bad: true")
    keep = np.flatnonzero(ok)
    if not len(keep):
        raise InputDataError(f"{path}: no usable rows")
    order = keep[np.argsort(times[keep], kind="stable")]
    t = times[order] - times[order[0]]
    customer = np.asarray(columns["customer"], dtype=object)[order] if "customer" in columns else \
        np.full(len(order), "", dtype=object)
    return Trace(t, counts["input"][order], counts["output"][order], counts["cached"][order],
                 counts["reasoning"][order], customer, int(len(bad)), float(t[-1]))


def load_trace(path: Path, spec) -> Trace:
    """The trace's usable rows in time order (cached per file and options)."""
    return _load_cached(str(path), spec.model_dump_json())


def replay(trace: Trace, spec, duration: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of trace rows and their arrival times in the run: speed, loops, sampling, horizon."""
    times = trace.time_s / spec.speed
    period = trace.span_s / spec.speed
    rows, arrivals = [np.arange(len(times))], [times]
    if spec.loop:
        # the next pass starts one mean inter-arrival after the last row, so passes do not collide
        gap = period / max(1, len(times) - 1) if len(times) > 1 else 1.0
        shift = period + gap
        passes = int(np.ceil(duration / shift)) if shift > 0 else 1
        rows = [np.arange(len(times))] * passes
        arrivals = [times + k * shift for k in range(passes)]
    rows, arrivals = np.concatenate(rows), np.concatenate(arrivals)
    inside = arrivals < duration
    rows, arrivals = rows[inside], arrivals[inside]
    if spec.sample < 1.0:
        keep = rng.random(len(rows)) < spec.sample
        rows, arrivals = rows[keep], arrivals[keep]
    return np.stack([rows.astype(float), arrivals])
