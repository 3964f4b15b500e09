"""A provider: per-account rate limits, then pools of replicas with queues by service tier.

The shared pool serves everyone; a customer with provisioned throughput has replicas reserved
for it (its own pool): its requests go there first and, with `spillover`, to the shared pool
when the reservation is full. Within a pool, admission takes a free slot on the least loaded
replica, else a queue. Service tiers:
- ``priority`` and ``standard`` wait in their own FIFO queues; priority is served first. Both
  count against `max_waiting` (beyond it: rejected) and leave as `timed_out` after `timeout`;
- ``flex`` takes a free slot or is refused at once (``flex_capacity_unavailable``, not charged);
- ``batch`` takes only idle capacity: it waits behind every interactive request and leaves as
  `timed_out` (``batch_window_expired``) if it has not started within the batch window.
Every queue is FIFO with one deadline rule, so expired requests are always at a queue's head.
"""

from __future__ import annotations

from array import array
from collections import deque

import simpy

from ..scenario import ProviderSpec
from .ratelimit import RateLimiter
from .records import (BATCH, BATCH_EXPIRED, FLEX, FLEX_BUSY, PRIORITY, QUEUE_FULL, QUEUE_TIMEOUT, RATE_RPM,
                      RATE_TPM, REJECTED, TIMED_OUT, Records)
from .iteration import IterationReplica
from .replica import Replica
from .timing import DecodeStep, PrefillTime

__all__ = ["Provider", "Pool"]

_UNBOUNDED = 1 << 62
_QUEUE_OF = {PRIORITY: 0, BATCH: 2}  # queue index by service tier; everything else: standard (1)


class Provider:
    """Rate limits, then the request's pool: its reservation (if any) or the shared pool."""

    __slots__ = ("index", "spec", "records", "account", "tokens", "limiter", "shared", "reserved", "spillover",
                 "pools", "replicas", "pending")

    def __init__(self, env: simpy.Environment, index: int, spec: ProviderSpec, records: Records, *,
                 arrival: array[float], account: array[int], prompt: array[int], uncached: array[int],
                 output: array[int], total_tokens: array[int], accounts: int, tier: array[int] | None = None,
                 reservations: dict[int, tuple[int, bool]] | None = None):
        self.index = index
        self.spec = spec
        self.records = records
        self.account = account
        self.tokens = total_tokens  # input + output per request, charged to the TPM bucket
        limits = spec.rate_limits
        self.limiter = RateLimiter(accounts, limits.rpm, limits.tpm) if (limits.rpm or limits.tpm) else None
        reservations = reservations or {}
        reserved_replicas = sum(n for n, _ in reservations.values())

        def pool(replicas: int, reserved: bool) -> Pool:
            return Pool(env, spec, records, replicas, arrival=arrival, prompt=prompt, uncached=uncached, output=output,
                        tier=tier, reserved=reserved)

        self.shared = pool(spec.max_replicas() - reserved_replicas, False)
        # replicas of a growing fleet wait here until the schedule brings them online
        self.pending = self.shared.replicas[spec.replicas - reserved_replicas:]
        del self.shared.replicas[spec.replicas - reserved_replicas:]
        self.reserved = {account_: pool(n, True) for account_, (n, _) in reservations.items()}
        self.spillover = {account_: spill for account_, (_, spill) in reservations.items()}
        self.pools = [self.shared, *self.reserved.values()]
        self.replicas = [r for p in self.pools for r in p.replicas] + self.pending  # every replica, for statistics

    def grow(self, shared_replicas: int, now: float) -> None:
        """Bring pending replicas online until the shared pool has `shared_replicas`."""
        while self.pending and len(self.shared.replicas) < shared_replicas:
            replica = self.pending.pop(0)
            replica.online(now)
            self.shared.replicas.append(replica)
            self.shared.fill(replica, now)

    @property
    def waiting(self) -> int:
        return sum(p.waiting for p in self.pools)

    @property
    def queue(self) -> list[int]:
        return [rid for p in self.pools for rid in p.queue]

    def queue_area_until(self, now: float) -> float:
        return sum(p.queue_area_until(now) for p in self.pools)

    def expire_waiting(self, now: float) -> None:
        for p in self.pools:
            if p.waiting:
                p.expire_waiting(now)

    def outstanding(self) -> float:
        """Shared-pool requests waiting or in service, per shared replica: the least-loaded router's measure."""
        return self.shared.outstanding()

    def arrive(self, rid: int, now: float) -> None:
        """A request routed here: admit it to a replica, queue it, or reject it."""
        self.records.provider[rid] = self.index
        if self.limiter is not None:
            over = self.limiter.check(self.account[rid], self.tokens[rid], now)
            if over:
                self.records.status[rid] = REJECTED
                self.records.reason[rid] = RATE_RPM if over == 1 else RATE_TPM
                self.records.finish_s[rid] = now
                return
        if self.reserved:
            account = self.account[rid]
            reserved = self.reserved.get(account)
            if reserved is not None:
                if reserved.try_start(rid, now):
                    return
                if not self.spillover[account]:
                    reserved.enqueue(rid, now)  # wait for the reservation
                    return
        self.shared.arrive(rid, now)  # everyone else, and spillover from a full reservation



class Pool:
    """Replicas with their queues: the shared fleet, or a customer's reservation."""

    __slots__ = (
        "records", "arrival", "tier", "replicas", "queues", "deadlines", "expired_reason", "waiting", "interactive",
        "max_batch", "max_waiting", "queue_area", "queue_time", "reserved",
    )

    def __init__(self, env: simpy.Environment, spec: ProviderSpec, records: Records, replicas: int, *,
                 arrival: array[float], prompt: array[int], uncached: array[int], output: array[int],
                 tier: array[int] | None = None, reserved: bool = False):
        self.records = records
        self.arrival = arrival
        self.tier = tier  # service tier per request (None: all standard)
        self.reserved = reserved
        perf = spec.performance
        self.max_batch = perf.max_batch if perf.max_batch is not None else _UNBOUNDED
        self.max_waiting = spec.queue.max_waiting if spec.queue.max_waiting is not None else _UNBOUNDED
        self.queues: tuple[deque[int], deque[int], deque[int]] = (deque(), deque(), deque())  # priority, std, batch
        self.deadlines = (spec.queue.timeout, spec.queue.timeout, spec.batch_window)
        self.expired_reason = (QUEUE_TIMEOUT, QUEUE_TIMEOUT, BATCH_EXPIRED)
        self.waiting = 0  # requests in all queues
        self.interactive = 0  # requests in the priority and standard queues
        self.queue_area = 0.0  # integral of `waiting` over time, up to queue_time
        self.queue_time = 0.0
        prefill_time = PrefillTime.of(perf)
        self.replicas: list[Replica | IterationReplica]
        if perf.scheduler == "overlap":
            step = perf.decode_step_s
            assert step is not None  # overlap takes no decode table (scenario validation)
            self.replicas = [Replica(env, self, records, uncached, output, prefill_time, step.base, step.per_sequence)
                             for _ in range(replicas)]
        else:
            step_time = DecodeStep.of(perf)  # shared by the replicas: read-only lists, grown in place
            self.replicas = [IterationReplica(env, self, records, prompt, uncached, output, perf, prefill_time, step_time)
                             for _ in range(replicas)]

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

    def outstanding(self) -> float:
        """Requests waiting or in service per replica."""
        return (self.waiting + sum(r.load for r in self.replicas)) / max(1, len(self.replicas))

    def _reject(self, rid: int, reason: int, now: float) -> None:
        records = self.records
        records.status[rid] = REJECTED
        records.reason[rid] = reason
        records.finish_s[rid] = now

    def try_start(self, rid: int, now: float) -> bool:
        """Start the request on a free slot if its tier may take one now."""
        if self.waiting:
            self.expire_waiting(now)
        tier = self.tier[rid] if self.tier is not None else 0
        if not self.interactive and (tier != BATCH or not self.waiting):
            replica = min(self.replicas, key=_by_load)
            if replica.load < self.max_batch:
                self.records.start_s[rid] = now
                if self.reserved:
                    self.records.reserved[rid] = 1
                replica.admit(rid, now)
                return True
        return False

    def arrive(self, rid: int, now: float) -> None:
        """Admit the request to a replica, queue it, or reject it."""
        if not self.try_start(rid, now):
            self.enqueue(rid, now)

    def enqueue(self, rid: int, now: float) -> None:
        tier = self.tier[rid] if self.tier is not None else 0
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

    def fill(self, replica: Replica | IterationReplica, now: float) -> None:
        """Slots freed on `replica`: move waiting requests into them, priority first, batch last.

        Requests queue only when every replica is full, so the replica that just freed
        slots is the one to fill.
        """
        if not self.waiting:
            return
        self.expire_waiting(now)
        self._queue_changing(now)
        start_s, max_batch, reserved = self.records.start_s, self.max_batch, self.records.reserved
        for k, queue in enumerate(self.queues):
            while queue and replica.load < max_batch:
                rid = queue.popleft()
                self.waiting -= 1
                if k != 2:
                    self.interactive -= 1
                start_s[rid] = now
                if self.reserved:
                    reserved[rid] = 1
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


def _by_load(replica: Replica | IterationReplica) -> int:
    return replica.load
