"""A provider: per-account rate limits, queues by service tier, and a fleet of replicas.

Admission, in order: rate limits (token buckets per account), then a free slot on the least
loaded replica, else a queue. Service tiers:
- ``priority`` and ``standard`` wait in their own FIFO queues; priority is served first. Both
  count against `max_waiting` (beyond it: rejected) and leave as `timed_out` after `timeout`;
- ``flex`` takes a free slot or is refused at once (``flex_capacity_unavailable``, not charged);
- ``batch`` takes only idle capacity: it waits behind every interactive request and leaves as
  `timed_out` (``batch_window_expired``) if it has not started within the batch window.
Every queue is FIFO with one deadline rule, so expired requests are always at a queue's head.
"""

from __future__ import annotations

from collections import deque

from ..scenario import ProviderSpec
from .ratelimit import RateLimiter
from .records import (BATCH, BATCH_EXPIRED, FLEX, FLEX_BUSY, PRIORITY, QUEUE_FULL, QUEUE_TIMEOUT, RATE_RPM,
                      RATE_TPM, REJECTED, TIMED_OUT, Records)
from .replica import Replica

__all__ = ["Provider"]

_UNBOUNDED = 1 << 62
_QUEUE_OF = {PRIORITY: 0, BATCH: 2}  # queue index by service tier; everything else: standard (1)


class Provider:
    __slots__ = (
        "index", "spec", "records", "arrival", "account", "tokens", "tier", "replicas", "queues",
        "deadlines", "expired_reason", "waiting", "interactive", "max_batch", "max_waiting", "limiter",
        "queue_area", "queue_time",
    )

    def __init__(self, env, index: int, spec: ProviderSpec, records: Records, *, arrival, account,
                 uncached, output, total_tokens, accounts: int, tier=None):
        self.index = index
        self.spec = spec
        self.records = records
        self.arrival = arrival
        self.account = account
        self.tokens = total_tokens  # input + output per request, charged to the TPM bucket
        self.tier = tier  # service tier per request (None: all standard)
        perf = spec.performance
        self.max_batch = perf.max_batch if perf.max_batch is not None else _UNBOUNDED
        self.max_waiting = spec.queue.max_waiting if spec.queue.max_waiting is not None else _UNBOUNDED
        limits = spec.rate_limits
        self.limiter = RateLimiter(accounts, limits.rpm, limits.tpm) if (limits.rpm or limits.tpm) else None
        self.queues: tuple[deque[int], deque[int], deque[int]] = (deque(), deque(), deque())  # priority, std, batch
        self.deadlines = (spec.queue.timeout, spec.queue.timeout, spec.batch_window)
        self.expired_reason = (QUEUE_TIMEOUT, QUEUE_TIMEOUT, BATCH_EXPIRED)
        self.waiting = 0  # requests in all queues
        self.interactive = 0  # requests in the priority and standard queues
        self.queue_area = 0.0  # integral of `waiting` over time, up to queue_time
        self.queue_time = 0.0
        self.replicas = [
            Replica(env, self, records, uncached, output, perf.prefill_tokens_per_s,
                    perf.decode_step_s.base, perf.decode_step_s.per_sequence)
            for _ in range(spec.replicas)
        ]

    @property
    def queue(self) -> list[int]:
        """Every waiting request id, in dispatch order."""
        return [rid for q in self.queues for rid in q]

    def _queue_changing(self, now: float) -> None:
        """Call before the queue length changes: keeps its time integral exact."""
        self.queue_area += self.waiting * (now - self.queue_time)
        self.queue_time = now

    def queue_area_until(self, now: float) -> float:
        return self.queue_area + self.waiting * (now - self.queue_time)

    def outstanding(self) -> int:
        """Requests waiting or in service: the least-loaded router's measure."""
        return self.waiting + sum(r.load for r in self.replicas)

    def _reject(self, rid: int, reason: int, now: float) -> None:
        records = self.records
        records.status[rid] = REJECTED
        records.reason[rid] = reason
        records.finish_s[rid] = now

    def arrive(self, rid: int, now: float) -> None:
        """A request routed here: admit it to a replica, queue it, or reject it."""
        self.records.provider[rid] = self.index
        if self.limiter is not None:
            over = self.limiter.check(self.account[rid], self.tokens[rid], now)
            if over:
                self._reject(rid, RATE_RPM if over == 1 else RATE_TPM, now)
                return
        if self.waiting:
            self.expire_waiting(now)
        tier = self.tier[rid] if self.tier is not None else 0
        if not self.interactive and (tier != BATCH or not self.waiting):
            replica = min(self.replicas, key=_by_load)
            if replica.load < self.max_batch:
                self.records.start_s[rid] = now
                replica.admit(rid, now)
                return
        if tier == FLEX:
            self._reject(rid, FLEX_BUSY, now)
            return
        queue = _QUEUE_OF.get(tier, 1)
        if queue != 2:
            if self.interactive >= self.max_waiting:
                self._reject(rid, QUEUE_FULL, now)
                return
            self.interactive += 1
        self._queue_changing(now)
        self.waiting += 1
        self.queues[queue].append(rid)

    def fill(self, replica: Replica, now: float) -> None:
        """Slots freed on `replica`: move waiting requests into them, priority first, batch last.

        Requests queue only when every replica is full, so the replica that just freed
        slots is the one to fill.
        """
        if not self.waiting:
            return
        self.expire_waiting(now)
        self._queue_changing(now)
        start_s, max_batch = self.records.start_s, self.max_batch
        for k, queue in enumerate(self.queues):
            while queue and replica.load < max_batch:
                rid = queue.popleft()
                self.waiting -= 1
                if k != 2:
                    self.interactive -= 1
                start_s[rid] = now
                replica.admit(rid, now)

    def expire_waiting(self, now: float) -> None:
        """Drop requests that waited past their deadline (at the head of each FIFO queue).

        Every queue change first calls this, so each deadline lies after the last change and the
        queue-length integral can be advanced to each deadline exactly (in deadline order).
        """
        arrival, records = self.arrival, self.records
        while True:
            best, best_deadline = -1, now
            for k, queue in enumerate(self.queues):
                limit = self.deadlines[k]
                if queue and limit is not None and arrival[queue[0]] + limit <= best_deadline:
                    best, best_deadline = k, arrival[queue[0]] + limit
            if best < 0:
                return
            self._queue_changing(best_deadline)
            rid = self.queues[best].popleft()
            self.waiting -= 1
            if best != 2:
                self.interactive -= 1
            records.status[rid] = TIMED_OUT
            records.reason[rid] = self.expired_reason[best]
            records.finish_s[rid] = best_deadline


def _by_load(replica: Replica) -> int:
    return replica.load
