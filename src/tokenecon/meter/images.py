"""Image input tokens from image sizes.

- OpenAI (GPT-4o / 4.1 vision, "high" detail): scale to fit within 2048 x 2048, then so the
  shortest side is at most 768 px; count 512 px tiles; tokens = 85 + 170 x tiles. "low" detail: 85.
  (1024 x 1024 -> 765 tokens; 2048 x 4096 -> 1,105 tokens.)
- Qwen-VL (Alibaba Bailian): one token per 28 x 28 pixels after rounding each side to a multiple
  of 28, at least 4 and at most 1,280 tokens per image (the default pixel budget; images beyond
  it are scaled down).
"""

from __future__ import annotations

import math

__all__ = ["openai_image_tokens", "qwen_image_tokens"]


def openai_image_tokens(width: int, height: int, detail: str = "high") -> int:
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive (got {width}x{height})")
    if detail == "low":
        return 85
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def qwen_image_tokens(width: int, height: int, *, min_tokens: int = 4, max_tokens: int = 1280) -> int:
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive (got {width}x{height})")
    w, h = max(28, round(width / 28) * 28), max(28, round(height / 28) * 28)
    if w * h > max_tokens * 784:
        beta = math.sqrt(width * height / (max_tokens * 784))
        w, h = max(28, math.floor(width / beta / 28) * 28), max(28, math.floor(height / beta / 28) * 28)
    return max(min_tokens, (w // 28) * (h // 28))
