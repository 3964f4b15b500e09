"""`tokenecon meter` and `tokenecon tokenizers`."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .columns import head, left
from .group import JSON_HELP, cli, emit_json, lang_option, open_page, records
from ..i18n import Words, words
from ..errors import TokenEconError
from ..names import slug

if TYPE_CHECKING:  # imported when the command runs (tokenecon --help stays light)
    import pandas as pd

EXAMPLES_METER = """
\b
Examples:
  tokenecon meter scenarios/data/chat_log.jsonl
  tokenecon meter scenarios/data/chat_log.jsonl -t o200k_base -t qwen3.6 -t deepseek-v4 --out reports/meter
  tokenecon meter notes_zh.txt notes_en.txt --reference o200k_base
  tokenecon meter big.jsonl --skip-bad        # skip malformed lines, count them in the summary
  tokenecon meter big.jsonl -q                # print only the output folder (for scripts)
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
@click.option("--no-figures", is_flag=True, help="Skip the divergence figure (faster; report.html still written).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path (no progress bar).")
@click.option("--open", "open_report", is_flag=True, help="Open the folder's report.html in a browser when done.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@lang_option
def meter(logs: tuple[Path, ...], tokenizers: tuple[str, ...], reference: str, audit_tokenizer: str | None,
          out: Path | None, skip_bad: bool, calibrate: Path | None, force: bool, no_figures: bool, quiet: bool,
          open_report: bool, as_json: bool, lang: str | None) -> None:
    """Count tokens of request logs (JSONL) or text files with real tokenizers.

    Writes per-request counts for each tokenizer, a summary by script (Chinese, English, code,
    mixed) with the ratio to a reference tokenizer, a divergence figure, and an audit of
    provider-reported usage against the text (which requests were billed for more tokens).
    """
    from ..meter.report import meter_logs, write_calibration
    from ..report.meter_figures import write_meter_report
    from ..meter.models import tokenizer_name
    from ..meter.tokenizers import get_tokenizer, tokenizer_names

    if calibrate is not None and calibrate.exists() and not force:
        raise TokenEconError(f"{calibrate}: file exists; use --force to replace it")
    if calibrate is not None:
        from ..folders import check_output_file

        check_output_file(calibrate)  # before metering: a path that cannot be written fails now
    # tokenizer or model names, as a scenario's `tokenizer:` takes them (-t gpt-4o counts with o200k_base)
    names = list(dict.fromkeys(tokenizer_name(n) for n in tokenizers)) or tokenizer_names()
    reference = tokenizer_name(reference)
    audit_tokenizer = tokenizer_name(audit_tokenizer) if audit_tokenizer else None
    for name in names + [reference] + ([audit_tokenizer] if audit_tokenizer else []):
        get_tokenizer(name)  # files resolve here, before any work
    out = out if out is not None else Path("reports") / f"meter-{slug(logs[0].stem)}"
    totals = meter_logs(list(logs), out, tokenizers=names, reference=reference, skip_bad=skip_bad,
                        audit_tokenizer=audit_tokenizer, force=force, progress=not (quiet or as_json),
                        report=partial(write_meter_report, figures=not no_figures, lang=lang or "en"))
    import pandas as pd

    table = pd.read_csv(out / "summary.csv")
    everything = table[table["script"] == "all"].set_index("tokenizer")
    if calibrate is not None:
        write_calibration(out, calibrate, logs)
    if as_json:
        emit_json({**totals, "by_tokenizer": records(everything.reset_index()),
                   "calibration": str(calibrate) if calibrate else None, "report": str(out / "report.html")})
        open_page(out, open_report)
        return
    if quiet:
        click.echo(str(out))
        open_page(out, open_report)
        return
    w = words(lang or "en")
    _print_meter(totals, everything, logs, w)
    if calibrate is not None:
        click.echo(w("term.meter.calibration", path=calibrate))
    click.echo(w("term.report", path=out / "report.html"))
    open_page(out, open_report)


def _print_meter(totals: dict, everything: pd.DataFrame, logs: tuple[Path, ...], w: Words | None = None) -> None:
    """The terminal table: tokens and tokens per character by tokenizer, ratio to the reference, the audit."""
    w = w or words("en")
    ref = totals["reference"]
    click.echo(w("term.meter.title", requests=totals["requests"], skipped=totals["skipped_lines"],
                 files=", ".join(map(str, logs))))
    click.echo("  " + left(w("meter.col.tokenizer"), 18) + head(w("term.meter.tokens"), 12)
               + head(w("term.meter.per_char"), 13) + head(w("term.meter.vs", reference=ref), 18))
    for tokenizer, row in everything.iterrows():
        label = str(tokenizer) if row["exact"] else f"{tokenizer}*"
        click.echo(f"  {label:<18}{int(row['tokens']):>12,}{row['tokens_per_character']:>13.3f}"
                   f"{row['ratio_to_' + ref]:>18.3f}")
    if not everything["exact"].all():
        click.echo("  " + w("term.meter.estimate"))
    if totals["audited_requests"]:
        click.echo("  " + w("term.meter.audit", n=totals["audited_requests"], more=totals["audit_billed_more"],
                            less=totals["audit_billed_less"]))
    if totals.get("unaudited_requests"):
        click.echo("  " + w("term.meter.unaudited", n=totals["unaudited_requests"], file="summary.json"))


@cli.command()
def tokenizers() -> None:
    """List the tokenizers and the models mapped to them.

    \b
    Example:
      tokenecon tokenizers
    """
    from ..meter.models import MODEL_TOKENIZERS
    from ..meter.tokenizers import TOKENIZER_INFO

    for name, info in TOKENIZER_INFO.items():
        models = [m for m, t in MODEL_TOKENIZERS.items() if t == name]
        click.echo(f"{name:<18}{info}")
        if models:
            click.echo(f"{'':<18}models: {', '.join(models)}")
