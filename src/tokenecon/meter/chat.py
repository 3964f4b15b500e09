"""Chat-format overhead: the tokens a chat request costs beyond its message texts.

Each family's rule turns a list of messages into (special tokens, text segments); the count is
the number of special tokens plus the ordinary-text tokens of each segment. Special tokens
split the text before the tokenizer's regex runs, so counting segments apart is exact.

- ``openai`` (OpenAI cookbook, "How to count tokens with tiktoken", gpt-3.5-turbo-0613 onwards
  and GPT-4/4o): 3 tokens per message (``<|start|>``, role/name separator, ``<|end|>``), the role
  and content texts, 1 more per ``name``, and 3 to prime the reply (``<|start|>assistant<|message|>``).
- ``qwen`` (ChatML, the Qwen chat template): ``<|im_start|>{role}\\n{content}<|im_end|>\\n`` per
  message and ``<|im_start|>assistant\\n`` to prime the reply. No default system prompt is added.
- ``deepseek`` (DeepSeek-V3/V4 chat template): ``<｜begin▁of▁sentence｜>`` then the system text,
  ``<｜User｜>{content}`` per user message, ``<｜Assistant｜>{content}<｜end▁of▁sentence｜>`` per
  assistant message, and ``<｜Assistant｜>`` to prime the reply.
- ``heuristic``: the message texts only (the estimate knows no template).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputDataError

__all__ = ["chat_segments"]


def _text(message: dict, key: str) -> str:
    value = message.get(key, "")
    if value is None:
        return ""
    if isinstance(value, list):  # content parts: count the text parts (images are counted apart)
        return "".join(part.get("text", "") for part in value if isinstance(part, dict) and part.get("type") == "text")
    if not isinstance(value, str):
        raise InputDataError(f"message field '{key}' must be text (got {type(value).__name__})")
    return value


def chat_segments(family: str, messages: Sequence[dict]) -> tuple[int, list[str]]:
    """(number of special/fixed tokens, text segments to count) for a chat prompt."""
    if family == "openai":
        fixed, segments = 3, []
        for m in messages:
            fixed += 3
            segments.append(_text(m, "role"))
            segments.append(_text(m, "content"))
            if m.get("name"):
                fixed += 1
                segments.append(_text(m, "name"))
        return fixed, segments
    if family == "qwen":
        fixed, segments = 1, ["assistant\n"]
        for m in messages:
            fixed += 2
            segments.append(f"{_text(m, 'role')}\n{_text(m, 'content')}")
            segments.append("\n")
        return fixed, segments
    if family == "deepseek":
        fixed, segments = 2, []  # BOS and the reply-priming <｜Assistant｜>
        for m in messages:
            role = _text(m, "role")
            if role == "system":
                segments.append(_text(m, "content"))
            elif role == "assistant":
                fixed += 2
                segments.append(_text(m, "content"))
            else:
                fixed += 1
                segments.append(_text(m, "content"))
        return fixed, segments
    return 0, [_text(m, "content") for m in messages]
