"""Independent random streams, one per component, all derived from the scenario seed.

A stream is keyed by names (``("arrivals", "sme")``), not by creation order, so adding a
customer segment never reshuffles another segment's draws.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, *keys: str) -> np.random.Generator:
    """A PCG64 generator for (seed, keys); the same inputs always give the same draws."""
    words = [seed] + [zlib.crc32(key.encode("utf-8")) for key in keys]
    return np.random.default_rng(np.random.SeedSequence(words))
