"""Arrival processes: request times in seconds from the scenario start."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from ..scenario import PoissonArrivals
from .behaviour import growth_multiplier
from .profiles import hourly_multipliers

__all__ = ["poisson_arrival_times", "hourly_rate_segments"]


def hourly_rate_segments(
    rate: float, profile: str | list[float], start: datetime, duration: float, growth=None
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant rate: segment edges (seconds, len n+1) and rates (len n).

    Edges fall on the local clock's hour boundaries, so the profile follows wall-clock
    hours in the scenario's time zone (including DST changes).
    """
    multipliers = hourly_multipliers(profile)
    tz = start.tzinfo
    # Local hour boundaries are 3600 s apart in absolute time (DST moves whole hours).
    first_boundary = (start.replace(minute=0, second=0, microsecond=0) - start).total_seconds() + 3600.0
    inner = np.arange(first_boundary, duration, 3600.0)
    edges = np.concatenate(([0.0], inner, [duration]))
    hours = [(start + timedelta(seconds=float(t))).astimezone(tz).hour for t in edges[:-1]]
    rates = np.asarray([rate * multipliers[h] for h in hours]) * growth_multiplier(growth, (edges[:-1] + edges[1:]) / 2)
    return np.asarray(edges), np.asarray(rates)


def poisson_arrival_times(
    spec: PoissonArrivals, start: datetime, duration: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted arrival times of a (non-homogeneous) Poisson process on [0, duration).

    Exact for a piecewise-constant rate: the number of arrivals is Poisson with mean equal to
    the integrated rate, and given that number the arrivals are i.i.d. with density
    proportional to the rate (drawn by inverting the cumulative intensity).
    """
    edges, rates = hourly_rate_segments(spec.rate, spec.profile, start, duration, spec.growth)
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(edges))))
    total = cumulative[-1]
    count = int(rng.poisson(total))
    points = np.sort(rng.uniform(0.0, total, size=count))
    segment = np.clip(np.searchsorted(cumulative, points, side="right") - 1, 0, len(rates) - 1)
    times = edges[segment] + (points - cumulative[segment]) / rates[segment]
    return np.minimum(times, np.nextafter(duration, 0.0))
