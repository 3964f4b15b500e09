"""One model instance served iteration by iteration, with KV memory counted in blocks of tokens.

Schedulers (``performance.scheduler``):
- ``prefill_first`` (vLLM's default scheduler): when a waiting request's prompt fits in free KV
  blocks, the next iteration prefills waiting requests (up to `max_prefill_tokens` tokens) and
  every decoding sequence pauses; otherwise the iteration decodes one token for every running
  sequence. A request arriving mid-iteration waits for the iteration to end.
- ``chunked`` (Sarathi-Serve, vLLM with chunked prefill): every iteration has a budget of
  `chunk_tokens`; each decoding sequence takes one, prefill chunks of admitted requests fill
  the rest. Its time is the decode step plus what the chunks add to a prefill pass of the
  decode tokens: prefill(chunk tokens + b) - prefill(b), so the fixed cost of a pass is paid once.

A pass of several prompts or chunks costs the prefill of all its tokens corrected for attention
(`PrefillTime.batch`): a chunk of c tokens after k tokens of context attends to k + c of them.

A decode step with b sequences holding C tokens of context takes ``fixed[b] + per_context[b] * C``
(`DecodeStep`: a line ``base + per_sequence * b + per_context_token * C`` or a measured table by b). Admission takes the prompt's KV blocks (less
a 1% watermark, as vLLM keeps); each decode step takes a new block for a sequence whose last
block is full; when the next step does not fit, the last admitted sequence is pre-empted: its
blocks are freed and it goes back to the head of the replica's queue to recompute its prompt
and the tokens generated so far. The prefill emits the first output token.

Consecutive decode iterations in which nothing can change the batch are one event: the run
ends at the next completion or when the KV memory would run out, and an admissible arrival cuts
it at the end of the iteration in progress. A sequence's block needs follow its "phase" (its
context modulo the block size), so a run's block demand is counted per phase, not per sequence;
its context grows by b tokens a step, so a run's time is an arithmetic series.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush
from math import ceil, sqrt
from typing import TYPE_CHECKING

from .records import COMPLETED, KV_TOO_SMALL, REJECTED

if TYPE_CHECKING:  # pragma: no cover
    from array import array

    import simpy

    from ..scenario.fleet import PerformanceSpec
    from .provider import Pool
    from .records import Records
    from .timing import DecodeStep, PrefillTime

__all__ = ["IterationReplica"]

_UNBOUNDED = 1 << 62
_IDLE, _PREFILL, _DECODE, _MIXED = 0, 1, 2, 3
WATERMARK = 0.01  # share of KV blocks admission leaves free (vLLM's default)


class IterationReplica:
    __slots__ = (
        "env", "pool", "records", "prompt", "uncached", "output", "prefill_time", "chunked", "budget",
        "step", "step_fixed", "step_ctx", "bs", "bounded", "total_blocks", "free", "watermark", "phase",
        "incoming", "redo", "running", "heap", "batch", "chunks", "prefilling", "steps", "ctx0", "share", "load",
        "pending", "kind", "in_boundary", "run_start", "run_m", "run_a", "run_d", "prefill_end",
        "busy_total", "busy_since", "area", "area_time", "prefill_total", "kv_area", "kv_time", "preempted",
    )

    def __init__(self, env: simpy.Environment, pool: Pool, records: Records, prompt: array[int], uncached: array[int],
                 output: array[int], perf: PerformanceSpec, prefill_time: PrefillTime, step: DecodeStep) -> None:
        self.env = env
        self.pool = pool
        self.records = records
        self.prompt = prompt  # input tokens per request: their KV is held
        self.uncached = uncached  # input tokens to compute in the prefill
        self.output = output
        self.prefill_time = prefill_time
        self.chunked = perf.scheduler == "chunked"
        self.budget = perf.chunk_tokens if self.chunked else perf.max_prefill_tokens
        self.step, self.step_fixed, self.step_ctx = step, step.fixed, step.per_context  # lists by batch size
        self.bs = perf.kv_block_tokens
        kv_cache_tokens = perf.kv_cache_tokens
        self.bounded = kv_cache_tokens is not None
        self.total_blocks = kv_cache_tokens // self.bs if kv_cache_tokens is not None else _UNBOUNDED
        self.free = self.total_blocks
        self.watermark = int(WATERMARK * self.total_blocks) if self.bounded else 0
        self.phase = [0] * self.bs  # decoding sequences by the step (mod bs) at which they need a block
        self.incoming: deque[int] = deque()  # admitted here, waiting for their prefill
        self.redo: dict[int, int] = {}  # pre-empted request -> tokens it had generated
        self.running: dict[int, tuple[int, int, int, float]] = {}  # decoding: rid -> (joined at step, KV tokens then, generated, share)
        self.heap: list[tuple[int, int, int]] = []  # (step count at which it completes, rid, joined at step)
        self.batch: list[int] = []  # the prefill pass in flight: its rids
        self.chunks: list[tuple[list[int], int]] = []  # the mixed pass in flight: ([rid, tokens left, context before them], tokens now)
        self.prefilling: deque[list[int]] = deque()  # chunked: [rid, tokens left to prefill, context before them]
        self.steps = 0  # decode iterations done
        self.ctx0 = 0  # context of the decoding sequences at step s is ctx0 + b * s
        self.share = 0.0  # decode GPU-seconds per decoding sequence, cumulative
        self.load = 0  # requests held: waiting here, prefilling or decoding (max_batch caps it)
        self.pending: simpy.Event | None = None
        self.kind = _IDLE
        self.in_boundary = False
        self.run_start = self.run_a = self.run_d = self.prefill_end = 0.0
        self.run_m = 0
        self.busy_total = self.busy_since = self.area = self.area_time = 0.0
        self.prefill_total = self.kv_area = self.kv_time = 0.0
        self.preempted = 0

    # -- accounting -----------------------------------------------------
    def online(self, now: float) -> None:
        self.area_time = self.busy_since = self.kv_time = now

    def _add_load(self, delta: int, now: float) -> None:
        self.area += self.load * (now - self.area_time)
        self.area_time = now
        self.load += delta

    def _kv_changing(self, now: float) -> None:
        self.kv_area += (self.total_blocks - self.free) * self.bs * (now - self.kv_time)
        self.kv_time = now

    def busy_until(self, now: float) -> float:
        return self.busy_total + (now - self.busy_since if self.kind != _IDLE else 0.0)

    def prefill_until(self, now: float) -> float:
        pending = self.prefill_end - now
        return self.prefill_total - (pending if pending > 0.0 else 0.0)

    def area_until(self, now: float) -> float:
        return self.area + self.load * (now - self.area_time)

    def kv_until(self, now: float) -> float:
        """Token-seconds of KV memory held up to `now` (0 when unbounded: nothing is counted)."""
        if not self.bounded:
            return 0.0
        return self.kv_area + (self.total_blocks - self.free) * self.bs * (now - self.kv_time)

    # -- arrivals ---------------------------------------------------------
    def admit(self, rid: int, now: float) -> None:
        """Take request `rid`; its prefill starts at the end of the iteration in progress."""
        if self.bounded and -(-(self.prompt[rid] + self.output[rid]) // self.bs) > self.total_blocks - self.watermark:
            records = self.records  # it could never finish: the engine refuses it
            records.status[rid], records.reason[rid], records.finish_s[rid] = REJECTED, KV_TOO_SMALL, now
            records.start_s[rid] = float("nan")
            return
        self._add_load(1, now)
        self.incoming.append(rid)
        if self.in_boundary:
            return
        if self.kind == _IDLE:
            self.busy_since = now
            self._next(now)
        elif self.kind == _DECODE and self.run_m > 1 and len(self.incoming) == 1 and self._fits(rid):
            self._cut(now)

    def _blocks(self, rid: int) -> int:
        tokens = self.prompt[rid] + (self.redo.get(rid, 0) if self.redo else 0)
        return -(-tokens // self.bs)

    def _fits(self, rid: int) -> bool:
        return self.free - self._blocks(rid) >= self.watermark

    def _cut(self, now: float) -> None:
        """End the decode run at the end of the iteration in progress."""
        a, d, elapsed = self.run_a, self.run_d, now - self.run_start
        if d == 0.0:
            k = ceil(elapsed / a)
        else:
            h = a - 0.5 * d
            k = ceil((sqrt(h * h + 2.0 * d * elapsed) - h) / d - 1e-9)
        k = max(k, 1)
        while k > 1 and _series(a, d, k - 1) >= elapsed:
            k -= 1
        while _series(a, d, k) < elapsed:
            k += 1
        if k >= self.run_m:
            return
        self.run_m = k
        self._schedule(self.run_start + _series(a, d, k) - now)

    def _schedule(self, delay: float) -> None:
        event = self.env.timeout(delay if delay > 0.0 else 0.0)
        event.callbacks.append(self._boundary)
        self.pending = event

    # -- iteration ends -----------------------------------------------------
    def _boundary(self, event: simpy.Event) -> None:
        if event is not self.pending:
            return  # cut short since
        now = self.env._now
        self.in_boundary = True
        kind = self.kind
        if kind == _DECODE:
            self._decoded(self.run_m, now)
        elif kind == _PREFILL:
            self._prefilled(self.batch, now)
        else:
            if self.running:
                self._decoded(1, now)
            self._chunks_done(now)
        self._complete_due(now)
        if self.pool.waiting:
            self.pool.fill(self, now)
        self.in_boundary = False
        self._next(now)

    def _decoded(self, m: int, now: float) -> None:
        """`m` decode steps ended: blocks taken for them, per-sequence GPU time, the step count."""
        s, b = self.steps, len(self.running)
        duration = _series(self.run_a, self.run_d, m) if self.kind == _DECODE else now - self.run_start
        if self.kind == _DECODE:
            self.share += duration / b
        if self.bounded:
            bs, taken = self.bs, 0
            for p, count in enumerate(self.phase):
                if count:
                    taken += count * ((s + p + m - 1) // bs - (s + p - 1) // bs)
            self._kv_changing(now)
            self.kv_area -= taken * bs * duration / 2  # blocks were taken along the run, not at its start
            self.free -= taken
        self.steps = s + m

    def _prefilled(self, rids: list[int], now: float) -> None:
        """Prefill done: the first token, then decoding (or done if that was the only token)."""
        first, output, redo, bs, s = self.records.first_token_s, self.output, self.redo, self.bs, self.steps
        for rid in rids:
            if first[rid] != first[rid]:  # NaN: the first time this request emits a token
                first[rid] = now
            generated = (redo.pop(rid) if redo and rid in redo else 0) + 1
            kv = self.prompt[rid] + generated - 1
            left = output[rid] - generated
            if left <= 0:
                self._kv_changing(now)
                self.free += -(-kv // bs)
                self._finish(rid, now)
                continue
            self.running[rid] = (s, kv, generated, self.share)
            heappush(self.heap, (s + left, rid, s))
            self.phase[(kv - s) % bs] += 1
            self.ctx0 += kv + 1 - s

    def _complete_due(self, now: float) -> None:
        heap, running, s = self.heap, self.running, self.steps
        while heap and heap[0][0] <= s:
            _, rid, joined = heappop(heap)
            entry = running.get(rid)
            if entry is None or entry[0] != joined:
                continue  # pre-empted since
            self._leave(rid, entry, now)
            self._finish(rid, now)

    def _leave(self, rid: int, entry: tuple[int, int, int, float], now: float) -> int:
        """Take a decoding sequence out of the batch; returns the tokens it has generated."""
        joined, kv, generated, share = entry
        s = self.steps
        del self.running[rid]
        self._kv_changing(now)
        self.free += -(-(kv + s - joined) // self.bs)
        self.phase[(kv - joined) % self.bs] -= 1
        self.ctx0 -= kv + 1 - joined
        self.records.gpu_s[rid] += self.share - share
        return generated + s - joined

    def _finish(self, rid: int, now: float) -> None:
        records = self.records
        records.finish_s[rid] = now
        records.status[rid] = COMPLETED
        self._add_load(-1, now)

    def _preempt(self, now: float) -> None:
        """Recompute the last admitted sequence later: free its blocks, back to the queue's head."""
        rid = next(reversed(self.running))
        self.redo[rid] = self._leave(rid, self.running[rid], now)
        self.incoming.appendleft(rid)
        self.records.preemptions[rid] += 1
        self.preempted += 1

    # -- the next iteration ---------------------------------------------------
    def _next(self, now: float) -> None:
        if self.chunked:
            if self.prefilling or (self.incoming and self._fits(self.incoming[0])):
                self._start_mixed(now)
                return
        elif self.incoming and self._fits(self.incoming[0]):
            self._start_prefill(now)
            return
        if self.running:
            if self._start_decode(now):
                return
            self._next(now)  # everything was pre-empted: recompute from the queue
            return
        if self.kind != _IDLE:
            self.busy_total += now - self.busy_since
        self.kind = _IDLE
        self.pending = None

    def _take(self, limit: int) -> list[list[int]]:
        """Requests from the queue whose prompts fit in KV memory, up to `limit` prefill tokens.

        A prefill pass of prefill_first pads its prompts to the longest (vLLM's budget counts
        prompts times the longest one); a chunked iteration counts the tokens themselves.
        """
        taken: list[list[int]] = []
        incoming, redo, uncached, tokens, longest = self.incoming, self.redo, self.uncached, 0, 0
        padded = not self.chunked
        while incoming:
            rid = incoming[0]
            need = self._blocks(rid)
            if self.free - need < self.watermark:
                break
            work = uncached[rid] + (redo.get(rid, 0) if redo else 0)
            if taken and (tokens + work > limit if not padded
                          else (len(taken) + 1) * max(longest, work) > limit):
                break
            longest = work if work > longest else longest
            incoming.popleft()
            self._kv_changing(self.env._now)
            self.free -= need
            taken.append([rid, work, self.prompt[rid] - uncached[rid]])  # [rid, tokens left, context before them]
            tokens += work
        return taken

    def _start_prefill(self, now: float) -> None:
        taken = self._take(self.budget)
        tokens = sum(item[1] for item in taken)
        prefill = self.prefill_time
        duration = (prefill.batch(tokens, sum(work * (before + work) for _, work, before in taken))
                    if prefill.attention else prefill(tokens))
        gpu_s = self.records.gpu_s
        for rid, work, _ in taken:
            gpu_s[rid] += duration * (work / tokens if tokens else 1.0 / len(taken))
        self.batch = [item[0] for item in taken]
        self.kind = _PREFILL
        self.run_start = now
        self.prefill_total += duration
        self.prefill_end = now + duration
        self._schedule(duration)

    def _make_room(self, now: float) -> None:
        """Pre-empt until the next decode step fits (see `_step_fits`)."""
        while self.running and not self._step_fits(self.free, self.steps):
            self._preempt(now)

    def _step_fits(self, free: int, s: int) -> bool:
        """Whether decode step `s` can run with `free` blocks, as vLLM checks it.

        vLLM goes through the running sequences oldest first and wants a free block before each
        one, whether or not it takes it: so the blocks the step takes must leave one free, unless
        the last admitted sequence takes the last one itself.
        """
        need = self.phase[-s % self.bs]
        if need != free:
            return need < free
        last = self.running[next(reversed(self.running))]
        return need > 0 and (last[1] - last[0] + s) % self.bs == 0

    def _start_decode(self, now: float) -> bool:
        if self.bounded:
            self._make_room(now)
            if not self.running:
                return False
        s, b = self.steps, len(self.running)
        m = self.heap[0][0] - s
        if self.bounded:
            m = min(m, self._safe_steps(s, b))
            if self.incoming and not self.chunked and self._fits(self.incoming[0]):
                m = 1  # a sequence pre-empted for this step fits again: it is prefilled after the step
        if b >= len(self.step_fixed):
            self.step.extend(b)
        k = self.step_ctx[b]
        a = self.step_fixed[b] + k * (self.ctx0 + b * s)
        d = k * b
        self.kind = _DECODE
        self.run_start, self.run_m, self.run_a, self.run_d = now, m, a, d
        self._schedule(_series(a, d, m))
        return True

    def _safe_steps(self, s: int, b: int) -> int:
        """Decode steps from step `s` whose new blocks fit in the free ones."""
        free, bs, phase = self.free, self.bs, self.phase
        cycles = max(free - 1, 0) // b  # every bs consecutive steps take exactly b blocks; one stays free
        m, left = cycles * bs, free - cycles * b
        for _ in range(bs + 1):
            if not self._step_fits(left, s + m):
                break
            left -= phase[-(s + m) % bs]
            m += 1
        return m

    def _start_mixed(self, now: float) -> None:
        """Chunked: one iteration, decodes first, prefill chunks in the rest of the budget."""
        if self.running and self.bounded:
            self._make_room(now)
        b = len(self.running)
        room = self.budget - b
        chunks: list[tuple[list[int], int]] = []
        tokens = attended = 0
        for item in self.prefilling:
            if tokens >= room:
                break
            take = min(item[1], room - tokens)
            chunks.append((item, take))
            tokens += take
            attended += take * (item[2] + take)
        if tokens < room:
            for item in self._take(room - tokens):
                if tokens >= room:
                    self.prefilling.append(item)
                    continue
                take = min(item[1], room - tokens)
                self.prefilling.append(item)
                chunks.append((item, take))
                tokens += take
                attended += take * (item[2] + take)
        prefill = self.prefill_time
        if b:
            if b >= len(self.step_fixed):
                self.step.extend(b)
            self.run_a = self.step_fixed[b] + self.step_ctx[b] * (self.ctx0 + b * self.steps)
            # the chunks cost what they add to a pass of the b decode tokens (decode attention is in the step)
            duration = self.run_a + (prefill.added(tokens, attended, b) if tokens else 0.0)
            self.share += self.run_a / b
        else:
            duration = prefill.batch(tokens, attended) if tokens else prefill(0)
        gpu_s = self.records.gpu_s
        prefill_s = duration - (self.run_a if b else 0.0)
        for item, take in chunks:
            gpu_s[item[0]] += prefill_s * (take / tokens if tokens else 1.0 / len(chunks))
        self.chunks = chunks
        self.kind = _MIXED
        self.run_start = now
        self.prefill_total += prefill_s
        self.prefill_end = now + duration
        self._schedule(duration)

    def _chunks_done(self, now: float) -> None:
        done = []
        for item, take in self.chunks:
            item[1] -= take
            item[2] += take
            if item[1] <= 0:
                done.append(item[0])
        if done:
            self.prefilling = deque(item for item in self.prefilling if item[1] > 0)
            self._prefilled(done, now)


def _series(a: float, d: float, m: int) -> float:
    """Time of m decode steps whose step time starts at `a` and grows by `d` a step."""
    return m * a + d * m * (m - 1) * 0.5
