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
        # prefill time of one prompt by its length (Vidur's predictor, single request)
        "prefill_s_by_tokens": {64: 0.06306, 128: 0.07603, 256: 0.10909, 512: 0.19906, 1024: 0.39401,
                                2048: 0.73829, 3072: 1.12876, 4000: 1.48780},
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
        "(microsoft/vidur commit 7d47513, MIT licence), decode step by batch and context, prefill by prompt "
        "length, KV cache from Vidur's memory planner; tests/data/vidur/ holds Vidur's answers it is checked "
        "against."),
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
