"""Provider specs: fleet, serving performance, queue, limits, energy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    model_validator,
)


from . import limits as L
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
    """Decode step time t = base + per_sequence * b + per_context_token * (context tokens of the batch)."""

    base: float = Field(ge=0)
    per_sequence: float = Field(ge=0)
    per_context_token: float = Field(default=0.0, ge=0, description="attention: seconds per token of context "
                                      "summed over the batch (prefill_first and chunked only)")

    @model_validator(mode="after")
    def _not_instant(self) -> "DecodeStepSpec":
        if self.base == 0 and self.per_sequence == 0:
            raise ValueError("base and per_sequence cannot both be 0 (decode would take no time)")
        return self


SCHEDULERS = ("prefill_first", "chunked", "overlap")
DEFAULT_SCHEDULER: Literal["prefill_first", "chunked", "overlap"] = "chunked"  # as vLLM V1 and SGLang serve by default (docs/model.md)


class PerformanceSpec(Spec):
    """How one replica serves: prefill and decode times, scheduler, batch and KV-memory limits.

    `profile: NAME` starts from a built-in profile (see `tokenecon.scenario.profiles`); fields
    given beside it override the profile's.
    """

    profile: str | None = Field(default=None, description="built-in profile the other fields override")
    scheduler: Literal["prefill_first", "chunked", "overlap"] = Field(
        default=DEFAULT_SCHEDULER, description="prefill_first: a prefill iteration pauses the decode batch "
        "(vLLM's default scheduler); chunked: a token budget per iteration, decodes first, prefill chunks fill "
        "the rest (Sarathi-Serve); overlap: prefill beside the decode batch (request-level model)")
    prefill_tokens_per_s: float | None = Field(default=None, gt=0)
    prefill_overhead_s: float = Field(default=0.0, ge=0, description="fixed seconds of each prefill pass")
    prefill_s_by_tokens: dict[Annotated[int, Field(ge=1)], Annotated[float, Field(gt=0)]] | None = Field(
        default=None, description="measured prefill seconds by prompt tokens, interpolated (replaces the rate)")
    prefill_attention_s: float = Field(
        default=0.0, ge=0, description="seconds of prefill attention per token and per token it attends to: "
        "a pass's prefill time is that of one prompt of all its tokens, less this times (tokens squared less the sum "
        "over its chunks of chunk tokens times the tokens before and in the chunk); 0: a pass costs as one prompt")
    prefill_attention_overhead_s: float = Field(
        default=0.0, ge=0, description="fixed seconds of a pass's prefill attention kernel: an iteration that prefills "
        "chunks beside decoding sequences runs it besides the decode step's attention")
    decode_step_s: DecodeStepSpec | None = None
    decode_step_s_by_batch: dict[Annotated[int, Field(ge=1, le=10**6)],
                                 tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]]] | None = Field(
        default=None, description="measured decode step by batch size b: [seconds, seconds per context token of the "
        "batch], interpolated between the sizes given (replaces decode_step_s; prefill_first and chunked only)")
    max_batch: int | None = Field(default=64, ge=1, le=10**6, description="sequence cap per replica; null means unbounded")
    max_prefill_tokens: int = Field(default=4096, ge=1, le=10**9, description="prefill_first: tokens per prefill iteration")
    chunk_tokens: int = Field(default=2048, ge=1, le=10**9, description="chunked: token budget of each iteration")
    kv_cache_tokens: int | None = Field(default=None, ge=1, le=10**12, description="KV memory of a replica in tokens; "
                                        "null means unbounded")
    kv_block_tokens: int = Field(default=16, ge=1, le=10**6, description="KV memory is allocated in blocks of this size")

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("profile") is not None:
            from .profiles import with_profile
            return with_profile(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "PerformanceSpec":
        if self.prefill_tokens_per_s is None and self.prefill_s_by_tokens is None:
            raise ValueError("give prefill_tokens_per_s or prefill_s_by_tokens (or a profile)")
        if self.decode_step_s is None and not self.decode_step_s_by_batch:
            raise ValueError("give decode_step_s or decode_step_s_by_batch (or a profile)")
        for b, (fixed, per_context) in (self.decode_step_s_by_batch or {}).items():
            if fixed == 0 and per_context == 0:
                raise ValueError(f"decode_step_s_by_batch[{b}]: seconds and seconds per context token cannot both "
                                 "be 0 (decode would take no time)")
        if self.scheduler == "overlap":
            if self.decode_step_s_by_batch:
                raise ValueError("decode_step_s_by_batch needs scheduler prefill_first or chunked")
            if self.decode_step_s is not None and self.decode_step_s.per_context_token:
                raise ValueError("decode_step_s.per_context_token needs scheduler prefill_first or chunked")
            if self.kv_cache_tokens is not None:
                raise ValueError("kv_cache_tokens needs scheduler prefill_first or chunked")
        if self.scheduler == "chunked" and self.max_batch is not None and self.chunk_tokens < self.max_batch:
            raise ValueError(f"chunk_tokens ({self.chunk_tokens}) must be >= max_batch ({self.max_batch}): "
                             "every decoding sequence takes one token of the budget")
        if self.kv_cache_tokens is not None and self.kv_cache_tokens < 2 * self.kv_block_tokens:
            raise ValueError(f"kv_cache_tokens ({self.kv_cache_tokens}) must hold at least two "
                             f"blocks of {self.kv_block_tokens} tokens")
        return self


class QueueSpec(Spec):
    max_waiting: int | None = Field(default=None, ge=0, le=10**12, description="null means unbounded")
    timeout: Duration | None = Field(default=None, gt=0, description="null means wait forever")


class RateLimitSpec(Spec):
    """Per customer account: requests and tokens (input + output) per minute, as token buckets."""

    rpm: int | None = Field(default=None, ge=1, le=10**15)
    tpm: int | None = Field(default=None, ge=1, le=10**15)


class ProviderSpec(Spec):
    """A provider's fleet, serving model, queue, limits, energy and price."""

    name: Name
    replicas: int = Field(ge=1, le=L.MAX_REPLICAS)
    gpus_per_replica: int = Field(default=1, ge=1, le=L.MAX_GPUS_PER_REPLICA)
    gpu: GpuSpec
    pue: float = Field(default=1.0, ge=1.0)
    energy_price_per_kwh: float | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24)] \
        = Field(default=0.0, description="currency per kWh, or 24 prices by local hour (time-of-day tariff)")
    carbon_g_per_kwh: float | Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24)] \
        = Field(default=0.0, description="grid carbon intensity, or 24 values by local hour")
    replicas_schedule: list[tuple[Duration, Annotated[int, Field(ge=1, le=L.MAX_REPLICAS)]]] | None = Field(
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
            if not times or times != sorted(times) or times[0] != 0:
                raise ValueError("replicas_schedule must start at 0s and be in time order")
            if sizes != sorted(sizes) or sizes[0] != self.replicas or sizes[-1] < self.replicas:
                raise ValueError("replicas_schedule must start at `replicas` and only grow")
        return self

    def max_replicas(self) -> int:
        return self.replicas_schedule[-1][1] if self.replicas_schedule else self.replicas


