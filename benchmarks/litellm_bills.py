"""tokenecon's bills against the published rules and against LiteLLM, on random reported usage.

For each vendor entry (o4-mini, gpt-4o, gpt-5 chat/Responses/batch, gpt-5.4 around 272K, Claude
Sonnet 4 around 200K and Haiku 4.5 with 5-minute and 1-hour cache writes and batch, Gemini 2.5 Pro
around 200K with thoughts, DeepSeek V3.2 and R1/V3 with the off-peak window in USD and CNY,
qwen-plus tiers with thinking), N random calls (many at tier edges and window edges) are written
as a usage log in the vendor's own format, billed by tokenecon twice (Python API, and `tokenecon
run` from another folder), by the published rule in fractions, and, where LiteLLM prices the
model, by `litellm.cost_per_token` (offline: LITELLM_LOCAL_MODEL_COST_MAP=True; Sonnet 4 is compared
with LiteLLM's claude-sonnet-4-5 entry, same list prices, as it ships no Anthropic-API claude-sonnet-4).

    pip install litellm            # not a tokenecon dependency
    N=60 python benchmarks/litellm_bills.py [--out DIR] [CASE ...]

Prints, per case, how many tokenecon charges equal the rule (exactly) and how many LiteLLM costs
differ from it by more than 1e-9 relative, with the largest differences.
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
