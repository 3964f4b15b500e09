"""`tokenecon profile list|fit`: built-in serving profiles, and fitting one from measurements."""

from __future__ import annotations

from pathlib import Path

import click

from .group import cli


@cli.group()
def profile() -> None:
    """Serving-performance profiles: the built-in ones, or fit your own from measurements.

    \b
    Examples:
      tokenecon profile list
      tokenecon profile fit measurements.csv
    In a scenario:  performance: {profile: llama2-70b-a100x2-tp2}
    """


@profile.command("list")
def profile_list() -> None:
    """List the built-in profiles with their sources.

    \b
    Example:
      tokenecon profile list
    """
    from ..scenario.profiles import SOURCES, profile_names

    for name in profile_names():
        click.echo(f"{name}\n    {SOURCES[name]}")


@profile.command("fit")
@click.argument("measurements", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--prefill-table", is_flag=True, help="Keep measured prefill times by prompt length (interpolated) "
                                                     "instead of a rate plus a fixed cost.")
@click.option("--decode-table", is_flag=True, help="Fit the decode step for each measured batch size "
                                                    "(decode_step_s_by_batch) instead of one line in batch size.")
def profile_fit(measurements: Path, prefill_table: bool, decode_table: bool) -> None:
    """Fit a performance block from measured decode steps and prefills; print it with the fit error.

    MEASUREMENTS is a CSV with columns batch_size, context_tokens, step_s (decode rows) and
    prompt_tokens, prefill_s (prefill rows); each row fills one group.

    \b
    Example:
      tokenecon profile fit measurements.csv --prefill-table --decode-table
    """
    import yaml

    from ..scenario.profile_fit import fit_profile

    fit = fit_profile(measurements, table=prefill_table, decode_table=decode_table)
    click.echo(f"# fitted from {measurements}")
    click.echo(f"# decode: {fit.decode_rows} rows, rmse {1000 * fit.decode_rmse_s:.2f} ms, "
               f"largest error {100 * fit.decode_max_error:.1f}%")
    click.echo(f"# prefill: {fit.prefill_rows} rows, rmse {1000 * fit.prefill_rmse_s:.2f} ms, "
               f"largest error {100 * fit.prefill_max_error:.1f}%")
    click.echo(yaml.safe_dump({"performance": fit.performance}, sort_keys=False).rstrip())
