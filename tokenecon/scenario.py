"""Scenario schema: typed, immutable objects validated from a YAML file.

`load_scenario(path)` reads the file with ``yaml.safe_load``, validates it with pydantic and
checks cross references (a customer naming an unknown provider, a provider naming an unknown
price). Every problem becomes a `ScenarioError` whose one-line message names the file and the
field path, e.g. ``quick.yaml: customers[0].arrivals.rate: expected a rate ... (got '2 per s')``.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .errors import ScenarioError, UnknownNameError
from .units import CURRENCY_MINOR_UNITS, PRICE_DECIMALS, parse_duration, parse_rate, price_to_units

__all__ = [
    "Scenario",
    "ProviderSpec",
    "CustomerSpec",
    "PerTokenPricing",
    "load_scenario",
    "scenario_from_dict",
    "json_schema",
]

# ---------------------------------------------------------------- field types

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*(ms|s|sec|min|h|d|w)$",
                    "examples": ["30s", "15min", "24h", "7d"]}),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*/\s*(s|sec|min|h|d)$",
                    "examples": ["2/s", "120/min"]}),
]


def _exact_price(value: object) -> Decimal:
    return Decimal(price_to_units(value)).scaleb(-PRICE_DECIMALS)


Price = Annotated[
    Decimal,
    BeforeValidator(_exact_price),
    WithJsonSchema({"type": ["number", "string"], "description": "currency units per 1M tokens, <= 9 decimals"}),
]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]


class Spec(BaseModel):
    """Base of every schema object: immutable, unknown keys rejected with a suggestion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.5)
                    hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(sorted(known))}"
                    raise ValueError(f"unknown field '{key}'{hint}")
        return data


# ---------------------------------------------------------------- sizes and arrivals


class FixedSize(Spec):
    type: Literal["fixed"]
    value: int = Field(ge=1)


class ExponentialSize(Spec):
    type: Literal["exponential"]
    mean: float = Field(gt=0)


class LognormalSize(Spec):
    type: Literal["lognormal"]
    median: float = Field(gt=0)
    p90: float = Field(gt=0)

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
        if times != sorted(times) or len(set(times)) != len(times):
            raise ValueError("growth points must be in increasing time order")
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
    (JSONL lines with ``timestamp`` and an OpenAI-style ``usage``), ``meter_log`` (the meter's
    request logs: times from ``timestamp``, sizes from ``usage``). Times are made relative to the
    first row; `speed` plays them faster (60: an hour in a minute) or slower (0.5); `loop`
    repeats the trace until the horizon; `sample` keeps each row with that probability.
    """

    type: Literal["trace"]
    path: str
    format: Literal["azure", "csv", "openai_usage", "meter_log"] = "azure"
    columns: dict[Literal["time", "input", "output", "cached", "reasoning", "customer"], str] = Field(
        default_factory=dict, description="csv: which column holds what (time and input, output at least)")
    time_unit: Literal["datetime", "s", "ms"] = "datetime"
    speed: float = Field(default=1.0, gt=0)
    loop: bool = False
    sample: float = Field(default=1.0, gt=0, le=1)
    skip_bad: bool = False
    by_customer: bool = Field(default=False, description="one account per distinct customer in the trace")


ArrivalSpec = Annotated[Union[PoissonArrivals, TraceArrivals], Field(discriminator="type")]

# ---------------------------------------------------------------- pricing


TOKEN_CLASSES = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning")
Multiplier = Annotated[Decimal, BeforeValidator(lambda v: Decimal(str(v))), Field(ge=0)]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", description="HH:MM, local time")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_SETS = {"all": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            "weekdays": ("mon", "tue", "wed", "thu", "fri"), "weekends": ("sat", "sun")}


class RateFields(Spec):
    """Prices per 1M tokens of each token class.

    ``cached_input`` defaults to ``input``; ``cache_write`` (5-minute TTL) to 1.25 x ``input``;
    ``cache_write_1h`` to 2 x ``input``; ``reasoning`` to ``output`` (billed as output).
    """

    input: Price
    cached_input: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None
    output: Price
    reasoning: Price | None = None


class TimeWindow(Spec):
    """``[start, end)`` in local time; an end before the start crosses midnight."""

    start: Clock
    end: Clock
    days: Literal["all", "weekdays", "weekends"] | list[Weekday] = "all"
    multipliers: dict[Literal["input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning", "all"],
                      Multiplier] = Field(default_factory=dict)
    prices: dict[Literal["input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning"],
                 Price] = Field(default_factory=dict, description="explicit prices in the window (all tiers)")

    @model_validator(mode="after")
    def _not_empty(self) -> "TimeWindow":
        if self.start == self.end:
            raise ValueError(f"window start and end are equal ({self.start}): an empty window")
        if not self.multipliers and not self.prices:
            raise ValueError("a window needs 'multipliers' or 'prices'")
        both = set(self.multipliers) & set(self.prices)
        if both:
            raise ValueError(f"{sorted(both)[0]} has both a multiplier and a price in this window")
        return self

    def day_set(self) -> tuple[str, ...]:
        return DAY_SETS[self.days] if isinstance(self.days, str) else tuple(self.days)


class TimeOfUse(Spec):
    """Multipliers on prices by the request's local time: off-peak discounts and peak surcharges.

    A window's days are the days it starts on; holidays count as weekend days.
    """

    timezone: str = "UTC"
    windows: list[TimeWindow] = Field(min_length=1)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Asia/Shanghai'") from None
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> "TimeOfUse":
        taken: dict[tuple[str, int], int] = {}
        order = DAY_SETS["all"]
        for k, window in enumerate(self.windows):
            start = _minutes(window.start)
            end = _minutes(window.end)
            length = (end - start) % 1440 or 1440
            for day in window.day_set():
                for m in range(start, start + length):
                    slot = (order[(order.index(day) + m // 1440) % 7], m % 1440)
                    if slot in taken:
                        raise ValueError(f"windows {taken[slot]} and {k} overlap (both cover {slot[0]} "
                                         f"{slot[1] // 60:02d}:{slot[1] % 60:02d})")
                    taken[slot] = k
        return self


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class ServiceTiers(Spec):
    """Price multipliers of the service tiers a provider offers (standard is 1)."""

    priority: Multiplier | None = None
    flex: Multiplier | None = None
    batch: Multiplier | None = None


class Surge(Spec):
    """Dynamic price: a multiplier that follows the provider's load.

    multiplier = 1 + slope x (signal - threshold) when the signal is above the threshold, capped
    at `cap` and rounded down to a multiple of `step` (so every price stays exact). The signal is
    the provider's utilization (share of batch slots in use) or its mean queue length, averaged
    over the completed report intervals of the trailing `smoothing` window: a request's price is
    known when it arrives.
    """

    signal: Literal["utilization", "queue_length"] = "utilization"
    threshold: float = Field(ge=0)
    slope: float = Field(gt=0)
    cap: Multiplier = Field(gt=1)
    step: Multiplier = Field(default=Decimal("0.05"), gt=0)
    smoothing: Duration = Field(default=3600.0, gt=0)

    def levels(self) -> list[Decimal]:
        count = int((self.cap - 1) / self.step)
        return [1 + k * self.step for k in range(count + 1)]


PriceSchedule = list[tuple[Duration, Multiplier]]


class PerTokenPricing(RateFields):
    """A rate card: one price per 1M tokens for each token class."""

    type: Literal["per_token"]
    currency: str | None = None
    time_of_use: TimeOfUse | None = None
    service_tiers: ServiceTiers = ServiceTiers()
    surge: Surge | None = None
    price_schedule: PriceSchedule | None = Field(
        default=None, description="[[time from start, multiplier], ...]: list prices change at these times")


class Tier(RateFields):
    """Prices that apply up to `up_to` tokens (inclusive); null on the last tier means no limit."""

    up_to: int | None = Field(ge=1)


def _check_tiers(tiers: list[Tier]) -> None:
    for k, tier in enumerate(tiers[:-1]):
        if tier.up_to is None:
            raise ValueError(f"only the last tier may be unbounded (tier {k} has up_to: null)")
        if tiers[k + 1].up_to is not None and tiers[k + 1].up_to <= tier.up_to:
            raise ValueError(f"tiers overlap: tier {k + 1} (up_to {tiers[k + 1].up_to}) must start above "
                             f"tier {k} (up_to {tier.up_to})")
    if tiers[-1].up_to is not None:
        raise ValueError("the last tier must have up_to: null (no upper limit)")


class ContextTiersPricing(Spec):
    """Prices chosen by the request's input length.

    ``per_request``: the request's input tokens pick one tier and the whole request is billed at
    it (Qwen, Gemini, Anthropic above 200K). ``graduated``: input tokens fill the tiers in order
    (cached prefix first), each priced at its tier; output and reasoning are priced at the tier
    the whole input reaches.
    """

    type: Literal["context_tiers"]
    mode: Literal["per_request", "graduated"]
    tiers: list[Tier] = Field(min_length=1)
    currency: str | None = None
    time_of_use: TimeOfUse | None = None
    service_tiers: ServiceTiers = ServiceTiers()
    surge: Surge | None = None
    price_schedule: PriceSchedule | None = Field(
        default=None, description="[[time from start, multiplier], ...]: list prices change at these times")

    @model_validator(mode="after")
    def _tiers(self) -> "ContextTiersPricing":
        _check_tiers(self.tiers)
        return self


class VolumeTiersPricing(Spec):
    """Prices by the customer account's tokens in the billing period (Lago/Stripe semantics).

    ``graduated``: each token is priced at the tier its position in the period falls in (tokens
    ordered by completion; within a request cached input, cache writes, input, reasoning,
    output). ``volume``: every token of the period is priced at the tier the period's total reaches.
    """

    type: Literal["volume_tiers"]
    mode: Literal["graduated", "volume"]
    tiers: list[Tier] = Field(min_length=1)
    currency: str | None = None
    time_of_use: TimeOfUse | None = None
    service_tiers: ServiceTiers = ServiceTiers()
    surge: Surge | None = None
    price_schedule: PriceSchedule | None = Field(
        default=None, description="[[time from start, multiplier], ...]: list prices change at these times")

    @model_validator(mode="after")
    def _tiers(self) -> "VolumeTiersPricing":
        _check_tiers(self.tiers)
        return self


PricingSpec = Annotated[Union[PerTokenPricing, ContextTiersPricing, VolumeTiersPricing], Field(discriminator="type")]

# ---------------------------------------------------------------- customer plans (prepaid, credits, subscriptions)

Money = Annotated[
    Decimal,
    BeforeValidator(_exact_price),
    WithJsonSchema({"type": ["number", "string"], "description": "currency units, <= 9 decimals"}),
]


class FreeQuota(Spec):
    """Free tokens granted at the start (e.g. 1M tokens per model for 90 days); consumed first."""

    tokens: int = Field(ge=1)
    valid_for: Duration | None = Field(default=None, gt=0, description="null: until the end of the run")


class Subscription(Spec):
    """A fee every billing period with tokens included in it; tokens beyond are billed as usual."""

    fee: Money
    included_tokens: int = Field(default=0, ge=0)


class TokenPackage(Spec):
    """A prepaid token package (资源包): bought at `at`, no refunds, expires after `valid_for`."""

    tokens: int = Field(ge=1)
    price: Money
    at: Duration | Literal[0] = 0.0
    valid_for: Duration | None = Field(default=None, gt=0)


class Credit(Spec):
    """Money in a wallet: `paid` (a top-up, billed when bought) or `granted` (free, consumed first)."""

    amount: Money
    kind: Literal["paid", "granted"]
    at: Duration | Literal[0] = 0.0
    valid_for: Duration | None = Field(default=None, gt=0)


class PlanSpec(Spec):
    """What a customer account has agreed with its provider besides the price list.

    Consumption order for each request (by completion time): free quota tokens, the period's
    subscription tokens, prepaid packages (earliest-expiring first), then its remaining charge
    from granted credits, then paid credits (earliest-expiring first), then the invoice.
    """

    free_quota: FreeQuota | None = None
    subscription: Subscription | None = None
    packages: list[TokenPackage] = Field(default_factory=list)
    credits: list[Credit] = Field(default_factory=list)
    minimum_commitment: Money | None = Field(default=None, description="per billing period, on usage")


# ---------------------------------------------------------------- providers


class PowerSpec(Spec):
    """Watts per GPU: idle, busy (compute-bound prefill), decode (memory-bound; default: busy)."""

    idle: float = Field(ge=0)
    busy: float = Field(ge=0)
    decode: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _busy_at_least_idle(self) -> "PowerSpec":
        if self.busy < self.idle or (self.decode is not None and self.decode < self.idle):
            raise ValueError(f"busy and decode power must be >= idle power (got idle {self.idle:g}, "
                             f"busy {self.busy:g}, decode {self.decode if self.decode is not None else self.busy:g})")
        return self

    @property
    def decode_w(self) -> float:
        return self.busy if self.decode is None else self.decode


class GpuSpec(Spec):
    type: str = "H100"
    cost_per_hour: Annotated[float, Field(ge=0)]
    power_w: PowerSpec = PowerSpec(idle=75, busy=700)


class DecodeStepSpec(Spec):
    """Decode step time t(b) = base + per_sequence * b for b sequences in the batch."""

    base: float = Field(ge=0)
    per_sequence: float = Field(ge=0)

    @model_validator(mode="after")
    def _not_instant(self) -> "DecodeStepSpec":
        if self.base == 0 and self.per_sequence == 0:
            raise ValueError("base and per_sequence cannot both be 0 (decode would take no time)")
        return self


class PerformanceSpec(Spec):
    prefill_tokens_per_s: float = Field(gt=0)
    decode_step_s: DecodeStepSpec
    max_batch: int | None = Field(default=64, ge=1, description="null means unbounded")


class QueueSpec(Spec):
    max_waiting: int | None = Field(default=None, ge=0, description="null means unbounded")
    timeout: Duration | None = Field(default=None, gt=0, description="null means wait forever")


class RateLimitSpec(Spec):
    """Per customer account: requests and tokens (input + output) per minute, as token buckets."""

    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)


class ProviderSpec(Spec):
    """A provider's fleet, serving model, queue, limits, energy and price."""

    name: Name
    replicas: int = Field(ge=1)
    gpus_per_replica: int = Field(default=1, ge=1)
    gpu: GpuSpec
    pue: float = Field(default=1.0, ge=1.0)
    energy_price_per_kwh: float | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24)] \
        = Field(default=0.0, description="currency per kWh, or 24 prices by local hour (time-of-day tariff)")
    carbon_g_per_kwh: float | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24)] \
        = Field(default=0.0, description="grid carbon intensity, or 24 values by local hour")
    replicas_schedule: list[tuple[Duration, Annotated[int, Field(ge=1)]]] | None = Field(
        default=None, description="[[time from start, replicas], ...]: the fleet grows to these sizes (never shrinks)")
    performance: PerformanceSpec
    queue: QueueSpec = QueueSpec()
    rate_limits: RateLimitSpec = RateLimitSpec()
    price: str
    tokenizer: str | None = Field(default=None, description="tokenizer (or model) this provider meters with")
    batch_window: Duration = Field(default=86400.0, gt=0, description="batch requests must start within it")

    @model_validator(mode="after")
    def _schedule_grows(self) -> "ProviderSpec":
        schedule = self.replicas_schedule
        if schedule is not None:
            times = [t for t, _ in schedule]
            sizes = [n for _, n in schedule]
            if times != sorted(times) or times[0] != 0:
                raise ValueError("replicas_schedule must start at 0s and be in time order")
            if sizes != sorted(sizes) or sizes[0] != self.replicas or sizes[-1] < self.replicas:
                raise ValueError("replicas_schedule must start at `replicas` and only grow")
        return self

    def max_replicas(self) -> int:
        return self.replicas_schedule[-1][1] if self.replicas_schedule else self.replicas


# ---------------------------------------------------------------- customers


class CorpusSpec(Spec):
    """Requests drawn (with replacement) from a request log (JSONL, the `tokenecon meter` format)."""

    path: str


class Provisioned(Spec):
    """Provisioned throughput: replicas of `provider` reserved for this customer, paid per started hour
    whether used or not; requests served on them carry no per-token charge. With `spillover`,
    requests that find the reservation full go to the shared fleet at the normal price; without
    it they wait for the reservation."""

    provider: str
    replicas: int = Field(ge=1)
    price_per_replica_hour: Money
    spillover: bool = True


class Elasticity(Spec):
    """Constant price elasticity: demand x (price / reference_price) ^ elasticity.

    The price is each request's list price per 1M tokens (all token classes together) at its
    first-listed provider, at its arrival time. Demand is drawn at `max_multiplier` x the rate
    and thinned, so cheaper-than-reference prices can raise demand up to that cap.
    """

    elasticity: float = Field(le=0)
    reference_price: Price
    max_multiplier: float = Field(default=4.0, ge=1)


class Choice(Spec):
    """Provider choice for `routing: logit` (utility = beta_price x price per 1M tokens +
    beta_latency x expected latency in seconds) or `routing: sticky` (each account picks a
    provider once, by `shares`, and stays)."""

    beta_price: float = 0.0
    beta_latency: float = 0.0
    latency_s: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    shares: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)


class Budget(Spec):
    """A spending cap per account and billing period (at list prices): when reached, the account
    stops sending (`stop`) or sends to `downgrade_to` for the rest of the period; resets each period."""

    amount: Money
    action: Literal["stop", "downgrade"] = "stop"
    downgrade_to: str | None = None


class Flexible(Spec):
    """A share of requests that can wait for a discount: moved to the start of the provider's next
    discounted time-of-use window when it begins within `max_delay` (spread over its first
    `spread`), or sent to the batch tier (`to: batch`)."""

    share: float = Field(ge=0, le=1)
    to: Literal["offpeak", "batch"] = "offpeak"
    max_delay: Duration = Field(default=12 * 3600.0, gt=0)
    spread: Duration = Field(default=3600.0, gt=0)


class CustomerSpec(Spec):
    name: Name
    count: int = Field(default=1, ge=1)
    arrivals: ArrivalSpec
    input_tokens: SizeSpec | None = None
    output_tokens: SizeSpec | None = None
    corpus: CorpusSpec | None = None
    reasoning_tokens: SizeSpec | None = Field(default=None, description="hidden reasoning tokens, decoded and billed")
    cache_hit_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    cache_write_ratio: float = Field(default=0.0, ge=0.0, le=1.0,
                                     description="share of the uncached input written to the prompt cache")
    cache_ttl: Literal["5min", "1h"] = "5min"
    providers: list[str] = Field(min_length=1)
    routing: Literal["cheapest", "round_robin", "least_loaded", "logit", "sticky"] = "cheapest"
    choice: Choice | None = None
    elasticity: Elasticity | None = None
    budget: Budget | None = None
    flexible: Flexible | None = None
    service_tier: Literal["standard", "priority", "flex", "batch"] = "standard"
    plan: str | None = Field(default=None, description="a key of `plans`: prepaid, credits, subscription")
    provisioned: Provisioned | None = None

    @model_validator(mode="after")
    def _sizes_or_corpus(self) -> "CustomerSpec":
        sizes = (self.input_tokens is not None, self.output_tokens is not None)
        if self.arrivals.type == "trace":
            if any(sizes) or self.corpus is not None:
                raise ValueError("a trace gives the sizes: drop 'input_tokens', 'output_tokens' and 'corpus'")
            return self
        if self.corpus is not None and any(sizes):
            raise ValueError("give either 'corpus' or 'input_tokens' and 'output_tokens', not both")
        if self.corpus is None and not all(sizes):
            raise ValueError("needs 'input_tokens' and 'output_tokens' (size distributions) or a 'corpus'")
        return self


class TokenCalibration(Spec):
    """Token-count ratios of tokenizers to a reference, as measured by `tokenecon meter --calibrate`.

    Size distributions are stated in `reference` tokens; a provider metering with another
    tokenizer converts them with its ratio.
    """

    reference: str
    ratios: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


# ---------------------------------------------------------------- scenario


class Milestone(Spec):
    """An observed total (tokens per day) the scenario should reproduce, with its source."""

    at: datetime
    daily_tokens: float = Field(gt=0)
    source: str
    window: Duration = Field(default=30 * 86400.0, gt=0, description="average the run over this window")


class SupplyModel(Spec):
    """The compute a demand needs at national scale, where whole replicas cannot be simulated:
    GPUs = tokens per second / (tokens_per_gpu_s x target_utilization)."""

    tokens_per_gpu_s: float = Field(gt=0)
    target_utilization: float = Field(default=0.5, gt=0, le=1)
    power_w: PowerSpec = PowerSpec(idle=75, busy=700)
    pue: float = Field(default=1.3, ge=1)
    gpu_cost_per_hour: float = Field(default=2.0, ge=0)
    energy_price_per_kwh: float = Field(default=0.0, ge=0)
    carbon_g_per_kwh: float = Field(default=0.0, ge=0)


class Outputs(Spec):
    """Which per-request tables a run folder holds (national-scale runs may skip them)."""

    requests: bool = True
    ledger: bool = True


class Scenario(Spec):
    name: Name
    question: str | None = Field(default=None, description="what this scenario answers (shown in its report)")
    seed: int = Field(default=0, ge=0)
    start: datetime = datetime(2026, 1, 1, tzinfo=dt_timezone.utc)
    timezone: str | None = Field(default=None, description="IANA name, e.g. Asia/Shanghai")
    duration: Duration = Field(gt=0)
    report_interval: Duration = Field(default=900.0, gt=0)
    currency: str = "USD"
    billing_period: Literal["month", "day"] = "month"
    providers: list[ProviderSpec] = Field(min_length=1)
    pricing: dict[str, PricingSpec] = Field(min_length=1)
    customers: list[CustomerSpec] = Field(min_length=1)
    plans: dict[Name, PlanSpec] = Field(default_factory=dict)
    scale: float = Field(default=1.0, gt=0, le=1, description="simulate this fraction of demand and fleet")
    milestones: list[Milestone] = Field(default_factory=list)
    supply_model: SupplyModel | None = None
    outputs: Outputs = Outputs()
    exchange_rates: dict[str, Annotated[Decimal, BeforeValidator(lambda v: Decimal(str(v))), Field(gt=0)]] = Field(
        default_factory=dict, description="value of 1 unit of each currency in the scenario currency")
    token_calibration: TokenCalibration | str | None = Field(
        default=None, description="inline, or the path of a file written by tokenecon meter --calibrate")
    base_dir: str = Field(default=".", exclude=True, description="folder relative paths resolve against")

    @model_validator(mode="before")
    @classmethod
    def _default_interval(cls, data: Any) -> Any:
        # the default report interval is 15 minutes, or the whole run if that is shorter
        if isinstance(data, dict) and "report_interval" not in data and "duration" in data:
            try:
                if parse_duration(data["duration"]) < 900.0:
                    return {**data, "report_interval": data["duration"]}
            except ValueError:
                pass  # reported by the duration field itself
        return data

    @field_validator("pricing")
    @classmethod
    def _pricing_names(cls, value: dict) -> dict:
        for name in value:
            if not name.startswith("catalog:") and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", name):
                raise ValueError(f"pricing name {name!r}: use letters, digits, '_', '.', '-'")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in CURRENCY_MINOR_UNITS:
            raise ValueError(f"unknown currency {value!r}; known: {', '.join(sorted(CURRENCY_MINOR_UNITS))}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Asia/Shanghai'") from None
        return value

    @model_validator(mode="after")
    def _start_has_zone(self) -> "Scenario":
        if self.start.tzinfo is None and self.timezone is None:
            raise ValueError("start needs a UTC offset (2026-03-02T00:00:00+08:00) or a 'timezone' field")
        if self.report_interval > self.duration:
            raise ValueError("report_interval must not exceed duration (got report_interval "
                             f"{self.report_interval:g}s, duration {self.duration:g}s)")
        return self

    @property
    def tz(self):
        """The zone wall-clock times are read in: `timezone` if given, else start's offset."""
        return ZoneInfo(self.timezone) if self.timezone else self.start.tzinfo

    @property
    def start_local(self) -> datetime:
        """The start as an aware datetime in `tz`."""
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=self.tz)
        return start.astimezone(self.tz)

    def provider(self, name: str) -> ProviderSpec:
        return next(p for p in self.providers if p.name == name)

    def provider_currency(self, index: int) -> str:
        """The currency a provider prices and invoices in (its pricing's, else the scenario's)."""
        return self.pricing[self.providers[index].price].currency or self.currency

    def to_reporting(self, currency: str) -> Decimal:
        """Units of the scenario currency per unit of `currency` (exact)."""
        return Decimal(1) if currency == self.currency else self.exchange_rates[currency]

    def resolve_path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else Path(self.base_dir) / path


# ---------------------------------------------------------------- loading


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors' autocompletion."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["properties"].pop("base_dir", None)
    schema["title"] = "tokenecon scenario"
    return schema


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", path=str(path)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc.__class__.__name__}", path=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{where}invalid YAML: {problem}", path=str(path)) from None
    return scenario_from_dict(data, source=str(path), base_dir=str(path.parent))


def scenario_from_dict(data: Any, *, source: str = "<scenario>", base_dir: str = ".") -> Scenario:
    """Validate an already-parsed scenario mapping (as from YAML)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of scenario fields, got {type(data).__name__}", path=source)
    if "base_dir" in data:
        raise ScenarioError("unknown field 'base_dir'", path=source)
    data = _resolve_catalog(data, source)
    try:
        scenario = Scenario.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise _first_error(exc, data, source) from None
    _check_references(scenario, source)
    return scenario


def _resolve_catalog(data: dict, source: str) -> dict:
    """Add the catalog entries that providers name (``price: catalog:...``) to ``pricing:``."""
    providers = data.get("providers")
    if not isinstance(providers, list):
        return data
    from .catalog import CATALOG_PREFIX, lookup

    pricing = dict(data.get("pricing") or {})
    for i, provider in enumerate(providers):
        price = provider.get("price") if isinstance(provider, dict) else None
        if not isinstance(price, str) or not price.startswith(CATALOG_PREFIX):
            continue
        if price in pricing:
            raise ScenarioError("pricing names may not start with 'catalog:'", path=source, field=f"pricing.{price}")
        try:
            entry = lookup(price)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field=f"providers[{i}].price") from None
        pricing[price] = {**entry.pricing, "currency": entry.currency}
    return {**data, "pricing": pricing} if pricing else data


def _first_error(exc: ValidationError, data: Any, source: str) -> ScenarioError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    field = _field_path(err["loc"], data)
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if err["type"] not in ("value_error", "missing") and not isinstance(err.get("input"), (dict, list)):
        message += f" (got {err['input']!r})"
    more = len(errors) - 1
    if more:
        message += f" [and {more} more problem{'s' if more > 1 else ''}]"
    return ScenarioError(message, path=source, field=field or None)


def _field_path(loc: tuple, data: Any) -> str:
    """``('providers', 0, 'gpu')`` -> ``providers[0].gpu``, dropping union tags pydantic inserts."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # the discriminator tag, not a key of the user's file
        if re.fullmatch(r"(function-|list\[|union\[|nullable|int|float|str|literal).*", item) and not (
            isinstance(node, dict) and item in node
        ):
            continue  # pydantic's internal names of union members
        parts.append(("." if parts else "") + item)
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _unknown(kind: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} '{name}'{hint} (known: {', '.join(known)})"


def _check_references(scenario: Scenario, source: str) -> None:
    provider_names = [p.name for p in scenario.providers]
    for label, names in (("providers", provider_names), ("customers", [c.name for c in scenario.customers])):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise ScenarioError(f"duplicate name '{name}'", path=source, field=f"{label}[{i}].name")
            seen.add(name)
    prices = sorted(scenario.pricing)
    from .errors import PricingError
    from .pricing import make_policy

    for name, spec in scenario.pricing.items():
        currency = spec.currency or scenario.currency
        if currency not in CURRENCY_MINOR_UNITS:
            raise ScenarioError(f"unknown currency {currency!r}; known: {', '.join(sorted(CURRENCY_MINOR_UNITS))}",
                                path=source, field=f"pricing.{name}.currency")
        if currency != scenario.currency and currency not in scenario.exchange_rates:
            raise ScenarioError(f"prices in {currency} need exchange_rates: {{{currency}: <{scenario.currency} per "
                                f"1 {currency}>}} to be compared in {scenario.currency}", path=source,
                                field=f"pricing.{name}.currency")
        try:
            make_policy(name, spec)  # exactness of every derived price is checked here
        except PricingError as exc:
            raise ScenarioError(str(exc), path=source) from None
    for i, provider in enumerate(scenario.providers):
        if provider.price not in scenario.pricing:
            raise ScenarioError(_unknown("price", provider.price, prices), path=source, field=f"providers[{i}].price")
    for i, customer in enumerate(scenario.customers):
        for j, name in enumerate(customer.providers):
            if name not in provider_names:
                raise ScenarioError(
                    _unknown("provider", name, provider_names), path=source, field=f"customers[{i}].providers[{j}]"
                )
        if len(set(customer.providers)) != len(customer.providers):
            raise ScenarioError("a provider is listed twice", path=source, field=f"customers[{i}].providers")
        if customer.provisioned is not None:
            where = f"customers[{i}].provisioned"
            if customer.count != 1:
                raise ScenarioError("provisioned throughput is reserved for one account: use count: 1",
                                    path=source, field=where)
            if customer.provisioned.provider not in customer.providers:
                raise ScenarioError(f"provider '{customer.provisioned.provider}' is not among this customer's "
                                    f"providers ({', '.join(customer.providers)})", path=source,
                                    field=f"{where}.provider")
        where = f"customers[{i}]"
        if customer.routing in ("logit", "sticky"):
            choice = customer.choice
            if choice is None:
                raise ScenarioError(f"routing '{customer.routing}' needs a 'choice' section", path=source,
                                    field=f"{where}.choice")
            needed = choice.shares if customer.routing == "sticky" else choice.latency_s if choice.beta_latency else {}
            for name in needed:
                if name not in customer.providers:
                    raise ScenarioError(_unknown("provider", name, customer.providers), path=source,
                                        field=f"{where}.choice")
            if customer.routing == "sticky" and (set(choice.shares) != set(customer.providers)
                                                 or not sum(choice.shares.values()) > 0):
                raise ScenarioError("sticky routing needs a share for every provider of the customer",
                                    path=source, field=f"{where}.choice.shares")
            if customer.routing == "logit" and choice.beta_latency and set(choice.latency_s) != set(customer.providers):
                raise ScenarioError("logit with beta_latency needs latency_s for every provider of the customer",
                                    path=source, field=f"{where}.choice.latency_s")
        if customer.budget is not None:
            if customer.routing == "least_loaded":
                raise ScenarioError("budgets need routing decided before the run (not least_loaded)", path=source,
                                    field=f"{where}.budget")
            if customer.budget.action == "downgrade" and customer.budget.downgrade_to not in provider_names:
                raise ScenarioError(_unknown("provider", str(customer.budget.downgrade_to), provider_names),
                                    path=source, field=f"{where}.budget.downgrade_to")
        if customer.flexible is not None and customer.flexible.to == "batch":
            for name in customer.providers:
                price = scenario.provider(name).price
                if scenario.pricing[price].service_tiers.batch is None:
                    raise ScenarioError(f"provider '{name}' has no batch price for flexible demand", path=source,
                                        field=f"{where}.flexible")
        if customer.plan is not None and customer.plan not in scenario.plans:
            raise ScenarioError(_unknown("plan", customer.plan, sorted(scenario.plans)), path=source,
                                field=f"customers[{i}].plan")
        if customer.service_tier != "standard":
            for j, name in enumerate(customer.providers):
                price = scenario.provider(name).price
                if getattr(scenario.pricing[price].service_tiers, customer.service_tier) is None:
                    raise ScenarioError(
                        f"provider '{name}' has no '{customer.service_tier}' price: add service_tiers: "
                        f"{{{customer.service_tier}: MULTIPLIER}} to pricing.{price}", path=source,
                        field=f"customers[{i}].service_tier")
        if customer.routing == "cheapest" and len(customer.providers) > 1:
            for name in customer.providers:
                if scenario.pricing[scenario.provider(name).price].type == "volume_tiers":
                    raise ScenarioError(
                        f"routing 'cheapest' cannot compare provider '{name}''s volume-tier prices before the "
                        "billing period is over; use round_robin or least_loaded", path=source,
                        field=f"customers[{i}].routing")
        for field in ("input_tokens", "output_tokens"):
            size = getattr(customer, field)
            if isinstance(size, EmpiricalSize) and not scenario.resolve_path(size.path).is_file():
                raise ScenarioError(
                    f"file not found: {scenario.resolve_path(size.path)}",
                    path=source,
                    field=f"customers[{i}].{field}.path",
                )
        if customer.arrivals.type == "trace":
            if not scenario.resolve_path(customer.arrivals.path).is_file():
                raise ScenarioError(f"file not found: {scenario.resolve_path(customer.arrivals.path)}", path=source,
                                    field=f"customers[{i}].arrivals.path")
            if customer.arrivals.format == "csv" and not {"time", "input", "output"} <= set(customer.arrivals.columns):
                raise ScenarioError("format csv needs columns: {time: ..., input: ..., output: ...}", path=source,
                                    field=f"customers[{i}].arrivals.columns")
        if customer.corpus is not None and not scenario.resolve_path(customer.corpus.path).is_file():
            raise ScenarioError(f"file not found: {scenario.resolve_path(customer.corpus.path)}", path=source,
                                field=f"customers[{i}].corpus.path")
    for j, provider in enumerate(scenario.providers):
        reserved = sum(c.provisioned.replicas for c in scenario.customers
                       if c.provisioned is not None and c.provisioned.provider == provider.name)
        if reserved >= provider.replicas:
            raise ScenarioError(f"{reserved} replicas are reserved by provisioned customers; at least one must stay "
                                f"shared (has {provider.replicas})", path=source, field=f"providers[{j}].replicas")
    _check_tokenizers(scenario, source)


def _tokenizer_name(name: str) -> str:
    """A tokenizer name from a tokenizer or model name (names only: no file is loaded)."""
    from .meter.models import tokenizer_for_model
    from .meter.tokenizers import canonical_name

    try:
        return canonical_name(name)
    except UnknownNameError:
        return tokenizer_for_model(name)


def load_calibration(scenario: Scenario, source: str = "<scenario>") -> TokenCalibration | None:
    """The scenario's token calibration, read from its file when given as a path."""
    value = scenario.token_calibration
    if value is None or isinstance(value, TokenCalibration):
        return value
    path = scenario.resolve_path(value)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TokenCalibration.model_validate(data)
    except FileNotFoundError:
        raise ScenarioError(f"file not found: {path}", path=source, field="token_calibration") from None
    except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not a calibration file ({str(exc).splitlines()[0]})", path=source,
                            field="token_calibration") from None


def _check_tokenizers(scenario: Scenario, source: str) -> None:
    calibration = load_calibration(scenario, source)
    if calibration is not None:
        try:
            _tokenizer_name(calibration.reference)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field="token_calibration.reference") from None
    for i, provider in enumerate(scenario.providers):
        if provider.tokenizer is None:
            continue
        try:
            name = _tokenizer_name(provider.tokenizer)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field=f"providers[{i}].tokenizer") from None
        sized = [c for c in scenario.customers if c.corpus is None and provider.name in c.providers]  # sizes, traces
        if not sized:
            continue
        if calibration is None:
            raise ScenarioError(
                f"customers '{sized[0].name}' state sizes in tokens but no tokenizer says which; add "
                "token_calibration (from tokenecon meter --calibrate) or drop this provider's tokenizer",
                path=source, field=f"providers[{i}].tokenizer")
        if name != _tokenizer_name(calibration.reference) and name not in calibration.ratios:
            raise ScenarioError(
                f"no calibration ratio for '{name}' against reference '{calibration.reference}' "
                f"(have: {', '.join(calibration.ratios) or 'none'}); run tokenecon meter --calibrate",
                path=source, field=f"providers[{i}].tokenizer")
    for i, customer in enumerate(scenario.customers):
        if customer.corpus is None:
            continue
        for name in customer.providers:
            if scenario.provider(name).tokenizer is None:
                raise ScenarioError(f"provider '{name}' needs a 'tokenizer' to meter this customer's corpus",
                                    path=source, field=f"customers[{i}].corpus")
