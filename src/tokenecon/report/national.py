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

    sc = result.scenario
    times = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(sc.tz)
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    _tokens_panel(axes[0, 0], times, frame, checks, w)
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


def _tokens_panel(ax, times, frame: pd.DataFrame, checks: pd.DataFrame, w) -> None:
    """Tokens per day, simulated and reported; each milestone's label beside its point, inside the axes
    (below it to the right; above it to the left near the right edge; the y range leaves room for both)."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    from .style import short_number

    ax.plot(times, frame["tokens_per_day"], lw=1.2, label=w("fig.nat.simulated"))
    ax.set_yscale("log")
    if len(checks):
        dates = pd.to_datetime(checks["date"])
        ax.scatter(dates, checks["observed_tokens_per_day"], color="crimson", zorder=3, label=w("fig.nat.reported"))
        values = pd.concat([frame["tokens_per_day"], checks["observed_tokens_per_day"]])
        values = values[values > 0]
        ax.set_ylim(float(values.min()) / 4, float(values.max()) * 4)  # room for two lines of label
        x0, x1 = ax.get_xlim()
        for date, value, ratio in zip(dates, checks["observed_tokens_per_day"].astype(float), checks["ratio"]):
            right = (mdates.date2num(date) - x0) > 0.9 * (x1 - x0)  # near the right edge: above, to the left
            ax.annotate(w("fig.nat.ratio", tokens=short_number(value), ratio=ratio),
                        (date, value), textcoords="offset points", xytext=(-8, 8) if right else (8, -8),
                        fontsize=8, ha="right" if right else "left", va="bottom" if right else "top",
                        annotation_clip=True,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    ax.set_ylabel(w("fig.nat.tokens_y"))
    ax.set_title(w("fig.nat.tokens"))
    ax.legend(fontsize=8, loc="upper left")


def _supply_panels(sc, times, frame: pd.DataFrame, ax, energy_ax, w) -> None:

    """GPUs needed and installed (with utilization), and energy and carbon per day, from the supply model."""
    ax.plot(times, frame["gpus_needed"] / 1e3, lw=1.5, color="tab:purple",
            label=w("fig.nat.needed", target=sc.supply_model.target_utilization))
    twin = None
    if "gpus_installed" in frame:
        ax.plot(times, frame["gpus_installed"] / 1e3, lw=1.5, color="tab:green", label=w("fig.nat.installed"))
        twin = ax.twinx()
        twin.plot(times, 100 * frame["utilization"], lw=1.0, color="tab:red", ls=":", label=w("fig.nat.util"))
        twin.set_ylabel(w("fig.nat.util_y"))
        twin.set_ylim(0, 105)
    ax.set_ylabel(w("fig.nat.gpus_y"))
    ax.set_title(w("fig.nat.compute"))
    handles = ax.get_legend_handles_labels()[0] + (twin.get_legend_handles_labels()[0] if twin else [])
    (twin or ax).legend(handles=handles, fontsize=8, loc="upper left")  # one legend, drawn above both scales
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
