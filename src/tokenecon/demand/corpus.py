"""Text-driven demand: requests drawn from a corpus of real texts, metered per provider.

Every provider counts the same texts with its own tokenizer, so one workload yields different
token counts (and bills) per provider. Counting happens before the event loop, once per
distinct corpus entry (the meter's content-hash cache), in batches.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputDataError
from ..meter.logs import LogReader, LogRequest
from ..meter.meter import Meter
from ..meter.report import prompt_counts

__all__ = ["load_corpus", "corpus_counts"]


@lru_cache(maxsize=16)
def load_corpus(path: Path) -> tuple[LogRequest, ...]:
    """The requests of a corpus file (JSONL request log); bad lines are errors naming the line."""
    entries = tuple(LogReader([path]))
    if not entries:
        raise InputDataError(f"{path}: no requests in the corpus")
    return entries


def corpus_counts(path: Path, tokenizer: str) -> tuple[np.ndarray, np.ndarray]:
    """Input tokens (with the family's chat overhead) and output tokens of every corpus entry."""
    entries = list(load_corpus(path))
    meter = _meter(tokenizer)
    inputs = np.asarray(prompt_counts(meter, entries), dtype=np.int64)
    outputs = np.asarray(meter.count_many([e.completion for e in entries]), dtype=np.int64)
    # a request always has at least one input and one output token
    return np.maximum(inputs, 1), np.maximum(outputs, 1)


@lru_cache(maxsize=None)
def _meter(tokenizer: str) -> Meter:
    return Meter(tokenizer)
