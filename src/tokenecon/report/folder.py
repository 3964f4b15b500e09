"""Write the run, comparison and experiment folders (each whole or not at all, see `tokenecon.folders`)."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from pathlib import Path

from ..i18n import words
from ..folders import atomic_folder, check_output_dir as _check_output_dir, write_json
from .aside import aside
from .tables import write_table

__all__ = ["write_run_folder", "write_compare_folder", "check_output_dir"]


def check_output_dir(out: Path, force: bool, need_bytes: int = 0) -> None:
    """Fail before any work if the run folder `out` cannot be written (see `folders.check_output_dir`)."""
    _check_output_dir(out, force, "run folder", need_bytes)


def _atomic_folder(out: Path, force: bool):
    return atomic_folder(out, force, "run folder")


BOM = "\ufeff".encode("utf-8")


def add_excel_bom(folder: Path) -> None:
    """Start every CSV under `folder` with a UTF-8 byte-order mark (Excel then reads UTF-8, not the
    system code page); pandas and `csv` with ``encoding="utf-8-sig"`` read such files unchanged."""
    for path in sorted(folder.rglob("*.csv")):
        tmp = path.with_name(path.name + ".bom")
        with path.open("rb") as src, tmp.open("wb") as dst:
            head = src.read(len(BOM))
            if head != BOM:
                dst.write(BOM)
            dst.write(head)
            shutil.copyfileobj(src, dst, 1 << 20)
        tmp.replace(path)


def write_run_folder(result, out: str | Path, *, force: bool = False, figures: bool = True,
                     excel: bool = False) -> Path:
    """Write summary.json, the tables (`outputs.format`), the resolved scenario and the figures.

    The figures are drawn in a forked child while this process writes the tables, where that is
    safe (`tokenecon.report.aside`); the folder holds the same files either way."""
    out = Path(out)
    outputs = result.scenario.outputs
    fmt = outputs.format
    with _atomic_folder(out, force) as tmp:
        with aside(lambda: _draw_figures(result, tmp)) if figures else nullcontext():
            write_json(tmp / "summary.json", result.summary())
            if outputs.requests:
                write_table(result.files_table("requests"), tmp, "requests", fmt)
            write_table(result.files_table("timeseries"), tmp, "timeseries", fmt)
            write_table(result.files_table("invoices"), tmp, "invoices", fmt)
            write_table(result.unit_economics, tmp, "unit_economics", fmt)
            if outputs.ledger is not False:  # invoice line items: small, from the same columns
                write_table(result.files_table("invoice_lines"), tmp, "invoice_lines", fmt)
            if outputs.write_ledger(len(result.workload)):
                write_table(result.files_table("ledger"), tmp, "ledger", fmt)
            if len(result.bill.plan_lines.wallet):
                write_table(result.files_table("wallets"), tmp, "wallets", fmt)
            write_json(tmp / "scenario.resolved.json", resolved_scenario(result.scenario))
        if result.scenario.milestones or result.scenario.supply_model:
            from .national import write_national_report

            write_national_report(result, tmp, figures=figures)
        if excel or result.scenario.outputs.excel:
            add_excel_bom(tmp)
        _run_html(result, tmp)
    return out


def resolved_scenario(scenario) -> dict:
    """The scenario as run, for scenario.resolved.json (`outputs.language` only when not the default)."""
    exclude: dict = {"base_dir": True}
    if scenario.outputs.language == "en":
        exclude["outputs"] = {"language": True}
    return scenario.model_dump(mode="json", exclude=exclude)


def _draw_figures(result, folder: Path) -> None:
    from .figures import write_figures  # matplotlib is imported only where figures are drawn

    write_figures(result, folder)


def _run_html(result, folder: Path) -> None:
    from .figure_names import FIGURES
    from .html import write_page
    from .pages import run_page

    accounts = result.accounts_by_segment()
    w = words(result.scenario.outputs.language)
    write_page(run_page(result.summary(), accounts, folder, FIGURES, result.unit_economics, w), folder)


def write_compare_folder(comparison, out: str | Path, *, force: bool = False, figures: bool = True,
                         excel: bool = False) -> Path:
    """comparison.csv, figures, and each policy's summary, time series and invoices under runs/."""
    from ..names import unique_slugs
    from .compare_figures import write_compare_figures

    out = Path(out)
    with _atomic_folder(out, force) as tmp:
        table = comparison.table()
        table.to_csv(tmp / "comparison.csv", index=False)
        folders = unique_slugs(comparison.results)
        for name, result in comparison.results.items():
            folder = tmp / "runs" / folders[name]
            folder.mkdir(parents=True)
            write_json(folder / "summary.json", result.summary())
            write_table(result.timeseries, folder, "timeseries")
            write_table(result.invoices, folder, "invoices")
        if figures:
            write_compare_figures(comparison, table, tmp)
        if excel or any(r.scenario.outputs.excel for r in comparison.results.values()):
            add_excel_bom(tmp)
        _compare_html(comparison, table, tmp)
    return out


def _compare_html(comparison, table, folder: Path) -> None:
    from .compare_figures import COMPARE_FIGURES
    from .html import write_page
    from .loadshape import load_curve, peak_to_trough
    from .pages import compare_page

    load = {}
    for name, result in comparison.results.items():
        _, utilization, _ = load_curve(result)
        ts = result.timeseries
        lost = ts.loc[(ts["requests_rejected"] + ts["requests_timed_out"]) > 0, "time"]
        first_lost = str(lost.min())[:16].replace("T", " ") if len(lost) else None  # local time, to the minute
        load[name] = (float(utilization.max()), float(utilization.min()), first_lost)
    scenario = next(iter(comparison.results.values())).scenario
    w = words(scenario.outputs.language)
    shapes = {name: peak_to_trough(result) for name, result in comparison.results.items()}
    write_page(compare_page(table, scenario, load, folder, COMPARE_FIGURES, w, shapes), folder)


def write_replications_folder(replications, out: str | Path, *, force: bool = False, figures: bool = True) -> Path:
    """replications.csv (one row per run), summary_ci.csv, summary.json (means and half widths), figure."""
    from .experiment_figures import replication_figure

    out = Path(out)
    with _atomic_folder(out, force) as tmp:
        replications.runs.to_csv(tmp / "replications.csv", index=False)
        replications.table().to_csv(tmp / "summary_ci.csv", index=False)
        write_json(tmp / "summary.json", replications.summary())
        if figures:
            from .style import figure_language, words_for

            with figure_language(words_for(replications.scenario), fonts=False):  # numbers in its language
                replication_figure(replications, tmp / "replications_over_time.png")
        from .html import write_page
        from .pages import replications_page

        write_page(replications_page(replications, tmp, words(replications.scenario.outputs.language)), tmp)
    return out


def write_sweep_folder(sweep, out: str | Path, *, force: bool = False, figures: bool = True) -> Path:
    """sweep.csv, runs.csv, best.json and figures of a sweep."""
    from .experiment_figures import sweep_figures

    out = Path(out)
    with _atomic_folder(out, force) as tmp:
        table = sweep.table()
        table.to_csv(tmp / "sweep.csv", index=False)
        sweep.runs().to_csv(tmp / "runs.csv", index=False)
        best = sweep.best()
        if best is not None:
            write_json(tmp / "best.json", best)
        numeric = [p for p in sweep.parameters if pd_numeric(table[p])]
        if figures and numeric:
            from .style import figure_language, words_for

            with figure_language(words_for(sweep.points[0].scenario), fonts=False):  # numbers in its language
                sweep_figures(table, numeric[:2], sweep.spec.metrics, tmp, currency=sweep.points[0].scenario.currency,
                              best=best, feasible=sweep.feasible(table) if sweep.spec.optimize else None,
                              name=sweep.spec.name or "sweep", lang=sweep.points[0].scenario.outputs.language)
        from .html import write_page
        from .pages import sweep_page

        w = words(sweep.points[0].scenario.outputs.language)
        write_page(sweep_page(sweep, sweep.spec.name or "sweep", tmp, w), tmp)
    return out


def pd_numeric(column) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column))
