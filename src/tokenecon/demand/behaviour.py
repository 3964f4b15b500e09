"""Customer behaviour applied to drawn demand: growth, price elasticity, flexible timing.

All of it happens before the event loop, as pure transformations of the drawn requests with
their own named random streams: the same seed gives the same behaviour.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import numpy as np

from ..pricing.base import Usage
from ..pricing.time_of_use import window_index
from ..scenario.pricing import WEEKDAYS

__all__ = ["growth_multiplier", "request_prices", "elastic_keep", "discount_window_starts", "shift_to_offpeak"]


def growth_multiplier(spec, t: np.ndarray) -> np.ndarray:
    """Demand multiplier at times `t` (seconds from the start)."""
    t = np.asarray(t, dtype=float)
    if spec is None:
        return np.ones_like(t)
    if spec.type == "exponential":
        return np.exp(np.log1p(spec.rate) * t / spec.per)
    if spec.type == "logistic":
        # 1 at t = -inf, `ceiling` at +inf; normalised so that the curve starts from its value at t = 0.
        # Exponents are capped at 700 (exp would overflow past 709): the sigmoid there is below 1e-304.
        curve = 1.0 + (spec.ceiling - 1.0) / (1.0 + np.exp(np.minimum(-(t - spec.midpoint) / spec.steepness, 700.0)))
        start = 1.0 + (spec.ceiling - 1.0) / (1.0 + math.exp(min(spec.midpoint / spec.steepness, 700.0)))
        return curve / start
    times = np.asarray([p[0] for p in spec.points], dtype=float)
    values = np.asarray([p[1] for p in spec.points], dtype=float)
    if spec.interpolation == "log":
        return np.exp(np.interp(t, times, np.log(np.maximum(values, 1e-300))))
    return np.interp(t, times, values)


def request_prices(policy, usage, rate: Decimal = Decimal(1)) -> np.ndarray:
    """Each request's list price per 1M tokens (all classes together), as floats for behaviour."""
    totals = policy.charges(usage).totals().astype(float) * float(rate) / 1e15
    tokens = sum(q for q in usage.quantities().values()).astype(float)
    return np.where(tokens > 0, totals / np.maximum(tokens, 1) * 1e6, 0.0)


def elastic_keep(prices: np.ndarray, spec, rng: np.random.Generator, reference=None) -> np.ndarray:
    """Thinning mask: keep each request (drawn at max_multiplier x the rate) with probability
    min(1, (price / reference) ^ elasticity / max_multiplier); `reference` per request for 'list'."""
    reference = float(spec.reference_price) if reference is None else np.maximum(reference, 1e-12)
    ratio = np.maximum(prices, 1e-12) / reference
    multiplier = np.minimum(ratio ** spec.elasticity, spec.max_multiplier)
    return rng.random(len(prices)) < multiplier / spec.max_multiplier


def _discounted(window) -> bool:
    factors = [float(v) for v in window.multipliers.values()]
    return bool(window.prices) or (bool(factors) and max(factors) <= 1.0 and min(factors) < 1.0)


def discount_window_starts(time_of_use, start, until: float) -> np.ndarray:
    """Start times (seconds from `start`) of every discounted window beginning before `until`."""
    if time_of_use is None:
        return np.zeros(0)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(time_of_use.timezone)
    first_day = (start.astimezone(tz) - timedelta(days=1)).date()
    days = int(until // 86400) + 3
    holidays = set(time_of_use.holidays)
    starts = []
    for window in time_of_use.windows:
        if not _discounted(window):
            continue
        hours, minutes = (int(x) for x in window.start.split(":"))
        allowed = window.day_set()
        weekend_ok = "sat" in allowed or "sun" in allowed
        for k in range(days):
            day = first_day + timedelta(days=k)
            ok = weekend_ok if day in holidays else WEEKDAYS[day.weekday()] in allowed
            if not ok:
                continue
            moment = (datetime_at(day, hours, minutes, tz) - start).total_seconds()
            if 0 <= moment < until:
                starts.append(moment)
    return np.unique(np.asarray(starts, dtype=float))


def datetime_at(day, hours: int, minutes: int, tz):
    from datetime import datetime

    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=tz)


def shift_to_offpeak(times: np.ndarray, chosen: np.ndarray, policy, usage_start, duration: float, spec,
                     rng: np.random.Generator) -> np.ndarray:
    """Move the chosen requests to the next discounted window start within max_delay (plus a spread)."""
    tou = policy.spec.time_of_use
    starts = discount_window_starts(tou, usage_start, duration)
    if not len(starts) or not chosen.any():
        return times
    probe = Usage(np.ones(len(times), np.int64), np.zeros(len(times), np.int64), np.ones(len(times), np.int64),
                  arrival_s=times, start=usage_start)
    inside = window_index(tou, probe) > 0
    windows = tou.windows
    inside &= np.asarray([True] + [_discounted(w) for w in windows])[window_index(tou, probe)]
    following = np.searchsorted(starts, times, side="left")
    has_next = following < len(starts)
    target = np.where(has_next, starts[np.minimum(following, len(starts) - 1)], np.inf)
    move = chosen & ~inside & has_next & (target - times <= spec.max_delay)
    moved = times.copy()
    moved[move] = target[move] + rng.uniform(0.0, spec.spread, size=int(move.sum()))
    return np.where(moved < duration, moved, times)  # a move past the horizon does not happen
