"""The time grid: report-interval boundaries, and which interval (or period) a time falls in."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

__all__ = ["interval_edges", "billing_periods", "index_of", "overlap_seconds"]


def interval_edges(duration: float, interval: float) -> np.ndarray:
    """Report-interval boundaries 0, interval, 2*interval, ..., duration (last may be short)."""
    inner = np.arange(interval, duration, interval)
    return np.concatenate(([0.0], inner[inner < duration], [duration]))


def billing_periods(start: datetime, duration: float, period: str) -> tuple[np.ndarray, list[datetime]]:
    """Billing-period starts in seconds from `start`, and each period's local start (plus the next).

    Periods are calendar days or months ("day" or "month") of `start`'s time zone; the first and
    last may be cut by the run's start and horizon.
    """
    tz = start.tzinfo
    if period == "day":
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    horizon = start + timedelta(seconds=duration)
    while True:
        current = starts[-1].replace(tzinfo=None)
        if period == "day":
            following = current + timedelta(days=1)
        else:
            following = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        nxt = following.replace(tzinfo=tz)
        if nxt >= horizon:
            break
        starts.append(nxt)
    edges = np.asarray([max(0.0, (s - start).total_seconds()) for s in starts])
    return edges, starts + [nxt]


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
