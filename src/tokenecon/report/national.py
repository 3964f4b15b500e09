"""Milestone checks and the supply-side view of a national-scale run.

`milestones` compares the run's tokens per day (averaged over each milestone's window, centred
on its date and cut by the horizon) with the observed figures. `supply_model` turns the demand
into the compute it needs, where a scaled run cannot hold whole replicas: GPUs = tokens per
second / (tokens per GPU-second x target utilization), and their cost, energy and carbon.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import style  # noqa: E402, F401  (fonts: CJK names render)

__all__ = ["daily_series", "milestone_check", "national_summary", "write_national_report"]


def daily_series(result) -> pd.DataFrame:
    """Per report interval, all providers together: tokens per day, price, and the supply model."""
    ts = result.timeseries
    rates = dict(zip([p.name for p in result.scenario.providers], result.bill.provider_rate))
    frame = ts.assign(
        tokens=ts["input_tokens"] + ts["output_tokens"],
        revenue_value=ts["revenue"].astype(float) * ts["provider"].map(lambda p: float(rates[p])),
        length=ts["interval_end_s"] - ts["interval_start_s"],
    ).groupby("interval_start_s", sort=True).agg(time=("time", "first"), tokens=("tokens", "sum"),
                                                 revenue=("revenue_value", "sum"), length=("length", "first"))
    frame["tokens_per_day"] = frame["tokens"] / frame["length"] * 86400.0
    frame["price_per_million"] = frame["revenue"] / frame["tokens"].where(frame["tokens"] > 0) * 1e6
    model = result.scenario.supply_model
    if model is not None:
        per_s = frame["tokens"] / frame["length"]
        frame["gpus_needed"] = per_s / (model.tokens_per_gpu_s * model.target_utilization)
        if model.installed_gpus:  # supply given: utilization is demand over installed capacity
            times = np.asarray([t for t, _ in model.installed_gpus], dtype=float)
            counts = np.log(np.asarray([g for _, g in model.installed_gpus], dtype=float))
            mid = frame.index.to_numpy() + frame["length"].to_numpy() / 2  # index: interval start (s)
            frame["gpus_installed"] = np.exp(np.interp(mid, times, counts))
            demand = per_s / (frame["gpus_installed"] * model.tokens_per_gpu_s)
            frame["utilization"] = np.minimum(1.0, demand)
            frame["unserved_share"] = np.maximum(0.0, 1.0 - 1.0 / demand.where(demand > 0, 1.0))
            gpus, utilization = frame["gpus_installed"], frame["utilization"]
        else:
            gpus, utilization = frame["gpus_needed"], model.target_utilization
            frame["utilization"] = model.target_utilization
        watts = model.power_w.idle + (model.power_w.busy - model.power_w.idle) * utilization
        hours = frame["length"] / 3600.0
        frame["energy_kwh"] = gpus * watts * model.pue * hours / 1000.0
        frame["co2_t"] = frame["energy_kwh"] * model.carbon_g_per_kwh / 1e6
        cost = gpus * model.gpu_cost_per_hour * hours + frame["energy_kwh"] * model.energy_price_per_kwh
        frame["supply_cost_per_million"] = cost / frame["tokens"].where(frame["tokens"] > 0) * 1e6
    return frame.reset_index()


def milestone_check(result) -> pd.DataFrame:
    """Each milestone: the run's mean tokens per day around it, the observed figure, the ratio."""
    frame = daily_series(result)
    start = result.scenario.start_local
    rows = []
    for m in result.scenario.milestones:
        centre = (m.at - start).total_seconds()
        lo, hi = centre - m.window / 2, centre + m.window / 2
        inside = (frame["interval_start_s"] >= lo) & (frame["interval_start_s"] < hi)
        simulated = float((frame.loc[inside, "tokens"]).sum() / frame.loc[inside, "length"].sum() * 86400.0)
        rows.append({"date": m.at.date().isoformat(), "observed_tokens_per_day": m.daily_tokens,
                     "simulated_tokens_per_day": simulated, "ratio": simulated / m.daily_tokens,
                     "window_days": m.window / 86400, "source": m.source})
    return pd.DataFrame(rows)


def national_summary(result) -> dict:
    """Flat keys for summary.json: milestone ratios and the supply model's totals."""
    out = {}
    for _, row in milestone_check(result).iterrows():
        out[f"milestone.{row['date']}.ratio"] = round(float(row["ratio"]), 4)
    frame = daily_series(result)
    if "gpus_needed" in frame:
        last = frame.iloc[-1]
        out["supply.gpus_needed_end"] = round(float(last["gpus_needed"]))
        if "gpus_installed" in frame:
            out["supply.gpus_installed_end"] = round(float(last["gpus_installed"]))
            out["supply.utilization_end"] = round(float(last["utilization"]), 4)
            out["supply.utilization_max"] = round(float(frame["utilization"].max()), 4)
        out["supply.energy_gwh"] = round(float(frame["energy_kwh"].sum()) / 1e6, 3)
        out["supply.co2_kt"] = round(float(frame["co2_t"].sum()) / 1e3, 3)
        out["supply.cost_per_million_end"] = round(float(last["supply_cost_per_million"]), 4)
        out["price_per_million_end"] = round(float(last["price_per_million"]), 4)
    return out


def write_national_report(result, folder: Path, *, figures: bool = True) -> None:
    frame = daily_series(result)
    frame.to_csv(folder / "national.csv", index=False)
    checks = milestone_check(result)
    if len(checks):
        checks.to_csv(folder / "milestones.csv", index=False)
    if figures:
        _figure(result, frame, checks, folder / "national.png")


def _figure(result, frame: pd.DataFrame, checks: pd.DataFrame, path: Path) -> None:
    sc = result.scenario
    times = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(sc.tz)
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    ax = axes[0, 0]
    ax.plot(times, frame["tokens_per_day"], lw=1.2, label="simulated (scaled up)")
    if len(checks):
        ax.scatter(pd.to_datetime(checks["date"]), checks["observed_tokens_per_day"], color="crimson", zorder=3,
                   label="reported (National Data Administration)")
        for _, row in checks.iterrows():
            ax.annotate(f"{row['observed_tokens_per_day']:.3g}\nsim x{row['ratio']:.2f}",
                        (pd.to_datetime(row["date"]), row["observed_tokens_per_day"]), textcoords="offset points",
                        xytext=(-40, 10), fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("tokens per day")
    ax.set_title("Daily token calls")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.plot(times, frame["price_per_million"], lw=1.5, label="price paid")
    if "supply_cost_per_million" in frame:
        ax.plot(times, frame["supply_cost_per_million"], lw=1.5, label="cost of supply (GPU + energy)")
    ax.set_ylabel(f"{sc.currency} per 1M tokens")
    ax.set_title("Price and cost per million tokens")
    ax.legend(fontsize=8)
    if "gpus_needed" in frame:
        ax = axes[1, 0]
        ax.plot(times, frame["gpus_needed"] / 1e3, lw=1.5, color="tab:purple",
                label=f"needed at {sc.supply_model.target_utilization:.0%} utilization")
        if "gpus_installed" in frame:
            ax.plot(times, frame["gpus_installed"] / 1e3, lw=1.5, color="tab:green", label="installed")
            twin = ax.twinx()
            twin.plot(times, 100 * frame["utilization"], lw=1.0, color="tab:red", ls=":", label="utilization")
            twin.set_ylabel("utilization of installed GPUs (%)")
            twin.set_ylim(0, 105)
            twin.legend(fontsize=8, loc="lower right")
        ax.set_ylabel("thousand GPUs")
        ax.set_title("Compute: needed and installed")
        ax.legend(fontsize=8, loc="upper left")
        ax = axes[1, 1]
        days = frame["length"] / 86400.0
        ax.plot(times, frame["energy_kwh"] / days / 1e6, lw=1.5, color="tab:orange", label="energy")
        ax.set_ylabel("GWh per day")
        twin = ax.twinx()
        twin.plot(times, frame["co2_t"] / days / 1e3, lw=1.2, color="tab:gray", ls="--", label="CO2")
        twin.set_ylabel("thousand tonnes CO2 per day")
        ax.set_title("Energy and carbon")
    for ax in axes.flat:
        ax.grid(True, alpha=0.3)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.suptitle(f"{sc.name}: the token economy at national scale (simulated at scale {sc.scale:g})", fontsize=13,
                 fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
