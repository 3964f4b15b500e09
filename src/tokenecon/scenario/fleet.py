"""Provider specs: fleet, serving performance, queue, limits, energy."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    model_validator,
)


from .base import Duration, Name, Spec

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


