"""Fit a `performance:` block from measured step and prefill times (a serving engine's benchmark output).

The measurements file is a CSV with two kinds of rows (a row fills one group, leaves the other empty):
- decode: ``batch_size, context_tokens, step_s`` (context: mean tokens per sequence in the batch);
- prefill: ``prompt_tokens, prefill_s`` (one prompt prefilled alone).
Decode fits ``step_s = base + per_sequence * b + per_context_token * b * context`` by least squares
(terms that would come out negative are dropped), or, as a table by batch size
(``decode_step_s_by_batch``), ``step_s = seconds + per_context_token * b * context`` for each batch size
measured at two contexts or more (at one context, the line's per_context_token); prefill fits
``prefill_s = overhead + tokens / rate``, or keeps the measured medians by prompt length as a table.
Errors are reported per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError

__all__ = ["ProfileFit", "fit_profile"]

DECODE = ("batch_size", "context_tokens", "step_s")
PREFILL = ("prompt_tokens", "prefill_s")


@dataclass(frozen=True)
class ProfileFit:
    performance: dict
    decode_rmse_s: float
    decode_max_error: float  # largest relative error
    decode_rows: int
    prefill_rmse_s: float
    prefill_max_error: float
    prefill_rows: int


def _numbers(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> np.ndarray:
    rows = frame[list(columns)]
    filled = rows.notna().any(axis=1).to_numpy()
    values = rows[filled].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values).all(axis=1) | (values < 0).any(axis=1)
    if bad.any():
        line = int(np.flatnonzero(filled)[np.argmax(bad)]) + 2
        raise InputDataError(f"{path}: line {line}: {', '.join(columns)} must all be non-negative numbers")
    return values


def _least_squares(columns: list[np.ndarray], names: list[str], y: np.ndarray) -> dict[str, float]:
    """Non-negative least squares by dropping the terms that come out negative."""
    keep = list(range(len(columns)))
    while True:
        coef, *_ = np.linalg.lstsq(np.stack([columns[k] for k in keep], axis=1), y, rcond=None)
        if (coef >= 0).all() or len(keep) == 1:
            out = {name: 0.0 for name in names}
            out.update({names[k]: float(max(c, 0.0)) for k, c in zip(keep, coef)})
            return out
        keep.pop(int(np.argmin(coef)))


def _errors(predicted: np.ndarray, measured: np.ndarray) -> tuple[float, float]:
    return (float(np.sqrt(np.mean((predicted - measured) ** 2))),
            float(np.max(np.abs(predicted - measured) / measured)))


def _decode_table(b: np.ndarray, ctx: np.ndarray, step: np.ndarray, per_context: float) -> dict[int, list[float]]:
    """For each batch size: [seconds, seconds per context token] (least squares; one context: the line's slope)."""
    table: dict[int, list[float]] = {}
    for size in np.unique(b):
        rows = b == size
        context = size * ctx[rows]
        if len(np.unique(context)) > 1:
            fit = _least_squares([np.ones_like(context), context], ["seconds", "per_token"], step[rows])
            seconds, per_token = fit["seconds"], fit["per_token"]
        else:
            seconds, per_token = max(float(np.mean(step[rows] - per_context * context)), 0.0), per_context
        if seconds == 0 and per_token == 0:
            seconds = float(np.mean(step[rows]))
        table[int(size)] = [float(f"{seconds:.6g}"), float(f"{per_token:.6g}")]
    return table


def fit_profile(path: Path, table: bool = False, decode_table: bool = False) -> ProfileFit:
    """Fit the decode step and the prefill of `path`; `table` keeps prefill medians by prompt length,
    `decode_table` fits the decode step for each batch size."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{path}: cannot read ({exc})") from None
    missing = [c for c in DECODE + PREFILL if c not in frame.columns]
    if missing:
        raise InputDataError(f"{path}: no column '{missing[0]}' (expected {', '.join(DECODE + PREFILL)})")
    decode, prefill = _numbers(frame, DECODE, path), _numbers(frame, PREFILL, path)
    if len(decode) < 3 or len(prefill) < 2:
        raise InputDataError(f"{path}: need at least 3 decode rows ({', '.join(DECODE)}) and 2 prefill rows "
                             f"({', '.join(PREFILL)}); got {len(decode)} and {len(prefill)}")
    b, ctx, step = decode.T
    step_fit = _least_squares([np.ones_like(b), b, b * ctx], ["base", "per_sequence", "per_context_token"], step)
    predicted = step_fit["base"] + step_fit["per_sequence"] * b + step_fit["per_context_token"] * b * ctx
    performance: dict = {"decode_step_s": {k: float(f"{v:.6g}") for k, v in step_fit.items()}}
    if decode_table:
        if (b < 1).any() or (b != np.round(b)).any():
            raise InputDataError(f"{path}: batch_size must be whole numbers of at least 1 for a decode table")
        from ..sim.timing import DecodeStep
        performance = {"decode_step_s_by_batch": _decode_table(b, ctx, step, step_fit["per_context_token"])}
        steps = DecodeStep(table={k: (v[0], v[1]) for k, v in performance["decode_step_s_by_batch"].items()},
                           size=int(b.max()))
        predicted = np.asarray([steps.fixed[int(n)] + steps.per_context[int(n)] * n * c for n, c in zip(b, ctx)])
    decode_rmse, decode_max = _errors(predicted, step)
    tokens, seconds = prefill.T
    if table:
        medians = pd.Series(seconds).groupby(tokens).median()
        performance["prefill_s_by_tokens"] = {int(t): float(f"{s:.6g}") for t, s in zip(medians.index.tolist(), medians.tolist())}
        from ..sim.timing import PrefillTime
        timing = PrefillTime(table=performance["prefill_s_by_tokens"])
        prefill_predicted = np.asarray([timing(t) for t in tokens])
    else:
        line = _least_squares([np.ones_like(tokens), tokens], ["overhead", "per_token"], seconds)
        if line["per_token"] <= 0:
            raise InputDataError(f"{path}: prefill time does not grow with prompt tokens; cannot fit a rate")
        performance["prefill_tokens_per_s"] = float(f"{1 / line['per_token']:.6g}")
        performance["prefill_overhead_s"] = float(f"{line['overhead']:.6g}")
        prefill_predicted = line["overhead"] + line["per_token"] * tokens
    prefill_rmse, prefill_max = _errors(prefill_predicted, seconds)
    return ProfileFit(performance, decode_rmse, decode_max, len(decode), prefill_rmse, prefill_max, len(prefill))
