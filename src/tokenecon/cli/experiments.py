"""`tokenecon compare` and `tokenecon sweep`: several runs side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .columns import cells, head, left, right
from .group import JSON_HELP, at_most, cli, emit_json, lang_option, open_page, records, with_language
from ..i18n import Words, words
from ..names import slug

if TYPE_CHECKING:  # the command imports them when it runs (tokenecon --help stays light)
    import pandas as pd

    from ..comparison import Comparison
    from ..experiments.sweep import Sweep
    from ..scenario import Scenario


def unique_names(stems) -> list[str]:
    """Variant names from file stems; the same stem twice becomes 'a', 'a-2'."""
    seen: dict[str, int] = {}
    out = []
    for stem in stems:
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return out

EXAMPLES_COMPARE = """
\b
Examples:
  tokenecon compare scenarios/deepseek_offpeak.yaml --policy standard --policy offpeak
  tokenecon compare scenarios/quickstart.yaml --policy acme=premium,budget=economy --policy economy
  tokenecon compare a.yaml b.yaml c.yaml       # files that differ only in pricing
"""


@cli.command(epilog=EXAMPLES_COMPARE)
@click.argument("scenario_files", metavar="SCENARIO.yaml...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--policy", "policies", multiple=True,
              help="A variant of the one scenario: NAME prices every provider with pricing NAME; "
                   "PROVIDER=NAME,... per provider (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [default: reports/compare-<scenario name>].")
@click.option("--seed", type=click.IntRange(min=0), help="Override the seed of every variant.")
@click.option("--force", is_flag=True, help="Replace an existing comparison folder.")
@click.option("--no-figures", is_flag=True, help="Skip the PNG figures.")
@click.option("--open", "open_report", is_flag=True, help="Open the folder's report.html in a browser when done.")
@click.option("--excel", is_flag=True, help="CSV files with a UTF-8 byte-order mark, for Excel (also: outputs: {excel: true}).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path (no progress bar).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@lang_option
def compare(scenario_files: tuple[Path, ...], policies: tuple[str, ...], out: Path | None, seed: int | None,
            force: bool, no_figures: bool, open_report: bool, excel: bool, quiet: bool, as_json: bool,
            lang: str | None) -> None:
    """Run one seeded workload under several pricing policies and compare them side by side.

    Common random numbers: every variant draws the same requests, so the differences in bills,
    revenue, margin, utilization, rejections and latency come from the policy.
    """
    from ..comparison import compare as run_compare
    from ..progress import Phases
    from ..report.folder import check_output_dir, write_compare_folder

    scenario, variants = _variants(scenario_files, policies)
    if seed is not None:
        variants = {k: v.model_copy(update={"seed": seed}) for k, v in variants.items()}
    variants = {k: with_language(v, lang) for k, v in variants.items()}
    w = words(next(iter(variants.values())).outputs.language)
    from ..footprint import check_fits, compare_disk

    needs = [check_fits(v, name, copies=len(variants)) for name, v in variants.items()]
    out = out if out is not None else Path("reports") / f"compare-{slug(scenario.name)}"
    check_output_dir(out, force, compare_disk(needs))  # comparisons keep no request tables
    comparison = run_compare(variants, progress=not (quiet or as_json))
    with Phases(scenario.name, not (quiet or as_json)).phase("writing the report folder"):
        write_compare_folder(comparison, out, force=force, figures=not no_figures, excel=excel)
    table = comparison.table()
    if as_json:
        emit_json({"scenario": scenario.name, "question": scenario.question,
                   "seed": next(iter(variants.values())).seed, "currency": comparison.currency,
                   "policies": records(table), "report": str(out / "report.html")})
        open_page(out, open_report)
        return
    if quiet:
        click.echo(str(out))
        open_page(out, open_report)
        return
    _print_comparison(comparison, scenario, variants, table, w)
    click.echo(w("term.report", path=out / "report.html"))
    open_page(out, open_report)


def _variants(scenario_files: tuple[Path, ...], policies: tuple[str, ...]) -> tuple[Scenario, dict[str, Scenario]]:
    """The first scenario and the named variants: one file under each --policy, or each file (same workload)."""
    from ..comparison import check_same_workload, policy_variants
    from ..scenario import load_scenario

    scenarios = {str(path): load_scenario(path) for path in scenario_files}
    scenario = next(iter(scenarios.values()))
    if len(scenarios) == 1:
        if len(policies) < 2:
            raise click.UsageError("give two or more --policy variants, or two or more scenario files")
        twice = sorted({p for p in policies if policies.count(p) > 1})
        if twice:
            raise click.UsageError(f"--policy {twice[0]} is given twice; give each variant once")
        return scenario, policy_variants(scenario, list(policies))
    if policies:
        raise click.UsageError("--policy applies to one scenario file; with several files each file is a variant")
    check_same_workload(scenarios)
    return scenario, dict(zip(unique_names(Path(k).stem for k in scenarios), scenarios.values()))


def _print_comparison(comparison: Comparison, scenario: Scenario, variants: dict[str, Scenario],
                      table: pd.DataFrame, w: Words | None = None) -> None:
    """The terminal table: a row per policy, a bill column per segment (padded by display width)."""
    w = w or words("en")
    cur = comparison.currency
    segments = [c for c in table.columns if c.startswith("bill.")]
    header = "  " + left(w("term.h.policy"), 24) + "".join(
        head(w(f"term.h.{h}"), n) for h, n in (("requests", 11), ("revenue", 13), ("margin", 12), ("util", 6),
                                                ("rejected", 10), ("timed_out", 10), ("e2e_p95", 10)))
    if scenario.question:
        click.echo(w("term.question", question=scenario.question))
    sizes = {len(r.workload) for r in comparison.results.values()}
    drawn = w("term.cmp.same", n=sizes.pop()) if len(sizes) == 1 else w("term.cmp.answered")
    click.echo(w("term.cmp.title", scenario=scenario.name, n=len(variants), seed=next(iter(variants.values())).seed,
                 drawn=drawn, **w.cur(cur)))
    n, runs = len(comparison.results), comparison.simulations
    click.echo("  " + (w("term.cmp.each", n=n, why=w("term.cmp.why", reasons="; ".join(comparison.reasons))
                                          if comparison.reasons else "") if runs == n else
                       w("term.cmp.shared", runs=runs, n=n, rebilled=n - runs,
                         simulations=w("term.simulation" if runs == 1 else "term.simulations"))))
    click.echo(header + "".join(right(s[5:], 14) for s in segments))
    for _, row in table.iterrows():
        click.echo(f"  {left(row['policy'], 24)}{row['requests_arrived']:>11,}{float(row['revenue']):>13,.2f}{row['margin']:>12,.2f}"
                   f"{100 * row['utilization']:>5.0f}%{row['requests_rejected']:>10,}{row['requests_timed_out']:>10,}"
                   f"{row['e2e_latency_p95_s']:>10.2f}" + "".join(f"{float(row[s]):>14,.2f}" for s in segments))
    from ..report.loadshape import peak_to_trough
    from ..report.pages import flatness_answer

    for line in flatness_answer({name: peak_to_trough(r) for name, r in comparison.results.items()}, w):
        click.echo("  " + line)


EXAMPLES_SWEEP = """
\b
Examples:
  tokenecon sweep scenarios/sweeps/quickstart_price_fleet.yaml
  tokenecon sweep scenarios/sweeps/quickstart_price_fleet.yaml --dask-local 2
  tokenecon sweep my_sweep.yaml --scheduler tcp://10.0.0.5:8786 --out reports/big-sweep
"""


@cli.command(epilog=EXAMPLES_SWEEP)
@click.argument("sweep_file", metavar="SWEEP.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [default: reports/sweep-<sweep name>].")
@click.option("--scheduler", metavar="tcp://HOST:8786", help="Run on this Dask scheduler.")
@click.option("--dask-local", type=click.IntRange(min=1), metavar="N", help="Run on a local Dask cluster of N workers.")
@click.option("--serial", is_flag=True, help="Run in this process (no parallelism).")
@click.option("--force", is_flag=True, help="Replace an existing sweep folder.")
@click.option("--no-figures", is_flag=True, help="Skip the PNG figures.")
@click.option("--open", "open_report", is_flag=True, help="Open the folder's report.html in a browser when done.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path (no progress bar).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@lang_option
def sweep(sweep_file: Path, out: Path | None, scheduler: str | None, dask_local: int | None, serial: bool,
          force: bool, no_figures: bool, open_report: bool, quiet: bool, as_json: bool, lang: str | None) -> None:
    """Run a base scenario over a grid (or list) of overrides, with replications per point.

    Writes sweep.csv (one row per point: parameters, means and 95% half widths), runs.csv,
    best.json (with `optimize:`: the best point meeting the constraints) and figures (lines
    for one parameter, heatmaps for two).
    """
    from ..experiments import make_executor
    from ..experiments.sweep import load_sweep, run_sweep
    from ..report.folder import check_output_dir, write_sweep_folder
    from ..scenario.limits import MAX_LOCAL_WORKERS

    at_most(dask_local, MAX_LOCAL_WORKERS, "--dask-local")
    spec, points = load_sweep(sweep_file)
    if lang is not None:
        from dataclasses import replace

        points = [replace(p, scenario=with_language(p.scenario, lang)) for p in points]
    from ..footprint import check_fits, summary_disk

    for point in points:
        check_fits(point.scenario, f"{sweep_file}: point {point.index}")
    name = spec.name or sweep_file.stem
    out = out if out is not None else Path("reports") / f"sweep-{slug(name)}"
    check_output_dir(out, force, summary_disk(len(points) * spec.replications, len(points)))
    executor = make_executor(scheduler=scheduler, dask_local=dask_local, serial=serial)
    try:
        result = run_sweep(spec, points, executor, progress=not (quiet or as_json), name=name)
    finally:
        executor.close()
    best = result.best()
    write_sweep_folder(result, out, force=force, figures=not no_figures)
    table = result.table()
    if as_json:
        emit_json({"sweep": name, "replications": spec.replications, "parameters": result.parameters,
                   "points": records(table), "best": best, "report": str(out / "report.html")})
        open_page(out, open_report)
        return
    if quiet:
        click.echo(str(out))
        open_page(out, open_report)
        return
    w = words(points[0].scenario.outputs.language)
    _print_sweep(result, name, len(points), executor.name, table, best, w)
    click.echo(w("term.report", path=out / "report.html"))
    open_page(out, open_report)


def _print_sweep(result: Sweep, name: str, points: int, executor: str, table: pd.DataFrame,
                 best: dict | None, w: Words | None = None) -> None:
    """The terminal table: a row per point, then the best point or the constraints none meets."""
    w = w or words("en")
    spec = result.spec
    runs = points * spec.replications
    shared = w("term.sweep.shared", runs=result.simulations, rebilled=runs - result.simulations,
               simulations=w("term.simulation" if result.simulations == 1 else "term.simulations")) \
        if result.simulations < runs else ""
    click.echo(w("term.sweep.title", name=name, points=points, reps=spec.replications, executor=executor, shared=shared))
    columns = result.parameters + [m for m in spec.metrics if m in table]
    heads = result.parameters + [w.label(m) for m in spec.metrics if m in table]
    width = max([12] + [cells(c) + 2 for c in heads])  # whole names (providers.acme.replicas), right-aligned
    click.echo("  " + "".join(right(c, width) for c in heads))
    for _, row in table.iterrows():
        click.echo("  " + "".join(right(_figure(row[c]) if isinstance(row[c], float) else str(row[c]), width)
                                  for c in columns))
    if best is not None:
        if best["feasible"]:
            click.echo(w("term.sweep.best", point=best["point"], objective=w.label(best["objective"]),
                         at=", ".join(f"{k}={v}" for k, v in best["overrides"].items()), value=best["value"],
                         feasible=best["feasible_points"], points=best["points"]))
        elif best.get("no_value"):
            click.echo(w("term.sweep.no_value", objective=w.label(best["objective"])))
        else:
            constraints = spec.optimize.subject_to if spec.optimize is not None else []
            click.echo(w("term.sweep.none", limits=_limits(constraints)))


def _figure(value: float) -> str:
    """A sweep cell: 4 significant digits, whole numbers from 10,000 up (18,840 rather than 1.884e+04)."""
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.4g}"


def _limits(constraints) -> str:
    """The sweep's constraints as the reader wrote them: 'e2e_latency_p95_s <= 60, rejection_rate <= 0.01'."""
    parts = [f"{c.metric} >= {c.min:g}" for c in constraints if c.min is not None]
    parts += [f"{c.metric} <= {c.max:g}" for c in constraints if c.max is not None]
    return ", ".join(parts)
