"""Hour-of-day demand profiles (multipliers of the mean rate, by local hour 0..23).

Built-in shapes are normalised to a mean of 1 over the day, so `rate` stays the daily mean:
- ``flat``: 1 at every hour.
- ``diurnal``: a consumer/API day: trough around 04:00 (about 0.25x), rising through the
  morning, plateau 10:00-17:00, a second evening peak 20:00-22:00. A stylised shape in the
  spirit of published diurnal traces of interactive cloud services (e.g. the Azure Functions
  and Azure LLM inference traces show such day/night swings); not fitted to one dataset.
- ``office_hours``: working hours 09:00-18:00 at 4x the night level (weekdays and weekends alike).
A list of 24 numbers in a scenario is used as given (multipliers, not normalised).
"""

from __future__ import annotations

__all__ = ["BUILTIN_PROFILES", "hourly_multipliers"]


def _normalised(values: list[float]) -> tuple[float, ...]:
    mean = sum(values) / len(values)
    return tuple(v / mean for v in values)


BUILTIN_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    "diurnal": _normalised([
        0.45, 0.35, 0.28, 0.25, 0.25, 0.30, 0.45, 0.70,  # 00-07
        1.00, 1.30, 1.45, 1.50, 1.35, 1.40, 1.50, 1.50,  # 08-15
        1.45, 1.35, 1.20, 1.20, 1.30, 1.30, 1.10, 0.75,  # 16-23
    ]),
    "office_hours": _normalised([1.0] * 9 + [4.0] * 9 + [1.0] * 6),
}


def hourly_multipliers(profile: str | list[float]) -> tuple[float, ...]:
    """The 24 multipliers of a built-in profile name or a custom list."""
    if isinstance(profile, str):
        return BUILTIN_PROFILES[profile]
    return tuple(float(v) for v in profile)
