"""Built-in serving profiles: a `performance:` block for a known model and deployment, with its source.

A scenario writes ``performance: {profile: NAME}``; fields given beside `profile` override the
profile's (``decode_step_s`` key by key). Every profile names where its numbers come from.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

__all__ = ["PROFILES", "SOURCES", "with_profile", "profile_names"]

PROFILES: dict[str, dict[str, Any]] = {
    "llama2-70b-a100x2-tp2": {
        "scheduler": "prefill_first",
        # prefill time of one prompt by its length: Vidur's predictor (single request, every 8 tokens, which is
        # its rounding of a pass's tokens), kept where linear interpolation between points strays by 2% or more.
        # The GEMMs of a pass step up just past multiples of 128 tokens (wave quantization): 109 ms at 256
        # tokens, 129 ms at 257; a chunked iteration's chunk plus its decode tokens often lands just past one.
        "prefill_s_by_tokens": {1: 0.05708, 16: 0.05523, 19: 0.05687, 24: 0.05687, 25: 0.06175, 40: 0.06352, 41: 0.06088,
                                48: 0.06088, 49: 0.06437, 64: 0.06569, 65: 0.07064, 120: 0.07409, 122: 0.07714,
                                128: 0.07714, 129: 0.08992, 136: 0.08992, 137: 0.09403, 156: 0.09732, 192: 0.09752,
                                194: 0.10053, 256: 0.10901, 257: 0.12859, 264: 0.12859, 265: 0.13631, 376: 0.14534,
                                383: 0.14878, 384: 0.14878, 385: 0.17297, 392: 0.17297, 393: 0.18122, 432: 0.18458,
                                488: 0.19066, 512: 0.19561, 513: 0.21489, 562: 0.23058, 640: 0.23613, 641: 0.2612,
                                669: 0.27666, 768: 0.28874, 769: 0.30967, 804: 0.32489, 896: 0.33189, 898: 0.34336,
                                992: 0.36213, 993: 0.37939, 1083: 0.40989, 1273: 0.45167, 1288: 0.45949, 1289: 0.48363,
                                1595: 0.58289, 1672: 0.59921, 1674: 0.61936, 2026: 0.73129, 2064: 0.73683, 2066: 0.76367,
                                2479: 0.90755, 2576: 0.92199, 2595: 0.95324, 3472: 1.25751, 3475: 1.29304, 4088: 1.49758,
                                4096: 1.49757},
        # least squares over Vidur's predictor: passes of several prompts against one prompt of all their
        # tokens, and 256-2048-token chunks after 512-3072 tokens of context against the same chunk alone
        "prefill_attention_s": 9.75e-9,
        # least squares over Vidur's decode step by batch size (1-64) and context (128-4032 tokens):
        # rmse 1.2 ms, largest error 5.5%
        "decode_step_s": {"base": 0.057574, "per_sequence": 0.00010279, "per_context_token": 1.1874e-7},
        "max_batch": 64,
        "max_prefill_tokens": 4096,
        "kv_cache_tokens": 53248,  # Vidur's memory planner: 3,328 blocks of 16 tokens
        "kv_block_tokens": 16,
    },
    "llama2-70b-dgx-h100-splitwise": {
        "scheduler": "prefill_first",
        "prefill_tokens_per_s": 15000,
        "decode_step_s": {"base": 0.030, "per_sequence": 0.0003},
        "max_batch": 64,
    },
}

SOURCES: dict[str, str] = {
    "llama2-70b-a100x2-tp2": (
        "Llama-2-70B on 2x A100-80GB, tensor parallel 2: fitted to Vidur's execution-time predictor "
        "(microsoft/vidur commit 7d47513, MIT licence): decode step by batch and context (default training "
        "grid), prefill by prompt length and prefill attention per token pair (one-point grid, see "
        "tests/data/vidur/README.md), KV cache from Vidur's memory planner; tests/data/vidur/ holds Vidur's "
        "answers it is checked against."),
    "llama2-70b-dgx-h100-splitwise": (
        "Llama-2-70B on a DGX-H100 (8 GPUs, TP8), SplitwiseSim's profile: prefill 2,048 tokens in about "
        "137 ms (about 15k tokens/s), decode step about 30 ms at batch 1 and about 50 ms at batch 64; no KV "
        "limit given (the batch cap bounds memory)."),
}


def profile_names() -> list[str]:
    return sorted(PROFILES)


def with_profile(data: dict[str, Any]) -> dict[str, Any]:
    """The profile's fields, overridden by the ones given beside `profile` (decode_step_s key by key)."""
    name = data["profile"]
    if name not in PROFILES:
        close = difflib.get_close_matches(str(name), PROFILES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown profile {name!r}{hint}; choose one of: {', '.join(profile_names())}")
    merged = copy.deepcopy(PROFILES[name])
    for key, value in data.items():
        if key == "decode_step_s" and isinstance(value, dict):
            merged["decode_step_s"] = {**merged.get("decode_step_s", {}), **value}
        elif key == "prefill_tokens_per_s" and "prefill_s_by_tokens" not in data:
            merged[key] = value
            merged.pop("prefill_s_by_tokens", None)  # a rate given beside the profile replaces its table
        else:
            merged[key] = value
    return merged
