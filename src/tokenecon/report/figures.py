"""Figures of one run, written as PNG. Every axis says what it shows and in which unit."""

from __future__ import annotations

from pathlib import Path

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .figure_names import FIGURES  # noqa: E402
from .style import (EQUAL_COLOR, date_axis, equal_groups, figure_language, headroom, legend_below,  # noqa: E402
                    palette, readable, save, short_number, title_of, tz_label, words_for)

__all__ = ["write_figures", "FIGURES"]


def _times(ts: pd.DataFrame, tz) -> pd.Series:
    # interval midpoints, as local wall-clock times
    start = pd.to_datetime(ts["time"].iloc[0])
    mid = (ts["interval_start_s"] + ts["interval_end_s"]) / 2.0
    return (start - pd.to_timedelta(ts["interval_start_s"].iloc[0], unit="s")
            + pd.to_timedelta(mid, unit="s")).dt.tz_convert(tz)




def _per_provider(result):
    ts = result.timeseries
    tz = result.scenario.tz
    for name, rows in ts.groupby("provider", sort=False):
        yield name, rows, _times(rows, tz)


def _finish(fig, path: Path, title: str, result=None) -> None:
    save(fig, path, title_of(result.scenario, title) if result is not None else title)


def _colors(result) -> dict[str, str]:
    return palette(p.name for p in result.scenario.providers)


def _axes(result, axes, ylabel_formatter: bool = True) -> None:
    tz, w = result.scenario.tz, words_for(result.scenario)
    for ax in axes:
        date_axis(ax, tz, w)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel(tz_label(result.scenario))
        if ylabel_formatter:
            readable(ax)
        legend_below(ax)


def cost_figure(result, path: Path) -> None:
    """Left: cumulative revenue alone (its own scale, so providers' revenues can be told apart);
    right: revenue against GPU + energy cost (cost lines dashed). Equal series are one dark grey line
    naming every provider it stands for (`style.equal_groups`)."""
    cur, w = result.scenario.currency, words_for(result.scenario)
    colors = _colors(result)
    dashes = [(0, (6, 3)), (3, (2, 2)), (0, (1, 2)), (0, (4, 1, 1, 1))]
    fig, (rev, both) = plt.subplots(1, 2, figsize=(13, 5.2))
    rates = dict(zip([p.name for p in result.scenario.providers], result.bill.provider_rate))
    times, revenues, costs = {}, {}, {}
    for name, rows, mid in _per_provider(result):
        # running totals at each interval's end, from 0 at the start
        half = pd.to_timedelta((rows["interval_end_s"] - rows["interval_start_s"]).to_numpy() / 2.0, unit="s")
        times[name] = pd.concat([(mid - half).iloc[:1], mid + half], ignore_index=True)
        revenues[name] = np.cumsum(np.r_[0.0, rows["revenue"].astype(float).to_numpy() * float(rates[name])])
        cost = np.cumsum(np.r_[0.0, rows["cost"].to_numpy()])
        if cost.any():  # a provider without GPU or energy prices has no cost line
            costs[name] = cost
    lines: list[tuple[list[str], str, tuple]] = [(g, "fig.cost.revenue", (rev, both)) for g in equal_groups(revenues)]
    for k, (group, key, axes) in enumerate(lines + [(g, "fig.cost.cost", (both,)) for g in equal_groups(costs)]):
        series = (revenues if key == "fig.cost.revenue" else costs)[group[0]]
        style = {"lw": 2} if key == "fig.cost.revenue" else {"lw": 1.6, "ls": dashes[k % len(dashes)]}
        for ax in axes:
            ax.plot(times[group[0]], series, color=colors[group[0]] if len(group) == 1 else EQUAL_COLOR,
                    label=_equal_label(w, key, group), **style)
    rev.set_title(w("fig.cost.left"))
    both.set_title(w("fig.cost.right"))
    for ax in (rev, both):
        ax.set_ylabel(w("fig.in_cur", **w.cur(cur)))
        headroom(ax)
    _axes(result, (rev, both))
    _finish(fig, path, w("fig.cost.title"), result)


def _equal_label(w, key: str, names: list[str]) -> str:
    """A line's legend entry; one standing for several equal series names them all."""
    if len(names) == 1:
        return w(key, name=names[0])
    return (w(key, name=w.join(names) + "\n") + w("fig.equal")).replace("\n ", "\n")  # names, then what


def throughput_figure(result, path: Path) -> None:
    colors, w = _colors(result), words_for(result.scenario)
    fig, (tok, req) = plt.subplots(1, 2, figsize=(13, 5.2))
    for name, rows, t in _per_provider(result):
        seconds = (rows["interval_end_s"] - rows["interval_start_s"]).to_numpy()
        color = colors[name]
        tok.plot(t, rows["output_tokens_per_s"], lw=1.8, color=color, label=w("fig.tp.output", name=name))
        tok.plot(t, rows["input_tokens"] / seconds, lw=1.2, ls=":", color=color, label=w("fig.tp.input", name=name))
        req.plot(t, rows["requests_completed"] / seconds, lw=1.8, color=color, label=w("fig.tp.completed", name=name))
        failed = (rows["requests_rejected"] + rows["requests_timed_out"]) / seconds
        if failed.any():
            req.plot(t, failed, lw=1.2, ls="--", color=color, label=w("fig.tp.failed", name=name))
    tok.set_title(w("fig.tp.tokens"))
    tok.set_ylabel(w("fig.tp.tokens_y"))
    req.set_title(w("fig.tp.requests"))
    req.set_ylabel(w("fig.tp.requests_y"))
    for ax in (tok, req):
        headroom(ax)
    _axes(result, (tok, req))
    _finish(fig, path, w("fig.tp.title"), result)


def latency_figure(result, path: Path) -> None:
    colors, w = _colors(result), words_for(result.scenario)
    fig, (ttft, e2e) = plt.subplots(1, 2, figsize=(13, 5.2))
    for name, rows, t in _per_provider(result):
        color = colors[name]
        ttft.plot(t, rows["ttft_p50_s"], lw=1.8, color=color, label=w("fig.lat.p50", name=name))
        ttft.plot(t, rows["ttft_p95_s"], lw=1.2, ls="--", color=color, label=w("fig.lat.p95", name=name))
        e2e.plot(t, rows["e2e_p50_s"], lw=1.8, color=color, label=w("fig.lat.p50", name=name))
        e2e.plot(t, rows["e2e_p95_s"], lw=1.2, ls="--", color=color, label=w("fig.lat.p95", name=name))
    ttft.set_title(w("fig.lat.ttft"))
    e2e.set_title(w("fig.lat.e2e"))
    for ax in (ttft, e2e):
        ax.set_ylabel(w("fig.seconds"))
        headroom(ax)
    _axes(result, (ttft, e2e))
    _finish(fig, path, w("fig.lat.title"), result)


def utilization_figure(result, path: Path) -> None:
    colors, w = _colors(result), words_for(result.scenario)
    ts = result.timeseries
    surging = (ts["price_multiplier"] != 1).any()
    queued = (ts["queue_length_mean"] > 0).any()
    kv = ts["kv_occupancy"].notna().any()
    panels = 1 + int(queued) + int(surging) + int(kv)
    fig, grid = plt.subplots(1, panels, figsize=(6.5 * panels + (1 if panels == 1 else 0), 5.2), squeeze=False)
    axes = list(grid[0])
    util = axes[0]
    for name, rows, t in _per_provider(result):
        util.plot(t, 100 * rows["utilization"], lw=1.8, color=colors[name], label=w("fig.util.line", name=name))
        if (rows["prefill_s"] > 0).any():  # a supply-model fleet has no prefill time of its own
            util.plot(t, 100 * rows["prefill_s"] / rows["replica_s"], lw=1.0, ls=":", color=colors[name],
                      label=w("fig.util.prefill", name=name))
    util.set_title(w("fig.util.panel"))
    util.set_ylabel(w("fig.util.y"))
    util.set_ylim(0, 105)
    k = 1
    if kv:
        memory = axes[k]
        k += 1
        for name, rows, t in _per_provider(result):
            if rows["kv_occupancy"].notna().any():
                memory.plot(t, 100 * rows["kv_occupancy"], lw=1.8, color=colors[name], label=w("fig.util.kv_line", name=name))
                cut = rows["preemptions"] > 0
                if cut.any():
                    memory.plot(t[cut], 100 * rows["kv_occupancy"][cut], "x", color=colors[name],
                                label=w("fig.util.preempted", name=name))
        memory.set_title(w("fig.util.kv_panel"))
        memory.set_ylabel(w("fig.util.kv_y"))
        memory.set_ylim(0, 105)
    if queued:
        queue = axes[k]
        k += 1
        for name, rows, t in _per_provider(result):
            queue.plot(t, rows["queue_length_mean"], lw=1.8, color=colors[name], label=w("fig.util.waiting", name=name))
        queue.set_title(w("fig.util.queue_panel"))
        queue.set_ylabel(w("fig.util.queue_y"))
        headroom(queue)
    if surging:
        price = axes[k]
        for name, rows, t in _per_provider(result):
            price.step(t, rows["price_multiplier"], where="mid", lw=1.8, color=colors[name], label=name)
        price.set_title(w("fig.util.surge_panel"))
        price.set_ylabel(w("fig.util.surge_y"))
        headroom(price)
    _axes(result, axes)
    _finish(fig, path, w("fig.util.title") + (w("fig.util.title_kv") if kv else "")
            + (w("fig.util.title_queues") if queued else "") + (w("fig.util.title_surge") if surging else ""), result)


def has_energy(result) -> bool:
    return bool((result.timeseries["energy_kwh"] > 0).any())


def energy_figure(result, path: Path) -> None:
    colors, w = _colors(result), words_for(result.scenario)
    carbon_known = bool((result.timeseries["co2_kg"] > 0).any())
    fig, grid = plt.subplots(1, 2 if carbon_known else 1, figsize=(13 if carbon_known else 7.5, 5.2), squeeze=False)
    axes = list(grid[0])
    energy = axes[0]
    for name, rows, t in _per_provider(result):
        hours = (rows["interval_end_s"] - rows["interval_start_s"]).to_numpy() / 3600.0
        energy.plot(t, rows["energy_kwh"] / hours, lw=1.8, color=colors[name], label=name)
        if carbon_known:
            axes[1].plot(t, rows["co2_kg"] / hours, lw=1.8, color=colors[name], label=name)
    energy.set_title(w("fig.energy.panel"))
    energy.set_ylabel(w("fig.energy.y"))
    if carbon_known:
        axes[1].set_title(w("fig.energy.carbon_panel"))
        axes[1].set_ylabel(w("fig.energy.carbon_y"))
    for ax in axes:
        headroom(ax)
    _axes(result, axes)
    s = result.summary()
    co2 = w("fig.energy.co2", kg=short_number(s["co2_kg"])) if carbon_known else w("fig.energy.no_carbon")
    _finish(fig, path, w("fig.energy.title", kwh=short_number(s["energy_kwh"]), co2=co2,
                         per_million=s["kwh_per_million_tokens"]), result)


def bill_figure(result, path: Path) -> None:
    """What each customer segment pays: the segment's total (with its cost to serve) and the bill per account."""
    s = result.summary()
    cur, w = result.scenario.currency, words_for(result.scenario)
    c = w.cur(cur)
    segments = [k[5:] for k in s if k.startswith("bill.")]
    accounts = result.accounts_by_segment()
    totals = np.asarray([float(s[f"bill.{g}"]) for g in segments])
    each = totals / np.asarray([max(1, accounts.get(g, 1)) for g in segments])
    colors = palette(segments)
    fig, (total, per) = plt.subplots(1, 2, figsize=(13, max(3.2, 0.55 * len(segments) + 2)))
    y = np.arange(len(segments))[::-1]
    for ax, values, label in ((total, totals, w("fig.bill.total_x", **c)), (per, each, w("fig.bill.each_x", **c))):
        ax.barh(y, values, color=[colors[g] for g in segments], height=0.6)
        ax.set_yticks(y, [w("fig.bill.accounts", segment=g, n=accounts.get(g, 1)) if accounts.get(g, 1) > 1 else g
                          for g in segments])
        ax.set_xlabel(label)
        ax.grid(True, axis="x", alpha=0.3)
        readable(ax, "x")
        ax.set_xlim(0, max(values.max() * 1.25, 1e-9))
        for yy, v in zip(y, values):
            ax.text(v, yy, f"  {v:,.2f}", va="center", fontsize=9)
    if all(f"cost_to_serve.{g}" in s for g in segments):  # what serving the segment cost, beside its bill
        cost = np.asarray([float(s[f"cost_to_serve.{g}"]) for g in segments])
        total.barh(y - 0.45, cost, color="none", edgecolor="#333333", hatch="//", height=0.22,
                   label=w("fig.bill.cost", **c))
        for yy, v in zip(y, cost):
            total.text(v, yy - 0.45, f"  {v:,.2f}", va="center", fontsize=8, color="#333333")
        total.set_xlim(0, max(totals.max(), cost.max()) * 1.3 or 1e-9)
        legend_below(total, ncol=1)  # under the plot: a long cost bar runs where a corner legend would sit
    total.set_title(w("fig.bill.total"))
    per.set_title(w("fig.bill.each"))
    _finish(fig, path, w("fig.bill.title"), result)


def write_figures(result, folder: Path) -> None:
    draws = dict(zip(FIGURES, (bill_figure, cost_figure, throughput_figure, latency_figure, utilization_figure,
                               energy_figure)))
    if not has_energy(result):  # no power figures given: nothing to draw
        draws.pop("energy_over_time.png")
    if result.scenario.supply_model is not None:  # the simulated fleet stands in for the modelled one: its
        draws.pop("latency_over_time.png")        # latencies mean nothing (national.png draws the supply)
    if not any(k.startswith("bill.") for k in result.summary()):
        draws.pop("bill_by_segment.png")
    with figure_language(words_for(result.scenario), result.scenario.model_dump_json()):  # every name and word
        for name, draw in draws.items():
            draw(result, folder / name)
