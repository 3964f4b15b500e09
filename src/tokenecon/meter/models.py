"""Which tokenizer each model uses. A model missing here is an error, never a guess."""

from __future__ import annotations

import difflib

from ..errors import UnknownNameError

__all__ = ["MODEL_TOKENIZERS", "tokenizer_for_model"]

# Exact model names, then prefixes (longest match wins) for dated or sized variants.
MODEL_TOKENIZERS: dict[str, str] = {
    # OpenAI: o200k_base since GPT-4o (tiktoken's model table)
    "gpt-4o": "o200k_base", "gpt-4o-mini": "o200k_base", "gpt-4.1": "o200k_base", "gpt-4.1-mini": "o200k_base",
    "gpt-4.1-nano": "o200k_base", "gpt-4.5": "o200k_base", "gpt-5": "o200k_base", "gpt-5-mini": "o200k_base",
    "gpt-5-nano": "o200k_base", "gpt-5.4": "o200k_base", "o1": "o200k_base", "o3": "o200k_base",
    "o3-mini": "o200k_base", "o4-mini": "o200k_base", "chatgpt-4o-latest": "o200k_base",
    "gpt-4": "cl100k_base", "gpt-4-turbo": "cl100k_base", "gpt-3.5-turbo": "cl100k_base",
    "text-embedding-3-small": "cl100k_base", "text-embedding-3-large": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base",
    # Alibaba Qwen: API models on the legacy vocabulary; Qwen3.5/3.6 on the new one
    "qwen-plus": "qwen", "qwen-max": "qwen", "qwen-turbo": "qwen", "qwen-flash": "qwen", "qwen-long": "qwen",
    "qwen3-max": "qwen", "qwen2.5": "qwen", "qwen3": "qwen", "qwen3.5": "qwen3.6", "qwen3.6": "qwen3.6",
    # DeepSeek API models
    "deepseek-chat": "deepseek-v4", "deepseek-reasoner": "deepseek-v4", "deepseek-v4": "deepseek-v4",
}

_PREFIXES = sorted(MODEL_TOKENIZERS, key=len, reverse=True)

# Vendors without a public tokenizer: say so instead of counting with someone else's.
_NO_PUBLIC_TOKENIZER = {
    "claude": "Anthropic does not publish Claude's tokenizer (cl100k_base is not it)",
    "gemini": "Google does not ship Gemini's tokenizer for offline use",
    "doubao": "Volcano Engine does not publish Doubao's tokenizer",
    "kimi": "Moonshot does not publish Kimi's tokenizer for offline use",
    "moonshot": "Moonshot does not publish Kimi's tokenizer for offline use",
    "glm": "Zhipu does not ship GLM's tokenizer in an offline package tokenecon uses",
}


def tokenizer_for_model(model: str) -> str:
    """Tokenizer name for a model name (``gpt-4o-2024-08-06`` -> ``o200k_base``)."""
    key = model.rsplit("/", 1)[-1].lower()
    if key in MODEL_TOKENIZERS:
        return MODEL_TOKENIZERS[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix + "-") or key.startswith(prefix + "."):
            return MODEL_TOKENIZERS[prefix]
    for vendor, why in _NO_PUBLIC_TOKENIZER.items():
        if key.startswith(vendor):
            raise UnknownNameError(f"model '{model}': {why}; use the provider's reported usage or pick "
                                   "--tokenizer explicitly")
    close = difflib.get_close_matches(key, list(MODEL_TOKENIZERS), n=3, cutoff=0.6)
    hint = f"; close: {', '.join(close)}" if close else ""
    raise UnknownNameError(f"unknown model '{model}'{hint} (known: {', '.join(MODEL_TOKENIZERS)})")


def tokenizer_name(name: str) -> str:
    """The tokenizer for a tokenizer or a model name (``qwen``, ``gpt-4o``, ``deepseek-chat``); loads nothing.

    The scenario's ``tokenizer:`` and ``tokenecon meter -t`` accept the same names."""
    from .tokenizers import canonical_name

    try:
        return canonical_name(name)
    except UnknownNameError as not_a_tokenizer:
        try:
            return tokenizer_for_model(name)
        except UnknownNameError as not_a_model:
            if "does not" in str(not_a_model):  # a known vendor without an offline tokenizer: say so
                raise
            raise UnknownNameError(f"{not_a_tokenizer}; {not_a_model}") from None
