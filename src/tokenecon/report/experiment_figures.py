"""Figures of replicated runs and sweeps: means with 95% confidence bands, lines and heatmaps."""

from __future__ import annotations

from pathlib import Path

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..i18n import Words, words  # noqa: E402
from .style import figure_words, legend_below, short_number, use_cjk_font, use_fonts_for, words_for  # noqa: E402

use_cjk_font()  # Chinese, Japanese and Korean names render

__all__ = ["replication_figure", "sweep_figures"]


def replication_figure(replications, path: Path) -> None:
    bands = replications.bands()
    sc = replications.scenario
    w = words_for(sc)
    use_fonts_for(sc.model_dump_json() + figure_words(w))  # bold titles in bold for Chinese names and words too
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    labels = {"output_tokens_per_s": w("fig.rep.tokens"), "revenue_per_h": w("fig.rep.revenue", **w.cur(sc.currency)),
              "utilization": w("fig.rep.util")}
    for ax, (name, band) in zip(axes, bands.items()):
        hours = band["t"] / 3600.0
        ax.plot(hours, band["mean"], lw=1.8, label=w("fig.rep.mean"))
        ax.fill_between(hours, band["low"], band["high"], alpha=0.3, label=w("fig.rep.band"))
        ax.set_xlabel(w("fig.rep.hours"))
        ax.set_ylabel(labels[name])
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
        legend_below(ax, ncol=2)
    n = len(replications.outcomes)
    fig.suptitle(w("fig.rep.title", scenario=sc.name, n=n, first=sc.seed, last=sc.seed + n - 1),
                 fontsize=13, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


MONEY = ("revenue", "margin", "gpu_cost", "energy_cost", "list_charges", "revenue_invoiced", "cost_to_serve",
         "idle_cost", "bill")
PER_SEGMENT = ("bill", "margin", "cost_to_serve", "ttft_p95_s", "e2e_p95_s")  # <quantity>.<segment>, not <provider>.<quantity>


def _unit(metric: str, currency: str | None, w: Words | None = None) -> str:
    w = w or words("en")
    first, _, rest = metric.partition(".")
    base = first if rest and first in PER_SEGMENT else metric.rsplit(".", 1)[-1]
    if currency and base in MONEY:
        return w("fig.sweep.money", metric=w.label(metric), **w.cur(currency))
    if base.endswith("_s"):
        label = w.label(metric)  # a Chinese metric name says its unit
        return label if label != metric else w("fig.sweep.seconds", metric=metric)
    if base in ("utilization", "rejection_rate"):
        return w("fig.sweep.share", metric=w.label(metric))
    return w.label(metric)


def _heatmap(ax, fig, pivot: pd.DataFrame, label: str, best: tuple | None, feasible: pd.DataFrame | None,
             w: Words | None = None) -> None:
    w = w or words("en")
    values = pivot.to_numpy(dtype=float)
    constant = np.nanmax(values) == np.nanmin(values)
    if constant:  # one colour: a spread colour bar would invent differences
        image = ax.imshow(np.zeros_like(values), aspect="auto", origin="lower", cmap="Greys", vmin=0, vmax=4)
    else:
        image = ax.imshow(values, aspect="auto", origin="lower", cmap="viridis")
        bar = fig.colorbar(image, ax=ax, label=label)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    ax.set_xticks(range(len(pivot.columns)), [_tick(c) for c in pivot.columns])
    ax.set_yticks(range(len(pivot.index)), [_tick(i) for i in pivot.index])
    for (i, j), value in np.ndenumerate(values):
        shade = 0.0 if constant else (value - np.nanmin(values)) / (np.nanmax(values) - np.nanmin(values))
        color = "black" if constant or shade > 0.55 else "white"  # dark text on the light (yellow) end
        text = short_number(value)
        if feasible is not None and not bool(feasible.iloc[i, j]):
            text += "\n" + w("fig.sweep.fails")
        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
    if best is not None:
        ax.add_patch(plt.Rectangle((best[1] - 0.5, best[0] - 0.5), 1, 1, fill=False, edgecolor="red", lw=3))
    if constant:
        ax.set_title(w("fig.sweep.same", label=label), fontsize=10)


def _tick(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def sweep_figures(table: pd.DataFrame, parameters: list[str], metrics: list[str], folder: Path, *,
                  currency: str | None = None, best: dict | None = None, feasible: pd.Series | None = None,
                  name: str = "sweep", lang: str = "en") -> list[str]:
    """Lines (one parameter) or heatmaps (two) of each metric's mean; returns the file names.

    The best point (with `optimize:`) is outlined in red; points failing a constraint say so.
    """
    w = words(lang)
    use_fonts_for(" ".join([name, *parameters, *metrics]) + figure_words(w))
    written = []
    best_row = table.index[table["point"] == best["point"]][0] if best and best.get("feasible") else None
    for metric in metrics:
        if metric not in table:
            continue
        file = f"sweep_{metric}.png"
        label = _unit(metric, currency, w)
        if len(parameters) == 1:
            p = parameters[0]
            fig, ax = plt.subplots(figsize=(8, 5))
            order = table.sort_values(p)
            ax.errorbar(order[p], order[metric], yerr=order.get(f"{metric}_ci95"), marker="o", capsize=4)
            if best_row is not None:
                ax.plot([table.loc[best_row, p]], [table.loc[best_row, metric]], "o", ms=14, mfc="none", mec="red",
                        mew=2, label=w("fig.sweep.best"))
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, fontsize=8)
            ax.set_xlabel(p)
            ax.set_ylabel(label)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
            ax.grid(True, alpha=0.3)
        else:
            p, q = parameters[:2]
            pivot = table.pivot_table(index=p, columns=q, values=metric, aggfunc="mean")
            ok = None
            if feasible is not None:
                ok = table.assign(_ok=feasible.astype(float)).pivot_table(index=p, columns=q, values="_ok",
                                                                           aggfunc="min").astype(bool)
            where = None
            if best_row is not None:
                where = (list(pivot.index).index(table.loc[best_row, p]), list(pivot.columns).index(table.loc[best_row, q]))
            fig, ax = plt.subplots(figsize=(8.5, 6))
            _heatmap(ax, fig, pivot, label, where, ok, w)
            ax.set_xlabel(q)
            ax.set_ylabel(p)
        fig.suptitle(w("fig.sweep.title", name=name, metric=w.label(metric))
                     + (w("fig.sweep.outlined") if best_row is not None else ""), fontsize=12, fontweight="bold")
        fig.tight_layout()
        fig.savefig(folder / file, dpi=110)
        plt.close(fig)
        written.append(file)
    return written
