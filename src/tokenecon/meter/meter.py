"""The meter: token counts with a content-hash cache, in batches.

Each distinct text is encoded once: a long text's 128-bit blake2b digest keys the cache (a
few dozen bytes per entry whatever its length); a short text keys it itself, which is cheaper. Misses are encoded together in one batch (both
cores) and the cache is bounded (the oldest half is dropped when full).
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b

from .chat import chat_segments
from .models import tokenizer_for_model
from .tokenizers import Tokenizer, get_tokenizer

__all__ = ["Meter"]

_SHORT = 128  # texts up to this many characters key the cache themselves (cheaper than a digest)


class Meter:
    """Counts tokens with one tokenizer. ``Meter("o200k_base")`` or ``Meter.for_model("gpt-4o")``."""

    def __init__(self, tokenizer: str | Tokenizer, *, max_cache: int = 4_000_000):
        self.tokenizer = get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
        self.max_cache = max_cache
        self._cache: dict[bytes | str, int] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_model(cls, model: str) -> "Meter":
        return cls(tokenizer_for_model(model))

    @property
    def name(self) -> str:
        return self.tokenizer.name

    def count(self, text: str) -> int:
        return self.count_many([text])[0]

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Token counts of plain texts, each distinct text encoded at most once."""
        cache = self._cache
        keys = [t if len(t) <= _SHORT else blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                for t in texts]
        missing: dict[bytes | str, str] = {}
        for key, text in zip(keys, texts):
            if key not in cache and key not in missing:
                missing[key] = text
        if missing:
            new = dict(zip(missing, self.tokenizer.count_batch(list(missing.values()))))
            result = [new[k] if k in new else cache[k] for k in keys]
            if len(cache) + len(new) > self.max_cache:
                for old in list(cache)[: len(cache) // 2]:
                    del cache[old]
            cache.update(new)
        else:
            result = [cache[k] for k in keys]
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        return result

    def count_chat(self, messages: Sequence[dict]) -> int:
        """Prompt tokens of a chat request, with the tokenizer family's formatting overhead."""
        return self.count_chats([messages])[0]

    def count_chats(self, conversations: Sequence[Sequence[dict]]) -> list[int]:
        """Prompt tokens of many chat requests, counted in one batch."""
        family = self.tokenizer.family
        fixed: list[int] = []
        spans: list[tuple[int, int]] = []
        segments: list[str] = []
        for messages in conversations:
            n_fixed, parts = chat_segments(family, messages)
            fixed.append(n_fixed)
            spans.append((len(segments), len(segments) + len(parts)))
            segments.extend(parts)
        counts = self.count_many(segments)
        return [f + sum(counts[a:b]) for f, (a, b) in zip(fixed, spans)]
