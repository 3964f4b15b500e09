"""Token-count distributions. Every draw is a whole number from 1 to `MAX_TOKENS`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..inputs import check_file, quote
from ..scenario.limits import MAX_TOKENS
from ..scenario import EmpiricalSize, ExponentialSize, FixedSize, LognormalSize

__all__ = ["draw_sizes", "load_empirical"]

_Z90 = 1.2815515655446004  # standard normal quantile at 0.9


def draw_sizes(spec, count: int, rng: np.random.Generator, resolve=Path) -> np.ndarray:
    """`count` token counts (int64) from a size spec; continuous draws round to nearest, min 1."""
    if isinstance(spec, FixedSize):
        return np.full(count, spec.value, dtype=np.int64)
    if isinstance(spec, ExponentialSize):
        raw = rng.exponential(spec.mean, size=count)
    elif isinstance(spec, LognormalSize):
        sigma = np.log(spec.p90 / spec.median) / _Z90
        raw = rng.lognormal(np.log(spec.median), sigma, size=count)
    elif isinstance(spec, EmpiricalSize):
        values = load_empirical(resolve(spec.path), spec.column)
        return values[rng.integers(0, len(values), size=count)]
    else:  # pragma: no cover - the schema admits no other type
        raise TypeError(f"unknown size spec {spec!r}")
    return np.clip(np.rint(raw), 1, MAX_TOKENS).astype(np.int64)  # a request holds at most MAX_TOKENS


def load_empirical(path: Path, column: str) -> np.ndarray:
    """Whole positive token counts (at most `MAX_TOKENS`) from one column of a CSV file."""
    check_file(path, "CSV file")
    try:
        frame = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False)
    except ValueError as exc:
        if "usecols" in str(exc) or "not in list" in str(exc) or "do not match" in str(exc):
            raise InputDataError(f"{path}: no column {quote(column)}{column_hint(path)}") from None
        raise InputDataError(f"{path}: cannot read CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError):
        raise InputDataError(f"{path}: cannot read CSV") from None
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 1) | (values > MAX_TOKENS) | (values != np.floor(values))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(f"{path}: line {row + 2}: column {quote(column)} must be a whole number from 1 to "
                             f"{MAX_TOKENS:,} (got {quote(frame[column].iloc[row])})")
    if len(values) == 0:
        raise InputDataError(f"{path}: column {quote(column)} has no rows")
    return values.to_numpy(dtype=np.int64)


def column_hint(path: Path) -> str:
    """`` (columns: a, b)`` when the file's first line is a header of column names; else nothing,
    so that a path pointing at an unrelated file never has its content echoed."""
    try:
        with path.open("rb") as handle:
            header = handle.readline(4096).decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    names = header.split(",")
    if len(names) > 40 or not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .()-]{0,63}", n.strip()) for n in names):
        return " (the first line is not a header of column names)"
    return f" (columns: {', '.join(n.strip() for n in names)})"


def check_empirical_sources(scenario) -> None:
    """Read every empirical size column of a scenario once, so bad files fail before a run."""
    for customer in scenario.customers:
        for spec in (customer.input_tokens, customer.output_tokens):
            if isinstance(spec, EmpiricalSize):
                load_empirical(scenario.resolve_path(spec.path), spec.column)
