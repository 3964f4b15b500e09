"""Figures of a policy comparison: one chart per question, every policy side by side."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["write_compare_figures", "COMPARE_FIGURES", "load_curve"]

COMPARE_FIGURES = ("cost_over_time.png", "revenue_margin.png", "bill_by_segment.png", "latency_utilization.png",
                   "load_over_time.png")


def _save(fig, path: Path, title: str) -> None:
    fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cost_over_time(comparison, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(11, 5))
    tz = None
    for name, result in comparison.results.items():
        ts = result.timeseries
        tz = result.scenario.tz
        by_time = ts.assign(rev=ts["revenue"].astype(float)).groupby("interval_start_s", sort=True)["rev"].sum()
        start = pd.Timestamp(result.scenario.start_local)
        times = [start + pd.Timedelta(seconds=float(t)) for t in by_time.index]
        ax.plot(times, np.cumsum(by_time.to_numpy()), lw=2, label=name)
    locator = mdates.AutoDateLocator(tz=tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
    ax.set_ylabel(f"cumulative customer spend ({comparison.currency})")
    ax.set_xlabel("local time")
    ax.grid(True, alpha=0.3)
    ax.legend(title="policy")
    _save(fig, path, "What customers pay over time, by policy")


def revenue_margin(table: pd.DataFrame, currency: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(table) + 3), 5))
    x = np.arange(len(table))
    revenue = table["revenue"].astype(float)
    ax.bar(x - 0.2, revenue, 0.4, label="revenue")
    ax.bar(x + 0.2, table["margin"], 0.4, label="margin (revenue - GPU - energy)")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, table["policy"])
    ax.set_ylabel(currency)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    _save(fig, path, "Provider revenue and margin by policy")


def bill_by_segment(table: pd.DataFrame, currency: str, path: Path) -> None:
    segments = [c.split(".", 1)[1] for c in table.columns if c.startswith("bill.")]
    fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(segments) * len(table) / 2 + 3), 5))
    width = 0.8 / len(table)
    x = np.arange(len(segments))
    for k, (_, row) in enumerate(table.iterrows()):
        ax.bar(x + (k - (len(table) - 1) / 2) * width, [float(row[f"bill.{s}"]) for s in segments], width,
               label=row["policy"])
    ax.set_xticks(x, segments)
    ax.set_ylabel(f"total bill of the segment ({currency})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title="policy")
    _save(fig, path, "What each customer segment pays, by policy")


def latency_utilization(table: pd.DataFrame, path: Path) -> None:
    fig, (lat, util) = plt.subplots(1, 2, figsize=(12, 5))
    x = np.arange(len(table))
    lat.bar(x - 0.3, table["ttft_p50_s"], 0.2, label="TTFT p50")
    lat.bar(x - 0.1, table["ttft_p95_s"], 0.2, label="TTFT p95")
    lat.bar(x + 0.1, table["e2e_latency_p50_s"], 0.2, label="end-to-end p50")
    lat.bar(x + 0.3, table["e2e_latency_p95_s"], 0.2, label="end-to-end p95")
    lat.set_ylabel("seconds")
    lat.set_title("Latency")
    util.bar(x, 100 * table["utilization"], 0.5, color="tab:green")
    util.set_ylabel("% of batch slots in use")
    util.set_title("Utilization")
    for ax in (lat, util):
        ax.set_xticks(x, table["policy"])
        ax.grid(True, axis="y", alpha=0.3)
    lat.legend(fontsize=8)
    _save(fig, path, "Service by policy")


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
    fig, (util, lat) = plt.subplots(1, 2, figsize=(14, 5))
    tz = None
    for name, result in comparison.results.items():
        tz = result.scenario.tz
        times, utilization, e2e = load_curve(result)
        util.plot(times, 100 * utilization, lw=1.6, label=name)
        lat.plot(times, e2e, lw=1.4, label=name)
    for ax in (util, lat):
        locator = mdates.AutoDateLocator(tz=tz)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
        ax.set_xlabel("local time")
        ax.grid(True, alpha=0.3)
        ax.legend(title="policy", fontsize=8)
    util.set_ylabel("% of batch slots in use (all providers)")
    util.set_title("Load curve")
    lat.set_ylabel("seconds")
    lat.set_title("End-to-end latency p95 (worst provider)")
    _save(fig, path, "Load over time, by policy")


def write_compare_figures(comparison, table: pd.DataFrame, folder: Path) -> None:
    cost_over_time(comparison, folder / COMPARE_FIGURES[0])
    revenue_margin(table, comparison.currency, folder / COMPARE_FIGURES[1])
    bill_by_segment(table, comparison.currency, folder / COMPARE_FIGURES[2])
    latency_utilization(table, folder / COMPARE_FIGURES[3])
    load_over_time(comparison, folder / COMPARE_FIGURES[4])
