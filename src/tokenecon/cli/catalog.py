"""`tokenecon catalog list|show|import-litellm`."""

from __future__ import annotations

from pathlib import Path

import click

from .group import JSON_HELP, cli, emit_json
from ..errors import TokenEconError

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
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def catalog_list(provider: str | None, as_json: bool) -> None:
    """List catalog entries: provider/model, effective date, currency, policy type.

    \b
    Example:
      tokenecon catalog list --provider openai
    """
    from ..catalog import catalog_entries

    entries = [e for e in catalog_entries() if provider is None or e.provider == provider]
    if not entries:
        raise TokenEconError(f"no catalog entries for provider '{provider}'")
    if as_json:
        emit_json([{"entry": e.key, "provider": e.provider, "model": e.model, "effective": e.effective.isoformat(),
                    "date_basis": e.date_basis, "currency": e.currency, "pricing": e.pricing, "source": e.source,
                    "reference": e.reference} for e in entries])
        return
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

    from ..catalog import CATALOG_PREFIX, lookup

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

    from ..catalog.litellm import import_litellm

    if out is not None:
        from ..folders import check_output_file

        check_output_file(out)
    entries, skipped = import_litellm(path)
    records = [{**dataclasses.asdict(e), "effective": e.effective.isoformat()} for e in entries]
    text = yaml.safe_dump(records, sort_keys=False, allow_unicode=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        from ..folders import write_text_file

        write_text_file(out, text)
    click.echo(f"{len(entries)} entries converted, {skipped} skipped (not chat models or no token prices)"
               + (f"; wrote {out}" if out else ""), err=out is None)
