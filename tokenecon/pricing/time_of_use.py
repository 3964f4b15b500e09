"""Which time-of-use window each request falls in, by its arrival on the window's local clock.

A window covers ``[start, end)`` (start inclusive, end exclusive); an end at or before the start
crosses midnight, and then belongs to the day it starts on. Holidays count as weekend days.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

__all__ = ["window_index"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def window_index(time_of_use, usage) -> np.ndarray:
    """1 + the index of the window containing each request's arrival, or 0 for none."""
    n = len(usage)
    if time_of_use is None or n == 0:
        return np.zeros(n, dtype=np.intp)
    if usage.arrival_s is None or usage.start is None:
        raise ValueError("time-of-use pricing needs arrival times and the scenario start")
    utc = pd.Timestamp(usage.start).tz_convert("UTC")
    local = (utc + pd.to_timedelta(usage.arrival_s, unit="s")).tz_convert(str(time_of_use.timezone))
    second = (local.hour * 3600 + local.minute * 60 + local.second).to_numpy() + local.microsecond.to_numpy() / 1e6
    weekday = local.day_of_week.to_numpy()
    dates = local.normalize().tz_localize(None).date if len(local) else []
    holidays = set(time_of_use.holidays)
    holiday = np.fromiter((d in holidays for d in dates), dtype=bool, count=n)
    previous_holiday = np.fromiter((d - timedelta(days=1) in holidays for d in dates), dtype=bool, count=n)
    result = np.zeros(n, dtype=np.intp)
    for k, window in enumerate(time_of_use.windows, start=1):
        start = _seconds(window.start)
        end = _seconds(window.end)
        days = np.asarray([d in window.day_set() for d in _DAYS])
        weekend_ok = "sat" in window.day_set() or "sun" in window.day_set()

        def allowed(day: np.ndarray, is_holiday: np.ndarray) -> np.ndarray:
            # a holiday counts as a weekend day: weekday-only windows skip it, weekend windows apply
            return np.where(is_holiday, weekend_ok, days[day])

        if start < end:
            inside = (second >= start) & (second < end) & allowed(weekday, holiday)
        else:  # crosses midnight: evening part on its start day, morning part on the next day
            inside = ((second >= start) & allowed(weekday, holiday)) | (
                (second < end) & allowed((weekday - 1) % 7, previous_holiday))
        result[inside & (result == 0)] = k
    return result


def _seconds(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60
