"""Compare pricing policies on one seeded workload (common random numbers).

Every variant is the same scenario with other prices, run with the same seed: demand is drawn
from the same named streams, so the requests are identical and differences come from the
policy (and from what the policy does to routing), not from noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .errors import ScenarioError
from .results import Result
from .scenario import Scenario
from .units import format_decimal

__all__ = ["Comparison", "compare", "policy_variants", "check_same_workload"]


@dataclass
class Comparison:
    results: dict[str, Result]
    simulations: int = 0  # event-loop runs behind the results (fewer when variants were re-billed)
    reasons: tuple[str, ...] = ()  # why variants could not share a simulation

    @property
    def path(self) -> str:
        """Which path ran, in words: simulated once and re-billed, or simulated per variant."""
        n = len(self.results)
        if self.simulations == n:
            why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
            return f"simulated each of {n} variants{why}"
        return (f"{self.simulations} simulation{'s' if self.simulations != 1 else ''} for {n} variants; "
                f"{n - self.simulations} re-billed from a shared run (they differ only in what billing reads)")

    @property
    def currency(self) -> str:
        return next(iter(self.results.values())).scenario.currency

    def table(self) -> pd.DataFrame:
        """One row per policy: revenue, costs, margin, utilization, rejections, latency, and per segment its
        bill, cost to serve and margin."""
        rows = []
        for name, result in self.results.items():
            s = result.summary()
            providers = [p.name for p in result.scenario.providers]
            revenue = result.bill.revenue
            cost = sum(s[f"{p}.gpu_cost"] + s[f"{p}.energy_cost"] for p in providers)
            row = {
                "policy": name,
                "revenue": format_decimal(revenue),
                "gpu_cost": round(s["gpu_cost"], 2),
                "energy_cost": round(s["energy_cost"], 2),
                "margin": round(float(revenue) - cost, 2),
                "utilization": round(s["utilization"], 4),
                "requests_arrived": s["requests_arrived"],
                "requests_completed": s["requests_completed"],
                "requests_rejected": s["requests_rejected"],
                "requests_timed_out": s["requests_timed_out"],
                "batch_window_missed": s.get("batch_window_missed", 0),
                "ttft_p50_s": s["ttft_p50_s"], "ttft_p95_s": s["ttft_p95_s"],
                "e2e_latency_p50_s": s["e2e_latency_p50_s"], "e2e_latency_p95_s": s["e2e_latency_p95_s"],
            }
            if "cost_to_serve" in s:  # the busy replicas' cost, shared by the requests; idle cost is nobody's
                row["cost_to_serve"], row["idle_cost"] = round(s["cost_to_serve"], 2), round(s["idle_cost"], 2)
            for segment, amount in result.segment_bills().items():
                row[f"bill.{segment}"] = format_decimal(amount)
            for segment in result.segment_bills():
                for figure in ("cost_to_serve", "margin"):
                    if f"{figure}.{segment}" in s:
                        row[f"{figure}.{segment}"] = format_decimal(Decimal(s[f"{figure}.{segment}"]))
            for key in s:
                if key.startswith(("ttft_p95_s.", "e2e_p95_s.")):
                    row[key] = s[key]
            for p in providers:
                row[f"revenue.{p}"] = s[f"{p}.revenue"]
            row["currency"] = result.scenario.currency
            rows.append(row)
        return pd.DataFrame(rows)


def policy_variants(scenario: Scenario, policies: list[str]) -> dict[str, Scenario]:
    """Variants of one scenario: ``NAME`` prices every provider with NAME; ``acme=a,budget=b`` per provider."""
    variants = {}
    names = [p.name for p in scenario.providers]
    for text in policies:
        assignment = {}
        for part in text.split(","):
            provider, _, price = part.rpartition("=")
            targets = [provider] if provider else names
            for target in targets:
                if target not in names:
                    raise ScenarioError(f"--policy {text}: unknown provider '{target}' (known: {', '.join(names)})")
                if price not in scenario.pricing:
                    raise ScenarioError(f"--policy {text}: unknown price '{price}' "
                                        f"(known: {', '.join(sorted(scenario.pricing))})")
                assignment[target] = price
        providers = [p.model_copy(update={"price": assignment.get(p.name, p.price)}) for p in scenario.providers]
        variants[text] = scenario.model_copy(update={"providers": providers})
    return variants


_PRICING_FIELDS = {"name", "pricing", "base_dir"}


def check_same_workload(scenarios: dict[str, Scenario]) -> None:
    """Scenario files compared side by side may differ only in pricing."""
    items = list(scenarios.items())
    first_name, first = items[0]
    base = _without_pricing(first)
    for name, other in items[1:]:
        data = _without_pricing(other)
        for key in base:
            if base[key] != data.get(key):
                raise ScenarioError(f"{name}: field '{key}' differs from {first_name}; compared scenarios may "
                                    "differ only in pricing (pricing: and providers[].price)")


def _without_pricing(scenario: Scenario) -> dict:
    data = scenario.model_dump(exclude=_PRICING_FIELDS)
    data["providers"] = [{k: v for k, v in p.items() if k != "price"} for p in data["providers"]]
    return data


def compare(variants: dict[str, Scenario], *, progress: bool = False, share: bool = True) -> Comparison:
    """Run every variant with the same seed and collect the results.

    Variants that differ only in what billing reads are simulated once and re-billed (see
    `tokenecon.rebill`); ``share=False`` simulates each.
    """
    from .rebill import price_reads, run_variants

    scenarios = list(variants.values())
    results, simulations = run_variants(scenarios, progress=progress, share=share, names=list(variants))
    reasons = tuple(dict.fromkeys(r for s in scenarios for r in price_reads(s)))
    return Comparison(dict(zip(variants, results)), simulations, reasons)

