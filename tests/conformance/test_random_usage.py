"""Seeded random calls per vendor, many at the tier edges, billed by tokenecon and by the published
rule (prices typed in from the vendors' pages): every request, ledger line and invoice equal."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from .conftest import M, check_bill, per_million as pm, replay

N = 40


def _size(rng, edge, high):
    pick = rng.random()
    if pick < 0.35:
        return rng.randint(edge - 3, edge + 3)
    if pick < 0.45:
        return rng.choice([1, 1023, 1024, 1025])
    return rng.randint(1, 20_000) if pick < 0.75 else rng.randint(1, high)


def _part(rng, whole, none=0.3, every=0.1):
    pick = rng.random()
    return 0 if pick < none else whole if pick < none + every else rng.randint(0, whole)


def _openai(rng, at):  # gpt-5.4: up to 272K input 2.50 / 0.25 / 15, above it the whole request 5 / 0.50 / 22.50
    prompt, completion = _size(rng, 272_000, 400_000), rng.randint(1, 30_000)
    cached, reasoning = _part(rng, prompt), _part(rng, completion, 0.4, 0.05)
    p = ("2.50", "0.25", "15") if prompt <= 272_000 else ("5", "0.50", "22.50")
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
    return usage, pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(completion, p[2]), \
        (prompt, cached, 0, completion - reasoning, reasoning)


def _anthropic(rng, at):  # Sonnet 4: over 200K input (plain + reads + writes) the whole request at the higher rates
    total, out = _size(rng, 200_000, 400_000), rng.randint(1, 30_000)
    read = _part(rng, total, 0.3, 0.05)
    writes = _part(rng, total - read)
    long = _part(rng, writes, 0.4, 0.2)
    short, plain = writes - long, total - read - writes
    p = ("3", "0.30", "3.75", "6", "15") if total <= 200_000 else ("6", "0.60", "7.50", "12", "22.50")
    usage = {"input_tokens": plain, "cache_read_input_tokens": read, "cache_creation_input_tokens": writes,
             "cache_creation": {"ephemeral_5m_input_tokens": short, "ephemeral_1h_input_tokens": long},
             "output_tokens": out}
    charge = pm(plain, p[0]) + pm(read, p[1]) + pm(short, p[2]) + pm(long, p[3]) + pm(out, p[4])
    return usage, charge, (total, read, writes, out, 0), (long, 0)


def _gemini(rng, at):  # 2.5 Pro: prompt over 200K: the whole request at 2.50 / 0.25 / 15 instead of 1.25 / 0.125 / 10
    prompt, candidates = _size(rng, 200_000, 1_000_000), rng.randint(1, 20_000)
    cached, thoughts = _part(rng, prompt), _part(rng, rng.randint(0, 30_000), 0.4, 0)
    p = ("1.25", "0.125", "10") if prompt <= 200_000 else ("2.50", "0.25", "15")
    usage = {"promptTokenCount": prompt, "cachedContentTokenCount": cached, "candidatesTokenCount": candidates,
             "thoughtsTokenCount": thoughts, "totalTokenCount": prompt + candidates + thoughts}
    return usage, pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(candidates + thoughts, p[2]), \
        (prompt, cached, 0, candidates, thoughts)


def _deepseek(rng, at):  # R1 from 2025-02-26: 0.14 / 0.55 / 2.19, off-peak (UTC 16:30-00:30) 0.035 / 0.135 / 0.55
    prompt, completion = _size(rng, 64_000, 128_000), rng.randint(1, 30_000)
    hit, reasoning = _part(rng, prompt), _part(rng, completion, 0.5, 0.05)
    minute = at.hour * 60 + at.minute
    p = ("0.035", "0.135", "0.55") if minute >= 16 * 60 + 30 or minute < 30 else ("0.14", "0.55", "2.19")
    usage = {"prompt_tokens": prompt, "prompt_cache_hit_tokens": hit, "prompt_cache_miss_tokens": prompt - hit,
             "completion_tokens": completion, "completion_tokens_details": {"reasoning_tokens": reasoning}}
    return usage, pm(hit, p[0]) + pm(prompt - hit, p[1]) + pm(completion, p[2]), \
        (prompt, hit, 0, completion - reasoning, reasoning)


def _chat(prices, edge=None, high=None, big=150_000):
    """OpenAI-compatible usage (OpenAI, Moonshot, Volcano Engine): prices (input, cached, output);
    over `edge` input tokens the whole request at `high`."""
    def make(rng, at):
        prompt = _size(rng, edge or 1024, big if edge is None else 2 * edge)
        return _chat_call(rng, prompt, prices if edge is None or prompt <= edge else high)
    return make


def _chat_call(rng, prompt, p):
    """One OpenAI-compatible call of `prompt` tokens at prices p = (input, cached, output)."""
    completion = rng.randint(1, 30_000)
    cached, reasoning = _part(rng, prompt), _part(rng, completion, 0.4, 0.05)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion,
             "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
    return usage, pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(completion, p[2]), \
        (prompt, cached, 0, completion - reasoning, reasoning)


def _tiers(edges, prices):
    """The tier of `prompt` among per-request tiers (upper bounds inclusive)."""
    def pick(prompt):
        return next((p for e, p in zip(edges, prices) if prompt <= e), prices[-1])
    return pick


def _claude(prices):  # one price list, no long-context tier: (input, read, 5-min write, 1-h write, output)
    def make(rng, at):
        total, out = _size(rng, 4096, 150_000), rng.randint(1, 30_000)
        read = _part(rng, total, 0.3, 0.05)
        writes = _part(rng, total - read)
        long = _part(rng, writes, 0.4, 0.2)
        short, plain = writes - long, total - read - writes
        usage = {"input_tokens": plain, "cache_read_input_tokens": read, "cache_creation_input_tokens": writes,
                 "cache_creation": {"ephemeral_5m_input_tokens": short, "ephemeral_1h_input_tokens": long},
                 "output_tokens": out}
        charge = pm(plain, prices[0]) + pm(read, prices[1]) + pm(short, prices[2]) + pm(long, prices[3]) \
            + pm(out, prices[4])
        return usage, charge, (total, read, writes, out, 0), (long, 0)
    return make


def _gemini_batch(rng, at):
    # 2.5 Pro in batch: half the input and output prices (0.625 / 5, over 200K 1.25 / 7.50); cache hits at the
    # context-caching price 0.125 (0.25): Google's cache and batch discounts do not stack
    usage, _, parts = _gemini(rng, at)
    prompt, cached, _, candidates, thoughts = parts
    p = ("0.625", "0.125", "5") if prompt <= 200_000 else ("1.25", "0.25", "7.50")
    return usage, pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(candidates + thoughts, p[2]), parts


def _qwen(batch: bool):
    # qwen-plus (CNY): tiers by the request's input (0, 128K] 0.8 / 2 (thinking 8), (128K, 256K] 2.4 / 20 (24),
    # above 4.8 / 48 (64), the whole request at one tier. Standard calls: implicit hits 20% of input; explicit
    # cache (cache_type ephemeral) writes 125%, hits 10%. Batch calls: half price and no cache discount.
    tier = _tiers([128_000, 256_000], [("0.8", "2", "8"), ("2.4", "20", "24"), ("4.8", "48", "64")])

    def make(rng, at):
        prompt = rng.choice([rng.randint(127_997, 128_003), rng.randint(255_997, 256_003), rng.randint(1, 1_000_000),
                             rng.randint(1, 5_000)])
        completion = rng.randint(1, 20_000)
        cached, reasoning = _part(rng, prompt), _part(rng, completion, 0.5, 0.05)
        explicit = not batch and rng.random() < 0.5
        writes = _part(rng, prompt - cached) if explicit else 0
        details = {"cached_tokens": cached}
        if explicit:
            details |= {"cache_creation_input_tokens": writes, "cache_type": "ephemeral"}
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "prompt_tokens_details": details,
                 "completion_tokens_details": {"reasoning_tokens": reasoning}}
        inp, out, thinking = (Fraction(v) / M for v in tier(prompt))
        hit = 1 if batch else Fraction(1, 10) if explicit else Fraction(1, 5)
        charge = (prompt - cached - writes) * inp + cached * hit * inp + writes * Fraction(5, 4) * inp \
            + completion * (thinking if reasoning else out)
        if batch:
            charge /= 2
        return usage, charge, (prompt, cached, writes, completion - reasoning, reasoning), \
            (0, cached if explicit else 0)
    return make


def _gemini_flash(rng, at):  # 2.5 Flash: 0.30 / cached 0.03 / output (thoughts included) 2.50
    usage, _, parts = _gemini(rng, at)
    prompt, cached, _, candidates, thoughts = parts
    return usage, pm(prompt - cached, "0.30") + pm(cached, "0.03") + pm(candidates + thoughts, "2.50"), parts


def _gemini_flash_flex(rng, at):  # 2.5 Flash, flex: 0.15 / 1.25, cache hits at the context-caching price 0.03
    usage, _, parts = _gemini(rng, at)
    prompt, cached, _, candidates, thoughts = parts
    return usage, pm(prompt - cached, "0.15") + pm(cached, "0.03") + pm(candidates + thoughts, "1.25"), parts


def _deepseek_cn_v3(rng, at):  # V3 (yuan) from 2025-02-26: 0.5 / 2 / 8, off-peak (UTC 16:30-00:30) 0.25 / 1 / 4
    usage, _, parts = _deepseek(rng, at)
    prompt, hit, _, _, _ = parts
    minute = at.hour * 60 + at.minute
    p = ("0.25", "1", "4") if minute >= 16 * 60 + 30 or minute < 30 else ("0.5", "2", "8")
    return usage, pm(hit, p[0]) + pm(prompt - hit, p[1]) + pm(usage["completion_tokens"], p[2]), parts


def _flat_deepseek(prices):  # no night discount: (hit, miss, output) at every hour
    def make(rng, at):
        usage, _, parts = _deepseek(rng, at)
        prompt, hit = parts[0], parts[1]
        return usage, pm(hit, prices[0]) + pm(prompt - hit, prices[1]) + pm(usage["completion_tokens"], prices[2]), \
            parts
    return make


def _glm(rng, at):  # GLM-4.5 on Bailian (yuan): (0, 32K] 3 / 14, above 4 / 16, the whole request; no cache price
    prompt, completion = _size(rng, 32_000, 96_000), rng.randint(1, 16_000)
    p = ("3", "14") if prompt <= 32_000 else ("4", "16")
    return {"prompt_tokens": prompt, "completion_tokens": completion}, pm(prompt, p[0]) + pm(completion, p[1]), \
        (prompt, 0, 0, completion, 0)


def _tiered_chat(edges, prices):
    """OpenAI-compatible usage under per-request tiers: prices (input, cached, output) per tier."""
    tier = _tiers(edges, prices)

    def make(rng, at):
        prompt = rng.choice([rng.randint(e - 3, e + 3) for e in edges] + [rng.randint(1, 2 * edges[-1])])
        return _chat_call(rng, prompt, tier(prompt))
    return make


VENDORS = {  # catalog entry, currency, time zone, day, call generator, usage format, service tier
    "openai": ("catalog:openai/gpt-5.4", "USD", "UTC", "2026-03-02", _openai),
    "anthropic": ("catalog:anthropic/claude-sonnet-4", "USD", "UTC", "2026-03-02", _anthropic),
    "gemini": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02", _gemini),
    "deepseek": ("catalog:deepseek/deepseek-reasoner@2025-03-01", "USD", "Asia/Shanghai", "2025-03-31", _deepseek),
    # batch: half price, and the cached batched token half the cached price (the discounts stack)
    "openai-o4-mini-batch": ("catalog:openai/o4-mini", "USD", "UTC", "2026-03-02",
                             _chat(("0.55", "0.1375", "2.20")), "openai_chat", "batch"),
    "openai-gpt-5-flex": ("catalog:openai/gpt-5", "USD", "UTC", "2026-03-02",
                          _chat(("0.625", "0.0625", "5")), "openai_chat", "flex"),
    "openai-gpt-4.1-priority": ("catalog:openai/gpt-4.1", "USD", "UTC", "2026-03-02",
                                _chat(("3.50", "0.875", "14")), "openai_chat", "priority"),
    "openai-gpt-5-mini": ("catalog:openai/gpt-5-mini", "USD", "UTC", "2026-03-02", _chat(("0.25", "0.025", "2"))),
    # Anthropic batch: 50% off every class, cache reads and writes included (combinable with caching)
    "anthropic-haiku-4.5-batch": ("catalog:anthropic/claude-haiku-4.5", "USD", "UTC", "2026-03-02",
                                  _claude(("0.5", "0.05", "0.625", "1", "2.5")), "anthropic", "batch"),
    "anthropic-opus-4.5": ("catalog:anthropic/claude-opus-4.5", "USD", "UTC", "2026-03-02",
                           _claude(("5", "0.50", "6.25", "10", "25")), "anthropic"),
    "anthropic-haiku-3": ("catalog:anthropic/claude-haiku-3", "USD", "UTC", "2026-03-02",
                          _claude(("0.25", "0.03", "0.30", "0.50", "1.25")), "anthropic"),
    "gemini-batch": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02", _gemini_batch, "gemini", "batch"),
    "gemini-flash": ("catalog:google/gemini-2.5-flash", "USD", "UTC", "2026-03-02", _gemini_flash, "gemini"),
    "gemini-flash-flex": ("catalog:google/gemini-2.5-flash", "USD", "UTC", "2026-03-02", _gemini_flash_flex, "gemini",
                          "flex"),
    "deepseek-cn-v3": ("catalog:deepseek-cn/deepseek-chat@2025-03-01", "CNY", "Asia/Shanghai", "2025-03-31",
                       _deepseek_cn_v3, "deepseek"),
    # V3.1 from 2025-09-05: 0.5 / 4 / 12 yuan, the night discount cancelled (calls at 16:30 UTC pay full price)
    "deepseek-cn-v3.1": ("catalog:deepseek-cn/deepseek-chat@2025-09-10", "CNY", "Asia/Shanghai", "2025-09-10",
                         _flat_deepseek(("0.5", "4", "12")), "deepseek"),
    "deepseek-cn-v3.2-reasoner": ("catalog:deepseek-cn/deepseek-reasoner", "CNY", "Asia/Shanghai", "2025-10-06",
                                  _flat_deepseek(("0.2", "2", "3")), "deepseek"),
    "deepseek-v3.2": ("catalog:deepseek/deepseek-chat", "USD", "UTC", "2025-10-06",
                      _flat_deepseek(("0.028", "0.28", "0.42")), "deepseek"),
    "qwen-plus": ("catalog:alibaba/qwen-plus", "CNY", "Asia/Shanghai", "2026-03-02", _qwen(False), "qwen"),
    "qwen-plus-batch": ("catalog:alibaba/qwen-plus", "CNY", "Asia/Shanghai", "2026-03-02", _qwen(True), "qwen", "batch"),
    "qwen3-max": ("catalog:alibaba/qwen3-max", "CNY", "Asia/Shanghai", "2026-03-02",
                  _tiered_chat([32_000, 128_000], [("2.5", "0.5", "10"), ("4", "0.8", "16"), ("7", "1.4", "28")]),
                  "openai_chat"),
    "doubao-seed-1.6": ("catalog:volcengine/doubao-seed-1.6", "CNY", "Asia/Shanghai", "2026-03-02",
                        _tiered_chat([32_000, 128_000], [("0.80", "0.16", "8"), ("1.20", "0.16", "16"),
                                                         ("2.40", "0.16", "24")]), "openai_chat"),
    "kimi-k2": ("catalog:moonshot/kimi-k2", "CNY", "Asia/Shanghai", "2026-03-02", _chat(("4", "1", "16")), "openai_chat"),
    "glm-4.5": ("catalog:alibaba/glm-4.5", "CNY", "Asia/Shanghai", "2026-03-02", _glm, "openai_chat"),
}


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_random_calls_at_the_edges(tmp_path, vendor):
    price, currency, tz, day, make, *options = VENDORS[vendor]
    usage_format, service_tier = (options + ["auto", "standard"][len(options):])[:2]
    rng = random.Random(f"tokenecon-{vendor}")
    midnight = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    edges = {midnight + timedelta(hours=h, minutes=m, seconds=s)  # the DeepSeek window and the Beijing month end
             for h, m, s in [(15, 59, 59.999), (16, 0, 0), (16, 29, 59.999), (16, 30, 0), (24, 29, 59.999), (24, 30, 0)]}
    while len(edges) < N:
        edges.add(midnight + timedelta(milliseconds=rng.randint(0, 23 * 3600 * 1000)))
    calls, expected, classes, apart = [], [], [], []
    for at in sorted(edges):
        usage, charge, parts, *rest = make(rng, at)
        calls.append((at.isoformat().replace("+00:00", "Z"), usage))
        expected.append(charge)
        classes.append(parts)
        apart.append(rest[0] if rest else (0, 0))
    result = replay(tmp_path, price, currency, calls, tz=tz, duration="2d", usage_format=usage_format,
                    usage_key="usageMetadata" if "gemini" in vendor else "usage", service_tier=service_tier)
    check_bill(result, expected, classes, apart)
