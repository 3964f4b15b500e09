"""The content of each folder's `report.html`: the question, the answer in sentences, key tables.

Every number here is read from what the run already measured (the summary, the comparison
table, the replication and sweep tables): the page formats, it computes nothing new.
"""

from __future__ import annotations

from pathlib import Path

from .html import Page, Table

__all__ = ["run_page", "compare_page", "replications_page", "sweep_page", "meter_page", "figure_names"]


def money(value, currency: str) -> str:
    return f"{currency} {float(value):,.2f}"


def pct(value: float, digits: int = 0) -> str:
    return f"{100 * value:.{digits}f}%"


def share(part: int, whole: int) -> str:
    """part of whole as a percentage that never reads 100% (or 0%) unless it is: '>99.9%', '<0.1%'."""
    if whole <= 0 or part == whole or part == 0:
        return "100%" if whole > 0 and part == whole else "0%"
    text = pct(part / whole, 1)
    return ">99.9%" if text == "100.0%" else "<0.1%" if text == "0.0%" else text


def change(new: float, old: float) -> str:
    """'+12.3%' / '-4.0%' / 'unchanged'; 'from 0' when there is no base."""
    if old == new:
        return "unchanged"
    if old == 0:
        return "from 0"
    return f"{100 * (new - old) / abs(old):+.1f}%"


def secs(value) -> str:
    value = float(value)
    if value != value:  # NaN: nothing completed
        return "n/a"
    return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"


def figure_names(folder: Path, first: tuple[str, ...] = ()) -> list[str]:
    """The folder's PNG files: the named ones first, in that order, then the others by name."""
    present = sorted(p.name for p in folder.glob("*.png"))
    return [n for n in first if n in present] + [n for n in present if n not in first]


def _providers(s: dict) -> list[str]:
    return list(dict.fromkeys(k.rsplit(".", 1)[0] for k in s if k.endswith(".utilization") and "." in k))


def _segments(s: dict) -> list[str]:
    return [k[5:] for k in s if k.startswith("bill.")]


def run_answer(s: dict, accounts: dict[str, int]) -> list[str]:
    """Sentences answering a run's question, from its summary."""
    cur = s["currency"]
    out = [f"{s['requests_arrived']:,} requests arrived; {s['requests_completed']:,} completed "
           f"({share(s['requests_completed'], s['requests_arrived'])}), {s['requests_rejected']:,} were rejected, "
           f"{s['requests_timed_out']:,} timed out and {s['requests_running']:,} were still running at the end."]
    segments = _segments(s)
    if segments:
        total = sum(float(s[f"bill.{g}"]) for g in segments) or 1.0
        parts = []
        for g in sorted(segments, key=lambda g: -float(s[f"bill.{g}"])):
            bill = float(s[f"bill.{g}"])
            n = accounts.get(g, 0)
            each = f", {money(bill / n, cur)} per account ({n:,} accounts)" if n > 1 else ""
            parts.append(f"{g} {money(bill, cur)} ({pct(bill / total)}{each})")
        out.append("Bills by segment, largest first: " + "; ".join(parts) + ".")
    estimate = " (scaled up from a sample: an estimate)" if "scale" in s else ""
    out.append(f"Revenue is {money(s['revenue'], cur)}{estimate} against a supply cost of "
               f"{money(s['gpu_cost'] + s['energy_cost'], cur)} (GPU {money(s['gpu_cost'], cur)}, "
               f"energy {money(s['energy_cost'], cur)}).")
    for p in _providers(s):
        margin = s[f"{p}.margin"]
        verdict = "covers its supply cost" if margin >= 0 else "does not cover its supply cost"
        out.append(f"{p}: revenue {s[f'{p}.currency']} {float(s[f'{p}.revenue']):,.2f}, margin {money(margin, cur)} "
                   f"({verdict}); {pct(s[f'{p}.utilization'])} of its batch slots in use; "
                   f"{s[f'{p}.requests_completed']:,} completed, {s[f'{p}.requests_rejected']:,} rejected, "
                   f"{s[f'{p}.requests_timed_out']:,} timed out.")
    out.append(f"Time to first token: p50 {secs(s['ttft_p50_s'])}, p95 {secs(s['ttft_p95_s'])}; end-to-end "
               f"latency: p50 {secs(s['e2e_latency_p50_s'])}, p95 {secs(s['e2e_latency_p95_s'])}.")
    if s.get("batch_requests"):
        out.append(f"Of {s['batch_requests']:,} batch requests, {s['batch_window_missed']:,} missed their window "
                   f"({s['batch_window_expired']:,} expired unbilled, {s['batch_finished_late']:,} finished late).")
    if s.get("energy_kwh"):
        co2 = f", {s['co2_kg']:,.1f} kg CO2" if s.get("co2_kg") else ""
        out.append(f"Energy: {s['energy_kwh']:,.1f} kWh ({s['kwh_per_million_tokens']:.3g} kWh per 1M tokens){co2}.")
    out += _national_answer(s)
    return out


def _national_answer(s: dict) -> list[str]:
    out = []
    milestones = [k for k in s if k.startswith("milestone.")]
    if milestones:
        out.append("Simulated / reported tokens per day at the milestones: "
                   + ", ".join(f"{k.split('.')[1]} x{s[k]:.3f}" for k in milestones) + ".")
    if "supply.gpus_needed_end" in s:
        out.append(f"At the end, {s['supply.gpus_needed_end']:,} GPUs are needed; over the run {s['supply.energy_gwh']:,.1f} "
                   f"GWh and {s['supply.co2_kt']:,.1f} kt CO2; cost of supply {s['supply.cost_per_million_end']:.3f} "
                   f"against a price of {s['price_per_million_end']:.3f} {s['currency']} per 1M tokens.")
    return out


def _run_tables(s: dict, accounts: dict[str, int]) -> list[Table]:
    cur = s["currency"]
    rows = []
    one = all(s[f"{p}.currency"] == cur for p in _providers(s))  # else each revenue names its currency
    for p in _providers(s):
        rows.append([p, f"{s[f'{p}.requests_completed']:,}", f"{s[f'{p}.requests_rejected']:,}",
                     f"{s[f'{p}.requests_timed_out']:,}", pct(s[f"{p}.utilization"]),
                     f"{float(s[f'{p}.revenue']):,.2f}" + ("" if one else f" {s[f'{p}.currency']}"),
                     f"{s[f'{p}.gpu_cost'] + s[f'{p}.energy_cost']:,.2f}", f"{s[f'{p}.margin']:,.2f}"])
    tables = [Table("Providers", ["provider", "completed", "rejected", "timed out", "utilization",
                                  f"revenue ({cur})" if one else "revenue", f"cost ({cur})", f"margin ({cur})"], rows)]
    segments = _segments(s)
    if segments:
        total = sum(float(s[f"bill.{g}"]) for g in segments) or 1.0
        costed = all(f"cost_to_serve.{g}" in s for g in segments)
        tables.append(Table("Bills by customer segment", ["segment", "accounts", f"bill ({cur})",
                                                            f"per account ({cur})", "share"]
                            + ([f"cost to serve ({cur})", f"margin ({cur})"] if costed else []),
                            [[g, f"{accounts.get(g, 0):,}", f"{float(s[f'bill.{g}']):,.2f}",
                              f"{float(s[f'bill.{g}']) / max(1, accounts.get(g, 1)):,.2f}",
                              pct(float(s[f"bill.{g}"]) / total, 1)]
                             + ([f"{float(s[f'cost_to_serve.{g}']):,.2f}", f"{float(s[f'margin.{g}']):,.2f}"]
                                if costed else []) for g in segments]))
    return tables


def run_page(summary: dict, accounts: dict[str, int], folder: Path, first_figures: tuple[str, ...],
             unit_economics=None) -> Page:
    s = summary
    return Page(
        title=f"{s['scenario']}: run report",
        subtitle=(f"seed {s['seed']}, {s['duration_s'] / 3600:g} h from {s['start']}, "
                  f"simulated in {s.get('wall_time_s', 0):.1f} s; amounts in {s['currency']}"),
        question=s.get("question") or "What happened in this run?",
        answer=run_answer(s, accounts) + _unit_answer(unit_economics, s["currency"]),
        tables=_run_tables(s, accounts) + _unit_tables(unit_economics, s["currency"]),
        figures=figure_names(folder, first_figures),
    )


def _unit_answer(table, currency: str) -> list[str]:
    """One sentence: the prompt lengths whose tokens earn least and most over their cost to serve."""
    if table is None or not len(table):
        return []
    rows = table[table["grouping"] == "prompt_length"]
    if len(rows) < 2:
        return []
    worst = rows.loc[rows["margin_per_1m_tokens"].idxmin()]
    best = rows.loc[rows["margin_per_1m_tokens"].idxmax()]

    def said(r) -> str:
        return (f"prompts of {r['group']} tokens are charged {currency} {r['charged_per_1m_tokens']:,.2f} "
                f"and cost {r['cost_to_serve_per_1m_tokens']:,.2f} to serve")

    return [f"Per 1M tokens, {said(worst)}; {said(best)}."]


def _unit_tables(table, currency: str) -> list[Table]:
    """Charged and cost to serve per 1M tokens, by prompt length and by service tier (if several)."""
    if table is None or not len(table):
        return []
    out = []
    for grouping, caption in (("prompt_length", "Per 1M tokens, by prompt length (tokens)"),
                              ("service_tier", "Per 1M tokens, by service tier")):
        rows = table[table["grouping"] == grouping]
        if grouping == "service_tier" and len(rows) < 2:
            continue
        out.append(Table(f"{caption}, in {currency}", [grouping.replace("_", " "), "requests", "tokens", "charged",
                                                      "cost to serve", "margin"],
                         [[r["group"], f"{int(r['requests']):,}", f"{int(r['tokens']):,}",
                           f"{r['charged_per_1m_tokens']:,.4f}", f"{r['cost_to_serve_per_1m_tokens']:,.4f}",
                           f"{r['margin_per_1m_tokens']:,.4f}"] for _, r in rows.iterrows()]))
    return out


def compare_answer(table, name: str, load: dict[str, tuple[float, float]]) -> list[str]:
    """Sentences comparing every policy with the first one (the baseline)."""
    rows = [r for _, r in table.iterrows()]
    base = rows[0]
    cur = base["currency"]
    same = len({int(r["requests_arrived"]) for r in rows}) == 1
    out = [f"{len(rows)} policies on the same seeded demand: " + (
        f"{int(base['requests_arrived']):,} requests each." if same else
        "customers answered the prices, so arrivals differ: "
        + ", ".join(f"{r['policy']} {int(r['requests_arrived']):,}" for r in rows) + ".")]
    for r in rows[1:]:
        out.append(f"Revenue under {r['policy']} is {money(r['revenue'], cur)}, "
                   f"{change(float(r['revenue']), float(base['revenue']))} against {base['policy']} "
                   f"({money(base['revenue'], cur)}); margin {money(r['margin'], cur)} against "
                   f"{money(base['margin'], cur)}.")
    lost = [(c, label) for c, label in (("requests_rejected", "rejected"), ("requests_timed_out", "timed out"),
                                        ("batch_window_missed", "missed their batch window")) if c in table]
    for column, label in lost:
        if any(int(r[column]) for r in rows):
            out.append(f"Requests {label}: " + ", ".join(f"{r['policy']} {int(r[column]):,}" for r in rows) + ".")
    out.append("Batch slots in use (mean; busiest and quietest interval): " + ", ".join(
        f"{r['policy']} {pct(r['utilization'])} ({pct(load[r['policy']][0])} / {pct(load[r['policy']][1])})"
        if r["policy"] in load else f"{r['policy']} {pct(r['utilization'])}" for r in rows) + ".")
    out.append("End-to-end latency p95: " + ", ".join(f"{r['policy']} {secs(r['e2e_latency_p95_s'])}" for r in rows)
               + "; time to first token p95: " + ", ".join(f"{r['policy']} {secs(r['ttft_p95_s'])}" for r in rows)
               + ".")
    slow = [c[len("e2e_p95_s."):] for c in table.columns if c.startswith("e2e_p95_s.")]
    if len(slow) > 1:
        out.append("End-to-end latency p95 by segment: " + "; ".join(
            f"{g} " + ", ".join(f"{r['policy']} {secs(r[f'e2e_p95_s.{g}'])}" for r in rows) for g in slow) + ".")
    segments = [c[5:] for c in table.columns if c.startswith("bill.")]
    for r in rows[1:]:
        if segments:
            moved = sorted(segments, key=lambda g: -abs(float(r[f"bill.{g}"]) - float(base[f"bill.{g}"])))
            out.append(f"Segment bills under {r['policy']} against {base['policy']}: " + "; ".join(
                f"{g} {money(r[f'bill.{g}'], cur)} ({change(float(r[f'bill.{g}']), float(base[f'bill.{g}']))})"
                for g in moved) + ".")
    return out


def compare_page(table, scenario, load: dict, folder: Path, first_figures: tuple[str, ...]) -> Page:
    cur = table["currency"].iloc[0]
    columns = ["policy", "requests", "revenue", "margin", "utilization", "rejected", "timed out", "TTFT p95",
               "e2e p95"] + [c[5:] for c in table.columns if c.startswith("bill.")]
    rows = [[r["policy"], f"{int(r['requests_arrived']):,}", f"{float(r['revenue']):,.2f}", f"{r['margin']:,.2f}",
             pct(r["utilization"]), f"{int(r['requests_rejected']):,}", f"{int(r['requests_timed_out']):,}",
             secs(r["ttft_p95_s"]), secs(r["e2e_latency_p95_s"])]
            + [f"{float(r[c]):,.2f}" for c in table.columns if c.startswith("bill.")] for _, r in table.iterrows()]
    return Page(
        title=f"{scenario.name}: comparison of {len(table)} policies",
        subtitle=f"seed {scenario.seed}; amounts in {cur}; segment columns are each segment's bill",
        question=scenario.question or "How do the policies differ?",
        answer=compare_answer(table, scenario.name, load),
        tables=[Table("Policies side by side", columns, rows)] + _segment_costs(table),
        figures=figure_names(folder, first_figures),
    )


def _segment_costs(table) -> list[Table]:
    """Per policy and segment: the bill, what serving it cost (its share of busy GPU time) and the margin."""
    segments = [c[5:] for c in table.columns if c.startswith("bill.")]
    if not segments or not all(f"cost_to_serve.{g}" in table for g in segments):
        return []
    rows = []
    for _, r in table.iterrows():
        rows += [[r["policy"], g, f"{float(r[f'bill.{g}']):,.2f}", f"{float(r[f'cost_to_serve.{g}']):,.2f}",
                  f"{float(r[f'margin.{g}']):,.2f}"] for g in segments]
        rows.append([r["policy"], "idle replicas (no segment)", "", f"{r['idle_cost']:,.2f}", f"{-r['idle_cost']:,.2f}"])
    return [Table("Bill, cost to serve and margin by segment", ["policy", "segment", "bill", "cost to serve",
                                                                "margin"], rows)]


_KEY_METRICS = ("requests_completed", "requests_rejected", "requests_timed_out", "revenue", "utilization",
                "ttft_p95_s", "e2e_latency_p95_s", "output_tokens_per_s", "energy_kwh")


def _num(value) -> str:
    value = float(value)
    if value != value:
        return "n/a"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def replications_page(replications, folder: Path) -> Page:
    sc = replications.scenario
    table = replications.table().set_index("metric")
    n = len(replications.outcomes)
    answer = [f"{n} independent runs (seeds {sc.seed} to {sc.seed + n - 1}); each number is the mean with its "
              "95% confidence interval (Student t)."]
    for metric in _KEY_METRICS:
        if metric in table.index:
            row = table.loc[metric]
            answer.append(f"{metric}: {_num(row['mean'])} ± {_num(row['ci95_half_width'])}.")
    rows = [[m, _num(table.loc[m, "mean"]), _num(table.loc[m, "ci95_half_width"]), _num(table.loc[m, "std"])]
            for m in table.index if m in _KEY_METRICS or m.startswith("bill.")]
    return Page(title=f"{sc.name}: {n} replications", subtitle=f"amounts in {sc.currency}",
                question=sc.question or "How much do the results vary from seed to seed?", answer=answer,
                tables=[Table("Means and 95% confidence intervals", ["metric", "mean", "± 95%", "std"], rows)],
                figures=figure_names(folder))


def _param(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def sweep_page(sweep, name: str, folder: Path) -> Page:
    table = sweep.table()
    best = sweep.best()
    params, metrics = sweep.parameters, [m for m in sweep.spec.metrics if m in table]
    answer = [f"{len(table)} points x {sweep.spec.replications} replications over "
              + ", ".join(params) + "."]
    if best is not None:
        if best["feasible"]:
            at = ", ".join(f"{k} = {v}" for k, v in best["overrides"].items())
            answer.append(f"The best point is {at}: {best['objective']} {_num(best['value'])}; "
                          f"{best['feasible_points']} of {best['points']} points meet the constraints.")
        else:
            answer.append(f"No point meets the constraints on {best['objective']}.")
    for m in metrics:
        hi, lo = table[m].idxmax(), table[m].idxmin()
        answer.append(f"{m} ranges from {_num(table.loc[lo, m])} ("
                      + ", ".join(f"{p} = {_param(table.loc[lo, p])}" for p in params) + f") to {_num(table.loc[hi, m])} ("
                      + ", ".join(f"{p} = {_param(table.loc[hi, p])}" for p in params) + ").")
    rows = [[*(_param(r[p]) for p in params), *(_num(r[m]) for m in metrics)] for _, r in table.iterrows()]
    return Page(title=f"{name}: sweep", question="Which settings do best, within the constraints?",
                answer=answer, tables=[Table("Points (means of replications)", params + metrics, rows)],
                figures=figure_names(folder))


def meter_page(summary: dict, table, folder: Path) -> Page:
    ref = summary["reference"]
    every = table[table["script"] == "all"] if "all" in set(table["script"]) else table
    ratio = f"ratio_to_{ref}"
    answer = [f"{summary['requests']:,} requests metered ({summary['skipped_lines']:,} bad lines skipped), "
              f"counted with {len(summary['tokenizers'])} tokenizers against {ref}."]
    parts = [f"{r['tokenizer']} {int(r['tokens']):,} tokens ({float(r[ratio]):.3f} x {ref})"
             for _, r in every.iterrows()]
    if parts:
        answer.append("The same texts: " + "; ".join(parts) + ".")
    if summary.get("audited_requests"):
        answer.append(f"Of {summary['audited_requests']:,} requests with reported usage, {summary['audit_billed_more']:,} "
                      f"were billed for more tokens than the text holds and {summary['audit_billed_less']:,} for fewer.")
    cols = [c for c in ("tokenizer", "script", "requests", "characters", "tokens", "tokens_per_character",
                        ratio) if c in table]
    rows = [[_num(r[c]) if isinstance(r[c], float) else (f"{r[c]:,}" if isinstance(r[c], int) else str(r[c]))
             for c in cols] for _, r in table.iterrows()]
    return Page(title="Meter report", question="How many tokens is the same text for each vendor's tokenizer?",
                answer=answer, tables=[Table("Tokens per tokenizer and script", cols, rows)],
                figures=figure_names(folder))
