"""Unit economics: what a million tokens is charged and what it costs to serve, by kind of request.

Requests are grouped by prompt length (long prompts hold the GPU longer per token in prefill and
in KV memory) and by service tier (batch, flex, priority). For each group, over its completed
requests: tokens (prompt + output, reasoning included), the usage charges (each request's
charge, converted exactly to the scenario currency; plan fees and credits are not per request)
and the cost to serve (the request's share of busy GPU time, see `costserve`), each per 1M
tokens. Every figure is a ratio of the simulated sample's, so it holds for scaled runs too (the
cost to serve per provider as the summary has it, e.g. a supply model's fleet). Requests that did
not complete are left out (their GPU time is in the fleet's cost, not in any group's).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from ..billing import Bill
from ..demand import Workload
from ..sim.records import COMPLETED, SERVICE_TIERS, Records
from ..money import exact_group_sums
from ..units import MONEY_UNITS_PER_UNIT
from .costserve import MICRO

__all__ = ["unit_economics", "PROMPT_EDGES"]

PROMPT_EDGES = (0, 512, 2048, 8192, 32768, 131072)  # prompt tokens; the last bucket is open


def _label(lo: int, hi: int | None) -> str:
    def k(n: int) -> str:
        return f"{n // 1024}k" if n >= 1024 else str(n)

    return f"{k(lo)}+" if hi is None else f"{k(lo)}-{k(hi)}"


def unit_economics(workload: Workload, records: Records, bill: Bill, served: np.ndarray) -> pd.DataFrame:
    """One row per non-empty group: ``grouping`` (prompt_length | service_tier), ``group``, requests,
    tokens, and charged, cost to serve and margin per 1M tokens (scenario currency). `served` is each
    request's cost to serve in micro-units, in the sample's terms (`costserve.full_run_costs` x scale)."""
    providers = len(bill.provider_rate)
    rows = []
    for grouping, labels, keep, key, members in records.derived(("unit_economics", providers),
                                                                 lambda: _groups(workload, records, providers)):
        charged = _charged(bill, keep, key, len(labels))
        for g, label in enumerate(labels):
            if g not in members:
                continue
            mine, n_tokens = members[g]
            per_m = Decimal(10**6) / n_tokens
            cost_units = Decimal(float(served[mine].sum())) / MICRO
            rows.append({"grouping": grouping, "group": label, "requests": len(mine), "tokens": n_tokens,
                         "charged_per_1m_tokens": round(float(charged[g] * per_m), 6),
                         "cost_to_serve_per_1m_tokens": round(float(cost_units * per_m), 6),
                         "margin_per_1m_tokens": round(float((charged[g] - cost_units) * per_m), 6)})
    return pd.DataFrame(rows, columns=["grouping", "group", "requests", "tokens", "charged_per_1m_tokens",
                                       "cost_to_serve_per_1m_tokens", "margin_per_1m_tokens"])


Groups = list[tuple[str, list[str], np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, int]]]]


def _groups(workload: Workload, records: Records, providers: int) -> Groups:
    """Per grouping: its labels, the billed requests and their (group, provider) keys, and per non-empty
    group its completed requests and their tokens (the same under any prices: derived once)."""
    done = np.asarray(records.column("status")) == COMPLETED
    tokens = (workload.input_tokens + workload.output_tokens + workload.reasoning_tokens).astype(np.int64)
    provider = np.asarray(records.column("provider"), dtype=np.int64)
    by_length = np.searchsorted(np.asarray(PROMPT_EDGES[1:]), workload.input_tokens, side="right")
    groupings = [("prompt_length", by_length,
                  [_label(lo, hi) for lo, hi in zip(PROMPT_EDGES, list(PROMPT_EDGES[1:]) + [None])]),
                 ("service_tier", np.asarray(workload.service_tier, dtype=np.int64), list(SERVICE_TIERS))]
    keep = np.flatnonzero(done & (provider >= 0))
    out: Groups = []
    for grouping, code, labels in groupings:
        members = {}
        for g in range(len(labels)):
            mine = np.flatnonzero(done & (code == g))
            n_tokens = int(tokens[mine].sum())
            if n_tokens:
                members[g] = (mine, n_tokens)
        out.append((grouping, labels, keep, code[keep] * providers + provider[keep], members))
    return out


def _charged(bill: Bill, keep: np.ndarray, key: np.ndarray, groups: int) -> list[Decimal]:
    """Per group: its completed requests' usage charges in the scenario currency (exact)."""
    providers = len(bill.provider_rate)
    sums = exact_group_sums(key, bill.charge[keep], groups * providers)
    unit = Decimal(MONEY_UNITS_PER_UNIT)
    return [sum((Decimal(sums[g * providers + p]) * bill.provider_rate[p] for p in range(providers)), Decimal(0))
            / unit for g in range(groups)]
