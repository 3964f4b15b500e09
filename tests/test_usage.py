"""Vendor usage semantics: every reported token lands in exactly one class, in replay and audit alike."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pandas as pd
import pytest

import tokenecon
from tokenecon.errors import InputDataError
from tokenecon.meter import Meter
from tokenecon.usage import USAGE_FORMATS, TokenUsage, detect, read_usage

from .conftest import run_cli, scenario_dict

# (format, the usage object as the vendor's API returns it, the classes it means)
CASES = [
    ("openai_chat", {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                     "prompt_tokens_details": {"cached_tokens": 1024},
                     "completion_tokens_details": {"reasoning_tokens": 256}},
     TokenUsage("openai_chat", 1200, 44, cached_input=1024, reasoning=256)),
    ("openai_chat", {"prompt_tokens": 10, "completion_tokens": 7, "cached_tokens": 4, "reasoning_tokens": 2},
     TokenUsage("openai_chat", 10, 5, cached_input=4, reasoning=2)),
    ("openai_responses", {"input_tokens": 2000, "output_tokens": 900, "total_tokens": 2900,
                          "input_tokens_details": {"cached_tokens": 1536},
                          "output_tokens_details": {"reasoning_tokens": 640}},
     TokenUsage("openai_responses", 2000, 260, cached_input=1536, reasoning=640)),
    ("anthropic", {"input_tokens": 50, "cache_read_input_tokens": 10000, "cache_creation_input_tokens": 2500,
                   "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 2000},
                   "output_tokens": 400},
     TokenUsage("anthropic", 12550, 400, cached_input=10000, cache_write=500, cache_write_1h=2000)),
    ("anthropic", {"input_tokens": 7, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 3000,
                   "output_tokens": 9},
     TokenUsage("anthropic", 3007, 9, cache_write=3000)),
    ("deepseek", {"prompt_tokens": 900, "completion_tokens": 1500, "prompt_cache_hit_tokens": 640,
                  "prompt_cache_miss_tokens": 260, "completion_tokens_details": {"reasoning_tokens": 1200}},
     TokenUsage("deepseek", 900, 300, cached_input=640, reasoning=1200)),
    ("gemini", {"promptTokenCount": 5000, "cachedContentTokenCount": 4096, "candidatesTokenCount": 120,
                "thoughtsTokenCount": 800, "totalTokenCount": 5920},
     TokenUsage("gemini", 5000, 120, cached_input=4096, reasoning=800)),
    ("qwen", {"prompt_tokens": 3019, "completion_tokens": 104, "total_tokens": 3123,
              "prompt_tokens_details": {"cached_tokens": 2048, "cache_creation_input_tokens": 900},
              "completion_tokens_details": {"reasoning_tokens": 80}},
     TokenUsage("qwen", 3019, 24, cached_input=2048, cache_write=900, reasoning=80, cached_explicit=2048)),
    # Qwen explicit cache (cache_type: ephemeral): hits are explicit-cache hits; without it, implicit
    ("qwen", {"prompt_tokens": 1620, "completion_tokens": 30,
              "prompt_tokens_details": {"cached_tokens": 1605, "cache_creation_input_tokens": 0,
                                        "cache_creation": {"ephemeral_5m_input_tokens": 0},
                                        "cache_type": "ephemeral"}},
     TokenUsage("qwen", 1620, 30, cached_input=1605, cached_explicit=1605)),
    ("qwen", {"prompt_tokens": 1620, "completion_tokens": 30,
              "prompt_tokens_details": {"cached_tokens": 1605, "cache_type": "ephemeral"}},
     TokenUsage("qwen", 1620, 30, cached_input=1605, cached_explicit=1605)),
    ("openai_responses", {"input_tokens": 40, "output_tokens": 500, "total_tokens": 540,  # DashScope native
                          "output_tokens_details": {"reasoning_tokens": 450}},
     TokenUsage("openai_responses", 40, 50, reasoning=450)),
]


@pytest.mark.parametrize("fmt,raw,expected", CASES)
def test_each_vendor_usage_in_one_class_per_token(fmt, raw, expected):
    assert detect(raw) == fmt
    got = read_usage(raw, "log: line 1")
    assert got == expected
    explicit = read_usage(raw, "log: line 1", fmt)
    assert explicit == expected
    # nothing counted twice: input classes partition the prompt, output + reasoning is the completion
    assert got.cached_input + got.cache_write + got.cache_write_1h <= got.input
    total = raw.get("total_tokens", raw.get("totalTokenCount"))
    if total is not None:
        assert got.input + got.output + got.reasoning == total


def test_qwen_native_usage_read_as_qwen():
    raw = {"input_tokens": 100, "output_tokens": 30, "prompt_tokens_details": {"cached_tokens": 64},
           "output_tokens_details": {"reasoning_tokens": 20}}
    assert read_usage(raw, "x", "qwen") == TokenUsage("qwen", 100, 10, cached_input=64, reasoning=20)


@pytest.mark.parametrize("raw,message", [
    ({"prompt_tokens": 5, "completion_tokens": 3, "completion_tokens_details": {"reasoning_tokens": 4}},
     "usage.completion_tokens_details.reasoning_tokens (4) exceeds usage.completion_tokens (3)"),
    ({"prompt_tokens": 5, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 6}},
     "usage.prompt_tokens_details.cached_tokens (6) exceeds usage.prompt_tokens (5)"),
    ({"prompt_tokens": 10, "prompt_cache_hit_tokens": 4, "prompt_cache_miss_tokens": 5, "completion_tokens": 1},
     "usage.prompt_tokens (10) is not prompt_cache_hit_tokens + prompt_cache_miss_tokens (9)"),
    ({"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 5,
      "cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 1}},
     "cache_creation_input_tokens (5) is not the sum"),
    ({"prompt_tokens": -1}, "usage.prompt_tokens must be a whole number >= 0"),
    ({"promptTokenCount": 1.5}, "usage.promptTokenCount must be a whole number"),
])
def test_inconsistent_usage_is_an_error_naming_the_field(raw, message):
    with pytest.raises(InputDataError, match=re.escape(message)):
        read_usage(raw, "log: line 3")


# ---------------------------------------------------------------- replay: billed once, decoded once

def _replay(tmp_path, lines, **arrivals):
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    data = scenario_dict(duration="1h", start="trace")
    data["pricing"] = {"std": {"type": "per_token", "input": 2, "cached_input": "0.5", "output": 8,
                               "reasoning": 8}}
    data["customers"] = [{"name": "r", "arrivals": {"type": "trace", "path": str(path),
                                                    "format": "openai_usage", **arrivals}, "providers": ["p1"]}]
    return tokenecon.run(tokenecon.scenario_from_dict(data))


def test_openai_reasoning_is_billed_once_and_decoded_once(tmp_path):
    usage = {"prompt_tokens": 1000, "completion_tokens": 700, "prompt_tokens_details": {"cached_tokens": 512},
             "completion_tokens_details": {"reasoning_tokens": 600}}
    result = _replay(tmp_path, [{"created": 1_700_000_000, "usage": usage}])
    r = result.requests.iloc[0]
    assert (r["input_tokens"], r["cached_input_tokens"], r["output_tokens"], r["reasoning_tokens"]) == \
        (1000, 512, 100, 600)
    # OpenAI's bill: 488 x 2 + 512 x 0.5 + 700 x 8 per 1M
    assert Decimal(str(r["charge_exact"])) == Decimal("0.006832")
    assert Decimal(result.summary()["revenue"]) == Decimal("0.006832")


def test_anthropic_and_gemini_usage_replay(tmp_path):
    lines = [{"timestamp": "2026-03-02T00:00:01Z", "usage": {
        "input_tokens": 20, "cache_read_input_tokens": 4000, "cache_creation_input_tokens": 1000,
        "cache_creation": {"ephemeral_5m_input_tokens": 400, "ephemeral_1h_input_tokens": 600}, "output_tokens": 50}},
        {"timestamp": "2026-03-02T00:00:02Z", "usageMetadata": {
            "promptTokenCount": 3000, "cachedContentTokenCount": 2048, "candidatesTokenCount": 10,
            "thoughtsTokenCount": 90, "totalTokenCount": 3100}}]
    r = _replay(tmp_path, lines).requests.sort_values("arrival_s")
    assert r["input_tokens"].tolist() == [5020, 3000]
    assert r["cached_input_tokens"].tolist() == [4000, 2048]
    assert r["cache_write_tokens"].tolist() == [1000, 0]
    assert r["output_tokens"].tolist() == [50, 10] and r["reasoning_tokens"].tolist() == [0, 90]
    # 20 x 2 + 4000 x 0.5 + 400 x 2.5 (5-min write) + 600 x 4 (1-h write) + 50 x 8
    assert Decimal(str(r["charge_exact"].iloc[0])) == Decimal(40 + 2000 + 1000 + 2400 + 400) / 10**6


def test_bad_usage_in_a_trace_names_the_line_and_field(tmp_path):
    good = {"created": 1_700_000_000, "usage": {"prompt_tokens": 5, "completion_tokens": 5}}
    bad = {"created": 1_700_000_001, "usage": {"prompt_tokens": 5, "completion_tokens": 2,
                                               "completion_tokens_details": {"reasoning_tokens": 3}}}
    with pytest.raises(InputDataError, match=r"line 2: usage.completion_tokens_details.reasoning_tokens \(3\) "
                                             r"exceeds usage.completion_tokens \(2\); fix it or set skip_bad"):
        _replay(tmp_path, [good, bad])
    assert len(_replay(tmp_path, [good, bad], skip_bad=True).requests) == 1


def test_audit_reads_the_same_table(tmp_path, capsys):
    meter = Meter("o200k_base")
    completion = "The answer is forty-two."
    visible = meter.count(completion)
    prompt = "What is six times seven?"
    metered_in = meter.count_chat([{"role": "user", "content": prompt}])
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}],
                               "completion": completion,
                               "usage": {"prompt_tokens": metered_in, "completion_tokens": visible + 300,
                                         "completion_tokens_details": {"reasoning_tokens": 300}}}) + "\n")
    code, _, err = run_cli(["meter", str(log), "-t", "o200k_base", "--out", str(tmp_path / "m")], capsys)
    assert code == 0, err
    audit = pd.read_csv(tmp_path / "m" / "audit.csv").iloc[0]
    assert audit["verdict"] == "match" and audit["usage_format"] == "openai_chat"
    assert audit["reported_reasoning_tokens"] == 300 and audit["output_difference"] == 0


def test_documented_table_is_the_modules_table():
    from .conftest import ROOT
    import tokenecon.usage

    readme = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    rows = [line for line in tokenecon.usage.__doc__.splitlines() if line.startswith("|")]
    assert "\n".join(rows) in readme
    assert [line.split("|")[1].strip(" `") for line in rows[2:]] == list(USAGE_FORMATS)
