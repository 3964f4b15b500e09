"""One model instance: a prefill stage, then decoding in a continuous batch.

A request holds one of `max_batch` slots (its KV cache) from admission to completion.
This is the ``overlap`` scheduler: prefill is compute-bound and served first-come first-served
beside the decode batch (``prefill_time(uncached input tokens)``); it emits the first output token (as real engines do). The remaining
output tokens are decoded in a continuous batch: every decoding sequence gains one token per
step, and a step with b sequences takes t(b) = base + per_sequence * b seconds.

Instead of one event per step, the replica keeps a shared clock, "tokens generated per
decoding sequence", that advances at 1/t(b), and a heap of each sequence's finishing point on
that clock. Events happen only at prefill ends and completions, O(log n) each.

Cost to serve (`Records.gpu_s`): a request is charged its own prefill seconds, and each decode
interval's seconds shared equally among the sequences decoding in it. A second shared clock,
"decode seconds per decoding sequence" (`share`), advances at 1/b beside the token clock; a
sequence is charged the advance of `share` between joining and leaving the batch.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import TYPE_CHECKING

from .records import COMPLETED

if TYPE_CHECKING:  # pragma: no cover
    from array import array

    import simpy

    from .records import Records
    from .timing import PrefillTime
    from .provider import Pool

__all__ = ["Replica"]


class Replica:
    __slots__ = (
        "env", "pool", "records", "uncached", "output", "base", "per_seq",
        "load", "decoding", "prefill_free_at", "clock", "clock_time", "heap", "pending",
        "busy_total", "busy_since", "area", "area_time", "prefill_total", "prefill_time", "preempted", "share",
    )

    def __init__(self, env: simpy.Environment, pool: Pool, records: Records, uncached: array[int], output: array[int],
                 prefill_time: PrefillTime, base: float, per_seq: float):
        self.env = env
        self.pool = pool  # refilled from its queues when slots free up
        self.records = records
        self.uncached = uncached  # per-request uncached input tokens (indexable by request id)
        self.output = output
        self.prefill_time = prefill_time
        self.preempted = 0  # no KV memory model here: never
        self.base = base
        self.per_seq = per_seq
        self.load = 0  # sequences holding a slot: prefilling or decoding
        self.decoding = 0
        self.prefill_free_at = 0.0
        self.clock = 0.0  # decode clock: tokens per decoding sequence
        self.clock_time = 0.0
        self.share = 0.0  # decode seconds per decoding sequence (the cost-to-serve clock)
        self.heap: list[tuple[float, int, float]] = []  # (finish on clock, rid, share at joining)
        self.pending: simpy.Event | None = None  # the one live completion event; older ones are stale
        self.busy_total = 0.0  # seconds with load > 0, up to busy_since
        self.busy_since = 0.0
        self.area = 0.0  # integral of load over time, up to area_time
        self.area_time = 0.0
        self.prefill_total = 0.0  # seconds of prefill scheduled so far (the stage is FIFO)

    # -- accounting -----------------------------------------------------
    def online(self, now: float) -> None:
        self.clock_time = self.area_time = self.busy_since = now

    def kv_until(self, now: float) -> float:
        return 0.0  # KV memory is not modelled (max_batch slots bound it)

    def _add_load(self, delta: int, now: float) -> None:
        load = self.load
        self.area += load * (now - self.area_time)
        self.area_time = now
        if load == 0 and delta > 0:
            self.busy_since = now
        elif load + delta == 0 and load > 0:
            self.busy_total += now - self.busy_since
        self.load = load + delta

    def busy_until(self, now: float) -> float:
        """Busy seconds from the start up to `now`."""
        return self.busy_total + (now - self.busy_since if self.load else 0.0)

    def prefill_until(self, now: float) -> float:
        """Seconds spent prefilling from the start up to `now`."""
        pending = self.prefill_free_at - now
        return self.prefill_total - (pending if pending > 0.0 else 0.0)

    def area_until(self, now: float) -> float:
        """Sequence-seconds (integral of the batch occupancy) up to `now`."""
        return self.area + self.load * (now - self.area_time)

    # -- request path ---------------------------------------------------
    def admit(self, rid: int, now: float) -> None:
        """Take request `rid` into a slot; its prefill starts when the prefill stage is free."""
        self._add_load(1, now)
        start = self.prefill_free_at if self.prefill_free_at > now else now
        end = start + self.prefill_time(self.uncached[rid])
        self.prefill_free_at = end
        self.prefill_total += end - start
        self.records.gpu_s[rid] += end - start
        self.env.timeout(end - now, rid).callbacks.append(self._prefill_done)

    def _prefill_done(self, event: simpy.Event) -> None:
        rid = event._value
        now = self.env._now
        self.records.first_token_s[rid] = now
        remaining = self.output[rid] - 1
        if remaining <= 0:
            self._complete(rid, now)
            self._add_load(-1, now)
            self.pool.fill(self, now)
            return
        self._advance(now)
        heappush(self.heap, (self.clock + remaining, rid, self.share))
        self.decoding += 1
        self._schedule(now)

    def _advance(self, now: float) -> None:
        if self.decoding:
            elapsed = now - self.clock_time
            self.clock += elapsed / (self.base + self.per_seq * self.decoding)
            self.share += elapsed / self.decoding
        self.clock_time = now

    def _schedule(self, now: float) -> None:
        heap = self.heap
        if not heap:
            self.pending = None
            return
        delay = (heap[0][0] - self.clock) * (self.base + self.per_seq * self.decoding)
        event = self.env.timeout(delay if delay > 0.0 else 0.0)
        event.callbacks.append(self._on_completion)
        self.pending = event

    def _on_completion(self, event: simpy.Event) -> None:
        if event is not self.pending:
            return  # rescheduled since: the batch changed
        now = self.env._now
        heap = self.heap
        target = heap[0][0]
        self.share += (now - self.clock_time) / self.decoding
        self.clock = target  # exact: this event was timed to reach it
        self.clock_time = now
        share, gpu_s = self.share, self.records.gpu_s
        done = 0
        while heap and heap[0][0] <= target:
            _, rid, joined = heappop(heap)
            gpu_s[rid] += share - joined
            self._complete(rid, now)
            done += 1
        self.decoding -= done
        self._add_load(-done, now)
        self._schedule(now)
        self.pool.fill(self, now)

    def _complete(self, rid: int, now: float) -> None:
        records = self.records
        records.finish_s[rid] = now
        records.status[rid] = COMPLETED
