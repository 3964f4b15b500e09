"""A provider: per-account rate limits, one FIFO queue, and a fleet of replicas.

Admission, in order: rate limits (token buckets per account), then a free slot on the least
loaded replica, else the queue (rejected when `max_waiting` are already waiting). A queued
request that waits longer than `timeout` leaves the queue as `timed_out`.
"""

from __future__ import annotations

from collections import deque

from ..scenario import ProviderSpec
from .ratelimit import RateLimiter
from .records import QUEUE_FULL, QUEUE_TIMEOUT, RATE_RPM, RATE_TPM, REJECTED, TIMED_OUT, Records
from .replica import Replica

__all__ = ["Provider"]

_UNBOUNDED = 1 << 62


class Provider:
    __slots__ = (
        "index", "spec", "records", "arrival", "account", "tokens", "replicas", "queue",
        "max_batch", "max_waiting", "timeout", "limiter", "queue_area", "queue_time",
    )

    def __init__(self, env, index: int, spec: ProviderSpec, records: Records, *, arrival, account,
                 uncached, output, total_tokens, accounts: int):
        self.index = index
        self.spec = spec
        self.records = records
        self.arrival = arrival
        self.account = account
        self.tokens = total_tokens  # input + output per request, charged to the TPM bucket
        perf = spec.performance
        self.max_batch = perf.max_batch if perf.max_batch is not None else _UNBOUNDED
        self.max_waiting = spec.queue.max_waiting if spec.queue.max_waiting is not None else _UNBOUNDED
        self.timeout = spec.queue.timeout
        limits = spec.rate_limits
        self.limiter = RateLimiter(accounts, limits.rpm, limits.tpm) if (limits.rpm or limits.tpm) else None
        self.queue: deque[int] = deque()
        self.queue_area = 0.0  # integral of the queue length over time, up to queue_time
        self.queue_time = 0.0
        self.replicas = [
            Replica(env, self, records, uncached, output, perf.prefill_tokens_per_s,
                    perf.decode_step_s.base, perf.decode_step_s.per_sequence)
            for _ in range(spec.replicas)
        ]

    def _queue_changing(self, now: float) -> None:
        """Call before the queue's length changes: keeps its time integral exact."""
        self.queue_area += len(self.queue) * (now - self.queue_time)
        self.queue_time = now

    def queue_area_until(self, now: float) -> float:
        return self.queue_area + len(self.queue) * (now - self.queue_time)

    def outstanding(self) -> int:
        """Requests waiting or in service: the least-loaded router's measure."""
        return len(self.queue) + sum(r.load for r in self.replicas)

    def arrive(self, rid: int, now: float) -> None:
        """A request routed here: admit it to a replica, queue it, or reject it."""
        records = self.records
        records.provider[rid] = self.index
        if self.limiter is not None:
            over = self.limiter.check(self.account[rid], self.tokens[rid], now)
            if over:
                records.status[rid] = REJECTED
                records.reason[rid] = RATE_RPM if over == 1 else RATE_TPM
                records.finish_s[rid] = now
                return
        queue = self.queue
        if queue and self.timeout is not None:
            self.expire_waiting(now)
        if not queue:
            replica = min(self.replicas, key=_by_load)
            if replica.load < self.max_batch:
                records.start_s[rid] = now
                replica.admit(rid, now)
                return
        if len(queue) >= self.max_waiting:
            records.status[rid] = REJECTED
            records.reason[rid] = QUEUE_FULL
            records.finish_s[rid] = now
            return
        self._queue_changing(now)
        queue.append(rid)

    def fill(self, replica: Replica, now: float) -> None:
        """Slots freed on `replica`: move waiting requests into them, oldest first.

        Requests queue only when every replica is full, so the replica that just freed
        slots is the one to fill.
        """
        queue = self.queue
        if not queue:
            return
        if self.timeout is not None:
            self.expire_waiting(now)
        start_s = self.records.start_s
        self._queue_changing(now)
        while queue and replica.load < self.max_batch:
            rid = queue.popleft()
            start_s[rid] = now
            replica.admit(rid, now)

    def expire_waiting(self, now: float) -> None:
        """Drop requests that waited past the timeout. FIFO with one timeout: they are at the head.

        Every queue change first calls this, so each deadline lies after the last change and the
        queue-length integral can be advanced to each deadline exactly.
        """
        queue, arrival, timeout, records = self.queue, self.arrival, self.timeout, self.records
        while queue and arrival[queue[0]] + timeout <= now:
            deadline = arrival[queue[0]] + timeout
            self._queue_changing(deadline)
            rid = queue.popleft()
            records.status[rid] = TIMED_OUT
            records.reason[rid] = QUEUE_TIMEOUT
            records.finish_s[rid] = deadline


def _by_load(replica: Replica) -> int:
    return replica.load
