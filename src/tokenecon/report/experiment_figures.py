"""Figures of replicated runs and sweeps: means with 95% confidence bands, lines and heatmaps."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["replication_figure", "sweep_figures"]


def replication_figure(replications, path: Path) -> None:
    bands = replications.bands()
    sc = replications.scenario
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    labels = {"output_tokens_per_s": "output tokens per second", "revenue_per_h": f"revenue per hour ({sc.currency})",
              "utilization": "utilization (share of batch slots)"}
    for ax, (name, band) in zip(axes, bands.items()):
        hours = band["t"] / 3600.0
        ax.plot(hours, band["mean"], lw=1.8, label="mean")
        ax.fill_between(hours, band["low"], band["high"], alpha=0.3, label="95% confidence band")
        ax.set_xlabel("hours from the start")
        ax.set_ylabel(labels[name])
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{sc.name}: {len(replications.outcomes)} replications (mean and 95% band)", fontsize=13,
                 fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sweep_figures(table: pd.DataFrame, parameters: list[str], metrics: list[str], folder: Path) -> list[str]:
    """Lines (one parameter) or heatmaps (two) of each metric's mean; returns the file names."""
    written = []
    for metric in metrics:
        if metric not in table:
            continue
        name = f"sweep_{metric}.png"
        if len(parameters) == 1:
            p = parameters[0]
            fig, ax = plt.subplots(figsize=(8, 5))
            order = table.sort_values(p)
            ax.errorbar(order[p], order[metric], yerr=order.get(f"{metric}_ci95"), marker="o", capsize=4)
            ax.set_xlabel(p)
            ax.set_ylabel(metric)
            ax.grid(True, alpha=0.3)
        else:
            p, q = parameters[:2]
            pivot = table.pivot_table(index=p, columns=q, values=metric, aggfunc="mean")
            fig, ax = plt.subplots(figsize=(8, 6))
            image = ax.imshow(pivot.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
            ax.set_xticks(range(len(pivot.columns)), [str(c) for c in pivot.columns])
            ax.set_yticks(range(len(pivot.index)), [str(i) for i in pivot.index])
            ax.set_xlabel(q)
            ax.set_ylabel(p)
            for (i, j), value in np.ndenumerate(pivot.to_numpy(dtype=float)):
                ax.text(j, i, f"{value:,.3g}", ha="center", va="center", color="white", fontsize=8)
            fig.colorbar(image, ax=ax, label=metric)
        ax.set_title(f"{metric} across the sweep (mean of replications)")
        fig.tight_layout()
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written
