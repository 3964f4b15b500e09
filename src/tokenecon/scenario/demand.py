"""Customer demand: size distributions, arrival processes, growth."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    Field,
    field_validator,
    model_validator,
)


from . import limits as L
from .base import Duration, Rate, Spec

# ---------------------------------------------------------------- sizes and arrivals


class FixedSize(Spec):
    type: Literal["fixed"]
    value: int = Field(ge=1, le=L.MAX_TOKENS)


class ExponentialSize(Spec):
    type: Literal["exponential"]
    mean: float = Field(gt=0, le=L.MAX_TOKENS)


class LognormalSize(Spec):
    type: Literal["lognormal"]
    median: float = Field(gt=0, le=L.MAX_TOKENS)
    p90: float = Field(gt=0, le=L.MAX_TOKENS)

    @model_validator(mode="after")
    def _p90_above_median(self) -> "LognormalSize":
        if self.p90 <= self.median:
            raise ValueError(f"p90 must be greater than median (got median {self.median:g}, p90 {self.p90:g})")
        return self


class EmpiricalSize(Spec):
    """Sizes drawn with replacement from one column of a CSV file (path relative to the scenario)."""

    type: Literal["empirical"]
    path: str
    column: str


SizeSpec = Annotated[
    Union[FixedSize, ExponentialSize, LognormalSize, EmpiricalSize], Field(discriminator="type")
]

ProfileName = Literal["flat", "diurnal", "office_hours"]


class ExponentialGrowth(Spec):
    """Demand x (1 + rate) per `per`, compounding continuously from the start."""

    type: Literal["exponential"]
    rate: float = Field(gt=-1)
    per: Duration = Field(default=30 * 86400.0, gt=0)


class LogisticGrowth(Spec):
    """Demand rising along a logistic curve from 1x towards `ceiling` x, steepest at `midpoint`."""

    type: Literal["logistic"]
    ceiling: float = Field(gt=1)
    midpoint: Duration = Field(ge=0)
    steepness: Duration = Field(gt=0, description="time for e-fold change near the midpoint")


class PiecewiseGrowth(Spec):
    """Demand multipliers at given times (from the start), interpolated in between (linearly, or
    linearly in the logarithm: constant growth rates), flat beyond."""

    type: Literal["piecewise"]
    points: list[tuple[Duration, Annotated[float, Field(ge=0)]]] = Field(min_length=1)
    interpolation: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _ordered(self) -> "PiecewiseGrowth":
        times = [t for t, _ in self.points]
        if times != sorted(times) or len(set(times)) != len(times) or times[0] != 0:
            raise ValueError("growth points must start at 0s and be in increasing time order "
                             f"(got times {', '.join(f'{t:g}s' for t in times[:5])}{'...' if len(times) > 5 else ''})")
        return self


GrowthSpec = Annotated[Union[ExponentialGrowth, LogisticGrowth, PiecewiseGrowth], Field(discriminator="type")]


class PoissonArrivals(Spec):
    """Poisson arrivals; `rate` is the segment's mean rate, scaled hour by hour by `profile` and
    by `growth` over the horizon (evaluated at each hour's midpoint)."""

    type: Literal["poisson"]
    rate: Rate = Field(gt=0)
    profile: ProfileName | Annotated[list[float], Field(min_length=24, max_length=24)] = "flat"
    growth: GrowthSpec | None = None

    @field_validator("profile")
    @classmethod
    def _profile_values(cls, value: Any) -> Any:
        if isinstance(value, list):
            if any(v < 0 for v in value) or not any(v > 0 for v in value):
                raise ValueError("an hourly profile needs 24 numbers >= 0, at least one > 0")
        return value


class TraceArrivals(Spec):
    """Replay a recorded trace: arrival times and token sizes come from the file.

    Formats: ``azure`` (``TIMESTAMP,ContextTokens,GeneratedTokens``, the Azure LLM inference
    trace), ``csv`` (any CSV, with `columns` naming the time and token columns), ``openai_usage``
    (JSONL lines with ``timestamp`` or ``created`` and a ``usage`` as any vendor reports it, read
    per `usage_format` by `tokenecon.usage`), ``meter_log`` (the meter's request logs: times from
    ``timestamp``, sizes from ``usage``). Absolute times (ISO timestamps, Unix ``created``) are
    kept: the first row arrives at its own time after the scenario `start` (``start: trace``
    takes it), and a trace starting before the start or after the end is an error; CSV times in
    ``s``/``ms`` count from the start. `speed` plays them faster (60: an hour in a minute) or
    slower (0.5) from the first row; `loop` repeats the trace until the horizon; `sample` keeps
    each row with that probability. Only rows within the horizon are held in memory; the file is
    read to its end (rows may come in any order) unless `ordered` declares its times never
    decrease: then reading stops at the first row beyond the horizon, and a row earlier than one
    before it is a bad row.
    """

    type: Literal["trace"]
    path: str
    format: Literal["azure", "csv", "openai_usage", "meter_log"] = "azure"
    columns: dict[Literal["time", "input", "output", "cached", "reasoning", "cache_write", "cache_write_1h",
                          "cached_explicit", "customer"], str] = Field(
        default_factory=dict, description="csv: which column holds what (time and input, output at least)")
    usage_format: Literal["auto", "openai_chat", "openai_responses", "anthropic", "deepseek", "gemini", "qwen"] = \
        Field(default="auto", description="openai_usage / meter_log: whose usage semantics (auto: by its keys)")
    time_unit: Literal["datetime", "s", "ms"] = "datetime"
    speed: float = Field(default=1.0, ge=L.MIN_SPEED, le=L.MAX_SPEED)
    loop: bool = False
    sample: float = Field(default=1.0, gt=0, le=1)
    skip_bad: bool = False
    ordered: bool = Field(default=False, description="times never decrease: stop reading beyond the horizon")
    by_customer: bool = Field(default=False, description="one account per distinct customer in the trace")


ArrivalSpec = Annotated[Union[PoissonArrivals, TraceArrivals], Field(discriminator="type")]

