"""What each vendor's reported ``usage`` means, read into one form: every token in exactly one class.

tokenecon's own form (`TokenUsage`): ``input`` is every prompt token (uncached + cache reads +
cache writes), ``cached_input`` the cache reads, ``cache_write`` / ``cache_write_1h`` the cache
writes by TTL, ``output`` the visible answer and ``reasoning`` the hidden chain of thought
(decoded and billed, never inside ``output``). Vendors count differently:

| format | vendor / API | input | cached | cache writes | output | reasoning |
|---|---|---|---|---|---|---|
| `openai_chat` | OpenAI Chat Completions (also vLLM, Azure, OpenRouter) | `prompt_tokens` (includes cached) | `prompt_tokens_details.cached_tokens` | - | `completion_tokens` minus reasoning | `completion_tokens_details.reasoning_tokens` (inside `completion_tokens`) |
| `openai_responses` | OpenAI Responses API | `input_tokens` (includes cached) | `input_tokens_details.cached_tokens` | - | `output_tokens` minus reasoning | `output_tokens_details.reasoning_tokens` (inside `output_tokens`) |
| `anthropic` | Anthropic Messages | `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens` (`input_tokens` excludes both) | `cache_read_input_tokens` | `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens` (all 5-min when only `cache_creation_input_tokens` is given) | `output_tokens` (thinking included, not reported apart) | 0 |
| `deepseek` | DeepSeek | `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` (= `prompt_tokens`) | `prompt_cache_hit_tokens` | - | `completion_tokens` minus reasoning | `completion_tokens_details.reasoning_tokens` (inside `completion_tokens`) |
| `gemini` | Google Gemini `usageMetadata` | `promptTokenCount` (includes cached) + `toolUsePromptTokenCount` | `cachedContentTokenCount` | - | `candidatesTokenCount` (excludes thoughts) | `thoughtsTokenCount` (apart from candidates) |
| `qwen` | Alibaba Model Studio / DashScope (OpenAI-compatible or native) | `prompt_tokens` or `input_tokens` (includes cached and cache writes) | `prompt_tokens_details.cached_tokens` (explicit-cache hits when `cache_type: ephemeral` or with cache writes) | `prompt_tokens_details.cache_creation_input_tokens` (5-min, explicit cache) | `completion_tokens` / `output_tokens` minus reasoning | `completion_tokens_details` / `output_tokens_details.reasoning_tokens` (inside the completion) |

`auto` picks the format from the keys present (`detect`). tokenecon's flat aliases
``cached_tokens`` and ``reasoning_tokens`` next to ``prompt_tokens`` are read as `openai_chat`.
The meter's audit and trace replay both read usage through `read_usage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .errors import InputDataError

__all__ = ["TokenUsage", "USAGE_FORMATS", "read_usage", "detect", "usage_object"]


@dataclass(frozen=True)
class TokenUsage:
    """One request's reported usage in tokenecon's classes. ``None``: the vendor did not report it."""

    format: str
    input: int | None
    output: int | None
    cached_input: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0
    cached_explicit: int = 0  # the explicit-cache hits among cached_input (Qwen prices them apart)

    @property
    def completion(self) -> int | None:
        """Every generated token (answer + reasoning): what the vendor bills as output."""
        return None if self.output is None else self.output + self.reasoning


class _Fields:
    """Reads whole-number fields by dotted path, naming the path in errors."""

    def __init__(self, raw: dict, where: str):
        self.raw, self.where = raw, where

    def get(self, path: str) -> int | None:
        value: object = self.raw
        for part in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**15:
            shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:40]}..."
            raise InputDataError(f"{self.where}: usage.{path} must be a whole number >= 0 and <= 10^15 (got {shown})")
        return value

    def first(self, *paths: str) -> int | None:
        for path in paths:
            value = self.get(path)
            if value is not None:
                return value
        return None

    def part_of(self, part: int, part_name: str, whole: int | None, whole_name: str) -> None:
        if whole is not None and part > whole:
            raise InputDataError(f"{self.where}: usage.{part_name} ({part}) exceeds usage.{whole_name} ({whole})")


def _inclusive(f: _Fields, fmt: str, prompt: str, completion: str, cached: str, reasoning: str,
               writes: str | None = None) -> TokenUsage:
    """Usage whose prompt count includes the cached tokens and whose completion includes reasoning."""
    total_in, total_out = f.get(prompt), f.get(completion)
    hit, think = f.get(cached) or 0, f.get(reasoning) or 0
    write = (f.get(writes) or 0) if writes else 0
    f.part_of(hit + write, cached if not write else f"{cached} + {writes}", total_in, prompt)
    f.part_of(think, reasoning, total_out, completion)
    return TokenUsage(fmt, total_in, None if total_out is None else total_out - think, hit, write, 0, think)


def _openai_chat(f: _Fields) -> TokenUsage:
    usage = _inclusive(f, "openai_chat", "prompt_tokens", "completion_tokens", "prompt_tokens_details.cached_tokens",
                       "completion_tokens_details.reasoning_tokens")
    flat_hit, flat_think = f.get("cached_tokens"), f.get("reasoning_tokens")  # tokenecon's flat aliases
    if flat_hit is None and flat_think is None:
        return usage
    hit = usage.cached_input if flat_hit is None else flat_hit
    think = usage.reasoning if flat_think is None else flat_think
    f.part_of(hit, "cached_tokens", usage.input, "prompt_tokens")
    completion = usage.completion
    f.part_of(think, "reasoning_tokens", completion, "completion_tokens")
    return TokenUsage("openai_chat", usage.input, None if completion is None else completion - think, hit, 0, 0, think)


def _openai_responses(f: _Fields) -> TokenUsage:
    return _inclusive(f, "openai_responses", "input_tokens", "output_tokens", "input_tokens_details.cached_tokens",
                      "output_tokens_details.reasoning_tokens")


def _anthropic(f: _Fields) -> TokenUsage:
    plain, output = f.get("input_tokens"), f.get("output_tokens")
    read = f.get("cache_read_input_tokens") or 0
    created = f.get("cache_creation_input_tokens")
    short, long = f.get("cache_creation.ephemeral_5m_input_tokens"), f.get("cache_creation.ephemeral_1h_input_tokens")
    if short is None and long is None:
        short, long = created or 0, 0
    short, long = short or 0, long or 0
    if created is not None and created != short + long:
        raise InputDataError(f"{f.where}: usage.cache_creation_input_tokens ({created}) is not the sum of "
                             f"cache_creation.ephemeral_5m_input_tokens and ephemeral_1h_input_tokens ({short + long})")
    total = None if plain is None else plain + read + short + long
    return TokenUsage("anthropic", total, output, read, short, long, 0)


def _deepseek(f: _Fields) -> TokenUsage:
    hit, miss, prompt = f.get("prompt_cache_hit_tokens"), f.get("prompt_cache_miss_tokens"), f.get("prompt_tokens")
    if hit is not None and miss is not None:
        if prompt is not None and prompt != hit + miss:
            raise InputDataError(f"{f.where}: usage.prompt_tokens ({prompt}) is not prompt_cache_hit_tokens + "
                                 f"prompt_cache_miss_tokens ({hit + miss})")
        prompt = hit + miss
    elif hit is not None and prompt is None:
        raise InputDataError(f"{f.where}: usage.prompt_cache_hit_tokens without prompt_tokens or "
                             f"prompt_cache_miss_tokens")
    hit = hit if hit is not None else (prompt - miss if miss is not None and prompt is not None else 0)
    f.part_of(hit, "prompt_cache_hit_tokens", prompt, "prompt_tokens")
    completion, think = f.get("completion_tokens"), f.get("completion_tokens_details.reasoning_tokens") or 0
    f.part_of(think, "completion_tokens_details.reasoning_tokens", completion, "completion_tokens")
    return TokenUsage("deepseek", prompt, None if completion is None else completion - think, hit, 0, 0, think)


def _gemini(f: _Fields) -> TokenUsage:
    prompt = f.first("promptTokenCount", "prompt_token_count")
    tools = f.first("toolUsePromptTokenCount", "tool_use_prompt_token_count") or 0
    cached = f.first("cachedContentTokenCount", "cached_content_token_count") or 0
    f.part_of(cached, "cachedContentTokenCount", prompt, "promptTokenCount")
    output = f.first("candidatesTokenCount", "candidates_token_count")
    thoughts = f.first("thoughtsTokenCount", "thoughts_token_count") or 0
    if output is None and prompt is not None and f.first("totalTokenCount", "total_token_count") is not None:
        output = 0  # a response with no candidates (e.g. blocked): nothing but the prompt and thoughts
    return TokenUsage("gemini", None if prompt is None else prompt + tools, output, cached, 0, 0, thoughts)


def _qwen(f: _Fields) -> TokenUsage:
    """Explicit and implicit cache are exclusive per call: a call whose ``prompt_tokens_details``
    has ``cache_type: ephemeral`` or cache writes used the explicit cache, and its hits are
    explicit-cache hits (10% of input; implicit hits 20%)."""
    if f.get("prompt_tokens") is not None or f.get("completion_tokens") is not None:
        usage = _inclusive(f, "qwen", "prompt_tokens", "completion_tokens", "prompt_tokens_details.cached_tokens",
                           "completion_tokens_details.reasoning_tokens",
                           "prompt_tokens_details.cache_creation_input_tokens")
    else:
        cached = "prompt_tokens_details.cached_tokens" if f.get("prompt_tokens_details.cached_tokens") is not None \
            else "input_tokens_details.cached_tokens"
        usage = _inclusive(f, "qwen", "input_tokens", "output_tokens", cached, "output_tokens_details.reasoning_tokens",
                           "prompt_tokens_details.cache_creation_input_tokens")
    details = f.raw.get("prompt_tokens_details")
    explicit = isinstance(details, dict) and details.get("cache_type") == "ephemeral"
    if explicit or usage.cache_write:
        return replace(usage, cached_explicit=usage.cached_input)
    return usage


@dataclass(frozen=True)
class UsageFormat:
    name: str
    vendor: str
    read: Callable[[_Fields], TokenUsage]


USAGE_FORMATS: dict[str, UsageFormat] = {f.name: f for f in (
    UsageFormat("openai_chat", "OpenAI Chat Completions", _openai_chat),
    UsageFormat("openai_responses", "OpenAI Responses API", _openai_responses),
    UsageFormat("anthropic", "Anthropic Messages", _anthropic),
    UsageFormat("deepseek", "DeepSeek", _deepseek),
    UsageFormat("gemini", "Google Gemini", _gemini),
    UsageFormat("qwen", "Alibaba Model Studio (DashScope)", _qwen),
)}

_GEMINI_KEYS = ("promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "cachedContentTokenCount",
                "totalTokenCount", "prompt_token_count", "candidates_token_count")


def detect(raw: dict) -> str:
    """The usage format a usage object's keys reveal."""
    if any(k in raw for k in _GEMINI_KEYS):
        return "gemini"
    if "prompt_cache_hit_tokens" in raw or "prompt_cache_miss_tokens" in raw:
        return "deepseek"
    if "cache_read_input_tokens" in raw or "cache_creation_input_tokens" in raw or "cache_creation" in raw:
        return "anthropic"
    details = raw.get("prompt_tokens_details")
    if isinstance(details, dict) and ("cache_creation_input_tokens" in details or "cache_type" in details):
        return "qwen"
    if "input_tokens" in raw or "output_tokens" in raw:
        return "openai_responses"  # also Anthropic and DashScope-native usage without cache fields: same meaning
    return "openai_chat"


def usage_object(line: dict) -> object:
    """A log line's usage object: ``usage``, or Gemini's ``usageMetadata``."""
    usage = line.get("usage")
    return usage if usage is not None else line.get("usageMetadata", line.get("usage_metadata"))


def read_usage(raw: object, where: str, fmt: str = "auto") -> TokenUsage | None:
    """`raw` (a usage object as the vendor reports it) in tokenecon's classes; None if there is none."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputDataError(f"{where}: 'usage' must be an object")
    name = detect(raw) if fmt == "auto" else fmt
    if name not in USAGE_FORMATS:
        raise InputDataError(f"{where}: unknown usage format '{fmt}' (known: auto, {', '.join(USAGE_FORMATS)})")
    return USAGE_FORMATS[name].read(_Fields(raw, where))
