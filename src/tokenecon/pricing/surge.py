"""Surge pricing: the price-multiplier level of every report interval, from the provider's load.

Causal: the level of interval k depends only on intervals that ended by its start (within the
trailing smoothing window), so a request's price is known when it arrives.
"""

from __future__ import annotations


import numpy as np

__all__ = ["surge_levels", "surge_multipliers", "load_signal"]


def load_signal(spec, samples: dict[str, np.ndarray], edges: np.ndarray, provider) -> np.ndarray:
    """The raw signal per interval: utilization (share of slots in use) or mean queue length."""
    length = np.diff(edges)
    if spec.signal == "queue_length":
        return samples["queue_s"] / length
    slots = provider.replicas * length
    if provider.performance.max_batch is not None:
        return samples["occupancy_s"] / (slots * provider.performance.max_batch)
    return np.minimum(samples["busy_s"], slots) / slots


def surge_levels(spec, samples: dict[str, np.ndarray], edges: np.ndarray, provider) -> np.ndarray:
    """Index into `spec.levels()` for each report interval."""
    raw = load_signal(spec, samples, edges, provider)
    length = np.diff(edges)
    levels = np.zeros(len(raw), dtype=np.intp)
    top = len(spec.levels()) - 1
    step = float(spec.step)
    for k in range(1, len(raw)):
        window = (edges[1:k + 1] > edges[k] - spec.smoothing)  # completed intervals ending in the window
        weights = length[:k][window[:k]]
        smoothed = float(np.dot(raw[:k][window[:k]], weights) / weights.sum())
        if smoothed > spec.threshold:
            multiplier = min(float(spec.cap), 1.0 + spec.slope * (smoothed - spec.threshold))
            levels[k] = min(top, int(np.floor((multiplier - 1.0) / step + 1e-9)))
    return levels



def surge_multipliers(spec, samples: dict[str, np.ndarray], edges: np.ndarray, provider) -> np.ndarray:
    """The price multiplier of each report interval (the price signal)."""
    values = np.asarray([float(v) for v in spec.levels()])
    return values[surge_levels(spec, samples, edges, provider)]
