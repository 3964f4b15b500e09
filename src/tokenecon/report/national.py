"""The national report: national.csv, milestones.csv and national.png, formatted from the run's
measured national view (`Result.national`, `Result.milestones`; see `tokenecon.measure.supply`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_national_report"]


def write_national_report(result, folder: Path, *, figures: bool = True) -> None:
    frame, checks = result.national, result.milestones
    frame.to_csv(folder / "national.csv", index=False)
    if len(checks):
        checks.to_csv(folder / "milestones.csv", index=False)
    if figures:
        from .style import figure_language, words_for

        with figure_language(words_for(result.scenario), fonts=False):  # 万 / 亿 in Chinese figures
            _figure(result, frame, checks, folder / "national.png")


def _figure(result, frame: pd.DataFrame, checks: pd.DataFrame, path: Path) -> None:
    from .style import date_axis, figure_words, short_number, use_fonts_for, words_for  # (Agg backend)

    w = words_for(result.scenario)
    use_fonts_for(result.scenario.model_dump_json() + figure_words(w))  # CJK names and words, at their weight

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    sc = result.scenario
    times = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(sc.tz)
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    ax = axes[0, 0]
    ax.plot(times, frame["tokens_per_day"], lw=1.2, label=w("fig.nat.simulated"))
    if len(checks):
        ax.scatter(pd.to_datetime(checks["date"]), checks["observed_tokens_per_day"], color="crimson", zorder=3,
                   label=w("fig.nat.reported"))
        for _, row in checks.iterrows():
            ax.annotate(w("fig.nat.ratio", tokens=short_number(row["observed_tokens_per_day"]), ratio=row["ratio"]),
                        (pd.to_datetime(row["date"]), row["observed_tokens_per_day"]), textcoords="offset points",
                        xytext=(8, -26), fontsize=8, ha="left", annotation_clip=True,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    ax.set_ylabel(w("fig.nat.tokens_y"))
    ax.set_title(w("fig.nat.tokens"))
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[0, 1]
    ax.plot(times, frame["price_per_million"], lw=1.5, label=w("fig.nat.price"))
    if "supply_cost_per_million" in frame:
        ax.plot(times, frame["supply_cost_per_million"], lw=1.5, label=w("fig.nat.cost"))
    ax.set_ylabel(w("fig.nat.per_million_y", **w.cur(sc.currency)))
    ax.set_title(w("fig.nat.per_million"))
    ax.legend(fontsize=8)
    if "gpus_needed" in frame:
        _supply_panels(sc, times, frame, axes[1, 0], axes[1, 1], w)
    for ax in axes.flat:
        ax.grid(True, alpha=0.3)
        date_axis(ax, None, w, mdates.AutoDateLocator())
    fig.suptitle(w("fig.nat.title", scenario=sc.name, seed=sc.seed, one_in=short_number(1 / sc.scale)), fontsize=13,
                 fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _supply_panels(sc, times, frame: pd.DataFrame, ax, energy_ax, w) -> None:
    """GPUs needed and installed (with utilization), and energy and carbon per day, from the supply model."""
    ax.plot(times, frame["gpus_needed"] / 1e3, lw=1.5, color="tab:purple",
            label=w("fig.nat.needed", target=sc.supply_model.target_utilization))
    if "gpus_installed" in frame:
        ax.plot(times, frame["gpus_installed"] / 1e3, lw=1.5, color="tab:green", label=w("fig.nat.installed"))
        twin = ax.twinx()
        twin.plot(times, 100 * frame["utilization"], lw=1.0, color="tab:red", ls=":", label=w("fig.nat.util"))
        twin.set_ylabel(w("fig.nat.util_y"))
        twin.set_ylim(0, 105)
        twin.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, 0.82))
    ax.set_ylabel(w("fig.nat.gpus_y"))
    ax.set_title(w("fig.nat.compute"))
    ax.legend(fontsize=8, loc="upper left")
    ax = energy_ax
    days = frame["length"] / 86400.0
    energy = frame["energy_kwh"] / days / 1e6
    ax.plot(times, energy, lw=1.5, color="tab:orange", label=w("fig.nat.energy"))
    ax.set_ylabel(w("fig.nat.gwh_y"))
    ax.set_ylim(0, float(energy.max()) * 1.1)
    intensity = sc.supply_model.carbon_g_per_kwh  # kt CO2 = GWh x g/kWh / 1000: one line, two scales
    if intensity:
        ax.secondary_yaxis("right", functions=(lambda g: g * intensity / 1e3, lambda kt: kt * 1e3 / intensity)) \
            .set_ylabel(w("fig.nat.co2_y", intensity=intensity))
    ax.set_title(w("fig.nat.energy_panel"))
