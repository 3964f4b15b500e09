"""Customer segment specs and behaviour, and token calibration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)


from . import limits as L
from .base import Duration, Name, Price, Spec
from .demand import ArrivalSpec, SizeSpec
from .pricing import Money

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
    replicas: int = Field(ge=1, le=L.MAX_REPLICAS)
    price_per_replica_hour: Money
    spillover: bool = True


class Elasticity(Spec):
    """Constant price elasticity: demand x (price / reference_price) ^ elasticity.

    The price is each request's price per 1M tokens (all token classes together) at its
    first-listed provider, at its arrival time, including the surge price customers saw (see
    `surge_response_passes`). Demand is drawn at `max_multiplier` x the rate and thinned, so
    cheaper-than-reference prices can raise demand up to that cap.
    """

    elasticity: float = Field(le=0)
    reference_price: Price | Literal["list"] = Field(description=(
        "price per 1M tokens where demand is as drawn, or 'list': the request's own list price, so only "
        "time-of-use windows, price schedules and surge move demand"))
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
    count: int = Field(default=1, ge=1, le=L.MAX_ACCOUNTS)
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


