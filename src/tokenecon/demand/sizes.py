"""Token-count distributions. Every draw is a whole number >= 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
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
    return np.maximum(1, np.rint(raw)).astype(np.int64)


def load_empirical(path: Path, column: str) -> np.ndarray:
    """Whole positive token counts from one column of a CSV file."""
    try:
        frame = pd.read_csv(path, usecols=[column])
    except FileNotFoundError:
        raise InputDataError(f"{path}: file not found") from None
    except ValueError as exc:
        if "usecols" in str(exc) or "not in list" in str(exc) or "do not match" in str(exc):
            header = pd.read_csv(path, nrows=0).columns.tolist()
            raise InputDataError(f"{path}: no column '{column}' (columns: {', '.join(map(str, header))})") from None
        raise InputDataError(f"{path}: {exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{path}: cannot read CSV: {str(exc).splitlines()[0]}") from None
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 1) | (values != np.floor(values))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"{path}: line {row + 2}: column '{column}' must be a whole number >= 1 (got {str(frame[column].iloc[row])!r})"
        )
    if len(values) == 0:
        raise InputDataError(f"{path}: column '{column}' has no rows")
    return values.to_numpy(dtype=np.int64)


def check_empirical_sources(scenario) -> None:
    """Read every empirical size column of a scenario once, so bad files fail before a run."""
    for customer in scenario.customers:
        for spec in (customer.input_tokens, customer.output_tokens):
            if isinstance(spec, EmpiricalSize):
                load_empirical(scenario.resolve_path(spec.path), spec.column)
