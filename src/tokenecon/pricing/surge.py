"""Surge pricing: the price-multiplier level of every report interval, from a load signal.

Causal: the level of interval k depends only on intervals that ended by its start (within the
trailing smoothing window), so a request's price is known when it arrives. The signal itself
(utilization or mean queue length per interval) is defined in `tokenecon.load`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Surge

__all__ = ["surge_levels"]


def surge_levels(spec: "Surge", signal: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index into `spec.levels()` for each report interval, from the raw `signal` per interval."""
    length = np.diff(edges)
    levels = np.zeros(len(signal), dtype=np.intp)
    top = len(spec.levels()) - 1
    step = float(spec.step)
    for k in range(1, len(signal)):
        window = (edges[1:k + 1] > edges[k] - spec.smoothing)  # completed intervals ending in the window
        weights = length[:k][window[:k]]
        smoothed = float(np.dot(signal[:k][window[:k]], weights) / weights.sum())
        if smoothed > spec.threshold:
            multiplier = min(float(spec.cap), 1.0 + spec.slope * (smoothed - spec.threshold))
            levels[k] = min(top, int(np.floor((multiplier - 1.0) / step + 1e-9)))
    return levels
