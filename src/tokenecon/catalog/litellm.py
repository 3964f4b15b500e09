"""Convert LiteLLM's ``model_prices_and_context_window.json`` into catalog entries, and back.

Field names (USD per token): ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost``,
``cache_creation_input_token_cost_above_1hr``, ``output_cost_per_reasoning_token``,
``input_cost_per_token_above_<N>k_tokens`` / ``output_..._above_<N>k_tokens`` (the whole request
at the higher rate above N thousand input tokens; a price not given above the threshold keeps
the base price), ``input_cost_per_token_batches`` (a batch
multiplier when input and output are discounted alike). Entries whose ``mode`` is not ``chat``
(or ``completion``/``responses``), or that have no token prices, are skipped and counted.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..errors import InputDataError
from . import CatalogEntry

__all__ = ["import_litellm", "export_litellm"]

_MILLION = Decimal(10**6)
_ABOVE = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
_MODES = {"chat", "completion", "responses"}


def _per_million(value) -> Decimal:
    return (Decimal(str(value)) * _MILLION).normalize()


def _number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def _rates(item: dict, suffix: str = "") -> dict:
    fields = {"input": "input_cost_per_token", "output": "output_cost_per_token",
              "cached_input": "cache_read_input_token_cost", "cache_write": "cache_creation_input_token_cost",
              "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
              "reasoning": "output_cost_per_reasoning_token"}
    rates = {}
    for ours, theirs in fields.items():
        value = item.get(theirs + suffix)
        if value is not None:
            rates[ours] = _number(_per_million(value))
    return rates


def import_litellm(path: Path, *, effective: date | None = None) -> tuple[list[CatalogEntry], int]:
    """Catalog entries from a LiteLLM price file, and how many entries were skipped."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputDataError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{path}: not a LiteLLM price file: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputDataError(f"{path}: expected a JSON object of model entries")
    effective = effective or date.today()
    entries, skipped = [], 0
    for model, item in data.items():
        if model == "sample_spec" or not isinstance(item, dict):
            continue
        if item.get("mode", "chat") not in _MODES or "input_cost_per_token" not in item \
                or "output_cost_per_token" not in item:
            skipped += 1
            continue
        for field in ("input_cost_per_token", "output_cost_per_token"):
            value = item[field]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InputDataError(f"{path}: {model}.{field}: expected a price per token >= 0 (got {value!r})")
        base = _rates(item)
        thresholds = sorted(int(m.group(1)) for key in item if (m := _ABOVE.match(key)))
        if thresholds:
            tiers = []
            for k in [None] + thresholds:
                rates = base if k is None else {**base, **_rates(item, f"_above_{k}k_tokens")}
                tiers.append(rates)
            bounds = [t * 1000 for t in thresholds] + [None]
            pricing = {"type": "context_tiers", "mode": "per_request",
                       "tiers": [{"up_to": up_to, **rates} for up_to, rates in zip(bounds, tiers)]}
        else:
            pricing = {"type": "per_token", **base}
        batch_in, batch_out = item.get("input_cost_per_token_batches"), item.get("output_cost_per_token_batches")
        if batch_in is not None and batch_out is not None and item["input_cost_per_token"] and \
                item["output_cost_per_token"]:
            ratio_in = Decimal(str(batch_in)) / Decimal(str(item["input_cost_per_token"]))
            ratio_out = Decimal(str(batch_out)) / Decimal(str(item["output_cost_per_token"]))
            if ratio_in == ratio_out:
                pricing["service_tiers"] = {"batch": _number(ratio_in.normalize())}
        provider = str(item.get("litellm_provider", "litellm"))
        entries.append(CatalogEntry(provider=provider, model=model.rsplit("/", 1)[-1], effective=effective,
                                    currency="USD", source=f"LiteLLM model_prices_and_context_window.json ({path})",
                                    pricing=pricing, date_basis="imported"))
    return entries, skipped


def export_litellm(entries: list[CatalogEntry]) -> dict:
    """LiteLLM-format price entries (USD per token) from catalog entries: the inverse of the import."""
    names = {"input": "input_cost_per_token", "output": "output_cost_per_token",
             "cached_input": "cache_read_input_token_cost", "cache_write": "cache_creation_input_token_cost",
             "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
             "reasoning": "output_cost_per_reasoning_token"}
    out = {}
    for entry in entries:
        pricing = entry.pricing
        tiers = pricing["tiers"] if pricing["type"] == "context_tiers" else [pricing]
        item = {"litellm_provider": entry.provider, "mode": "chat"}
        for k, tier in enumerate(tiers):
            suffix = "" if k == 0 else f"_above_{tiers[k - 1]['up_to'] // 1000}k_tokens"
            for ours, theirs in names.items():
                if ours in tier and (k == 0 or tier[ours] != tiers[0].get(ours)):  # higher tiers inherit the rest
                    item[theirs + suffix] = float(Decimal(str(tier[ours])) / _MILLION)
        batch = pricing.get("service_tiers", {}).get("batch")
        if batch is not None:
            item["input_cost_per_token_batches"] = float(Decimal(str(tiers[0]["input"])) * Decimal(str(batch)) / _MILLION)
            item["output_cost_per_token_batches"] = float(Decimal(str(tiers[0]["output"])) * Decimal(str(batch))
                                                          / _MILLION)
        out[entry.model] = item
    return out
