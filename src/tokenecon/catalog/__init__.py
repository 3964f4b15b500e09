"""The dated price catalog: real providers' prices with their currency, effective date and source.

A scenario prices a provider from it with ``price: catalog:deepseek/deepseek-chat@2025-03-01``
(the entry in effect on that date; without ``@date``, the latest).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..errors import InputDataError, UnknownNameError

__all__ = ["CatalogEntry", "catalog_entries", "load_catalog_file", "merged", "lookup", "parse_reference",
           "CATALOG_PREFIX"]

CATALOG_PREFIX = "catalog:"


@dataclass(frozen=True)
class CatalogEntry:
    provider: str
    model: str
    effective: date
    currency: str
    source: str
    pricing: dict[str, Any]
    date_basis: str = "announced"

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"

    @property
    def reference(self) -> str:
        return f"{CATALOG_PREFIX}{self.key}@{self.effective.isoformat()}"


def _entry(data: dict) -> CatalogEntry:
    effective = data["effective"]
    if isinstance(effective, str):
        effective = date.fromisoformat(effective)
    return CatalogEntry(provider=data["provider"], model=data["model"], effective=effective,
                        currency=data["currency"], source=data["source"], pricing=data["pricing"],
                        date_basis=data.get("date_basis", "announced"))


@lru_cache(maxsize=1)
def catalog_entries() -> tuple[CatalogEntry, ...]:
    """Every entry shipped with tokenecon, sorted by provider, model and date."""
    text = resources.files(__package__).joinpath("prices.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the shipped file: libyaml's parser when present
    entries = [_entry(item) for item in yaml.load(text, Loader=loader)]
    return tuple(sorted(entries, key=lambda e: (e.provider, e.model, e.effective)))


_REQUIRED = ("provider", "model", "effective", "currency", "source", "pricing")


def load_catalog_file(path) -> tuple[CatalogEntry, ...]:
    """The entries of a catalog file (a YAML list like the shipped one); errors name file and entry."""
    from pathlib import Path

    from ..inputs import load_yaml, read_text

    path = Path(path)
    data = load_yaml(read_text(path, "catalog file"), str(path))
    if not isinstance(data, list):
        raise InputDataError(f"{path}: expected a list of catalog entries")
    entries = []
    for k, item in enumerate(data):
        missing = [f for f in _REQUIRED if not isinstance(item, dict) or item.get(f) in (None, "")]
        if missing:
            raise InputDataError(f"{path}: entry {k + 1}: missing '{missing[0]}'")
        if not isinstance(item["pricing"], dict):
            raise InputDataError(f"{path}: entry {k + 1}: 'pricing' must be a mapping")
        try:
            entries.append(_entry(item))
        except (TypeError, ValueError) as exc:
            raise InputDataError(f"{path}: entry {k + 1}: {exc}") from None
    return tuple(entries)


def merged(extra: tuple[CatalogEntry, ...]) -> tuple[CatalogEntry, ...]:
    """The shipped entries and `extra`; an extra entry replaces a shipped one of the same key and date."""
    replaced = {(e.key, e.effective) for e in extra}
    kept = [e for e in catalog_entries() if (e.key, e.effective) not in replaced]
    return tuple(sorted(kept + list(extra), key=lambda e: (e.provider, e.model, e.effective)))


def parse_reference(text: str) -> tuple[str, date | None]:
    """``catalog:deepseek/deepseek-chat@2025-03-01`` -> (``deepseek/deepseek-chat``, 2025-03-01)."""
    body = text.removeprefix(CATALOG_PREFIX)
    key, _, when = body.partition("@")
    if not when:
        return key, None
    try:
        return key, date.fromisoformat(when)
    except ValueError:
        raise UnknownNameError(f"'{text}': expected a date like @2025-03-01 after the model") from None


def lookup(text: str, entries: tuple[CatalogEntry, ...] | None = None) -> CatalogEntry:
    """The entry in effect on the reference's date (the latest one without a date)."""
    entries = entries if entries is not None else catalog_entries()
    key, when = parse_reference(text)
    versions = [e for e in entries if e.key == key]
    if not versions:
        keys = sorted({e.key for e in entries})
        close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise UnknownNameError(f"no catalog entry '{key}'{hint} (see tokenecon catalog list)")
    if when is None:
        return versions[-1]
    in_effect = [e for e in versions if e.effective <= when]
    if not in_effect:
        raise UnknownNameError(f"'{key}' has no price in effect on {when.isoformat()} (first: "
                               f"{versions[0].effective.isoformat()})")
    return in_effect[-1]
