"""Per vendor: calls at every edge, reported as the vendor's API reports them, billed by tokenecon
and by the published rule (prices typed in here from the vendors' pages, not read from the
catalog). Edges: time-of-use window starts and ends, context-tier thresholds t and t + 1, every
cache class, reasoning, thinking mode, and month ends in the vendor's time zone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import tokenecon

from ..conftest import scenario_dict
from .conftest import M, check_bill, per_million as pm, replay, utc


def test_openai_reasoning_inside_completion_and_cached_prompts(tmp_path):
    # o4-mini: input 1.10, cached input 0.275, output 4.40 per 1M; reasoning tokens are output tokens
    calls = [
        ("2026-01-31T23:59:58Z", {"prompt_tokens": 1000, "completion_tokens": 10}),
        ("2026-02-01T00:00:01Z", {"prompt_tokens": 2048, "completion_tokens": 700,
                                  "prompt_tokens_details": {"cached_tokens": 1024},
                                  "completion_tokens_details": {"reasoning_tokens": 600}}),
        ("2026-02-01T00:00:02Z", {"prompt_tokens": 1025, "completion_tokens": 3,
                                  "prompt_tokens_details": {"cached_tokens": 1025},
                                  "completion_tokens_details": {"reasoning_tokens": 0}}),
    ]
    result = replay(tmp_path, "catalog:openai/o4-mini", "USD", calls)

    def rule(prompt, cached, completion):
        return pm(prompt - cached, "1.10") + pm(cached, "0.275") + pm(completion, "4.40")

    check_bill(result, [rule(1000, 0, 10), rule(2048, 1024, 700), rule(1025, 1025, 3)],
               [(1000, 0, 0, 10, 0), (2048, 1024, 0, 100, 600), (1025, 1025, 0, 3, 0)])


def test_anthropic_cache_classes_and_the_200k_threshold(tmp_path):
    # Sonnet 4: input 3, 5-min write 3.75, 1-h write 6, read 0.30, output 15; a request over 200K
    # input tokens (uncached + reads + writes) is billed whole at 6 / 7.50 / 12 / 0.60 / 22.50
    def usage(plain, read, short, long, out):
        return {"input_tokens": plain, "cache_read_input_tokens": read,
                "cache_creation_input_tokens": short + long,
                "cache_creation": {"ephemeral_5m_input_tokens": short, "ephemeral_1h_input_tokens": long},
                "output_tokens": out}

    calls = [("2026-03-02T10:00:00Z", usage(50, 10_000, 400, 600, 300)),
             ("2026-03-02T10:00:01Z", usage(1_000, 150_000, 40_000, 9_000, 20)),   # exactly 200,000
             ("2026-03-02T10:00:02Z", usage(1_001, 150_000, 40_000, 9_000, 20)),   # 200,001
             ("2026-03-02T10:00:03Z", usage(7, 0, 0, 0, 1))]
    low = ("3", "0.30", "3.75", "6", "15")
    high = ("6", "0.60", "7.50", "12", "22.50")

    def rule(plain, read, short, long, out):
        p = low if plain + read + short + long <= 200_000 else high
        return pm(plain, p[0]) + pm(read, p[1]) + pm(short, p[2]) + pm(long, p[3]) + pm(out, p[4])

    expected = [rule(50, 10_000, 400, 600, 300), rule(1_000, 150_000, 40_000, 9_000, 20),
                rule(1_001, 150_000, 40_000, 9_000, 20), rule(7, 0, 0, 0, 1)]
    assert expected[2] > Fraction(19, 10) * expected[1]  # the threshold bites
    result = replay(tmp_path, "catalog:anthropic/claude-sonnet-4", "USD", calls)
    check_bill(result, expected, [(11_050, 10_000, 1_000, 300, 0), (200_000, 150_000, 49_000, 20, 0),
                                  (200_001, 150_000, 49_000, 20, 0), (7, 0, 0, 1, 0)],
               [(600, 0), (9_000, 0), (9_000, 0), (0, 0)])


def test_deepseek_off_peak_edges_and_beijing_month_end(tmp_path):
    # deepseek-reasoner from 2025-02-26: cache hit 0.14, miss 0.55, output 2.19 (chain of thought is
    # output); off-peak UTC 16:30-00:30: 0.035 / 0.135 / 0.55. Invoices by Beijing calendar month.
    def usage(hit, miss, completion, reasoning):
        return {"prompt_tokens": hit + miss, "prompt_cache_hit_tokens": hit, "prompt_cache_miss_tokens": miss,
                "completion_tokens": completion, "completion_tokens_details": {"reasoning_tokens": reasoning}}

    calls = [("2025-03-31T15:59:58Z", usage(0, 100, 2, 0)),           # 23:59:58 Beijing: March
             ("2025-03-31T16:00:01Z", usage(0, 100, 2, 0)),           # 00:00:01 Beijing: April
             ("2025-03-31T16:29:59.999Z", usage(640, 260, 1500, 1200)),  # last peak instant
             ("2025-03-31T16:30:00Z", usage(640, 260, 1500, 1200)),      # first off-peak instant
             ("2025-04-01T00:29:59Z", usage(64, 36, 50, 40)),            # last off-peak second
             ("2025-04-01T00:30:00Z", usage(64, 36, 50, 40))]            # peak again
    peak, off = ("0.14", "0.55", "2.19"), ("0.035", "0.135", "0.55")

    def rule(at, hit, miss, completion):
        hh, mm = int(at[11:13]), int(at[14:16])
        minute = hh * 60 + mm
        p = off if minute >= 16 * 60 + 30 or minute < 30 else peak
        return pm(hit, p[0]) + pm(miss, p[1]) + pm(completion, p[2])

    expected = [rule(calls[0][0], 0, 100, 2), rule(calls[1][0], 0, 100, 2), rule(calls[2][0], 640, 260, 1500),
                rule(calls[3][0], 640, 260, 1500), rule(calls[4][0], 64, 36, 50), rule(calls[5][0], 64, 36, 50)]
    assert expected[2] > 3 * expected[3]  # off-peak R1 is 75% off
    result = replay(tmp_path, "catalog:deepseek/deepseek-reasoner@2025-03-01", "USD", calls, tz="Asia/Shanghai")
    check_bill(result, expected, [(100, 0, 0, 2, 0), (100, 0, 0, 2, 0), (900, 640, 0, 300, 1200),
                                  (900, 640, 0, 300, 1200), (100, 64, 0, 10, 40), (100, 64, 0, 10, 40)])
    assert set(result.invoices["period_start"].str[:7]) == {"2025-03", "2025-04"}


def test_gemini_thoughts_apart_from_candidates_and_the_200k_prompt(tmp_path):
    # Gemini 2.5 Pro: prompt <= 200K: input 1.25, cached 0.125, output (thoughts included) 10;
    # above: 2.50 / 0.25 / 15, the whole request
    def usage(prompt, cached, candidates, thoughts):
        return {"promptTokenCount": prompt, "cachedContentTokenCount": cached, "candidatesTokenCount": candidates,
                "thoughtsTokenCount": thoughts, "totalTokenCount": prompt + candidates + thoughts}

    calls = [("2026-03-02T08:00:00Z", usage(200_000, 100_000, 100, 900)),
             ("2026-03-02T08:00:01Z", usage(200_001, 100_000, 100, 900)),
             ("2026-03-02T08:00:02Z", usage(5_000, 0, 30, 0))]

    def rule(prompt, cached, candidates, thoughts):
        p = ("1.25", "0.125", "10") if prompt <= 200_000 else ("2.50", "0.25", "15")
        return pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(candidates + thoughts, p[2])

    result = replay(tmp_path, "catalog:google/gemini-2.5-pro", "USD", calls, usage_key="usageMetadata")
    check_bill(result, [rule(200_000, 100_000, 100, 900), rule(200_001, 100_000, 100, 900), rule(5_000, 0, 30, 0)],
               [(200_000, 100_000, 0, 100, 900), (200_001, 100_000, 0, 100, 900), (5_000, 0, 0, 30, 0)])


def test_qwen_thinking_mode_tiers_and_implicit_cache_hits(tmp_path):
    # qwen-plus (CNY): the request's input picks the tier, the whole request is billed at it:
    # (0, 128K] 0.8 / 2 (thinking 8); (128K, 256K] 2.4 / 20 (24); (256K, 1M] 4.8 / 48 (64);
    # implicit-cache hits at 20% of input. A thinking call bills answer and reasoning at the thinking price.
    def usage(prompt, cached, completion, reasoning):
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "prompt_tokens_details": {"cached_tokens": cached},
                "completion_tokens_details": {"reasoning_tokens": reasoning}}

    sizes = [(128_000, 0, 100, 0), (128_000, 64_000, 100, 80), (128_001, 0, 100, 80), (256_000, 0, 10, 0),
             (256_001, 100_000, 10, 5), (1_000, 0, 300, 0)]
    calls = [(f"2026-03-31T15:5{k}:00Z", usage(*s)) for k, s in enumerate(sizes)]  # Beijing 23:50-23:55

    def rule(prompt, cached, completion, reasoning):
        tier = [("0.8", "2", "8"), ("2.4", "20", "24"), ("4.8", "48", "64")][
            0 if prompt <= 128_000 else 1 if prompt <= 256_000 else 2]
        inp = Fraction(tier[0])
        out = pm(completion, tier[2]) if reasoning else pm(completion, tier[1])
        return (prompt - cached) * inp / 10**6 + cached * inp / 5 / 10**6 + out

    expected = [rule(*s) for s in sizes]
    result = replay(tmp_path, "catalog:alibaba/qwen-plus", "CNY", calls, tz="Asia/Shanghai", usage_format="qwen")
    check_bill(result, expected, [(p, c, 0, out - r, r) for p, c, out, r in sizes])


def test_deepseek_cache_writes_are_cache_misses_at_the_window_input_price():
    # DeepSeek's cache is automatic and charges no write: a prompt token written to the cache is a
    # cache miss, at the miss price of the request's window (R1: 0.55 peak, 0.135 off-peak UTC
    # 16:30-00:30), never 1.25x input. Writes arise from a scenario's cache_write_ratio.
    data = scenario_dict(start="2025-03-31T14:30:00+00:00", duration="4h")  # 2 h peak, then 2 h off-peak
    data["providers"][0]["price"] = "catalog:deepseek/deepseek-reasoner@2025-03-01"
    data["customers"][0].update(cache_hit_ratio=0.3, cache_write_ratio=0.5, arrivals={"type": "poisson",
                                                                                      "rate": "0.05/s"},
                                reasoning_tokens={"type": "fixed", "value": 40})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    r = result.requests[result.requests["status"] == "completed"]
    assert (r["cache_write_tokens"] > 0).sum() > 100
    start = utc("2025-03-31T14:30:00Z")
    seen = set()
    for at, inp, hit, out, think, charge in zip(r["arrival_s"], r["input_tokens"], r["cached_input_tokens"],
                                                r["output_tokens"], r["reasoning_tokens"], r["charge_exact"]):
        local = start + timedelta(seconds=float(at))
        minute = local.hour * 60 + local.minute
        off = minute >= 16 * 60 + 30 or minute < 30
        seen.add(off)
        hit_p, miss_p, out_p = ("0.035", "0.135", "0.55") if off else ("0.14", "0.55", "2.19")
        assert Fraction(Decimal(charge)) == pm(hit, hit_p) + pm(inp - hit, miss_p) + pm(out + think, out_p)
    assert seen == {False, True}
    writes = result.ledger[result.ledger["component"] == "cache_write"]
    assert set(writes["unit_price_per_1m_exact"].map(Decimal)) == {Decimal("0.55"), Decimal("0.135")}


def test_qwen_explicit_cache_hits_and_writes_apart_from_implicit_hits(tmp_path):
    # Alibaba Model Studio context cache (qwen-plus, CNY): explicit and implicit cache are exclusive
    # per call. Explicit (the call's prompt_tokens_details has cache_type: ephemeral): writes 125%
    # of the tier's input price, hits 10%; implicit hits 20%; the rest at the tier's input price.
    def usage(prompt, cached, writes, completion, explicit):
        details = {"cached_tokens": cached}
        if explicit:
            details |= {"cache_creation_input_tokens": writes, "cache_creation": {"ephemeral_5m_input_tokens": writes},
                        "cache_type": "ephemeral"}
        return {"prompt_tokens": prompt, "completion_tokens": completion, "prompt_tokens_details": details}

    calls_spec = [(1_618, 0, 1_605, 104, True),          # creates the explicit cache
                  (1_620, 1_605, 0, 98, True),           # explicit hit
                  (1_620, 1_605, 0, 98, False),          # implicit hit, same size
                  (128_000, 100_000, 27_000, 5, True),   # hit + incremental write at the tier edge t
                  (128_001, 100_000, 27_000, 5, True),   # t + 1: the second tier's prices
                  (300_000, 250_000, 0, 7, False)]       # implicit, third tier
    calls = [(f"2026-03-02T0{k}:00:00Z", usage(*s)) for k, s in enumerate(calls_spec)]

    def rule(prompt, cached, writes, completion, explicit):
        inp, out = [("0.8", "2"), ("2.4", "20"), ("4.8", "48")][0 if prompt <= 128_000 else 1 if prompt <= 256_000
                                                                 else 2]
        price = Fraction(inp) / M
        hit = Fraction(1, 10) if explicit else Fraction(1, 5)
        return ((prompt - cached - writes) * price + cached * hit * price + writes * Fraction(5, 4) * price
                + pm(completion, out))

    expected = [rule(*s) for s in calls_spec]
    assert expected[1] < expected[2]  # the explicit hit is the cheaper one
    result = replay(tmp_path, "catalog:alibaba/qwen-plus", "CNY", calls, usage_format="qwen")
    check_bill(result, expected, [(p, c, w, out, 0) for p, c, w, out, _ in calls_spec],
               [(0, c if explicit else 0) for _, c, _, _, explicit in calls_spec])
    lines = result.ledger.groupby("component")["quantity"].sum()
    assert lines["cached_input_explicit"] == 1_605 + 200_000 and lines["cached_input"] == 1_605 + 250_000
