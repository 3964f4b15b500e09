"""Time of a replica's passes: prefill by tokens (a rate plus a fixed cost, or a measured table)."""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scenario.fleet import PerformanceSpec

__all__ = ["PrefillTime"]


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

    __slots__ = ("rate", "overhead", "xs", "ys", "slopes", "attention")

    def __init__(self, rate: float | None = None, overhead: float = 0.0,
                 table: dict[int, float] | None = None, attention: float = 0.0):
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

    @classmethod
    def of(cls, perf: PerformanceSpec) -> "PrefillTime":
        return cls(perf.prefill_tokens_per_s, perf.prefill_overhead_s, perf.prefill_s_by_tokens,
                   perf.prefill_attention_s)

    def batch(self, tokens: float, attended: float) -> float:
        """Seconds of a pass of `tokens` prefill tokens whose chunks attend to `attended` token pairs
        (the sum over chunks of chunk tokens times context tokens up to the chunk's end)."""
        if not self.attention:
            return self(tokens)
        t = self(tokens) + self.attention * (attended - tokens * tokens)
        return t if t > 0.0 else 0.0

    def added(self, tokens: float, attended: float, decodes: int) -> float:
        """Seconds that prefill chunks of `tokens` tokens (attending to `attended` token pairs) add to
        a pass of `decodes` decode tokens: the pass's fixed cost is paid once."""
        if not self.xs and not self.attention:
            return tokens / self.rate
        t = self.batch(tokens + decodes, attended + decodes * decodes) - self(decodes)
        return t if t > 0.0 else 0.0

    def __call__(self, tokens: float) -> float:
        if not self.xs:
            return self.overhead + tokens / self.rate
        xs = self.xs
        k = bisect_right(xs, tokens) - 1
        k = 0 if k < 0 else (len(self.slopes) - 1 if k >= len(self.slopes) else k)
        t = self.ys[k] + self.slopes[k] * (tokens - xs[k])
        return t if t > 0.0 else 0.0
