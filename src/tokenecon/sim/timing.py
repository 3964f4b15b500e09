"""Time of a replica's passes: prefill by tokens (a rate plus a fixed cost, or a measured table)."""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scenario.fleet import PerformanceSpec

__all__ = ["DecodeStep", "PrefillTime"]


class PrefillTime:
    """Seconds to prefill `tokens` tokens in one pass.

    With a rate: ``overhead + tokens / rate``. With a table of measured (tokens, seconds): linear
    interpolation between the points and the end segments' slopes beyond them. `overhead` is the
    fixed cost of a pass (the table's first segment at 0 tokens), which a chunked iteration that
    also decodes pays only once.

    Both describe one prompt prefilled alone, whose attention grows with its length squared.
    `attention` (seconds per token pair) corrects a pass of several prompts or chunks (`batch`):
    a chunk of c tokens after k tokens of context attends to k + c tokens, so a pass of
    prompts p_i costs less than one prompt of sum(p_i) tokens, and a late chunk of a long
    prompt more than an early one.
    """

    __slots__ = ("rate", "overhead", "xs", "ys", "slopes", "attention", "attention_overhead")

    def __init__(self, rate: float | None = None, overhead: float = 0.0,
                 table: dict[int, float] | None = None, attention: float = 0.0, attention_overhead: float = 0.0):
        if rate is None and not table:
            raise ValueError("a prefill time needs a rate or a table of measured times")
        self.rate = rate if rate is not None else math.nan  # with a table, the rate is not used
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.slopes: list[float] = []
        if table:
            points = sorted(table.items())
            if len(points) == 1:
                (x, y), = points
                points = [(0, 0.0), (x, y)]
            self.xs = [float(x) for x, _ in points]
            self.ys = [float(y) for _, y in points]
            self.slopes = [(y1 - y0) / (x1 - x0) for (x0, y0), (x1, y1) in zip(points, points[1:])]
            overhead = max(0.0, self.ys[0] - self.slopes[0] * self.xs[0])
        self.overhead = overhead
        self.attention = attention
        self.attention_overhead = attention_overhead

    @classmethod
    def of(cls, perf: PerformanceSpec) -> "PrefillTime":
        return cls(perf.prefill_tokens_per_s, perf.prefill_overhead_s, perf.prefill_s_by_tokens,
                   perf.prefill_attention_s, perf.prefill_attention_overhead_s)

    def batch(self, tokens: float, attended: float) -> float:
        """Seconds of a pass of `tokens` prefill tokens whose chunks attend to `attended` token pairs
        (the sum over chunks of chunk tokens times context tokens up to the chunk's end)."""
        if not self.attention:
            return self(tokens)
        t = self(tokens) + self.attention * (attended - tokens * tokens)
        return t if t > 0.0 else 0.0

    def added(self, tokens: float, attended: float, decodes: int) -> float:
        """Seconds that prefill chunks of `tokens` tokens (attending to `attended` token pairs) add to
        a pass of `decodes` decode tokens: the pass's fixed cost is paid once, the prefill attention
        kernel's (`attention_overhead`) besides the decode attention's."""
        if not self.xs and not self.attention:
            return tokens / self.rate + self.attention_overhead
        t = self.batch(tokens + decodes, attended + decodes * decodes) - self(decodes)
        return (t if t > 0.0 else 0.0) + self.attention_overhead

    def __call__(self, tokens: float) -> float:
        if not self.xs:
            return self.overhead + tokens / self.rate
        xs = self.xs
        k = bisect_right(xs, tokens) - 1
        k = 0 if k < 0 else (len(self.slopes) - 1 if k >= len(self.slopes) else k)
        t = self.ys[k] + self.slopes[k] * (tokens - xs[k])
        return t if t > 0.0 else 0.0


class DecodeStep:
    """Seconds of a decode step of b sequences holding C tokens of context: ``fixed[b] + per_context[b] * C``.

    From ``decode_step_s`` (base, per_sequence, per_context_token): a line in b. From a measured
    table ``decode_step_s_by_batch`` ({b: (seconds, seconds per context token)}): the part that runs
    on the batch's tokens (projections, MLP, communication; it steps with the GPU's tiles, not a
    line) and the attention over the batch's context, per batch size, linearly interpolated between
    the sizes given; beyond the largest, the fixed part grows as between the last two and the
    per-token part stays. `fixed` and `per_context` are lists indexed by b, grown by `extend`.
    """

    __slots__ = ("fixed", "per_context", "_line")

    def __init__(self, base: float = 0.0, per_sequence: float = 0.0, per_context_token: float = 0.0,
                 table: dict[int, tuple[float, float]] | None = None, size: int = 64):
        self._line: tuple[float, float, float] = (base, per_sequence, per_context_token)
        self.fixed, self.per_context = [base], [per_context_token]
        if table:
            points = sorted(table.items())
            self.fixed = [points[0][1][0]]
            self.per_context = [points[0][1][1]]
            for (b0, (f0, k0)), (b1, (f1, k1)) in zip([(0, points[0][1])] + points, points):
                for b in range(max(b0 + 1, 1), b1 + 1):
                    w = (b - b0) / (b1 - b0)
                    self.fixed.append(f0 + w * (f1 - f0))
                    self.per_context.append(k0 + w * (k1 - k0))
            if len(points) > 1:
                (b0, (f0, _)), (b1, (f1, k1)) = points[-2], points[-1]
                self._line = (f1 - (f1 - f0) / (b1 - b0) * b1, (f1 - f0) / (b1 - b0), k1)
            else:
                self._line = (points[0][1][0], 0.0, points[0][1][1])
        self.extend(size)

    @classmethod
    def of(cls, perf: PerformanceSpec) -> "DecodeStep":
        size = min(perf.max_batch, 4096) if perf.max_batch is not None else 64
        if perf.decode_step_s_by_batch:
            return cls(table={b: (f, k) for b, (f, k) in perf.decode_step_s_by_batch.items()}, size=size)
        step = perf.decode_step_s
        assert step is not None  # the scenario gives a line or a table
        return cls(step.base, step.per_sequence, step.per_context_token, size=size)

    def extend(self, b: int) -> None:
        """Make `fixed[b]` and `per_context[b]` exist (the lists grow in place)."""
        fixed, per_context = self.fixed, self.per_context
        base, slope, k = self._line
        floor = fixed[-1] if slope < 0.0 else 0.0
        for n in range(len(fixed), b + 1):
            t = base + slope * n
            fixed.append(t if t > floor else floor)
            per_context.append(k)
