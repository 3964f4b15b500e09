"""A call made at a price window's first instant is billed in that window, whatever time the trace
starts at: trace times are whole nanoseconds, never float Unix seconds (about 0.2 us coarse, which
put a DeepSeek call at 16:30:00.000 UTC back in the peak window for 4 of 12 random trace starts)."""

from __future__ import annotations

import json

import pytest

import tokenecon

from ..conftest import scenario_dict
from .conftest import check_bill, per_million as pm, replay

# deepseek-reasoner from 2025-02-26: cache hit / miss / output 0.14 / 0.55 / 2.19 per 1M,
# off-peak UTC 16:30-00:30 0.035 / 0.135 / 0.55
PEAK, OFF = ("0.14", "0.55", "2.19"), ("0.035", "0.135", "0.55")
USAGE = {"prompt_tokens": 1000, "prompt_cache_hit_tokens": 200, "prompt_cache_miss_tokens": 800,
         "completion_tokens": 7}


def rule(prices):
    return pm(200, prices[0]) + pm(800, prices[1]) + pm(7, prices[2])


# first calls of a trace whose float Unix seconds put 16:30:00.000 before 16:30 (found by the audit)
@pytest.mark.parametrize("first", ["2025-03-03T04:50:08.621Z", "2025-03-03T05:12:38.903Z",
                                   "2025-03-03T05:40:19.676Z", "2025-03-03T16:15:16.311Z"])
def test_first_instant_of_the_off_peak_window_whatever_the_trace_start(tmp_path, first):
    calls = [(first, USAGE), ("2025-03-03T16:29:59.999Z", USAGE), ("2025-03-03T16:30:00Z", USAGE),
             ("2025-03-04T00:29:59.999Z", USAGE), ("2025-03-04T00:30:00Z", USAGE)]
    result = replay(tmp_path, "catalog:deepseek/deepseek-reasoner@2025-03-01", "USD", calls, duration="2d")
    first_price = OFF if first[11:16] >= "16:30" else PEAK
    check_bill(result, [rule(first_price), rule(PEAK), rule(OFF), rule(OFF), rule(PEAK)],
               [(1000, 200, 0, 7, 0)] * 5)
    arrivals = sorted(result.requests["arrival_s"])
    assert arrivals[0] == 0.0  # `start: trace` is the first call, to the microsecond


def test_unix_created_seconds_and_an_explicit_start(tmp_path):
    # `created` (OpenAI's integer Unix seconds) at 16:30:00 UTC, a run starting at midnight
    calls = [("2025-03-03T05:12:38.903Z", USAGE), (1741019400, USAGE), ("2025-03-03T16:29:59.999Z", USAGE)]
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps({"timestamp": at, "customer": "a", "usage": u}) + "\n" for at, u in calls))
    data = scenario_dict(start="2025-03-03T00:00:00Z", duration="1d")
    data["providers"][0]["price"] = "catalog:deepseek/deepseek-reasoner@2025-03-01"
    data["customers"] = [{"name": "api", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(path), "format": "openai_usage", "by_customer": True}}]
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    r = result.requests.sort_values("arrival_s")
    assert list(r["arrival_s"]) == pytest.approx([18_758.903, 59_399.999, 59_400.0], abs=1e-9, rel=0)
    check_bill(result, [rule(PEAK), rule(PEAK), rule(OFF)], [(1000, 200, 0, 7, 0)] * 3)
