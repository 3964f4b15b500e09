"""Which time-of-use window each request falls in, by its arrival on the window's local clock.

A window covers ``[start, end)`` (start inclusive, end exclusive); an end at or before the start
crosses midnight, and then belongs to the day it starts on. Holidays count as weekend days.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ..scenario.pricing import WEEKDAYS

if TYPE_CHECKING:
    from ..scenario.pricing import TimeOfUse
    from .base import Usage

__all__ = ["window_index"]


def window_index(time_of_use: TimeOfUse | None, usage: Usage) -> np.ndarray:
    """1 + the index of the window containing each request's arrival, or 0 for none."""
    n = len(usage)
    if time_of_use is None or n == 0:
        return np.zeros(n, dtype=np.intp)
    if usage.arrival_s is None or usage.start is None:
        raise ValueError("time-of-use pricing needs arrival times and the scenario start")
    import pandas as pd  # local times of many arrivals at once; imported when first priced

    utc = pd.Timestamp(usage.start).tz_convert("UTC")
    local = (utc + pd.to_timedelta(usage.arrival_s, unit="s")).tz_convert(str(time_of_use.timezone))
    wall_ns = local.tz_localize(None).as_unit("ns").asi8  # local wall-clock time, ns since 1970-01-01
    day = np.floor_divide(wall_ns, 86_400 * 10**9)
    second = (wall_ns - day * 86_400 * 10**9) / 1e9
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    holidays = np.asarray([(h - date(1970, 1, 1)).days for h in time_of_use.holidays], dtype=np.int64)
    holiday = np.isin(day, holidays)
    previous_holiday = np.isin(day - 1, holidays)
    result = np.zeros(n, dtype=np.intp)
    for k, window in enumerate(time_of_use.windows, start=1):
        start = _seconds(window.start)
        end = _seconds(window.end)
        days = np.asarray([d in window.day_set() for d in WEEKDAYS])
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
