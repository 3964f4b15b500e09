"""The content of each folder's `report.html`: the question, the answer in sentences, key tables.

Every number here is read from what the run already measured (the summary, the comparison
table, the replication and sweep tables): the page formats, it computes nothing new. The words
come from the message catalogue of the report's language (`tokenecon.i18n`, argument `w`): the
same numbers fill the English sentence and its Chinese twin.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..i18n import Words, words
from .html import Page, Table

__all__ = ["run_page", "compare_page", "replications_page", "sweep_page", "meter_page", "figure_names"]


EN = words("en")
share = EN.share  # part of whole as a percentage that never reads 100% (or 0%) unless it is


def figure_names(folder: Path, first: tuple[str, ...] = ()) -> list[str]:
    """The folder's PNG files: the named ones first, in that order, then the others by name."""
    present = sorted(p.name for p in folder.glob("*.png"))
    return [n for n in first if n in present] + [n for n in present if n not in first]


def _providers(s: dict) -> list[str]:
    return list(dict.fromkeys(k.rsplit(".", 1)[0] for k in s if k.endswith(".utilization") and "." in k))


def _segments(s: dict) -> list[str]:
    return [k[5:] for k in s if k.startswith("bill.")]


def run_answer(s: dict, accounts: dict[str, int], w: Words = EN) -> list[str]:
    """Sentences answering a run's question, from its summary."""
    cur = s["currency"]
    out = [w("run.requests", arrived=s["requests_arrived"], completed=s["requests_completed"],
             share=w.share(s["requests_completed"], s["requests_arrived"]), rejected=s["requests_rejected"],
             timed_out=s["requests_timed_out"], running=s["requests_running"])]
    segments = _segments(s)
    if segments:
        total = sum(float(s[f"bill.{g}"]) for g in segments) or 1.0
        parts = []
        for g in sorted(segments, key=lambda g: -float(s[f"bill.{g}"])):
            bill = float(s[f"bill.{g}"])
            n = accounts.get(g, 0)
            each = w("run.bill_each", per=w.money(bill / n, cur), n=n) if n > 1 else ""
            parts.append(w("run.bill_part", segment=g, bill=w.money(bill, cur), share=w.pct(bill / total), each=each))
        out.append(w("run.bills", parts=w.join(parts, "sep.parts")))
    out.append(w("run.revenue", revenue=w.money(s["revenue"], cur), estimate=w("run.estimate") if "scale" in s else "",
                 supply=w.money(s["gpu_cost"] + s["energy_cost"], cur), gpu=w.money(s["gpu_cost"], cur),
                 energy=w.money(s["energy_cost"], cur)))
    for p in _providers(s):
        margin = s[f"{p}.margin"]
        out.append(w("run.provider", provider=p, revenue=w.money(s[f"{p}.revenue"], s[f"{p}.currency"]),
                     margin=w.money(margin, cur), verdict=w("run.covers" if margin >= 0 else "run.not_covers"),
                     utilization=w.pct(s[f"{p}.utilization"]), completed=s[f"{p}.requests_completed"],
                     rejected=s[f"{p}.requests_rejected"], timed_out=s[f"{p}.requests_timed_out"]))
    if s.get("fleet_source") != "supply_model":  # a supply model's simulated fleet is a stand-in: no latency
        out.append(w("run.latency", ttft50=w.secs(s["ttft_p50_s"]), ttft95=w.secs(s["ttft_p95_s"]),
                     e2e50=w.secs(s["e2e_latency_p50_s"]), e2e95=w.secs(s["e2e_latency_p95_s"])))
    if s.get("batch_requests"):
        out.append(w("run.batch", n=s["batch_requests"], missed=s["batch_window_missed"],
                     expired=s["batch_window_expired"], late=s["batch_finished_late"]))
    if s.get("energy_kwh"):
        co2 = w("run.co2", kg=s["co2_kg"]) if s.get("co2_kg") else ""
        out.append(w("run.energy", kwh=s["energy_kwh"], per_million=s["kwh_per_million_tokens"], co2=co2))
    out += _national_answer(s, w)
    return out


def _national_answer(s: dict, w: Words = EN) -> list[str]:
    out = []
    milestones = [k for k in s if k.startswith("milestone.")]
    if milestones:
        out.append(w("run.milestones", parts=w.join(w("run.milestone", name=k.split(".")[1], ratio=s[k])
                                                      for k in milestones)))
    if "supply.gpus_needed_end" in s:
        out.append(w("run.supply", gpus=s["supply.gpus_needed_end"], gwh=s["supply.energy_gwh"], kt=s["supply.co2_kt"],
                     cost=s["supply.cost_per_million_end"], price=s["price_per_million_end"], **w.cur(s["currency"])))
    return out


def _run_tables(s: dict, accounts: dict[str, int], w: Words = EN) -> list[Table]:
    cur = s["currency"]
    c = w.cur(cur)
    rows = []
    one = all(s[f"{p}.currency"] == cur for p in _providers(s))  # else each revenue names its currency
    for p in _providers(s):
        rows.append([p, f"{s[f'{p}.requests_completed']:,}", f"{s[f'{p}.requests_rejected']:,}",
                     f"{s[f'{p}.requests_timed_out']:,}", w.pct(s[f"{p}.utilization"]),
                     f"{float(s[f'{p}.revenue']):,.2f}" + ("" if one else f" {s[f'{p}.currency']}"),
                     f"{s[f'{p}.gpu_cost'] + s[f'{p}.energy_cost']:,.2f}", f"{s[f'{p}.margin']:,.2f}"])
    tables = [Table(w("run.t.providers"), [w("col.provider"), w("col.completed"), w("col.rejected"),
                                           w("col.timed_out"), w("col.utilization"),
                                           w("col.revenue_in", **c) if one else w("col.revenue"),
                                           w("col.cost_in", **c), w("col.margin_in", **c)], rows)]
    segments = _segments(s)
    if segments:
        total = sum(float(s[f"bill.{g}"]) for g in segments) or 1.0
        costed = all(f"cost_to_serve.{g}" in s for g in segments)
        tables.append(Table(w("run.t.segments"), [w("col.segment"), w("col.accounts"), w("col.bill_in", **c),
                                                  w("col.per_account_in", **c), w("col.share")]
                            + ([w("col.cost_to_serve_in", **c), w("col.margin_in", **c)] if costed else []),
                            [[g, f"{accounts.get(g, 0):,}", f"{float(s[f'bill.{g}']):,.2f}",
                              f"{float(s[f'bill.{g}']) / max(1, accounts.get(g, 1)):,.2f}",
                              w.pct(float(s[f"bill.{g}"]) / total, 1)]
                             + ([f"{float(s[f'cost_to_serve.{g}']):,.2f}", f"{float(s[f'margin.{g}']):,.2f}"]
                                if costed else []) for g in segments]))
    return tables


def run_page(summary: dict, accounts: dict[str, int], folder: Path, first_figures: tuple[str, ...],
             unit_economics=None, w: Words = EN) -> Page:
    s = summary
    return Page(
        title=w("run.title", scenario=s["scenario"]),
        subtitle=w("run.subtitle", seed=s["seed"], hours=s["duration_s"] / 3600, start=s["start"],
                   wall=s.get("wall_time_s", 0), **w.cur(s["currency"])),
        question=s.get("question") or w("run.question"),
        answer=run_answer(s, accounts, w) + _unit_answer(unit_economics, s["currency"], w),
        tables=_run_tables(s, accounts, w) + _unit_tables(unit_economics, s["currency"], w),
        figures=figure_names(folder, first_figures),
        lang=w.lang,
    )


def _unit_answer(table, currency: str, w: Words = EN) -> list[str]:
    """One sentence: the prompt lengths whose tokens earn least and most over their cost to serve."""
    if table is None or not len(table):
        return []
    rows = table[table["grouping"] == "prompt_length"]
    if len(rows) < 2:
        return []
    worst = rows.loc[rows["margin_per_1m_tokens"].idxmin()]
    best = rows.loc[rows["margin_per_1m_tokens"].idxmax()]

    def said(r) -> str:
        return w("run.unit_said", group=r["group"], charged=w.money(r["charged_per_1m_tokens"], currency),
                 cost=r["cost_to_serve_per_1m_tokens"], **w.cur(currency))

    return [w("run.unit", worst=said(worst), best=said(best))]


def _unit_tables(table, currency: str, w: Words = EN) -> list[Table]:
    """Charged and cost to serve per 1M tokens, by prompt length and by service tier (if several)."""
    if table is None or not len(table):
        return []
    out = []
    for grouping in ("prompt_length", "service_tier"):
        rows = table[table["grouping"] == grouping]
        if grouping == "service_tier" and len(rows) < 2:
            continue
        out.append(Table(w(f"run.t.{grouping}", **w.cur(currency)),
                         [w(f"col.{grouping}"), w("col.requests"), w("col.tokens"), w("col.charged"),
                          w("col.cost_to_serve"), w("col.margin")],
                         [[r["group"], f"{int(r['requests']):,}", f"{int(r['tokens']):,}",
                           f"{r['charged_per_1m_tokens']:,.4f}", f"{r['cost_to_serve_per_1m_tokens']:,.4f}",
                           f"{r['margin_per_1m_tokens']:,.4f}"] for _, r in rows.iterrows()]))
    return out


def flatness_answer(shapes: dict[str, tuple[float, bool]], w: Words = EN) -> list[str]:
    """Per policy after the first: does it flatten the load curve? `shapes` maps each policy, first the
    baseline, to its busiest-over-quietest batch-slot use and whether hours were compared
    (`loadshape.peak_to_trough`); equal within 2% is "about as flat"."""
    names = [name for name, (ratio, _) in shapes.items() if not math.isnan(ratio)]
    if len(names) < 2 or names[0] != next(iter(shapes)):
        return []
    span = w("cmp.span.hour" if shapes[names[0]][1] else "cmp.span.interval")

    def said(ratio: float) -> str:
        return w("cmp.flat.idle", span=span) if math.isinf(ratio) else f"{ratio:.1f}x"

    base, base_ratio = names[0], shapes[names[0]][0]
    out = []
    for name in names[1:]:
        ratio = shapes[name][0]
        # within 2% of a finite baseline (an idle quietest hour, inf, is only as flat as another)
        same = ratio == base_ratio or (math.isfinite(base_ratio) and abs(ratio - base_ratio) <= 0.02 * base_ratio)
        verdict = "same" if same else "yes" if ratio < base_ratio else "no"
        out.append(w(f"cmp.flat.{verdict}", policy=name, base=base, span=span, ratio=said(ratio),
                     base_ratio=said(base_ratio)))
    return out


def compare_answer(table, name: str, load: dict[str, tuple], w: Words = EN,
                   shapes: dict[str, tuple[float, bool]] | None = None) -> list[str]:
    """Sentences comparing every policy with the first one (the baseline)."""
    rows = [r for _, r in table.iterrows()]
    base = rows[0]
    cur = base["currency"]
    same = len({int(r["requests_arrived"]) for r in rows}) == 1
    arrivals = (w("cmp.each", n=int(base["requests_arrived"])) if same else
                w("cmp.differ", parts=w.join(f"{r['policy']} {int(r['requests_arrived']):,}" for r in rows)))
    out = [w("cmp.same_demand", n=len(rows), arrivals=arrivals)]
    for r in rows[1:]:
        out.append(w("cmp.revenue", policy=r["policy"], revenue=w.money(r["revenue"], cur),
                     change=w.change(float(r["revenue"]), float(base["revenue"])), base=base["policy"],
                     base_revenue=w.money(base["revenue"], cur), margin=w.money(r["margin"], cur),
                     base_margin=w.money(base["margin"], cur)))
    for column in ("requests_rejected", "requests_timed_out", "batch_window_missed"):
        if column in table and any(int(r[column]) for r in rows):
            out.append(w("cmp.lost", label=w(f"cmp.lost.{column}"),
                         parts=w.join(f"{r['policy']} {int(r[column]):,}" for r in rows)))
    firsts = {policy: extremes[2] for policy, extremes in load.items() if len(extremes) > 2}
    if any(firsts.values()):  # when rejections and timeouts begin
        out.append(w("cmp.first_lost", parts=w.join(f"{r['policy']} {firsts.get(r['policy']) or w('cmp.none_lost')}"
                                                      for r in rows)))
    out.append(w("cmp.slots", parts=w.join(
        w("cmp.slot", policy=r["policy"], mean=w.pct(r["utilization"]), busiest=w.pct(load[r["policy"]][0]),
          quietest=w.pct(load[r["policy"]][1])) if r["policy"] in load else f"{r['policy']} {w.pct(r['utilization'])}"
        for r in rows)))
    out += flatness_answer(shapes or {}, w)
    out.append(w("cmp.latency", e2e=w.join(f"{r['policy']} {w.secs(r['e2e_latency_p95_s'])}" for r in rows),
                 ttft=w.join(f"{r['policy']} {w.secs(r['ttft_p95_s'])}" for r in rows)))
    slow = [c[len("e2e_p95_s."):] for c in table.columns if c.startswith("e2e_p95_s.")]
    if len(slow) > 1:
        out.append(w("cmp.segment_latency", parts=w.join(
            (f"{g} " + w.join(f"{r['policy']} {w.secs(r[f'e2e_p95_s.{g}'])}" for r in rows) for g in slow),
            "sep.parts")))
    segments = [c[5:] for c in table.columns if c.startswith("bill.")]
    for r in rows[1:]:
        if segments:
            moved = sorted(segments, key=lambda g: -abs(float(r[f"bill.{g}"]) - float(base[f"bill.{g}"])))
            out.append(w("cmp.segment_bills", policy=r["policy"], base=base["policy"], parts=w.join(
                (w("cmp.bill_moved", segment=g, bill=w.money(r[f"bill.{g}"], cur),
                   change=w.change(float(r[f"bill.{g}"]), float(base[f"bill.{g}"]))) for g in moved), "sep.parts")))
    return out


def compare_page(table, scenario, load: dict, folder: Path, first_figures: tuple[str, ...], w: Words = EN,
                 shapes: dict[str, tuple[float, bool]] | None = None) -> Page:
    cur = table["currency"].iloc[0]
    columns = [w(f"col.{k}") for k in ("policy", "requests", "revenue", "margin", "utilization", "rejected",
                                       "timed_out", "ttft_p95", "e2e_p95")] \
        + [c[5:] for c in table.columns if c.startswith("bill.")]
    rows = [[r["policy"], f"{int(r['requests_arrived']):,}", f"{float(r['revenue']):,.2f}", f"{r['margin']:,.2f}",
             w.pct(r["utilization"]), f"{int(r['requests_rejected']):,}", f"{int(r['requests_timed_out']):,}",
             w.secs(r["ttft_p95_s"]), w.secs(r["e2e_latency_p95_s"])]
            + [f"{float(r[c]):,.2f}" for c in table.columns if c.startswith("bill.")] for _, r in table.iterrows()]
    return Page(
        title=w("cmp.title", scenario=scenario.name, n=len(table)),
        subtitle=w("cmp.subtitle", seed=scenario.seed, **w.cur(cur)),
        question=scenario.question or w("cmp.question"),
        answer=compare_answer(table, scenario.name, load, w, shapes),
        tables=[Table(w("cmp.t.policies"), columns, rows)] + _segment_costs(table, w),
        figures=figure_names(folder, first_figures),
        lang=w.lang,
    )


def _segment_costs(table, w: Words = EN) -> list[Table]:
    """Per policy and segment: the bill, what serving it cost (its share of busy GPU time) and the margin."""
    segments = [c[5:] for c in table.columns if c.startswith("bill.")]
    if not segments or not all(f"cost_to_serve.{g}" in table for g in segments):
        return []
    rows = []
    for _, r in table.iterrows():
        rows += [[r["policy"], g, f"{float(r[f'bill.{g}']):,.2f}", f"{float(r[f'cost_to_serve.{g}']):,.2f}",
                  f"{float(r[f'margin.{g}']):,.2f}"] for g in segments]
        rows.append([r["policy"], w("cmp.idle"), "", f"{r['idle_cost']:,.2f}", f"{-r['idle_cost']:,.2f}"])
    return [Table(w("cmp.t.segments"), [w(f"col.{k}") for k in ("policy", "segment", "bill", "cost_to_serve",
                                                                 "margin")], rows)]


_KEY_METRICS = ("requests_completed", "requests_rejected", "requests_timed_out", "revenue", "utilization",
                "ttft_p95_s", "e2e_latency_p95_s", "output_tokens_per_s", "energy_kwh")


def _num(value, w: Words = EN) -> str:
    value = float(value)
    if value != value:
        return w("fmt.na")
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def replications_page(replications, folder: Path, w: Words = EN) -> Page:
    sc = replications.scenario
    table = replications.table().set_index("metric")
    n = len(replications.outcomes)
    answer = [w("rep.intro", n=n, first=sc.seed, last=sc.seed + n - 1)]
    # the totals, then what each provider earns and how loaded it is, then each segment's bill
    shown = [*_KEY_METRICS, *(f"{p.name}.{k}" for p in sc.providers for k in ("margin", "utilization")),
             *(m for m in table.index if m.startswith("bill."))]
    shown = [m for m in shown if m in table.index]
    for metric in shown:
        row = table.loc[metric]
        answer.append(w("rep.metric", metric=w.label(metric), mean=_num(row["mean"], w),
                        half=_num(row["ci95_half_width"], w)))
    rows = [[w.label(m), _num(table.loc[m, "mean"], w), _num(table.loc[m, "ci95_half_width"], w),
             _num(table.loc[m, "std"], w)] for m in shown]
    return Page(title=w("rep.title", scenario=sc.name, n=n), subtitle=w("rep.subtitle", **w.cur(sc.currency)),
                question=sc.question or w("rep.question"), answer=answer,
                tables=[Table(w("rep.t.means"), [w(f"col.{k}") for k in ("metric", "mean", "ci95", "std")], rows)],
                figures=figure_names(folder), lang=w.lang)


def _param(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def sweep_page(sweep, name: str, folder: Path, w: Words = EN) -> Page:
    table = sweep.table()
    best = sweep.best()
    params, metrics = sweep.parameters, [m for m in sweep.spec.metrics if m in table]
    answer = [w("sweep.intro", points=len(table), reps=sweep.spec.replications, params=", ".join(params))]
    if best is not None:
        if best["feasible"]:
            at = ", ".join(f"{k} = {v}" for k, v in best["overrides"].items())
            answer.append(w("sweep.best", at=at, objective=w.label(best["objective"]), value=_num(best["value"], w),
                            feasible=best["feasible_points"], points=best["points"]))
        elif best.get("no_value"):
            answer.append(w("sweep.no_value", objective=w.label(best["objective"])))
        else:
            answer.append(w("sweep.none", objective=w.label(best["objective"])))
    for m in metrics:
        if table[m].isna().all():  # no point gives the metric a value (a latency with no request completed)
            continue
        hi, lo = table[m].idxmax(), table[m].idxmin()
        answer.append(w("sweep.range", metric=w.label(m), low=_num(table.loc[lo, m], w), high=_num(table.loc[hi, m], w),
                        at_low=", ".join(f"{p} = {_param(table.loc[lo, p])}" for p in params),
                        at_high=", ".join(f"{p} = {_param(table.loc[hi, p])}" for p in params)))
    rows = [[*(_param(r[p]) for p in params), *(_num(r[m], w) for m in metrics)] for _, r in table.iterrows()]
    return Page(title=w("sweep.title", name=name), question=w("sweep.question"), answer=answer,
                tables=[Table(w("sweep.t.points"), params + [w.label(m) for m in metrics], rows)],
                figures=figure_names(folder), lang=w.lang)


def meter_page(summary: dict, table, folder: Path, w: Words = EN) -> Page:
    ref = summary["reference"]
    every = table[table["script"] == "all"] if "all" in set(table["script"]) else table
    ratio = f"ratio_to_{ref}"
    answer = [w("meter.intro", requests=summary["requests"], skipped=summary["skipped_lines"],
                n=len(summary["tokenizers"]), reference=ref)]
    parts = [w("meter.part", tokenizer=r["tokenizer"], tokens=int(r["tokens"]), ratio=float(r[ratio]), reference=ref)
             for _, r in every.iterrows()]
    if parts:
        answer.append(w("meter.same", parts=w.join(parts, "sep.parts")))
    if summary.get("audited_requests"):
        answer.append(w("meter.audit", n=summary["audited_requests"], more=summary["audit_billed_more"],
                        less=summary["audit_billed_less"]))
    if summary.get("unaudited_requests"):
        answer.append(w("meter.unaudited", n=summary["unaudited_requests"]))
    cols = [c for c in ("tokenizer", "script", "requests", "characters", "tokens", "tokens_per_character",
                        ratio) if c in table]
    heads = [w("meter.col.ratio", reference=ref) if c == ratio else w(f"meter.col.{c}") for c in cols]
    rows = [[_num(r[c], w) if isinstance(r[c], float) else (f"{r[c]:,}" if isinstance(r[c], int) else
                                                             w.messages.get(f"meter.script.{r[c]}", str(r[c])))
             for c in cols] for _, r in table.iterrows()]
    return Page(title=w("meter.title"), question=w("meter.question"), answer=answer,
                tables=[Table(w("meter.t.tokens"), heads, rows)], figures=figure_names(folder), lang=w.lang)
