"""The `tokenecon` command line: thin commands over the library.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file, field or flag),
1 internal error (a bug: the traceback is printed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import TokenEconError

EXAMPLES_RUN = """
\b
Examples:
  tokenecon run scenarios/quickstart.yaml
  tokenecon run scenarios/quickstart.yaml --seed 11 --out reports/quickstart-seed11
  tokenecon run scenarios/quickstart.yaml --force      # replace an existing report
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tokenecon")
def cli() -> None:
    """tokenecon: simulate LLM token metering, serving and billing.

    \b
    Examples:
      tokenecon validate scenarios/quickstart.yaml
      tokenecon run scenarios/quickstart.yaml
      tokenecon schema --out scenario.schema.json
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
def run(scenario_file: Path, out: Path | None, seed: int | None, force: bool, no_figures: bool, skip_bad: bool,
        replications: int, scheduler: str | None, dask_local: int | None, quiet: bool) -> None:
    """Simulate a scenario and write its report folder."""
    from .demand.sizes import check_empirical_sources
    from .report import write_run_folder
    from .report.folder import check_output_dir
    from .runner import run as run_scenario
    from .scenario import load_scenario

    scenario = load_scenario(scenario_file)
    if skip_bad:
        scenario = _skip_bad_trace_rows(scenario)
    check_empirical_sources(scenario)
    out = out if out is not None else Path("reports") / scenario.name
    check_output_dir(out, force)  # before the run: never lose an existing report by accident
    if replications > 1 or scheduler or dask_local:
        _run_replications(scenario if seed is None else scenario.model_copy(update={"seed": seed}), replications,
                          out, force, no_figures, scheduler, dask_local, quiet)
        return
    result = run_scenario(scenario, seed=seed, progress=not quiet)
    write_run_folder(result, out, force=force, figures=not no_figures)
    if quiet:
        click.echo(str(out))
        return
    click.echo(_format_summary(result.summary()))
    click.echo(f"report: {out}/")


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
def compare(scenario_files: tuple[Path, ...], policies: tuple[str, ...], out: Path | None, seed: int | None,
            force: bool, no_figures: bool) -> None:
    """Run one seeded workload under several pricing policies and compare them side by side.

    Common random numbers: every variant draws the same requests, so the differences in bills,
    revenue, margin, utilization, rejections and latency come from the policy.
    """
    from .compare import check_same_workload, compare as run_compare, policy_variants
    from .report.folder import check_output_dir, write_compare_folder
    from .scenario import load_scenario

    scenarios = {str(path): load_scenario(path) for path in scenario_files}
    if len(scenarios) == 1:
        scenario = next(iter(scenarios.values()))
        if len(policies) < 2:
            raise click.UsageError("give two or more --policy variants, or two or more scenario files")
        variants = policy_variants(scenario, list(policies))
    else:
        if policies:
            raise click.UsageError("--policy applies to one scenario file; with several files each file is a variant")
        check_same_workload(scenarios)
        variants = {Path(k).stem: v for k, v in scenarios.items()}
        scenario = next(iter(scenarios.values()))
    if seed is not None:
        variants = {k: v.model_copy(update={"seed": seed}) for k, v in variants.items()}
    out = out if out is not None else Path("reports") / f"compare-{scenario.name}"
    check_output_dir(out, force)
    comparison = run_compare(variants, progress=True)
    write_compare_folder(comparison, out, force=force, figures=not no_figures)
    table = comparison.table()
    cur = comparison.currency
    segments = [c for c in table.columns if c.startswith("bill.")]
    header = f"  {'policy':<24}{'revenue':>13}{'margin':>12}{'util':>6}{'rejected':>10}{'timed out':>10}{'e2e p95 s':>10}"
    if scenario.question:
        click.echo(f"question: {scenario.question}")
    click.echo(f"{scenario.name}: {len(variants)} policies, seed {next(iter(variants.values())).seed}, "
               f"same {len(next(iter(comparison.results.values())).workload):,} requests each ({cur})")
    click.echo(header + "".join(f"{s[5:]:>14}" for s in segments))
    for _, row in table.iterrows():
        click.echo(f"  {row['policy']:<24}{float(row['revenue']):>13,.2f}{row['margin']:>12,.2f}"
                   f"{100 * row['utilization']:>5.0f}%{row['requests_rejected']:>10,}{row['requests_timed_out']:>10,}"
                   f"{row['e2e_latency_p95_s']:>10.2f}" + "".join(f"{float(row[s]):>14,.2f}" for s in segments))
    click.echo(f"report: {out}/")


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
def sweep(sweep_file: Path, out: Path | None, scheduler: str | None, dask_local: int | None, serial: bool,
          force: bool, no_figures: bool) -> None:
    """Run a base scenario over a grid (or list) of overrides, with replications per point.

    Writes sweep.csv (one row per point: parameters, means and 95% half widths), runs.csv,
    best.json (with `optimize:`: the best point meeting the constraints) and figures (lines
    for one parameter, heatmaps for two).
    """
    from .experiments import make_executor
    from .experiments.sweep import load_sweep, run_sweep
    from .report.folder import check_output_dir, write_sweep_folder

    spec, points = load_sweep(sweep_file)
    name = spec.name or sweep_file.stem
    out = out if out is not None else Path("reports") / f"sweep-{name}"
    check_output_dir(out, force)
    executor = make_executor(scheduler=scheduler, dask_local=dask_local, serial=serial)
    try:
        result = run_sweep(spec, points, executor, progress=True)
    finally:
        executor.close()
    best = result.best()
    write_sweep_folder(result, out, force=force, figures=not no_figures)
    table = result.table()
    click.echo(f"{name}: {len(points)} points x {spec.replications} replications on {executor.name}")
    columns = result.parameters + [m for m in spec.metrics if m in table]
    click.echo("  " + "".join(f"{c[-22:]:>24}" for c in columns))
    for _, row in table.iterrows():
        click.echo("  " + "".join(f"{row[c]:>24,.4g}" if isinstance(row[c], float) else f"{str(row[c]):>24}"
                                  for c in columns))
    if best is not None:
        if best["feasible"]:
            click.echo(f"best: point {best['point']} ({', '.join(f'{k}={v}' for k, v in best['overrides'].items())}):"
                       f" {best['objective']} {best['value']:,.6g}, {best['feasible_points']} of {best['points']}"
                       " points meet the constraints")
        else:
            click.echo(f"best: no point meets the constraints on {best['objective']}")
    click.echo(f"report: {out}/")


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False, path_type=Path))
def validate(scenario_file: Path) -> None:
    """Check a scenario file without running it.

    \b
    Example:
      tokenecon validate scenarios/quickstart.yaml
    """
    from .demand.sizes import check_empirical_sources
    from .scenario import load_scenario
    from .units import format_duration

    scenario = load_scenario(scenario_file)
    check_empirical_sources(scenario)
    accounts = sum(c.count for c in scenario.customers)
    click.echo(
        f"{scenario_file}: OK ({len(scenario.providers)} providers, {len(scenario.customers)} customer segments, "
        f"{accounts} accounts, {format_duration(scenario.duration)} from {scenario.start_local.isoformat()})"
    )


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion).

    \b
    Example:
      tokenecon schema --out scenario.schema.json
    """
    from .scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


EXAMPLES_METER = """
\b
Examples:
  tokenecon meter scenarios/data/chat_log.jsonl
  tokenecon meter scenarios/data/chat_log.jsonl -t o200k_base -t qwen3.6 -t deepseek-v4 --out reports/meter
  tokenecon meter notes_zh.txt notes_en.txt --reference o200k_base
  tokenecon meter big.jsonl --skip-bad        # skip malformed lines, count them in the summary
  tokenecon meter corpus.jsonl -t qwen -t o200k_base --calibrate scenarios/data/calibration.yaml
"""


@cli.command(epilog=EXAMPLES_METER)
@click.argument("logs", metavar="LOG...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tokenizer", "-t", "tokenizers", multiple=True,
              help="Tokenizer to count with (repeatable) [default: all]. See `tokenecon tokenizers`.")
@click.option("--reference", default="cl100k_base", show_default=True, help="Tokenizer the ratios refer to.")
@click.option("--audit-tokenizer", help="Meter reported usage with this tokenizer instead of the model's own.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [default: reports/meter-<first log name>].")
@click.option("--skip-bad", is_flag=True, help="Skip malformed lines (counted in the summary) instead of stopping.")
@click.option("--calibrate", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the measured ratios to the reference as a calibration file for scenarios.")
@click.option("--force", is_flag=True, help="Replace an existing output folder (and calibration file).")
def meter(logs: tuple[Path, ...], tokenizers: tuple[str, ...], reference: str, audit_tokenizer: str | None,
          out: Path | None, skip_bad: bool, calibrate: Path | None, force: bool) -> None:
    """Count tokens of request logs (JSONL) or text files with real tokenizers.

    Writes per-request counts for each tokenizer, a summary by script (Chinese, English, code,
    mixed) with the ratio to a reference tokenizer, a divergence figure, and an audit of
    provider-reported usage against the text (which requests were billed for more tokens).
    """
    from .meter.report import meter_logs, write_calibration
    from .meter.tokenizers import get_tokenizer, tokenizer_names

    if calibrate is not None and calibrate.exists() and not force:
        raise TokenEconError(f"{calibrate}: file exists; use --force to replace it")
    names = list(tokenizers) or tokenizer_names()
    for name in names + [reference] + ([audit_tokenizer] if audit_tokenizer else []):
        get_tokenizer(name)  # unknown names fail here, before any work
    out = out if out is not None else Path("reports") / f"meter-{logs[0].stem}"
    totals = meter_logs(list(logs), out, tokenizers=names, reference=reference, skip_bad=skip_bad,
                        audit_tokenizer=audit_tokenizer, force=force, progress=True)
    import pandas as pd

    table = pd.read_csv(out / "summary.csv")
    everything = table[table["script"] == "all"].set_index("tokenizer")
    click.echo(f"metered {totals['requests']:,} requests ({totals['skipped_lines']} bad lines skipped) "
               f"from {', '.join(map(str, logs))}")
    click.echo(f"  {'tokenizer':<18}{'tokens':>12}{'tokens/char':>13}{'vs ' + totals['reference']:>18}")
    for name, row in everything.iterrows():
        label = name if row["exact"] else f"{name}*"
        click.echo(f"  {label:<18}{int(row['tokens']):>12,}{row['tokens_per_character']:>13.3f}"
                   f"{row['ratio_to_' + totals['reference']]:>18.3f}")
    if not everything["exact"].all():
        click.echo("  * an estimate (characters / 4), not a tokenizer")
    if totals["audited_requests"]:
        click.echo(f"  audit: {totals['audited_requests']:,} requests with reported usage: "
                   f"{totals['audit_billed_more']:,} billed for more tokens than the text holds, "
                   f"{totals['audit_billed_less']:,} for fewer")
    if calibrate is not None:
        write_calibration(out, calibrate, logs)
        click.echo(f"calibration: {calibrate} (use it as token_calibration in a scenario)")
    click.echo(f"report: {out}/")


@cli.command()
def tokenizers() -> None:
    """List the tokenizers and the models mapped to them.

    \b
    Example:
      tokenecon tokenizers
    """
    from .meter.models import MODEL_TOKENIZERS
    from .meter.tokenizers import TOKENIZER_INFO

    for name, info in TOKENIZER_INFO.items():
        models = [m for m, t in MODEL_TOKENIZERS.items() if t == name]
        click.echo(f"{name:<18}{info}")
        if models:
            click.echo(f"{'':<18}models: {', '.join(models)}")


@cli.group()
def catalog() -> None:
    """The dated price catalog of real providers (list, show, import from LiteLLM).

    \b
    Examples:
      tokenecon catalog list --provider deepseek
      tokenecon catalog show deepseek/deepseek-chat@2025-03-01
      tokenecon catalog import-litellm model_prices_and_context_window.json --out my_prices.yaml
    In a scenario:  price: catalog:deepseek/deepseek-chat@2025-03-01
    """


@catalog.command("list")
@click.option("--provider", help="Only this provider's entries.")
def catalog_list(provider: str | None) -> None:
    """List catalog entries: provider/model, effective date, currency, policy type.

    \b
    Example:
      tokenecon catalog list --provider openai
    """
    from .catalog import catalog_entries

    entries = [e for e in catalog_entries() if provider is None or e.provider == provider]
    if not entries:
        raise TokenEconError(f"no catalog entries for provider '{provider}'")
    click.echo(f"{'entry':<42}{'effective':<13}{'basis':<10}{'currency':<9}type")
    for e in entries:
        click.echo(f"{e.key:<42}{e.effective.isoformat():<13}{e.date_basis:<10}{e.currency:<9}{e.pricing['type']}")


@catalog.command("show")
@click.argument("entry")
def catalog_show(entry: str) -> None:
    """Show one entry (PROVIDER/MODEL[@DATE]) as scenario YAML, with its source.

    \b
    Example:
      tokenecon catalog show deepseek/deepseek-chat@2025-03-01
    """
    import yaml

    from .catalog import CATALOG_PREFIX, lookup

    found = lookup(entry if entry.startswith(CATALOG_PREFIX) else CATALOG_PREFIX + entry)
    click.echo(f"# {found.key}, effective {found.effective.isoformat()} ({found.date_basis}), {found.currency}")
    click.echo(f"# source: {found.source}")
    click.echo(f"# use in a scenario as:  price: {found.reference}")
    click.echo(yaml.safe_dump({"pricing": {found.model: {**found.pricing, "currency": found.currency}}},
                              sort_keys=False, allow_unicode=True), nl=False)


@catalog.command("import-litellm")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the entries to a YAML file.")
def catalog_import_litellm(path: Path, out: Path | None) -> None:
    """Convert a LiteLLM model_prices_and_context_window.json into catalog entries (YAML).

    \b
    Example:
      tokenecon catalog import-litellm model_prices_and_context_window.json --out prices.yaml
    """
    import dataclasses

    import yaml

    from .catalog.litellm import import_litellm

    entries, skipped = import_litellm(path)
    records = [{**dataclasses.asdict(e), "effective": e.effective.isoformat()} for e in entries]
    text = yaml.safe_dump(records, sort_keys=False, allow_unicode=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    click.echo(f"{len(entries)} entries converted, {skipped} skipped (not chat models or no token prices)"
               + (f"; wrote {out}" if out else ""), err=out is None)


def _run_replications(scenario, replications, out, force, no_figures, scheduler, dask_local, quiet) -> None:
    from .experiments import make_executor, replicate
    from .report.folder import write_replications_folder

    executor = make_executor(scheduler=scheduler, dask_local=dask_local)
    try:
        result = replicate(scenario, replications, executor, progress=not quiet)
    finally:
        executor.close()
    write_replications_folder(result, out, force=force, figures=not no_figures)
    if quiet:
        click.echo(str(out))
        return
    table = result.table().set_index("metric")
    if scenario.question:
        click.echo(f"question: {scenario.question}")
    click.echo(f"{scenario.name}: {replications} replications (seeds {scenario.seed}..{scenario.seed + replications - 1}) "
               f"on {executor.name}; mean and 95% confidence interval")
    for metric in ("requests_completed", "requests_rejected", "requests_timed_out", "revenue", "utilization",
                   "ttft_p95_s", "e2e_latency_p95_s", "output_tokens_per_s", "energy_kwh"):
        if metric in table.index:
            row = table.loc[metric]
            click.echo(f"  {metric:<22}{row['mean']:>16,.4g}  +/- {row['ci95_half_width']:,.3g}")
    click.echo(f"report: {out}/")


def _skip_bad_trace_rows(scenario):
    customers = [c.model_copy(update={"arrivals": c.arrivals.model_copy(update={"skip_bad": True})})
                 if c.arrivals.type == "trace" else c for c in scenario.customers]
    return scenario.model_copy(update={"customers": customers})


def _format_summary(s: dict) -> str:
    providers = list(dict.fromkeys(k.split(".", 1)[0] for k in s if k.endswith(".utilization")))  # scenario order
    lines = [f"question: {s['question']}"] if s.get("question") else []
    lines += [
        f"{s['scenario']}: {s['duration_s'] / 3600:g} h simulated in {s['wall_time_s']:.1f} s, seed {s['seed']}",
        f"  requests   {s['requests_arrived']:,} arrived: {s['requests_completed']:,} completed, "
        f"{s['requests_rejected']:,} rejected, {s['requests_timed_out']:,} timed out, "
        f"{s['requests_running']:,} running at the end",
        f"  tokens     {s['input_tokens']:,} input ({s['cached_input_tokens']:,} cached), "
        f"{s['output_tokens']:,} output",
        f"  latency    TTFT p50 {s['ttft_p50_s']:.2f} s, p95 {s['ttft_p95_s']:.2f} s; "
        f"end-to-end p50 {s['e2e_latency_p50_s']:.2f} s, p95 {s['e2e_latency_p95_s']:.2f} s",
        (f"  revenue    {s['currency']} {float(s['revenue']):,.2f} (scaled up from a {s['scale']:g} sample: an estimate)"
         if "scale" in s else f"  revenue    {s['currency']} {s['revenue']} exact, {s['revenue_invoiced']} invoiced "
         f"({s['invoices']:,} invoices)"),
        f"  supply     GPU {s['gpu_cost']:,.2f} + energy {s['energy_cost']:,.2f} {s['currency']}, "
        f"{s['energy_kwh']:,.1f} kWh",
        "  bills      " + ", ".join(f"{k[5:]} {float(v):,.2f}" for k, v in s.items() if k.startswith("bill.")),
        "",
        f"  {'provider':<14}{'completed':>11}{'rejected':>10}{'timed out':>10}{'util':>7}"
        f"{'revenue':>14}{'cost':>12}{'margin':>12}",
    ]
    milestones = [k for k in s if k.startswith("milestone.")]
    if milestones:
        lines.insert(-2, "  milestones " + ", ".join(f"{k.split('.')[1]} x{s[k]:.3f}" for k in milestones)
                     + " (simulated / reported tokens per day)")
    if "supply.gpus_needed_end" in s:
        lines.insert(-2, f"  supply     {s['supply.gpus_needed_end']:,} GPUs needed at the end; {s['supply.energy_gwh']:,.1f} GWh, "
                         f"{s['supply.co2_kt']:,.1f} kt CO2 over the run; cost {s['supply.cost_per_million_end']:.3f} vs "
                         f"price {s['price_per_million_end']:.3f} {s['currency']} per 1M tokens at the end")
    for p in providers:
        cost = s[f"{p}.gpu_cost"] + s[f"{p}.energy_cost"]
        lines.append(
            f"  {p:<14}{s[f'{p}.requests_completed']:>11,}{s[f'{p}.requests_rejected']:>10,}"
            f"{s[f'{p}.requests_timed_out']:>10,}{100 * s[f'{p}.utilization']:>6.0f}%"
            f"{float(s[f'{p}.revenue']):>14,.2f}{cost:>12,.2f}{s[f'{p}.margin']:>12,.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning domain and usage errors into one line and exit 2."""
    try:
        cli.main(args=argv, prog_name="tokenecon", standalone_mode=False)
    except TokenEconError as exc:
        click.echo(f"tokenecon: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
        click.echo(f"tokenecon: error: {where}{exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("tokenecon: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"tokenecon: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("tokenecon: interrupted", err=True)
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
