"""Figures of a policy comparison: one chart per question, every policy side by side."""

from __future__ import annotations

from pathlib import Path

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .style import (date_axis, headroom, legend_below, linestyles, palette, readable,  # noqa: E402
                    figure_language, save, short_number, title_of, tz_label, use_cjk_font, words_for)

from .loadshape import load_curve  # noqa: E402

use_cjk_font()  # Chinese, Japanese and Korean names render

__all__ = ["write_compare_figures", "COMPARE_FIGURES", "load_curve"]

COMPARE_FIGURES = ("bill_by_segment.png", "revenue_margin.png", "cost_over_time.png", "failures.png",
                   "latency_utilization.png", "load_over_time.png")


def _scenario(comparison):
    return next(iter(comparison.results.values())).scenario


def _save(fig, path: Path, title: str, comparison=None) -> None:
    save(fig, path, title_of(_scenario(comparison), title) if comparison is not None else title)


def _words(comparison):
    return words_for(_scenario(comparison))


def _time_axis(ax, scenario) -> None:
    date_axis(ax, scenario.tz, words_for(scenario))
    ax.set_xlabel(tz_label(scenario))
    ax.grid(True, alpha=0.3)


def cost_over_time(comparison, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(11, 5.4))
    colors, w = palette(comparison.results), _words(comparison)
    styles = linestyles(comparison.results)
    for name, result in comparison.results.items():
        ts = result.timeseries
        rates = dict(zip([p.name for p in result.scenario.providers], result.bill.provider_rate))
        value = ts["revenue"].astype(float) * ts["provider"].map(lambda p: float(rates[p]))  # scenario currency
        by_time = ts.assign(rev=value).groupby("interval_end_s", sort=True)["rev"].sum()
        start = pd.Timestamp(result.scenario.start_local)
        times = [start] + [start + pd.Timedelta(seconds=float(t)) for t in by_time.index]  # from 0 at the start
        ax.plot(np.asarray(times, dtype=object), np.concatenate([[0.0], np.cumsum(by_time.to_numpy())]), lw=2, color=colors[name],
                ls=styles[name], label=name)
    _time_axis(ax, _scenario(comparison))
    ax.set_ylabel(w("fig.cmp.spend_y", **w.cur(comparison.currency)))
    headroom(ax)
    readable(ax)
    legend_below(ax, title=w("fig.policy"))
    _save(fig, path, w("fig.cmp.spend"), comparison)


def revenue_margin(table: pd.DataFrame, currency: str, path: Path, comparison=None) -> None:
    fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(table) + 3), 5.4))
    colors, w = palette(table["policy"]), _words(comparison) if comparison is not None else words_for(None)
    x = np.arange(len(table))
    revenue = table["revenue"].astype(float).to_numpy()
    margin = table["margin"].astype(float).to_numpy()
    fill = [colors[p] for p in table["policy"]]
    ax.bar(x - 0.2, revenue, 0.4, color=fill, label=w("fig.cmp.revenue"))
    ax.bar(x + 0.2, margin, 0.4, color=fill, alpha=0.45, hatch="//", edgecolor="black", lw=0.5,
           label=w("fig.cmp.margin"))
    for xx, v in zip(np.concatenate([x - 0.2, x + 0.2]), np.concatenate([revenue, margin])):
        ax.text(xx, v, f"{v:,.2f}", ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, table["policy"])
    ax.set_ylabel(w("fig.in_cur", **w.cur(currency)))
    low, high = min(0.0, float(np.min(margin))), max(0.0, float(np.max(revenue)), float(np.max(margin)))
    pad = 0.12 * (high - low or 1.0)
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)
    ax.grid(True, axis="y", alpha=0.3)
    readable(ax)
    legend_below(ax, ncol=2)
    _save(fig, path, w("fig.cmp.revenue_margin"), comparison)


def bill_by_segment(table: pd.DataFrame, currency: str, path: Path, comparison=None) -> None:
    segments = [c.split(".", 1)[1] for c in table.columns if c.startswith("bill.")]
    colors, w = palette(table["policy"]), _words(comparison) if comparison is not None else words_for(None)
    fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(segments) * len(table) / 2 + 3), 5.4))
    width = 0.8 / len(table)
    x = np.arange(len(segments))
    top = 0.0
    for k, (_, row) in enumerate(table.iterrows()):
        values = [float(row[f"bill.{s}"]) for s in segments]
        top = max(top, *values)
        ax.bar(x + (k - (len(table) - 1) / 2) * width, values, width, color=colors[row["policy"]],
               label=row["policy"])
    ax.set_xticks(x, segments)
    ax.set_ylabel(w("fig.cmp.bill_y", **w.cur(currency)))
    ax.grid(True, axis="y", alpha=0.3)
    headroom(ax, top)
    readable(ax)
    legend_below(ax, title=w("fig.policy"))
    _save(fig, path, w("fig.cmp.bill"), comparison)


def latency_utilization(table: pd.DataFrame, path: Path, comparison=None) -> None:
    fig, (lat, util) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [2, 1]})
    colors, w = palette(table["policy"]), _words(comparison) if comparison is not None else words_for(None)
    kinds = [("ttft_p50_s", w("fig.cmp.ttft_p50"), "", 1.0), ("ttft_p95_s", w("fig.cmp.ttft_p95"), "", 0.5),
             ("e2e_latency_p50_s", w("fig.cmp.e2e_p50"), "//", 1.0),
             ("e2e_latency_p95_s", w("fig.cmp.e2e_p95"), "//", 0.5)]
    x = np.arange(len(kinds))
    width = 0.8 / len(table)
    for k, (_, row) in enumerate(table.iterrows()):
        values = [float(row[c]) for c, _, _, _ in kinds]
        lat.bar(x + (k - (len(table) - 1) / 2) * width, values, width, color=colors[row["policy"]],
                label=row["policy"])
    lat.set_xticks(x, [label for _, label, _, _ in kinds])
    lat.set_yscale("log")
    lat.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    lat.set_ylabel(w("fig.cmp.log_seconds"))
    lat.set_title(w("fig.cmp.latency"))
    util.bar(np.arange(len(table)), 100 * table["utilization"], 0.6, color=[colors[p] for p in table["policy"]])
    util.set_xticks(np.arange(len(table)), table["policy"])
    util.set_ylim(0, 105)
    util.set_ylabel(w("fig.cmp.slots_y"))
    util.set_title(w("fig.cmp.util"))
    for ax in (lat, util):
        ax.grid(True, axis="y", alpha=0.3)
    legend_below(lat, title=w("fig.policy"))
    _save(fig, path, w("fig.cmp.service"), comparison)


def failures(comparison, table: pd.DataFrame, path: Path) -> bool:
    """Rejected, timed-out and batch-window-missed requests by policy, and failures per hour over time."""
    w = _words(comparison)
    kinds = [(c, w(label)) for c, label in (("requests_rejected", "fig.cmp.rejected"),
                                            ("requests_timed_out", "fig.cmp.timed_out"),
                                            ("batch_window_missed", "fig.cmp.missed"))
             if c in table and int(table[c].sum())]
    if not kinds:
        return False
    colors = palette(table["policy"])
    styles = linestyles(table["policy"])
    fig, (bars, over) = plt.subplots(1, 2, figsize=(14, 5.4), gridspec_kw={"width_ratios": [1, 1.6]})
    x = np.arange(len(kinds))
    width = 0.8 / len(table)
    for k, (_, row) in enumerate(table.iterrows()):
        values = [int(row[c]) for c, _ in kinds]
        offset = (k - (len(table) - 1) / 2) * width
        bars.bar(x + offset, values, width, color=colors[row["policy"]], label=row["policy"])
        for xx, v in zip(x + offset, values):
            bars.text(xx, v, f"{v:,}", ha="center", va="bottom", fontsize=8)
    bars.set_xticks(x, [label for _, label in kinds])
    bars.set_ylabel(w("fig.cmp.requests"))
    bars.set_title(w("fig.cmp.lost"))
    headroom(bars)
    readable(bars)
    for name, result in comparison.results.items():
        ts = result.timeseries
        grouped = ts.groupby("interval_start_s", sort=True)
        lost = (grouped["requests_rejected"].sum() + grouped["requests_timed_out"].sum())
        hours = (grouped["interval_end_s"].first() - grouped["interval_start_s"].first()) / 3600.0
        start = pd.Timestamp(result.scenario.start_local)
        times = [start + pd.Timedelta(seconds=float(t)) for t in lost.index]
        over.plot(times, (lost / hours).to_numpy(), lw=1.8, color=colors[name], ls=styles[name], label=name)
    _time_axis(over, _scenario(comparison))
    over.set_ylabel(w("fig.cmp.lost_y"))
    over.set_title(w("fig.cmp.lost_time"))
    headroom(over)
    readable(over)
    for ax in (bars, over):
        legend_below(ax, title=w("fig.policy"))
    _save(fig, path, w("fig.cmp.failures"), comparison)
    return True


def load_over_time(comparison, path: Path) -> None:
    """The load curve under each policy: utilization and end-to-end p95 latency over time."""
    fig, (util, lat) = plt.subplots(1, 2, figsize=(14, 5.4))
    colors, w = palette(comparison.results), _words(comparison)
    styles = linestyles(comparison.results)
    for name, result in comparison.results.items():
        times, utilization, e2e = load_curve(result)
        util.plot(times, 100 * utilization, lw=1.8, color=colors[name], ls=styles[name], label=name)
        lat.plot(times, e2e, lw=1.6, color=colors[name], ls=styles[name], label=name)
    for ax in (util, lat):
        _time_axis(ax, _scenario(comparison))
        legend_below(ax, title=w("fig.cmp.overlap") if len(comparison.results) > 1 else w("fig.policy"))
    util.set_ylim(0, 105)
    util.set_ylabel(w("fig.cmp.load_y"))
    util.set_title(w("fig.cmp.load"))
    lat.set_ylabel(w("fig.seconds"))
    headroom(lat)
    readable(lat)
    lat.set_title(w("fig.cmp.worst"))
    _save(fig, path, w("fig.cmp.load_title"), comparison)


def write_compare_figures(comparison, table: pd.DataFrame, folder: Path) -> None:
    # every name a figure may draw: policies, and each variant's providers, segments and title
    with figure_language(_words(comparison), " ".join(comparison.results)
                         + "".join(r.scenario.model_dump_json() for r in comparison.results.values())):
        cost_over_time(comparison, folder / "cost_over_time.png")
        revenue_margin(table, comparison.currency, folder / "revenue_margin.png", comparison)
        bill_by_segment(table, comparison.currency, folder / "bill_by_segment.png", comparison)
        latency_utilization(table, folder / "latency_utilization.png", comparison)
        load_over_time(comparison, folder / "load_over_time.png")
        failures(comparison, table, folder / "failures.png")
