"""tokenecon's bills against the published rules and against LiteLLM, on random reported usage.

For each vendor entry (o4-mini standard/batch, gpt-4o, gpt-5 chat/Responses/batch/flex, gpt-5-mini,
gpt-4.1 priority, gpt-5.4 around 272K, Claude Sonnet 4 around 200K, Opus 4.5 standard/batch, Haiku
4.5 standard/batch and Haiku 3 with 5-minute and 1-hour cache writes, Gemini 2.5 Pro around 200K
with thoughts standard/batch/flex, 2.5 Flash standard/batch, Flash-Lite batch, DeepSeek V3.2 chat
and reasoner, R1/V3 with the off-peak window in USD and CNY, CNY V3.1 and V3.2, qwen-plus tiers
with thinking, explicit cache and batch, qwen3-max, doubao-seed-1.6, kimi-k2), N random calls (many at tier edges and window edges) are written
as a usage log in the vendor's own format, billed by tokenecon twice (Python API, and `tokenecon
run` from another folder), by the published rule in fractions, and, where LiteLLM prices the
model, by `litellm.cost_per_token` (offline: LITELLM_LOCAL_MODEL_COST_MAP=True; Sonnet 4 is compared
with LiteLLM's claude-sonnet-4-5 entry, same list prices, as it ships no Anthropic-API claude-sonnet-4).

    pip install litellm            # not a tokenecon dependency
    N=60 python benchmarks/litellm_bills.py [--out DIR] [CASE ...]

Prints, per case, how many tokenecon charges equal the rule (exactly) and how many LiteLLM costs
differ from it by more than 1e-9 relative, with the largest differences. Batch cases are priced
with LiteLLM's `batch_cost_calculator` (its `cost_per_token(service_tier="batch")` uses standard
prices). Where LiteLLM differs, its price map lacks the rule: Sonnet 4 above 200K input (no
long-context prices in the entry compared), Anthropic batch 1-hour cache writes (billed at the
5-minute batch price), o4-mini batch cache reads (no batch cache-read price: billed unhalved).
"""

import json, os, random, subprocess, sys, copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
import yaml

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
M = 10**6
rng = random.Random(20261130)

def pm(t, p): return t * Fraction(p) / M

def size(edge, hi):
    r = rng.random()
    if r < 0.35: return rng.randint(edge - 3, edge + 3)
    if r < 0.45: return rng.choice([1, 1024, 1023, 1025])
    if r < 0.75: return rng.randint(1, 20000)
    return rng.randint(1, hi)

def split(total, p_zero=0.3, p_all=0.1):
    r = rng.random()
    if r < p_zero: return 0
    if r < p_zero + p_all: return total
    return rng.randint(0, total)

# ---- generators: (usage dict, hand rule charge (Fraction), litellm kwargs)
def openai(model, prices, edge=None, high=None):
    def gen(at):
        prompt = size(edge or 200_000, 400_000 if edge else 150_000)
        cached = split(prompt)
        completion = rng.randint(1, 30_000)
        reasoning = split(completion, 0.4, 0.05)
        u = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
             "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
        p = prices if edge is None or prompt <= edge else high
        rule = pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(completion, p[2])
        return u, rule
    return gen

def anthropic(prices, edge=None, high=None):
    def gen(at):
        total = size(edge or 200_000, 400_000)
        read = split(total, 0.3, 0.05)
        rest = total - read
        w = split(rest, 0.3, 0.1)
        w1h = split(w, 0.4, 0.2)
        w5 = w - w1h
        plain = rest - w
        out = rng.randint(1, 30_000)
        u = {"input_tokens": plain, "cache_read_input_tokens": read, "cache_creation_input_tokens": w,
             "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1h},
             "output_tokens": out}
        p = prices if edge is None or total <= edge else high
        rule = pm(plain, p[0]) + pm(read, p[1]) + pm(w5, p[2]) + pm(w1h, p[3]) + pm(out, p[4])
        return u, rule
    return gen

def gemini(low, high, edge=200_000):
    def gen(at):
        prompt = size(edge, 1_000_000)
        cached = split(prompt)
        cand = rng.randint(1, 20_000)
        thoughts = split(rng.randint(0, 30_000), 0.4, 0)
        u = {"promptTokenCount": prompt, "cachedContentTokenCount": cached, "candidatesTokenCount": cand,
             "thoughtsTokenCount": thoughts, "totalTokenCount": prompt + cand + thoughts}
        p = low if prompt <= edge else high
        rule = pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(cand + thoughts, p[2])
        return u, rule
    return gen

def deepseek(peak, off=None):
    def gen(at):
        prompt = size(64_000, 128_000)
        hit = split(prompt)
        completion = rng.randint(1, 30_000)
        reasoning = split(completion, 0.5, 0.05)
        u = {"prompt_tokens": prompt, "prompt_cache_hit_tokens": hit, "prompt_cache_miss_tokens": prompt - hit,
             "completion_tokens": completion, "completion_tokens_details": {"reasoning_tokens": reasoning}}
        minute = at.hour * 60 + at.minute
        p = off if off and (minute >= 16 * 60 + 30 or minute < 30) else peak
        rule = pm(hit, p[0]) + pm(prompt - hit, p[1]) + pm(completion, p[2])
        return u, rule
    return gen

def qwen():
    tiers = [("0.8", "2", "8"), ("2.4", "20", "24"), ("4.8", "48", "64")]
    def gen(at):
        r = rng.random()
        prompt = rng.choice([rng.randint(127_997, 128_003), rng.randint(255_997, 256_003), rng.randint(1, 1_000_000), rng.randint(1, 5000)])
        cached = split(prompt)
        completion = rng.randint(1, 20_000)
        reasoning = split(completion, 0.5, 0.05)
        u = {"prompt_tokens": prompt, "completion_tokens": completion,
             "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
        t = tiers[0 if prompt <= 128_000 else 1 if prompt <= 256_000 else 2]
        inp = Fraction(t[0])
        out = pm(completion, t[2]) if reasoning else pm(completion, t[1])
        rule = (prompt - cached) * inp / M + cached * inp / 5 / M + out
        return u, rule
    return gen

CASES = {  # name: (catalog ref, currency, tz, start day, generator, litellm model, usage_format)
    "o4-mini": ("catalog:openai/o4-mini", "USD", "UTC", "2026-03-02", openai("o4-mini", ("1.10", "0.275", "4.40")), "o4-mini", "auto"),
    "gpt-4o": ("catalog:openai/gpt-4o", "USD", "UTC", "2026-03-02", openai("gpt-4o", ("2.50", "1.25", "10")), "gpt-4o", "auto"),
    "gpt-5": ("catalog:openai/gpt-5", "USD", "UTC", "2026-03-02", openai("gpt-5", ("1.25", "0.125", "10")), "gpt-5", "auto"),
    "gpt-5.4": ("catalog:openai/gpt-5.4", "USD", "UTC", "2026-03-02",
                openai("gpt-5.4", ("2.50", "0.25", "15"), 272_000, ("5", "0.50", "22.50")), "azure_ai/gpt-5.4", "auto"),
    "claude-sonnet-4": ("catalog:anthropic/claude-sonnet-4", "USD", "UTC", "2026-03-02",
                        anthropic(("3", "0.30", "3.75", "6", "15"), 200_000, ("6", "0.60", "7.50", "12", "22.50")),
                        "claude-sonnet-4-5", "auto"),
    "claude-haiku-4.5": ("catalog:anthropic/claude-haiku-4.5", "USD", "UTC", "2026-03-02",
                         anthropic(("1", "0.10", "1.25", "2", "5")), "claude-haiku-4-5", "auto"),
    "gemini-2.5-pro": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02",
                       gemini(("1.25", "0.125", "10"), ("2.50", "0.25", "15")), "gemini/gemini-2.5-pro", "auto"),
    "deepseek-chat-v3.2": ("catalog:deepseek/deepseek-chat@2025-10-01", "USD", "UTC", "2025-10-06",
                           deepseek(("0.028", "0.28", "0.42")), "deepseek/deepseek-chat", "auto"),
    "deepseek-reasoner-r1": ("catalog:deepseek/deepseek-reasoner@2025-03-01", "USD", "Asia/Shanghai", "2025-03-03",
                             deepseek(("0.14", "0.55", "2.19"), ("0.035", "0.135", "0.55")), None, "auto"),
    "deepseek-chat-cn": ("catalog:deepseek-cn/deepseek-chat@2025-03-01", "CNY", "Asia/Shanghai", "2025-03-03",
                         deepseek(("0.5", "2", "8"), ("0.25", "1", "4")), None, "auto"),
    "qwen-plus": ("catalog:alibaba/qwen-plus", "CNY", "Asia/Shanghai", "2026-03-02", qwen(), None, "qwen"),
}


def responses(prices):
    inner = openai("x", prices)
    def gen(at):
        u, rule = inner(at)
        r = {"input_tokens": u["prompt_tokens"], "output_tokens": u["completion_tokens"], "total_tokens": u["total_tokens"],
             "input_tokens_details": {"cached_tokens": u["prompt_tokens_details"]["cached_tokens"]},
             "output_tokens_details": {"reasoning_tokens": u["completion_tokens_details"]["reasoning_tokens"]}}
        return r, rule
    return gen

def halved(gen):
    def g(at):
        u, rule = gen(at)
        return u, rule / 2
    return g

def anthropic_plain(prices):
    inner = anthropic(prices)
    def gen(at):
        u, _ = inner(at)
        w = u["cache_creation_input_tokens"]
        u = {k: v for k, v in u.items() if k != "cache_creation"}
        rule = pm(u["input_tokens"], prices[0]) + pm(u["cache_read_input_tokens"], prices[1]) + pm(w, prices[2]) + pm(u["output_tokens"], prices[4])
        return u, rule
    return gen

CASES.update({
    "gpt-5-responses": ("catalog:openai/gpt-5", "USD", "UTC", "2026-03-02", responses(("1.25", "0.125", "10")), None, "openai_responses"),
    "gpt-5-batch": ("catalog:openai/gpt-5", "USD", "UTC", "2026-03-02", halved(openai("gpt-5", ("1.25", "0.125", "10"))), "gpt-5", "auto", "batch"),
    "claude-haiku-4.5-batch": ("catalog:anthropic/claude-haiku-4.5", "USD", "UTC", "2026-03-02",
                               halved(anthropic(("1", "0.10", "1.25", "2", "5"))), "claude-haiku-4-5", "auto", "batch"),
    "claude-haiku-4.5-5m-only": ("catalog:anthropic/claude-haiku-4.5", "USD", "UTC", "2026-03-02",
                                 anthropic_plain(("1", "0.10", "1.25", "2", "5")), None, "anthropic"),
})

def gemini_cached_apart(low, high, edge=200_000):
    """Gemini in batch or flex: input and output at the tier's discounted prices, cache hits at the
    context-caching price (Google: cache and batch/flex discounts do not stack)."""
    return gemini(low, high, edge)

def flash(prices):  # a Gemini model with one price list (no 200K tier)
    return gemini(prices, prices)

def qwen_batch():
    """qwen-plus in batch: half price, and no cache discount (cache hits at the batch input price)."""
    tiers = [("0.8", "2", "8"), ("2.4", "20", "24"), ("4.8", "48", "64")]
    def gen(at):
        prompt = rng.choice([rng.randint(127_997, 128_003), rng.randint(255_997, 256_003), rng.randint(1, 1_000_000)])
        cached = split(prompt)
        completion = rng.randint(1, 20_000)
        reasoning = split(completion, 0.5, 0.05)
        u = {"prompt_tokens": prompt, "completion_tokens": completion, "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
        t = tiers[0 if prompt <= 128_000 else 1 if prompt <= 256_000 else 2]
        out = pm(completion, t[2]) if reasoning else pm(completion, t[1])
        return u, (pm(prompt, t[0]) + out) / 2
    return gen

def qwen_explicit():
    """qwen-plus with the explicit cache (cache_type: ephemeral): writes 125% of input, hits 10%."""
    tiers = [("0.8", "2"), ("2.4", "20"), ("4.8", "48")]
    def gen(at):
        prompt = rng.choice([rng.randint(127_997, 128_003), rng.randint(255_997, 256_003), rng.randint(1024, 400_000)])
        cached = split(prompt)
        writes = split(prompt - cached)
        completion = rng.randint(1, 20_000)
        u = {"prompt_tokens": prompt, "completion_tokens": completion,
             "prompt_tokens_details": {"cached_tokens": cached, "cache_creation_input_tokens": writes,
                                       "cache_type": "ephemeral"}}
        t = tiers[0 if prompt <= 128_000 else 1 if prompt <= 256_000 else 2]
        inp = Fraction(t[0]) / M
        return u, (prompt - cached - writes) * inp + cached * inp / 10 + writes * inp * 5 / 4 + pm(completion, t[1])
    return gen

def tiered_chat(edges, tiers):
    """OpenAI-compatible usage under per-request tiers: (input, cached, output) per tier."""
    def gen(at):
        prompt = rng.choice([rng.randint(e - 3, e + 3) for e in edges] + [rng.randint(1, 2 * edges[-1])])
        cached = split(prompt)
        completion = rng.randint(1, 30_000)
        reasoning = split(completion, 0.4, 0.05)
        u = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
             "prompt_tokens_details": {"cached_tokens": cached},
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
        p = next((t for e, t in zip(edges, tiers) if prompt <= e), tiers[-1])
        return u, pm(prompt - cached, p[0]) + pm(cached, p[1]) + pm(completion, p[2])
    return gen

CASES.update({
    # OpenAI service tiers: batch and flex halve every class, cached included (the discounts stack);
    # priority is the priority price list (gpt-4.1 3.50 / 0.875 / 14)
    "o4-mini-batch": ("catalog:openai/o4-mini", "USD", "UTC", "2026-03-02", openai("o4-mini", ("0.55", "0.1375", "2.20")),
                      "o4-mini", "auto", "batch"),
    "gpt-5-flex": ("catalog:openai/gpt-5", "USD", "UTC", "2026-03-02", openai("gpt-5", ("0.625", "0.0625", "5")),
                   "gpt-5", "auto", "flex"),
    "gpt-4.1-priority": ("catalog:openai/gpt-4.1", "USD", "UTC", "2026-03-02", openai("gpt-4.1", ("3.50", "0.875", "14")),
                         "gpt-4.1", "auto", "priority"),
    "gpt-5-mini": ("catalog:openai/gpt-5-mini", "USD", "UTC", "2026-03-02", openai("gpt-5-mini", ("0.25", "0.025", "2")),
                   "gpt-5-mini", "auto"),
    "claude-opus-4.5": ("catalog:anthropic/claude-opus-4.5", "USD", "UTC", "2026-03-02",
                        anthropic(("5", "0.50", "6.25", "10", "25")), "claude-opus-4-5", "auto"),
    "claude-opus-4.5-batch": ("catalog:anthropic/claude-opus-4.5", "USD", "UTC", "2026-03-02",
                              halved(anthropic(("5", "0.50", "6.25", "10", "25"))), "claude-opus-4-5", "auto", "batch"),
    "claude-haiku-3": ("catalog:anthropic/claude-haiku-3", "USD", "UTC", "2026-03-02",
                       anthropic(("0.25", "0.03", "0.30", "0.50", "1.25")), None, "auto"),
    "gemini-2.5-pro-batch": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02",
                             gemini_cached_apart(("0.625", "0.125", "5"), ("1.25", "0.25", "7.50")),
                             "gemini/gemini-2.5-pro", "auto", "batch"),
    "gemini-2.5-pro-flex": ("catalog:google/gemini-2.5-pro", "USD", "UTC", "2026-03-02",
                            gemini_cached_apart(("0.625", "0.125", "5"), ("1.25", "0.25", "7.50")),
                            "gemini/gemini-2.5-pro", "auto", "flex"),
    "gemini-2.5-flash": ("catalog:google/gemini-2.5-flash", "USD", "UTC", "2026-03-02", flash(("0.30", "0.03", "2.50")),
                         "gemini/gemini-2.5-flash", "auto"),
    "gemini-2.5-flash-batch": ("catalog:google/gemini-2.5-flash", "USD", "UTC", "2026-03-02",
                               flash(("0.15", "0.03", "1.25")), "gemini/gemini-2.5-flash", "auto", "batch"),
    "gemini-2.5-flash-lite-batch": ("catalog:google/gemini-2.5-flash-lite", "USD", "UTC", "2026-03-02",
                                    flash(("0.05", "0.01", "0.20")), "gemini/gemini-2.5-flash-lite", "auto", "batch"),
    "deepseek-reasoner-v3.2": ("catalog:deepseek/deepseek-reasoner", "USD", "UTC", "2025-10-06",
                               deepseek(("0.028", "0.28", "0.42")), "deepseek/deepseek-reasoner", "auto"),
    "deepseek-chat-cn-v3.1": ("catalog:deepseek-cn/deepseek-chat@2025-09-10", "CNY", "Asia/Shanghai", "2025-09-10",
                              deepseek(("0.5", "4", "12")), None, "auto"),
    "deepseek-reasoner-cn-v3.2": ("catalog:deepseek-cn/deepseek-reasoner", "CNY", "Asia/Shanghai", "2025-10-06",
                                  deepseek(("0.2", "2", "3")), None, "auto"),
    "qwen-plus-batch": ("catalog:alibaba/qwen-plus", "CNY", "Asia/Shanghai", "2026-03-02", qwen_batch(), None, "qwen",
                        "batch"),
    "qwen-plus-explicit-cache": ("catalog:alibaba/qwen-plus", "CNY", "Asia/Shanghai", "2026-03-02", qwen_explicit(),
                                 None, "qwen"),
    "qwen3-max": ("catalog:alibaba/qwen3-max", "CNY", "Asia/Shanghai", "2026-03-02",
                  tiered_chat([32_000, 128_000], [("2.5", "0.5", "10"), ("4", "0.8", "16"), ("7", "1.4", "28")]),
                  None, "openai_chat"),
    "doubao-seed-1.6": ("catalog:volcengine/doubao-seed-1.6", "CNY", "Asia/Shanghai", "2026-03-02",
                        tiered_chat([32_000, 128_000], [("0.80", "0.16", "8"), ("1.20", "0.16", "16"),
                                                        ("2.40", "0.16", "24")]), None, "openai_chat"),
    "kimi-k2": ("catalog:moonshot/kimi-k2", "CNY", "Asia/Shanghai", "2026-03-02", openai("kimi-k2", ("4", "1", "16")),
                None, "openai_chat"),
})
N = int(os.environ.get("N", "60"))

SCEN = {
    "seed": 1, "start": "trace", "duration": "1d", "report_interval": "1h",
    "providers": [{"name": "p1", "replicas": 64, "gpus_per_replica": 8,
                   "gpu": {"type": "H100", "cost_per_hour": 2.95, "power_w": {"idle": 75, "busy": 700}}, "pue": 1.2,
                   "performance": {"prefill_tokens_per_s": 200000, "decode_step_s": {"base": 0.001, "per_sequence": 0.00001},
                                   "max_batch": 64}}],
}

def times(day):
    base = datetime.fromisoformat(day + "T00:00:00+00:00")
    edges = [base + timedelta(hours=16, minutes=29, seconds=59), base + timedelta(hours=16, minutes=30),
             base + timedelta(hours=24, minutes=29, seconds=59), base + timedelta(hours=24, minutes=30)]
    pts = set(edges)
    while len(pts) < N:
        pts.add(base + timedelta(seconds=rng.randint(60, 23 * 3600) + rng.randint(0, 999) / 1000))
    return sorted(pts)

def litellm_cost(model, vendor_usage, kind, tier=None):
    import litellm
    from litellm.types.utils import Usage, PromptTokensDetailsWrapper, CompletionTokensDetailsWrapper
    u = vendor_usage
    if kind == "anthropic":
        prompt = u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        from litellm.types.utils import CacheCreationTokenDetails
        usage = Usage(prompt_tokens=prompt, completion_tokens=u["output_tokens"], total_tokens=prompt + u["output_tokens"],
                      cache_creation_input_tokens=u["cache_creation_input_tokens"],
                      cache_read_input_tokens=u["cache_read_input_tokens"],
                      prompt_tokens_details=PromptTokensDetailsWrapper(
                          cached_tokens=u["cache_read_input_tokens"],
                          cache_creation_tokens=u["cache_creation_input_tokens"],
                          cache_creation_token_details=CacheCreationTokenDetails(
                              ephemeral_5m_input_tokens=u["cache_creation"]["ephemeral_5m_input_tokens"],
                              ephemeral_1h_input_tokens=u["cache_creation"]["ephemeral_1h_input_tokens"])))
    elif kind == "gemini":
        comp = u["candidatesTokenCount"] + u["thoughtsTokenCount"]
        usage = Usage(prompt_tokens=u["promptTokenCount"], completion_tokens=comp, total_tokens=u["promptTokenCount"] + comp,
                      prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=u["cachedContentTokenCount"]),
                      completion_tokens_details=CompletionTokensDetailsWrapper(reasoning_tokens=u["thoughtsTokenCount"]))
    else:
        usage = Usage(prompt_tokens=u["prompt_tokens"], completion_tokens=u["completion_tokens"],
                      total_tokens=u["prompt_tokens"] + u["completion_tokens"],
                      prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=u.get("prompt_tokens_details", {}).get("cached_tokens", u.get("prompt_cache_hit_tokens", 0))),
                      completion_tokens_details=CompletionTokensDetailsWrapper(reasoning_tokens=u["completion_tokens_details"]["reasoning_tokens"]))
    if tier == "batch":  # cost_per_token(service_tier="batch") prices at standard rates; batches have their own
        from litellm.cost_calculator import batch_cost_calculator
        a, b = batch_cost_calculator(usage, model)
    else:
        a, b = litellm.cost_per_token(model=model, usage_object=usage, service_tier=tier)
    return Fraction(a) + Fraction(b)

def main():
    import tokenecon
    import pandas as pd
    total = 0; bad = []; ll_rows = []
    only = ARGS.cases or list(CASES)
    for name in only:
        ref, cur, tz, day, gen, llm, fmt, *tier = CASES[name]
        kind = "anthropic" if "anthropic" in ref else "gemini" if "google" in ref else "other"
        folder = OUT / name; folder.mkdir(exist_ok=True)
        recs = []
        for k, at in enumerate(times(day)):
            u, rule = gen(at)
            recs.append((at, u, rule))
        key = "usageMetadata" if kind == "gemini" else "usage"
        (folder / "calls.jsonl").write_text("".join(json.dumps({"timestamp": at.isoformat().replace("+00:00", "Z"),
                                                                "customer": f"acct{k % 3}", key: u}) + "\n"
                                                     for k, (at, u, _) in enumerate(recs)))
        data = copy.deepcopy(SCEN); data["name"] = f"bills_{name}"; data["currency"] = cur; data["timezone"] = tz
        data["duration"] = "26h"
        data["providers"][0]["price"] = ref
        data["customers"] = [{"name": "api", "providers": ["p1"], "arrivals": {
            "type": "trace", "path": "calls.jsonl", "format": "openai_usage", "usage_format": fmt, "by_customer": True}}]
        if tier:
            data["customers"][0]["service_tier"] = tier[0]
        (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        # Python API
        res = tokenecon.run(tokenecon.load_scenario(folder / "scenario.yaml"))
        r = res.requests.sort_values(["arrival_s", "request_id"]).reset_index(drop=True)
        assert len(r) == len(recs), (name, len(r), len(recs))
        assert (r["status"] == "completed").all(), r["status"].value_counts()
        api = [Fraction(Decimal(v)) for v in r["charge_exact"]]
        # CLI from another folder
        cwd = OUT / "elsewhere"; cwd.mkdir(exist_ok=True)
        outdir = folder / "run"
        p = subprocess.run(["tokenecon", "run", str(folder / "scenario.yaml"), "--out", str(outdir), "--quiet", "--no-figures", "--force"],
                           cwd=cwd, capture_output=True, text=True)
        if p.returncode:
            p = subprocess.run(["tokenecon", "run", str(folder / "scenario.yaml"), "--out", str(outdir), "--force"],
                               cwd=cwd, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        cr = pd.read_csv(outdir / "requests.csv", dtype=str).astype({"arrival_s": float, "request_id": int})
        cr = cr.sort_values(["arrival_s", "request_id"]).reset_index(drop=True)
        cli = [Fraction(Decimal(v)) for v in cr["charge"]]
        for k, (at, u, rule) in enumerate(recs):
            total += 1
            ll = litellm_cost(llm, u, kind, tier[0] if tier else None) if llm else None
            if api[k] != rule or cli[k] != rule:
                bad.append((name, k, at.isoformat(), u, float(rule), float(api[k]), float(cli[k])))
            if ll is not None:
                rel = float(ll - rule) / float(rule) if rule else float(ll)
                ll_rows.append((name, k, u, float(rule), float(ll), rel))
        print(f"{name}: {len(recs)} records, tokenecon(API) == rule: {sum(a == rr for a, (_, _, rr) in zip(api, recs))}, "
              f"CLI == rule: {sum(a == rr for a, (_, _, rr) in zip(cli, recs))}", flush=True)
    print("total", total, "tokenecon mismatches", len(bad))
    for b in bad[:30]: print("  BAD", b)
    import collections
    agg = collections.defaultdict(list)
    for name, k, u, rule, ll, rel in ll_rows:
        agg[name].append((abs(rel), k, u, rule, ll))
    for name, rows in agg.items():
        off = [x for x in rows if x[0] > 1e-9]
        print(f"litellm {name}: {len(rows)} compared, {len(off)} differ from the rule by > 1e-9 relative")
        for x in sorted(off, reverse=True)[:3]: print("   ", x)
    json.dump([list(map(str, b)) for b in bad], open(OUT / "bad.json", "w"))

if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the logs and runs (default: a temporary one)")
    parser.add_argument("cases", nargs="*", help=f"cases to run (default: all): {', '.join(CASES)}")
    ARGS = parser.parse_args()
    OUT = ARGS.out or Path(tempfile.mkdtemp(prefix="tokenecon-bills-"))
    OUT.mkdir(parents=True, exist_ok=True)
    main()
