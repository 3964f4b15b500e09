"""Figures of one run, written as PNG. Every axis says what it shows and in which unit."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["write_figures", "FIGURES"]

FIGURES = ("cost_over_time.png", "throughput_over_time.png", "latency_over_time.png", "utilization_over_time.png",
           "energy_over_time.png")


def _times(ts: pd.DataFrame, tz) -> pd.Series:
    # interval midpoints, as local wall-clock times
    start = pd.to_datetime(ts["time"].iloc[0])
    mid = (ts["interval_start_s"] + ts["interval_end_s"]) / 2.0
    return (start - pd.to_timedelta(ts["interval_start_s"].iloc[0], unit="s")
            + pd.to_timedelta(mid, unit="s")).dt.tz_convert(tz)


def _time_axis(ax, tz) -> None:
    locator = mdates.AutoDateLocator(tz=tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
    ax.grid(True, alpha=0.3)


def _per_provider(result):
    ts = result.timeseries
    tz = result.scenario.tz
    for name, rows in ts.groupby("provider", sort=False):
        yield name, rows, _times(rows, tz)


def _finish(fig, path: Path, title: str) -> None:
    fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _tz_label(result) -> str:
    return f"local time ({result.scenario.timezone or result.scenario.start_local.strftime('UTC%z')})"


def cost_figure(result, path: Path) -> None:
    cur = result.scenario.currency
    tz = result.scenario.tz
    fig, (cum, rate) = plt.subplots(1, 2, figsize=(13, 4.8))
    rates = dict(zip([p.name for p in result.scenario.providers], result.bill.provider_rate))
    for (name, rows, t), color in zip(_per_provider(result), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        revenue = rows["revenue"].astype(float).to_numpy() * float(rates[name])  # in the scenario currency
        cost = rows["cost"].to_numpy()
        cum.plot(t, np.cumsum(revenue), color=color, lw=2, label=f"{name} revenue")
        cum.plot(t, np.cumsum(cost), color=color, lw=2, ls="--", label=f"{name} GPU + energy cost")
        hours = (rows["interval_end_s"] - rows["interval_start_s"]).to_numpy() / 3600.0
        rate.plot(t, revenue / hours, color=color, lw=1.8, label=f"{name} revenue")
        rate.plot(t, cost / hours, color=color, lw=1.2, ls="--", label=f"{name} cost")
    cum.set_title("Cumulative revenue and cost")
    cum.set_ylabel(f"{cur}")
    rate.set_title("Revenue and cost per hour")
    rate.set_ylabel(f"{cur} per hour")
    for ax in (cum, rate):
        _time_axis(ax, tz)
        ax.set_xlabel(_tz_label(result))
        ax.legend(fontsize=8)
    _finish(fig, path, f"{result.scenario.name}: revenue vs cost of supply")


def throughput_figure(result, path: Path) -> None:
    tz = result.scenario.tz
    fig, (tok, req) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, rows, t in _per_provider(result):
        seconds = (rows["interval_end_s"] - rows["interval_start_s"]).to_numpy()
        tok.plot(t, rows["output_tokens_per_s"], lw=1.8, label=f"{name} output")
        tok.plot(t, rows["input_tokens"] / seconds, lw=1.0, ls=":", label=f"{name} input")
        line, = req.plot(t, rows["requests_completed"] / seconds, lw=1.8, label=f"{name} completed")
        failed = (rows["requests_rejected"] + rows["requests_timed_out"]) / seconds
        if failed.any():
            req.plot(t, failed, lw=1.2, ls="--", color=line.get_color(), label=f"{name} rejected + timed out")
    tok.set_title("Token throughput (completed requests)")
    tok.set_ylabel("tokens per second")
    req.set_title("Requests")
    req.set_ylabel("requests per second")
    for ax in (tok, req):
        _time_axis(ax, tz)
        ax.set_xlabel(_tz_label(result))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    _finish(fig, path, f"{result.scenario.name}: throughput")


def latency_figure(result, path: Path) -> None:
    tz = result.scenario.tz
    fig, (ttft, e2e) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, rows, t in _per_provider(result):
        line, = ttft.plot(t, rows["ttft_p50_s"], lw=1.8, label=f"{name} p50")
        ttft.plot(t, rows["ttft_p95_s"], lw=1.2, ls="--", color=line.get_color(), label=f"{name} p95")
        line, = e2e.plot(t, rows["e2e_p50_s"], lw=1.8, label=f"{name} p50")
        e2e.plot(t, rows["e2e_p95_s"], lw=1.2, ls="--", color=line.get_color(), label=f"{name} p95")
    ttft.set_title("Time to first token")
    e2e.set_title("End-to-end latency")
    for ax in (ttft, e2e):
        ax.set_ylabel("seconds (requests completed in the interval)")
        _time_axis(ax, tz)
        ax.set_xlabel(_tz_label(result))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    _finish(fig, path, f"{result.scenario.name}: latency percentiles")


def utilization_figure(result, path: Path) -> None:
    tz = result.scenario.tz
    surging = (result.timeseries["price_multiplier"] != 1).any()
    if surging:
        fig, (util, queue, price) = plt.subplots(1, 3, figsize=(18, 4.8))
    else:
        fig, (util, queue) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, rows, t in _per_provider(result):
        line, = util.plot(t, 100 * rows["utilization"], lw=1.8, label=f"{name} utilization")
        util.plot(t, 100 * rows["prefill_s"] / rows["replica_s"], lw=1.0, ls=":", color=line.get_color(),
                  label=f"{name} time prefilling")
        queue.plot(t, rows["queue_length_mean"], lw=1.8, label=f"{name} waiting")
    util.set_title("Utilization (batch slots in use) and prefill load")
    util.set_ylabel("% of batch slots / of replica time")
    util.set_ylim(0, 105)
    queue.set_title("Queue length (time average per interval)")
    queue.set_ylabel("requests waiting")
    queue.set_ylim(bottom=0)
    axes = [util, queue]
    if surging:
        for name, rows, t in _per_provider(result):
            price.step(t, rows["price_multiplier"], where="mid", lw=1.8, label=name)
        price.set_title("Surge price multiplier (the price signal)")
        price.set_ylabel("x list price")
        axes.append(price)
    for ax in axes:
        _time_axis(ax, tz)
        ax.set_xlabel(_tz_label(result))
        ax.legend(fontsize=8)
    _finish(fig, path, f"{result.scenario.name}: utilization and queues")


def energy_figure(result, path: Path) -> None:
    tz = result.scenario.tz
    fig, (energy, carbon) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, rows, t in _per_provider(result):
        hours = (rows["interval_end_s"] - rows["interval_start_s"]).to_numpy() / 3600.0
        energy.plot(t, rows["energy_kwh"] / hours, lw=1.8, label=name)
        carbon.plot(t, rows["co2_kg"] / hours, lw=1.8, label=name)
    energy.set_title("Energy (GPU power by state x PUE)")
    energy.set_ylabel("kWh per hour")
    carbon.set_title("Carbon (energy x grid intensity)")
    carbon.set_ylabel("kg CO2 per hour")
    for ax in (energy, carbon):
        _time_axis(ax, tz)
        ax.set_xlabel(_tz_label(result))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    s = result.summary()
    _finish(fig, path, f"{result.scenario.name}: energy {s['energy_kwh']:,.1f} kWh, {s['co2_kg']:,.1f} kg CO2, "
                       f"{s['kwh_per_million_tokens']:.3g} kWh per 1M tokens")


def write_figures(result, folder: Path) -> None:
    for name, draw in zip(FIGURES, (cost_figure, throughput_figure, latency_figure, utilization_figure,
                                    energy_figure)):
        draw(result, folder / name)
