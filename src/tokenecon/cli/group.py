"""The `tokenecon` command group and what every command shares.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file, field or flag),
1 internal error (a bug: the traceback is printed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import TokenEconError

__all__ = ["cli", "main", "open_page", "one_line"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tokenecon")
def cli() -> None:
    """tokenecon: simulate LLM token metering, serving and billing.

    \b
    Examples:
      tokenecon validate scenarios/quickstart.yaml
      tokenecon run scenarios/quickstart.yaml
      tokenecon run scenarios/quickstart.yaml --replications 5
      tokenecon compare scenarios/deepseek_offpeak.yaml --policy standard --policy offpeak
      tokenecon sweep scenarios/sweeps/quickstart_price_fleet.yaml
      tokenecon meter scenarios/data/chat_log.jsonl
      tokenecon catalog list --provider deepseek
      tokenecon schema --out scenario.schema.json
    """


def open_page(out: Path, wanted: bool) -> None:
    """`--open`: show the folder's report.html in the default browser."""
    if wanted:
        click.launch((out / "report.html").resolve().as_uri())


def emit_json(data) -> None:
    """`--json`: the result as one JSON document on stdout (non-finite numbers as null)."""
    import json
    import math

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if hasattr(value, "item") and callable(value.item):  # numpy scalars
            return clean(value.item())
        return value

    click.echo(json.dumps(clean(data), indent=2, ensure_ascii=False, default=str))


def records(frame) -> list[dict]:
    """A DataFrame as JSON-ready rows."""
    return [dict(row) for row in frame.to_dict(orient="records")]


JSON_HELP = "Print the result as JSON on stdout (nothing else; no progress bar)."

LANG_HELP = ("Language of report.html, the figures and the printed answer: en (English) or zh (简体中文) "
             "[default: the scenario's outputs.language, else en].")


def lang_option(command):
    """`--lang en|zh` on every command that writes a report folder."""
    return click.option("--lang", type=click.Choice(["en", "zh"]), help=LANG_HELP)(command)


def with_language(scenario, lang: str | None):
    """The scenario with `outputs.language` set by `--lang` (unchanged when the option is not given)."""
    if lang is None or scenario.outputs.language == lang:
        return scenario
    return scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"language": lang})})


def one_line(message: str, limit: int = 2000) -> str:
    """An error message on one line of bounded length (a file's content is never echoed whole)."""
    message = " ".join(message.split("\n")).encode("utf-8", "backslashreplace").decode("utf-8")
    return message if len(message) <= limit else f"{message[:limit]}... ({len(message):,} characters)"


def at_most(value: int | None, limit: int, option: str) -> None:
    """A count option beyond what tokenecon can honour is a usage error (one line, exit 2)."""
    if value is not None and value > limit:
        raise click.BadParameter(f"{value:,} is more than {limit:,}", param_hint=option)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning domain and usage errors into one line and exit 2."""
    try:
        cli.main(args=argv, prog_name="tokenecon", standalone_mode=False)
    except TokenEconError as exc:
        click.echo(f"tokenecon: error: {one_line(str(exc))}", err=True)
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
