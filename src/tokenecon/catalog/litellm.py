"""Convert LiteLLM's ``model_prices_and_context_window.json`` into catalog entries, and back.

Field names (USD per token): ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost``,
``cache_creation_input_token_cost_above_1hr``, ``output_cost_per_reasoning_token``,
``input_cost_per_token_above_<N>k_tokens`` / ``output_..._above_<N>k_tokens`` (the whole request
at the higher rate above N thousand input tokens; a price not given above the threshold keeps
the base price), ``tiered_pricing`` lists (Alibaba's per-request tiers: ``range: [start, end]``,
start < input <= end), ``*_batches`` / ``*_flex`` / ``*_priority`` (a service-tier multiplier when
input and output are discounted alike; cache reads left out of it where the tier's cache-read
price is the standard one). Cache-write prices are written out explicitly as LiteLLM falls
back to them (the input price; a 1-hour write the 5-minute price; a write price of 0, no
write fee, is the input price too: DeepSeek bills a written token as a cache miss). Model names keep their
qualifiers: ``openrouter/deepseek/deepseek-chat`` stays apart from ``deepseek/deepseek-chat``.
Entries whose ``mode`` is not ``chat`` (or ``completion``/``responses``), or that have no token
prices, are skipped and counted.
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


_FIELDS = {"input": "input_cost_per_token", "output": "output_cost_per_token",
           "cached_input": "cache_read_input_token_cost", "cache_write": "cache_creation_input_token_cost",
           "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
           "reasoning": "output_cost_per_reasoning_token"}


def _rates(item: dict, suffix: str = "") -> dict:
    rates = {}
    for ours, theirs in _FIELDS.items():
        value = item.get(theirs + suffix)
        if value is not None:
            rates[ours] = _number(_per_million(value))
    return rates


def _explicit_writes(rates: dict) -> dict:
    """Cache-write prices as LiteLLM falls back to them (a write without its own price costs the
    input price; a 1-hour write the 5-minute one), written out so tokenecon's 1.25x/2x defaults
    never apply to an imported entry. A write price of 0 (LiteLLM's deepseek-chat) means the
    vendor has no write fee: the written token is a cache miss, billed at the input price."""
    for write in ("cache_write", "cache_write_1h"):
        if rates.get(write) == 0 and rates["input"] > 0:
            del rates[write]
    rates.setdefault("cache_write", rates["input"])
    rates.setdefault("cache_write_1h", rates["cache_write"])
    return rates


def _price_check(path: Path, model: str, field: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputDataError(f"{path}: {model}.{field}: expected a price per token >= 0 (got {value!r})")


def _tiered(path: Path, model: str, item: dict) -> dict:
    """``tiered_pricing: [{range: [start, end], ...}]``: the request's input picks one tier, the whole
    request is billed at it (start < input <= end; above the last range, the last tier). Rates a
    tier does not give fall back as LiteLLM's do: output to the model's output, cache reads and
    writes to the tier's input, reasoning to the tier's output."""
    raw = item["tiered_pricing"]
    if not isinstance(raw, list) or not raw:
        raise InputDataError(f"{path}: {model}.tiered_pricing: expected a list of tiers")
    tiers = []
    for k, tier in enumerate(sorted(raw, key=lambda t: (t.get("range") or [0])[0] if isinstance(t, dict) else 0)):
        where = f"tiered_pricing[{k}]"
        span = tier.get("range") if isinstance(tier, dict) else None
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(v, (int, float)) for v in span)
                and span[0] < span[1]) or "input_cost_per_token" not in tier:
            raise InputDataError(f"{path}: {model}.{where}: expected {{range: [start, end], input_cost_per_token, ...}}")
        for field in _FIELDS.values():
            if field in tier:
                _price_check(path, model, f"{where}.{field}", tier[field])
        rates = _rates(tier)
        if "output" not in rates:
            if "output_cost_per_token" not in item:
                raise InputDataError(f"{path}: {model}.{where}: no output_cost_per_token in the tier or the model")
            rates["output"] = _number(_per_million(item["output_cost_per_token"]))
        rates.setdefault("cached_input", rates["input"])
        tiers.append({"up_to": int(span[1]), **_explicit_writes(rates)})
    tiers[-1]["up_to"] = None
    return {"type": "context_tiers", "mode": "per_request", "tiers": tiers}


def _thresholds(item: dict) -> dict:
    """``*_above_<N>k_tokens``: the whole request at the higher rates above N thousand input tokens."""
    base = _explicit_writes(_rates(item))
    thresholds = sorted(int(m.group(1)) for key in item if (m := _ABOVE.match(key)))
    if not thresholds:
        return {"type": "per_token", **base}
    tiers = []
    for k in [None] + thresholds:
        # above a threshold, a price not given there keeps the base price (as LiteLLM does)
        tiers.append(dict(base) if k is None else {**base, **_rates(item, f"_above_{k}k_tokens")})
    bounds = [t * 1000 for t in thresholds] + [None]
    return {"type": "context_tiers", "mode": "per_request",
            "tiers": [{"up_to": up_to, **rates} for up_to, rates in zip(bounds, tiers)]}


_TIER_SUFFIXES = {"batch": "_batches", "flex": "_flex", "priority": "_priority"}
_NOT_CACHE_READS = ["input", "cache_write", "cache_write_1h", "output", "reasoning"]


def _ratio(item: dict, field: str, suffix: str) -> Decimal | None:
    tier, base = item.get(field + suffix), item.get(field)
    if tier is None or not base or isinstance(tier, bool) or not isinstance(tier, (int, float)):
        return None
    return (Decimal(str(tier)) / Decimal(str(base))).normalize()


def _service_tiers(item: dict) -> dict:
    """Service-tier multipliers from ``*_batches`` / ``*_flex`` / ``*_priority`` prices, where input and
    output are discounted alike. The tier's cache-read price decides the cache reads: the same
    multiplier (discounts stack), the standard cache-read price (Google: the cache discount takes
    precedence: the multiplier names every class but cache reads), or none given (the multiplier
    applies to every class, as the vendors' published rules stack them). Any other cache-read
    ratio cannot be one multiplier: that tier is not imported."""
    tiers: dict = {}
    for tier, suffix in _TIER_SUFFIXES.items():
        ratio = _ratio(item, "input_cost_per_token", suffix)
        if ratio is None or ratio != _ratio(item, "output_cost_per_token", suffix):
            continue
        cache = _ratio(item, "cache_read_input_token_cost", suffix)
        if cache is None or cache == ratio:
            tiers[tier] = _number(ratio)
        elif cache == 1:
            tiers[tier] = {"multiplier": _number(ratio), "classes": list(_NOT_CACHE_READS)}
    return tiers


def _name(key: str, provider: str) -> str:
    """The model name under its provider: the key without a leading ``provider/`` (other
    qualifiers, as in ``openrouter/deepseek/deepseek-chat``, are kept)."""
    return key[len(provider) + 1:] if key.startswith(provider + "/") else key


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
    entries, skipped, seen = [], 0, {}
    for model, item in data.items():
        if model == "sample_spec" or not isinstance(item, dict):
            continue
        tiered = "tiered_pricing" in item
        if item.get("mode", "chat") not in _MODES or not tiered and (
                "input_cost_per_token" not in item or "output_cost_per_token" not in item):
            skipped += 1
            continue
        for field in ("input_cost_per_token", "output_cost_per_token"):
            if field in item or not tiered:
                _price_check(path, model, field, item[field])
        pricing = _tiered(path, model, item) if tiered else _thresholds(item)
        service_tiers = _service_tiers(item)
        if service_tiers:
            pricing["service_tiers"] = service_tiers
        provider = str(item.get("litellm_provider", "litellm"))
        name = _name(model, provider)
        if (provider, name) in seen:  # "gpt-4o" and "openai/gpt-4o": keep the key as written
            name = model
        seen[(provider, name)] = model
        entries.append(CatalogEntry(provider=provider, model=name, effective=effective, currency="USD",
                                    source=f"LiteLLM model_prices_and_context_window.json ({path}: {model})",
                                    pricing=pricing, date_basis="imported"))
    return entries, skipped


def _litellm_rates(tier: dict) -> dict[str, Decimal]:
    """A tier's prices as LiteLLM needs them: tokenecon's cache-write defaults (1.25x and 2x input)
    written out where they differ from LiteLLM's fallbacks (input; the 5-minute price)."""
    rates = {ours: Decimal(str(tier[ours])) for ours in _FIELDS if ours in tier}
    write = rates.get("cache_write", rates["input"] * Decimal("1.25"))
    write_1h = rates.get("cache_write_1h", rates["input"] * 2)
    rates.pop("cache_write", None)
    rates.pop("cache_write_1h", None)
    if write != rates["input"]:
        rates["cache_write"] = write
    if write_1h != write:
        rates["cache_write_1h"] = write_1h
    return rates


def export_litellm(entries: list[CatalogEntry]) -> dict:
    """LiteLLM-format price entries (USD per token) from catalog entries: the inverse of the import.

    Keys are the model names; a name two providers share is qualified as ``provider/model``."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.model] = counts.get(entry.model, 0) + 1
    out = {}
    for entry in entries:
        pricing = entry.pricing
        tiers = pricing["tiers"] if pricing["type"] == "context_tiers" else [pricing]
        item: dict[str, str | float] = {"litellm_provider": entry.provider, "mode": "chat"}
        effective = [_litellm_rates(tier) for tier in tiers]
        for k, rates in enumerate(effective):
            suffix = "" if k == 0 else f"_above_{tiers[k - 1]['up_to'] // 1000}k_tokens"
            for ours, value in rates.items():
                if k == 0 or value != effective[0].get(ours):  # higher tiers inherit the rest
                    item[_FIELDS[ours] + suffix] = float(value / _MILLION)
        batch = pricing.get("service_tiers", {}).get("batch")
        if isinstance(batch, (int, float)):
            item["input_cost_per_token_batches"] = float(Decimal(str(tiers[0]["input"])) * Decimal(str(batch)) / _MILLION)
            item["output_cost_per_token_batches"] = float(Decimal(str(tiers[0]["output"])) * Decimal(str(batch))
                                                          / _MILLION)
        out[entry.model if counts[entry.model] == 1 else f"{entry.provider}/{entry.model}"] = item
    return out
