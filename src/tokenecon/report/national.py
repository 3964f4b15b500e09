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
        _figure(result, frame, checks, folder / "national.png")


def _figure(result, frame: pd.DataFrame, checks: pd.DataFrame, path: Path) -> None:
    from .style import short_number, use_fonts_for  # (Agg backend)

    use_fonts_for(result.scenario.model_dump_json())  # CJK names render, at their weight

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    sc = result.scenario
    times = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(sc.tz)
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    ax = axes[0, 0]
    ax.plot(times, frame["tokens_per_day"], lw=1.2, label="simulated (scaled up)")
    if len(checks):
        ax.scatter(pd.to_datetime(checks["date"]), checks["observed_tokens_per_day"], color="crimson", zorder=3,
                   label="reported (National Data Administration)")
        for _, row in checks.iterrows():
            ax.annotate(f"{short_number(row['observed_tokens_per_day'])}\nsim x{row['ratio']:.2f}",
                        (pd.to_datetime(row["date"]), row["observed_tokens_per_day"]), textcoords="offset points",
                        xytext=(8, -26), fontsize=8, ha="left", annotation_clip=True,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    ax.set_ylabel("tokens per day")
    ax.set_title("Daily token calls")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[0, 1]
    ax.plot(times, frame["price_per_million"], lw=1.5, label="price paid")
    if "supply_cost_per_million" in frame:
        ax.plot(times, frame["supply_cost_per_million"], lw=1.5, label="cost of supply (GPU + energy)")
    ax.set_ylabel(f"{sc.currency} per 1M tokens")
    ax.set_title("Price and cost per million tokens")
    ax.legend(fontsize=8)
    if "gpus_needed" in frame:
        _supply_panels(sc, times, frame, axes[1, 0], axes[1, 1])
    for ax in axes.flat:
        ax.grid(True, alpha=0.3)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.suptitle(f"{sc.name} (seed {sc.seed}): the token economy at national scale (1 in "
                 f"{short_number(1 / sc.scale)} requests simulated)", fontsize=13,
                 fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _supply_panels(sc, times, frame: pd.DataFrame, ax, energy_ax) -> None:
    """GPUs needed and installed (with utilization), and energy and carbon per day, from the supply model."""
    ax.plot(times, frame["gpus_needed"] / 1e3, lw=1.5, color="tab:purple",
            label=f"needed at {sc.supply_model.target_utilization:.0%} utilization")
    if "gpus_installed" in frame:
        ax.plot(times, frame["gpus_installed"] / 1e3, lw=1.5, color="tab:green", label="installed")
        twin = ax.twinx()
        twin.plot(times, 100 * frame["utilization"], lw=1.0, color="tab:red", ls=":", label="utilization")
        twin.set_ylabel("utilization of installed GPUs (%)")
        twin.set_ylim(0, 105)
        twin.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, 0.82))
    ax.set_ylabel("thousand GPUs")
    ax.set_title("Compute: needed and installed")
    ax.legend(fontsize=8, loc="upper left")
    ax = energy_ax
    days = frame["length"] / 86400.0
    energy = frame["energy_kwh"] / days / 1e6
    ax.plot(times, energy, lw=1.5, color="tab:orange", label="energy")
    ax.set_ylabel("GWh per day")
    ax.set_ylim(0, float(energy.max()) * 1.1)
    intensity = sc.supply_model.carbon_g_per_kwh  # kt CO2 = GWh x g/kWh / 1000: one line, two scales
    if intensity:
        ax.secondary_yaxis("right", functions=(lambda g: g * intensity / 1e3, lambda kt: kt * 1e3 / intensity)) \
            .set_ylabel(f"thousand tonnes CO2 per day (at {intensity:g} g/kWh)")
    ax.set_title("Energy and carbon")
