"""The `tokenecon` command line: thin commands over the library.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file, field or flag),
1 internal error (a bug: the traceback is printed).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .columns import cells, left, right
from .group import JSON_HELP, at_most, cli, emit_json, lang_option, open_page, with_language
from ..i18n import Words, words
from ..names import slug
from ..progress import Phases

EXAMPLES_RUN = """
\b
Examples:
  tokenecon run scenarios/quickstart.yaml
  tokenecon run scenarios/quickstart.yaml --seed 11 --out reports/quickstart-seed11
  tokenecon run scenarios/quickstart.yaml --force      # replace an existing report
  tokenecon run scenarios/quickstart.yaml --lang zh    # report and answer in Chinese
"""


@cli.command(epilog=EXAMPLES_RUN)
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder to write [default: reports/<scenario name>].")
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option("--force", is_flag=True, help="Replace an existing run folder.")
@click.option("--no-figures", is_flag=True, help="Skip the PNG figures (faster).")
@click.option("--skip-bad", is_flag=True, help="Skip bad trace rows (counted in the summary) instead of stopping.")
@click.option("--replications", type=click.IntRange(min=1), default=1, show_default=True,
              help="Independent runs (seeds seed, seed+1, ...): means and 95% confidence intervals.")
@click.option("--scheduler", metavar="tcp://HOST:8786", help="Run replications on this Dask scheduler.")
@click.option("--dask-local", type=click.IntRange(min=1), metavar="N", help="Run replications on a local Dask cluster.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the run folder's path.")
@click.option("--open", "open_report", is_flag=True, help="Open the folder's report.html in a browser when done.")
@click.option("--excel", is_flag=True, help="CSV files with a UTF-8 byte-order mark, for Excel (also: outputs: {excel: true}).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@lang_option
def run(scenario_file: Path, out: Path | None, seed: int | None, force: bool, no_figures: bool, skip_bad: bool,
        replications: int, scheduler: str | None, dask_local: int | None, quiet: bool, open_report: bool,
        excel: bool, as_json: bool, lang: str | None) -> None:
    """Simulate a scenario and write its report folder."""
    from ..footprint import check_fits, summary_disk
    from ..datafiles import check_input_files
    from ..report import write_run_folder
    from ..report.folder import check_output_dir
    from ..runner import run as run_scenario
    from ..scenario import load_scenario
    from ..scenario.limits import MAX_LOCAL_WORKERS, MAX_REPLICATIONS

    at_most(replications, MAX_REPLICATIONS, "--replications")
    at_most(dask_local, MAX_LOCAL_WORKERS, "--dask-local")
    scenario = with_language(load_scenario(scenario_file, skip_bad=skip_bad), lang)
    check_input_files(scenario)
    needs = check_fits(scenario, str(scenario_file))  # before the run: a run that cannot fit says so now
    out = out if out is not None else Path("reports") / slug(scenario.name)
    several = replications > 1 or scheduler or dask_local  # a replications folder: one row per run
    # before the run: never lose an existing report by accident, nor run to find no room for it
    check_output_dir(out, force, summary_disk(replications) if several else needs.disk_bytes)
    if several:
        _run_replications(scenario if seed is None else scenario.model_copy(update={"seed": seed}), replications,
                          out, force, no_figures, scheduler, dask_local, quiet, as_json)
        open_page(out, open_report)
        return
    phases = Phases(scenario.name, not (quiet or as_json))
    result = run_scenario(scenario, seed=seed, progress=phases)
    with phases.phase("writing the report folder"):
        write_run_folder(result, out, force=force, figures=not no_figures, excel=excel)
    if as_json:
        emit_json({**result.summary(), "report": str(out / "report.html")})
    elif quiet:
        click.echo(str(out))
    else:
        w = words(scenario.outputs.language)
        click.echo(_format_summary(result.summary(), w))
        click.echo(w("term.report", path=out / "report.html"))
    open_page(out, open_report)


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def validate(scenario_file: Path, as_json: bool) -> None:
    """Check a scenario file without running it.

    \b
    Example:
      tokenecon validate scenarios/quickstart.yaml
    """
    from ..footprint import check_fits
    from ..datafiles import check_input_files
    from ..pricing import make_policies
    from ..scenario import load_scenario
    from ..units import format_duration

    scenario = load_scenario(scenario_file)
    make_policies(scenario)  # every derived price exact
    check_input_files(scenario)
    check_fits(scenario, str(scenario_file))
    accounts = _accounts(scenario)
    if as_json:
        emit_json({"file": str(scenario_file), "ok": True, "scenario": scenario.name, "question": scenario.question,
                   "providers": [p.name for p in scenario.providers],
                   "customer_segments": [c.name for c in scenario.customers], "accounts": accounts,
                   "duration_s": scenario.duration, "start": scenario.start_local.isoformat()})
        return

    def count(n: int, noun: str) -> str:
        return f"{n} {noun}{'' if n == 1 else 's'}"

    click.echo(
        f"{scenario_file}: OK ({count(len(scenario.providers), 'provider')}, "
        f"{count(len(scenario.customers), 'customer segment')}, {count(accounts, 'account')}, "
        f"{format_duration(scenario.duration)} from {scenario.start_local.isoformat()})"
    )


def _accounts(scenario) -> int:
    """The accounts a run bills: a segment's `count`, or for a trace replayed `by_customer` the
    customers it names (the trace is already read, and cached, by the footprint check)."""
    total = 0
    for customer in scenario.customers:
        if customer.arrivals.type == "trace" and customer.arrivals.by_customer:
            from ..demand.workload import account_names

            total += len(account_names(customer, scenario))
        else:
            total += customer.count
    return total


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion).

    \b
    Example:
      tokenecon schema --out scenario.schema.json
    """
    from ..scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        from ..folders import write_text_file

        write_text_file(out, text)
        click.echo(f"wrote {out}")


def _run_replications(scenario, replications, out, force, no_figures, scheduler, dask_local, quiet,
                      as_json=False) -> None:
    from ..experiments import make_executor, replicate
    from ..report.folder import write_replications_folder

    executor = make_executor(scheduler=scheduler, dask_local=dask_local)
    try:
        result = replicate(scenario, replications, executor, progress=not (quiet or as_json))
    finally:
        executor.close()
    write_replications_folder(result, out, force=force, figures=not no_figures)
    if as_json:
        emit_json({**result.summary(), "report": str(out / "report.html")})
        return
    if quiet:
        click.echo(str(out))
        return
    table = result.table().set_index("metric")
    w = words(scenario.outputs.language)
    if scenario.question:
        click.echo(w("term.question", question=scenario.question))
    click.echo(w("term.rep_title", scenario=scenario.name, n=replications, first=scenario.seed,
                 last=scenario.seed + replications - 1, executor=executor.name))
    for metric in ("requests_completed", "requests_rejected", "requests_timed_out", "revenue", "utilization",
                   "ttft_p95_s", "e2e_latency_p95_s", "output_tokens_per_s", "energy_kwh"):
        if metric in table.index:
            row = table.loc[metric]
            click.echo(f"  {left(w.label(metric), 22)}{row['mean']:>16,.4g}  +/- {row['ci95_half_width']:,.3g}")
    click.echo(w("term.report", path=out / "report.html"))


def _format_summary(s: dict, w: Words | None = None) -> str:
    """The terminal answer of a run: labelled lines, then one row per provider (columns padded by
    display width, so Chinese names and headers line up)."""
    w = w or words("en")
    cur = s["currency"]

    def line(label: str, text: str) -> str:
        return "  " + left(w(f"term.{label}"), 11) + text

    lines = [w("term.question", question=s["question"])] if s.get("question") else []
    lines += [
        w("term.title", scenario=s["scenario"], hours=s["duration_s"] / 3600, wall=s["wall_time_s"], seed=s["seed"]),
        line("requests", w("term.requests_line", arrived=s["requests_arrived"], completed=s["requests_completed"],
                           rejected=s["requests_rejected"], timed_out=s["requests_timed_out"],
                           running=s["requests_running"])),
        line("tokens", w("term.tokens_line", input=s["input_tokens"], cached=s["cached_input_tokens"],
                         output=s["output_tokens"])),
        *([] if s.get("fleet_source") == "supply_model" else  # a supply model's simulated fleet is a stand-in
          [line("latency", w("term.latency_line", ttft50=s["ttft_p50_s"], ttft95=s["ttft_p95_s"],
                             e2e50=s["e2e_latency_p50_s"], e2e95=s["e2e_latency_p95_s"]))]),
        line("revenue", w("term.revenue_scaled", revenue=w.money(s["revenue"], cur), scale=s["scale"]) if "scale" in s
             else w("term.revenue_exact", exact=s["revenue"], invoiced=s["revenue_invoiced"], n=s["invoices"], **w.cur(cur))),
        line("supply", w("term.supply_line", gpu=s["gpu_cost"], energy=s["energy_cost"], kwh=s["energy_kwh"],
                         co2=s["co2_kg"], **w.cur(cur))
             + (w("term.from_supply_model") if s.get("fleet_source") == "supply_model" else "")),
        line("bills", w.join(f"{k[5:]} {float(v):,.2f}" for k, v in s.items() if k.startswith("bill."))),
    ]
    milestones = [k for k in s if k.startswith("milestone.")]
    if milestones:
        lines.append(line("milestones", w("term.milestones_line", parts=w.join(
            w("run.milestone", name=k.split(".")[1], ratio=s[k]) for k in milestones))))
    if "supply.gpus_needed_end" in s:
        if "supply.gpus_installed_end" in s:
            lines.append(line("fleet", w("term.fleet_line", gpus=s["supply.gpus_installed_end"],
                                         end=100 * s["supply.utilization_end"], peak=100 * s["supply.utilization_max"])))
        lines.append(line("supply", w("term.national_line", gpus=s["supply.gpus_needed_end"], gwh=s["supply.energy_gwh"],
                                      kt=s["supply.co2_kt"], cost=s["supply.cost_per_million_end"],
                                      price=s["price_per_million_end"], **w.cur(cur))))
    providers = list(dict.fromkeys(k.split(".", 1)[0] for k in s if k.endswith(".utilization")))  # scenario order
    return "\n".join(lines + [""] + _provider_table(s, providers, w))


def _provider_table(s: dict, providers: list[str], w: Words) -> list[str]:
    """One row per provider; a column widens to its longest figure (national runs count trillions)
    or header (by display width: a Chinese header takes two cells a character)."""
    heads = [w(f"term.h.{h}") for h in ("completed", "rejected", "timed_out", "util", "revenue", "cost", "margin")]
    rows = [(p, [f"{s[f'{p}.requests_completed']:,}", f"{s[f'{p}.requests_rejected']:,}",
                 f"{s[f'{p}.requests_timed_out']:,}", f"{100 * s[f'{p}.utilization']:.0f}%",
                 f"{float(s[f'{p}.revenue']):,.2f}", f"{s[f'{p}.gpu_cost'] + s[f'{p}.energy_cost']:,.2f}",
                 f"{s[f'{p}.margin']:,.2f}"]) for p in providers]
    widths = [max([width] + [1 + cells(row[j]) for _, row in [("", heads), *rows]])  # a space before each
              for j, width in enumerate((11, 10, 10, 7, 14, 12, 12))]
    return ["  " + left(name, 14) + "".join(right(text, n) for text, n in zip(row, widths))
            for name, row in [(w("term.h.provider"), heads), *rows]]
