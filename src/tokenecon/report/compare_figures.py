"""Figures of a policy comparison: one chart per question, every policy side by side."""

from __future__ import annotations

from pathlib import Path

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .style import (headroom, legend_below, linestyles, palette, readable, save, short_number, title_of,  # noqa: E402
                    use_cjk_font, use_fonts_for)

use_cjk_font()  # Chinese, Japanese and Korean names render

__all__ = ["write_compare_figures", "COMPARE_FIGURES", "load_curve"]

COMPARE_FIGURES = ("bill_by_segment.png", "revenue_margin.png", "cost_over_time.png", "failures.png",
                   "latency_utilization.png", "load_over_time.png")


def _scenario(comparison):
    return next(iter(comparison.results.values())).scenario


def _save(fig, path: Path, title: str, comparison=None) -> None:
    save(fig, path, title_of(_scenario(comparison), title) if comparison is not None else title)


def _tz_label(scenario) -> str:
    return f"local time ({scenario.timezone or scenario.start_local.strftime('UTC%z')})"


def _time_axis(ax, scenario) -> None:
    locator = mdates.AutoDateLocator(tz=scenario.tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=scenario.tz))
    ax.set_xlabel(_tz_label(scenario))
    ax.grid(True, alpha=0.3)


def cost_over_time(comparison, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(11, 5.4))
    colors = palette(comparison.results)
    styles = linestyles(comparison.results)
    for name, result in comparison.results.items():
        ts = result.timeseries
        by_time = ts.assign(rev=ts["revenue"].astype(float)).groupby("interval_end_s", sort=True)["rev"].sum()
        start = pd.Timestamp(result.scenario.start_local)
        times = [start] + [start + pd.Timedelta(seconds=float(t)) for t in by_time.index]  # from 0 at the start
        ax.plot(np.asarray(times, dtype=object), np.concatenate([[0.0], np.cumsum(by_time.to_numpy())]), lw=2, color=colors[name],
                ls=styles[name], label=name)
    _time_axis(ax, _scenario(comparison))
    ax.set_ylabel(f"cumulative customer spend ({comparison.currency})")
    headroom(ax)
    readable(ax)
    legend_below(ax, title="policy")
    _save(fig, path, "what customers pay over time, by policy", comparison)


def revenue_margin(table: pd.DataFrame, currency: str, path: Path, comparison=None) -> None:
    fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(table) + 3), 5.4))
    colors = palette(table["policy"])
    x = np.arange(len(table))
    revenue = table["revenue"].astype(float).to_numpy()
    margin = table["margin"].astype(float).to_numpy()
    fill = [colors[p] for p in table["policy"]]
    ax.bar(x - 0.2, revenue, 0.4, color=fill, label="revenue (solid)")
    ax.bar(x + 0.2, margin, 0.4, color=fill, alpha=0.45, hatch="//", edgecolor="black", lw=0.5,
           label="margin = revenue - GPU - energy (hatched)")
    for xx, v in zip(np.concatenate([x - 0.2, x + 0.2]), np.concatenate([revenue, margin])):
        ax.text(xx, v, f"{v:,.2f}", ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, table["policy"])
    ax.set_ylabel(currency)
    low, high = min(0.0, float(np.min(margin))), max(0.0, float(np.max(revenue)), float(np.max(margin)))
    pad = 0.12 * (high - low or 1.0)
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)
    ax.grid(True, axis="y", alpha=0.3)
    readable(ax)
    legend_below(ax, ncol=2)
    _save(fig, path, "provider revenue and margin by policy", comparison)


def bill_by_segment(table: pd.DataFrame, currency: str, path: Path, comparison=None) -> None:
    segments = [c.split(".", 1)[1] for c in table.columns if c.startswith("bill.")]
    colors = palette(table["policy"])
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
    ax.set_ylabel(f"total bill of the segment ({currency})")
    ax.grid(True, axis="y", alpha=0.3)
    headroom(ax, top)
    readable(ax)
    legend_below(ax, title="policy")
    _save(fig, path, "what each customer segment pays, by policy", comparison)


def latency_utilization(table: pd.DataFrame, path: Path, comparison=None) -> None:
    fig, (lat, util) = plt.subplots(1, 2, figsize=(13, 5.4), gridspec_kw={"width_ratios": [2, 1]})
    colors = palette(table["policy"])
    kinds = [("ttft_p50_s", "TTFT p50", "", 1.0), ("ttft_p95_s", "TTFT p95", "", 0.5),
             ("e2e_latency_p50_s", "end-to-end p50", "//", 1.0), ("e2e_latency_p95_s", "end-to-end p95", "//", 0.5)]
    x = np.arange(len(kinds))
    width = 0.8 / len(table)
    for k, (_, row) in enumerate(table.iterrows()):
        values = [float(row[c]) for c, _, _, _ in kinds]
        lat.bar(x + (k - (len(table) - 1) / 2) * width, values, width, color=colors[row["policy"]],
                label=row["policy"])
    lat.set_xticks(x, [label for _, label, _, _ in kinds])
    lat.set_yscale("log")
    lat.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    lat.set_ylabel("seconds (log scale)")
    lat.set_title("Latency percentiles")
    util.bar(np.arange(len(table)), 100 * table["utilization"], 0.6, color=[colors[p] for p in table["policy"]])
    util.set_xticks(np.arange(len(table)), table["policy"])
    util.set_ylim(0, 105)
    util.set_ylabel("% of batch slots in use")
    util.set_title("Utilization (mean)")
    for ax in (lat, util):
        ax.grid(True, axis="y", alpha=0.3)
    legend_below(lat, title="policy")
    _save(fig, path, "service by policy", comparison)


def failures(comparison, table: pd.DataFrame, path: Path) -> bool:
    """Rejected, timed-out and batch-window-missed requests by policy, and failures per hour over time."""
    kinds = [(c, label) for c, label in (("requests_rejected", "rejected"), ("requests_timed_out", "timed out"),
                                         ("batch_window_missed", "missed batch window"))
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
    bars.set_ylabel("requests")
    bars.set_title("Requests lost, whole run")
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
    over.set_ylabel("requests rejected + timed out per hour")
    over.set_title("Rejections and timeouts over time")
    headroom(over)
    readable(over)
    for ax in (bars, over):
        legend_below(ax, title="policy")
    _save(fig, path, "requests rejected, timed out or late, by policy", comparison)
    return True


def load_curve(result) -> tuple[list, np.ndarray, np.ndarray]:
    """Per report interval (all providers): local times, share of batch slots in use, worst e2e p95."""
    ts = result.timeseries
    grouped = ts.assign(w=ts["utilization"] * ts["replica_s"]).groupby("interval_start_s", sort=True)
    utilization = (grouped["w"].sum() / grouped["replica_s"].sum()).to_numpy()
    start = pd.Timestamp(result.scenario.start_local)
    times = [start + pd.Timedelta(seconds=float(t)) for t in grouped["w"].sum().index]
    return times, utilization, grouped["e2e_p95_s"].max().to_numpy()


def load_over_time(comparison, path: Path) -> None:
    """The load curve under each policy: utilization and end-to-end p95 latency over time."""
    fig, (util, lat) = plt.subplots(1, 2, figsize=(14, 5.4))
    colors = palette(comparison.results)
    styles = linestyles(comparison.results)
    for name, result in comparison.results.items():
        times, utilization, e2e = load_curve(result)
        util.plot(times, 100 * utilization, lw=1.8, color=colors[name], ls=styles[name], label=name)
        lat.plot(times, e2e, lw=1.6, color=colors[name], ls=styles[name], label=name)
    for ax in (util, lat):
        _time_axis(ax, _scenario(comparison))
        legend_below(ax, title="policy (dashed lines show where they overlap)" if len(comparison.results) > 1
                     else "policy")
    util.set_ylim(0, 105)
    util.set_ylabel("% of batch slots in use (all providers)")
    util.set_title("Load curve")
    lat.set_ylabel("seconds")
    headroom(lat)
    readable(lat)
    lat.set_title("End-to-end latency p95 (worst provider)")
    _save(fig, path, "load over time, by policy", comparison)


def write_compare_figures(comparison, table: pd.DataFrame, folder: Path) -> None:
    # every name a figure may draw: policies, and each variant's providers, segments and title
    use_fonts_for(" ".join(comparison.results) + "".join(r.scenario.model_dump_json()
                                                         for r in comparison.results.values()))
    cost_over_time(comparison, folder / "cost_over_time.png")
    revenue_margin(table, comparison.currency, folder / "revenue_margin.png", comparison)
    bill_by_segment(table, comparison.currency, folder / "bill_by_segment.png", comparison)
    latency_utilization(table, folder / "latency_utilization.png", comparison)
    load_over_time(comparison, folder / "load_over_time.png")
    failures(comparison, table, folder / "failures.png")
