"""Pricing policy specs (rate cards and modifiers) and customer plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Union, get_args

from pydantic import (
    BeforeValidator,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)


from . import limits as L
from .base import Duration, Price, Spec, _exact_price, known_zone

# ---------------------------------------------------------------- pricing


PriceClass = Literal["input", "cached_input", "cached_input_explicit", "cache_write", "cache_write_1h", "output", "reasoning", "thinking_output"]
def _decimal(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return value  # not a number: left to the other forms of a union, or refused by Decimal's own check
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


Multiplier = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=L.MAX_MULTIPLIER)]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", description="HH:MM, local time")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)  # Monday first, as date.weekday() counts
DAY_SETS = {"all": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:]}


class RateFields(Spec):
    """Prices per 1M tokens of each token class.

    ``cached_input`` defaults to ``input``; ``cache_write`` (5-minute TTL) to 1.25 x ``input``;
    ``cache_write_1h`` to 2 x ``input``; ``reasoning`` to ``output`` (billed as output).
    ``cached_input_explicit``: hits on an explicit (marked) cache where the vendor prices them apart
    from automatic-cache hits (Qwen: 10% of input, implicit hits 20%); defaults to ``cached_input``.
    ``thinking_output``: a thinking-mode price (Qwen): every generated token of a request that
    carries reasoning, answer and reasoning alike, is billed at it instead of output/reasoning.
    """

    input: Price
    cached_input: Price | None = None
    cached_input_explicit: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None
    output: Price
    reasoning: Price | None = None
    thinking_output: Price | None = None


class TimeWindow(Spec):
    """``[start, end)`` in local time; an end before the start crosses midnight."""

    start: Clock
    end: Clock
    days: Literal["all", "weekdays", "weekends"] | list[Weekday] = "all"
    multipliers: dict[Union[PriceClass, Literal["all"]], Multiplier] = Field(default_factory=dict)
    prices: dict[PriceClass, Price] = Field(default_factory=dict, description="explicit prices in the window (all tiers)")

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
        return known_zone(value)

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


class ClassMultiplier(Spec):
    """A multiplier, on every token class or on the `classes` named (the others keep their price)."""

    multiplier: Multiplier
    classes: list[PriceClass] | None = Field(default=None, min_length=1, description="null: every class")
    cache_discount: bool = Field(default=True, description="false: cache reads are billed at this tier's input "
                                                           "price (no cache discount in this tier)")

    def factor(self, component: str) -> Decimal:
        return self.multiplier if self.classes is None or component in self.classes else Decimal(1)


def _multiplier_form(value):
    return value if isinstance(value, dict) or value is None else {"multiplier": value}


TierMultiplier = Annotated[ClassMultiplier, BeforeValidator(_multiplier_form)]


def class_factor(value: ClassMultiplier | None, component: str) -> Decimal:
    """The factor a multiplier applies to `component`; no multiplier is 1."""
    return Decimal(1) if value is None else value.factor(component)


class ServiceTiers(Spec):
    """Price multipliers of the service tiers a provider offers (standard is 1).

    ``batch: 0.5`` applies to every token class; ``batch: {multiplier: 0.5, classes: [input,
    output]}`` only to the classes named (e.g. a batch discount that leaves cache reads alone, as
    Google's cache discount takes precedence over its batch discount); ``batch: {multiplier: 0.5,
    cache_discount: false}`` bills cache reads at the tier's input price (Alibaba: batch calls get
    no cache discount).
    """

    priority: TierMultiplier | None = None
    flex: TierMultiplier | None = None
    batch: TierMultiplier | None = None


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
    classes: list[PriceClass] | None = Field(default=None, min_length=1,
                                             description="token classes the multiplier applies to (null: all)")

    @model_validator(mode="after")
    def _few_levels(self) -> "Surge":
        if (self.cap - 1) / self.step > L.MAX_SURGE_LEVELS:
            raise ValueError(f"(cap - 1) / step gives more than {L.MAX_SURGE_LEVELS:,} price levels "
                             f"(got cap {self.cap}, step {self.step})")
        return self

    def levels(self) -> list[Decimal]:
        count = int((self.cap - 1) / self.step)
        return [1 + k * self.step for k in range(count + 1)]


PriceSchedule = list[tuple[Duration, Multiplier]]


class Tier(RateFields):
    """Prices that apply up to `up_to` tokens (inclusive); null on the last tier means no limit."""

    up_to: int | None = Field(ge=1, le=L.MAX_PLAN_TOKENS)


def _check_tiers(tiers: list[Tier]) -> None:
    for k, tier in enumerate(tiers[:-1]):
        if tier.up_to is None:
            raise ValueError(f"only the last tier may be unbounded (tier {k} has up_to: null)")
        next_up_to = tiers[k + 1].up_to
        if next_up_to is not None and next_up_to <= tier.up_to:
            raise ValueError(f"tiers overlap: tier {k + 1} (up_to {tiers[k + 1].up_to}) must start above "
                             f"tier {k} (up_to {tier.up_to})")
    if tiers[-1].up_to is not None:
        raise ValueError("the last tier must have up_to: null (no upper limit)")
    thinking = [t.thinking_output is not None for t in tiers]
    if any(thinking) and not all(thinking):
        raise ValueError(f"thinking_output is given on some tiers but not on tier {thinking.index(False)}: "
                         "give it on every tier")


class Modifiers(Spec):
    """What every pricing policy can carry besides its prices."""

    currency: str | None = None
    time_of_use: TimeOfUse | None = None
    service_tiers: ServiceTiers = ServiceTiers()
    surge: Surge | None = None
    price_schedule: PriceSchedule | None = Field(
        default=None, description="[[time from start, multiplier], ...]: list prices change at these times "
                                  "(from 0s, in increasing time order)")

    @model_validator(mode="after")
    def _schedule_ordered(self) -> "Modifiers":
        times = [t for t, _ in self.price_schedule or []]
        if times and (times[0] != 0 or any(b <= a for a, b in zip(times, times[1:]))):
            raise ValueError("price_schedule must start at 0s and be in increasing time order "
                             f"(got times {', '.join(f'{t:g}s' for t in times[:5])}{'...' if len(times) > 5 else ''})")
        return self


class TieredPricing(Modifiers):
    """Prices in tiers of `up_to` tokens; the tiers must rise and end unbounded."""

    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="after")
    def _tiers(self) -> "TieredPricing":
        _check_tiers(self.tiers)
        return self


class PerTokenPricing(RateFields, Modifiers):
    """A rate card: one price per 1M tokens for each token class."""

    type: Literal["per_token"]


class ContextTiersPricing(TieredPricing):
    """Prices chosen by the request's input length.

    ``per_request``: the request's input tokens pick one tier and the whole request is billed at
    it (Qwen, Gemini, Anthropic above 200K). ``graduated``: input tokens fill the tiers in order
    (cached prefix first), each priced at its tier; output and reasoning are priced at the tier
    the whole input reaches.
    """

    type: Literal["context_tiers"]
    mode: Literal["per_request", "graduated"]


class VolumeTiersPricing(TieredPricing):
    """Prices by the customer account's tokens in the billing period (Lago/Stripe semantics).

    ``graduated``: each token is priced at the tier its position in the period falls in (tokens
    ordered by completion; within a request cached input, cache writes, input, reasoning,
    output). ``volume``: every token of the period is priced at the tier the period's total reaches.
    """

    type: Literal["volume_tiers"]
    mode: Literal["graduated", "volume"]


PricingSpec = Annotated[Union[PerTokenPricing, ContextTiersPricing, VolumeTiersPricing], Field(discriminator="type")]

# ---------------------------------------------------------------- customer plans (prepaid, credits, subscriptions)

Money = Annotated[
    Decimal,
    BeforeValidator(_exact_price),
    WithJsonSchema({"type": ["number", "string"], "description": "currency units, <= 9 decimals"}),
]


class FreeQuota(Spec):
    """Free tokens granted at the start (e.g. 1M tokens per model for 90 days); consumed first."""

    tokens: int = Field(ge=1, le=L.MAX_PLAN_TOKENS)
    valid_for: Duration | None = Field(default=None, gt=0, description="null: until the end of the run")


class Subscription(Spec):
    """A fee every billing period with tokens included in it; tokens beyond are billed as usual."""

    fee: Money
    included_tokens: int = Field(default=0, ge=0, le=L.MAX_PLAN_TOKENS)


class TokenPackage(Spec):
    """A prepaid token package (资源包): bought at `at`, no refunds, expires after `valid_for`."""

    tokens: int = Field(ge=1, le=L.MAX_PLAN_TOKENS)
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


