"""Seeded random calls per vendor, many at the tier edges, billed by tokenecon and by the published
rule (prices typed in from the vendors' pages): every request, ledger line and invoice equal."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from .conftest import check_bill, per_million as pm, replay

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
    return usage, charge, (total, read, writes, out, 0)


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


VENDORS = {  # catalog entry, currency, time zone, day, call generator
    "openai": ("catalog:openai/gpt-5.4", "USD", "UTC", "2026-03-02", _openai),
    "anthropic": ("catalog:anthropic/claude-sonnet-4", "USD", "UTC", "2026-03-02", _anthropic),
    "gemini": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02", _gemini),
    "deepseek": ("catalog:deepseek/deepseek-reasoner@2025-03-01", "USD", "Asia/Shanghai", "2025-03-31", _deepseek),
}


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_random_calls_at_the_edges(tmp_path, vendor):
    price, currency, tz, day, make = VENDORS[vendor]
    rng = random.Random(f"tokenecon-{vendor}")
    midnight = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    edges = {midnight + timedelta(hours=h, minutes=m, seconds=s)  # the DeepSeek window and the Beijing month end
             for h, m, s in [(15, 59, 59.999), (16, 0, 0), (16, 29, 59.999), (16, 30, 0), (24, 29, 59.999), (24, 30, 0)]}
    while len(edges) < N:
        edges.add(midnight + timedelta(milliseconds=rng.randint(0, 23 * 3600 * 1000)))
    calls, expected, classes = [], [], []
    for at in sorted(edges):
        usage, charge, parts = make(rng, at)
        calls.append((at.isoformat().replace("+00:00", "Z"), usage))
        expected.append(charge)
        classes.append(parts)
    result = replay(tmp_path, price, currency, calls, tz=tz, duration="2d",
                    usage_key="usageMetadata" if vendor == "gemini" else "usage")
    check_bill(result, expected, classes)
