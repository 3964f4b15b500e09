"""Built-in serving profiles: a `performance:` block for a known model and deployment, with its source.

A scenario writes ``performance: {profile: NAME}``; fields given beside `profile` override the
profile's (``decode_step_s`` key by key, and it replaces the profile's ``decode_step_s_by_batch``). Every profile names where its numbers come from.
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
        # a prefill attention kernel's floor (Vidur's predictor at the smallest chunk, all 80 layers): a chunked
        # iteration that also decodes runs it besides the decode attention
        "prefill_attention_overhead_s": 0.0012,
        # decode step by batch size b: [seconds, seconds per context token of the batch], least squares over
        # Vidur's predictor at contexts 64-4096 for each b (rmse 0.5%, largest error 3%). The projections, MLP and
        # all-reduce run on the batch's tokens rounded up to 8 (steps, not a line: 56.1 ms at 9-15 sequences,
        # 57.9 at 8, 66.5 at 64); the attention reads the batch's context (Vidur predicts it at the mean context
        # rounded up to 64 tokens, which the seconds absorb)
        "decode_step_s_by_batch": {
            1: (0.057266, 8.114e-09), 2: (0.057512, 1.682e-08), 3: (0.057773, 3.557e-08), 4: (0.057873, 4.593e-08),
            5: (0.057836, 7.404e-08), 6: (0.05787, 8.691e-08), 7: (0.05725, 1.173e-07), 8: (0.057921, 1.064e-07),
            9: (0.056068, 9.924e-08), 10: (0.055614, 1.132e-07), 11: (0.056062, 1.227e-07),
            12: (0.056043, 1.155e-07), 13: (0.056023, 1.127e-07), 14: (0.05613, 1.136e-07),
            15: (0.056129, 1.114e-07), 16: (0.057057, 8.752e-08), 17: (0.058682, 8.496e-08),
            18: (0.058659, 8.508e-08), 19: (0.057827, 1.129e-07), 20: (0.057834, 1.105e-07),
            21: (0.057938, 1.059e-07), 22: (0.056684, 1.159e-07), 23: (0.056672, 1.129e-07),
            24: (0.056694, 1.105e-07), 25: (0.061588, 1.088e-07), 26: (0.061594, 1.07e-07),
            27: (0.061615, 1.048e-07), 28: (0.061811, 1.388e-07), 29: (0.061845, 1.349e-07),
            30: (0.061858, 1.313e-07), 31: (0.061889, 1.276e-07), 32: (0.061921, 1.241e-07),
            33: (0.063715, 1.206e-07), 34: (0.063729, 1.171e-07), 35: (0.063742, 1.14e-07),
            36: (0.063748, 1.097e-07), 37: (0.063802, 1.087e-07), 38: (0.063828, 1.063e-07),
            39: (0.063822, 1.045e-07), 40: (0.063842, 1.03e-07), 41: (0.061212, 1.021e-07),
            42: (0.061216, 1.009e-07), 43: (0.061253, 9.985e-08), 44: (0.061239, 9.942e-08),
            45: (0.061254, 9.905e-08), 46: (0.061248, 9.892e-08), 47: (0.061252, 9.882e-08),
            48: (0.061267, 9.837e-08), 49: (0.064739, 9.85e-08), 50: (0.064735, 9.831e-08),
            51: (0.064757, 9.812e-08), 52: (0.064759, 9.84e-08), 53: (0.064806, 9.743e-08),
            54: (0.064785, 9.681e-08), 55: (0.064898, 1.334e-07), 56: (0.064232, 1.448e-07), 57: (0.0656, 1.489e-07),
            58: (0.065797, 1.463e-07), 59: (0.066122, 1.434e-07), 60: (0.066244, 1.411e-07),
            61: (0.066365, 1.388e-07), 62: (0.066419, 1.365e-07), 63: (0.066452, 1.342e-07),
            64: (0.066452, 1.323e-07)},
        # the same as a line (rmse 2.4 ms, largest error 9%): used when a scenario gives decode_step_s beside the profile
        "decode_step_s": {"base": 0.054816, "per_sequence": 0.00018831, "per_context_token": 1.1853e-7},
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
        "(microsoft/vidur commit 7d47513, MIT licence; random forests trained on one point of its grid, see "
        "tests/data/vidur/README.md): decode step by batch size and context, prefill by prompt length, prefill "
        "attention per token pair and its kernel's floor; KV cache from Vidur's memory planner; tests/data/vidur/ "
        "holds Vidur's answers it is checked against."),
    "llama2-70b-dgx-h100-splitwise": (
        "Llama-2-70B on a DGX-H100 (8 GPUs, TP8), SplitwiseSim's profile: prefill 2,048 tokens in about "
        "137 ms (about 15k tokens/s), decode step about 30 ms at batch 1 and about 50 ms at batch 64; no KV "
        "limit given (the batch cap bounds memory)."),
}


def profile_names() -> list[str]:
    return sorted(PROFILES)


def with_profile(data: dict[str, Any]) -> dict[str, Any]:
    """The profile's fields, overridden by the ones given beside `profile` (decode_step_s key by key; given,
    it replaces the profile's decode table)."""
    name = data["profile"]
    if name not in PROFILES:
        close = difflib.get_close_matches(str(name), PROFILES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown profile {name!r}{hint}; choose one of: {', '.join(profile_names())}")
    merged = copy.deepcopy(PROFILES[name])
    if "decode_step_s" in data and "decode_step_s_by_batch" not in data:
        merged.pop("decode_step_s_by_batch", None)  # a decode step given beside the profile replaces its table
    for key, value in data.items():
        if key == "decode_step_s" and isinstance(value, dict):
            merged["decode_step_s"] = {**merged.get("decode_step_s", {}), **value}
        elif key == "prefill_tokens_per_s" and "prefill_s_by_tokens" not in data:
            merged[key] = value
            merged.pop("prefill_s_by_tokens", None)  # a rate given beside the profile replaces its table
        else:
            merged[key] = value
    return merged
