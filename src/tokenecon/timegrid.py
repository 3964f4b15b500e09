"""The time grid: report-interval boundaries, and which interval (or period) a time falls in."""

from __future__ import annotations

import numpy as np

__all__ = ["interval_edges", "index_of", "overlap_seconds"]


def interval_edges(duration: float, interval: float) -> np.ndarray:
    """Report-interval boundaries 0, interval, 2*interval, ..., duration (last may be short)."""
    inner = np.arange(interval, duration, interval)
    return np.concatenate(([0.0], inner[inner < duration], [duration]))


def index_of(times: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the bin holding each time, for bins starting at `starts` (sorted).

    A time before the first start falls in the first bin, one after the last start in the last:
    a report grid passes ``edges[:-1]``, billing periods pass their starts.
    """
    return np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(starts) - 1)


def overlap_seconds(lo: np.ndarray, hi: np.ndarray, weight: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per interval of `edges`: the sum of weight x seconds of each span [lo, hi) inside it."""
    out = np.zeros(len(edges) - 1)
    for k in range(len(edges) - 1):
        inside = np.minimum(hi, edges[k + 1]) - np.maximum(lo, edges[k])
        out[k] = float(np.dot(weight, np.clip(inside, 0.0, None)))
    return out
