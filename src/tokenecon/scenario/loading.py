"""Loading scenario files: YAML, validation, one-line errors with field paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    ValidationError,
)

from ..errors import ScenarioError, TokenEconError, UnknownNameError
from ..inputs import load_yaml, quote, read_text

from .checks import _check_references
from .model import Scenario

if TYPE_CHECKING:
    from ..catalog import CatalogEntry

# ---------------------------------------------------------------- loading


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors' autocompletion."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["properties"].pop("base_dir", None)
    schema["title"] = "tokenecon scenario"
    return schema


def load_scenario(path: str | Path, *, skip_bad: bool = False) -> Scenario:
    """Read, validate and cross-check a scenario YAML file.

    With ``skip_bad=True`` bad rows of replayed traces are skipped (and counted in the run's
    summary) instead of stopping the run.
    """
    scenario = _read_scenario(path)
    return skip_bad_rows(scenario) if skip_bad else scenario


def skip_bad_rows(scenario: Scenario) -> Scenario:
    """The scenario with every replayed trace skipping (and counting) bad rows."""
    customers = [c.model_copy(update={"arrivals": c.arrivals.model_copy(update={"skip_bad": True})})
                 if c.arrivals.type == "trace" else c for c in scenario.customers]
    return scenario.model_copy(update={"customers": customers})


def _read_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario YAML file."""
    path = Path(path)
    text = read_text(path, "scenario file", error=ScenarioError)
    data = load_yaml(text, str(path), error=ScenarioError)
    return scenario_from_dict(data, source=str(path), base_dir=str(path.parent))


def scenario_from_dict(data: Any, *, source: str = "<scenario>", base_dir: str = ".") -> Scenario:
    """Validate an already-parsed scenario mapping (as from YAML)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of scenario fields, got {type(data).__name__}", path=source)
    if "base_dir" in data:
        raise ScenarioError("unknown field 'base_dir'", path=source)
    data = _resolve_catalog(data, source, base_dir)
    data = _trace_start(data, source, base_dir)
    try:
        scenario = Scenario.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise _first_error(exc, data, source) from None
    _check_references(scenario, source)
    return scenario


def _resolve_catalog(data: dict, source: str, base_dir: str = ".") -> dict:
    """Add the catalog entries that providers name (``price: catalog:...``) to ``pricing:``; the
    shipped catalog and the scenario's `catalogs:` files."""
    providers = data.get("providers")
    if not isinstance(providers, list):
        return data
    from ..catalog import CATALOG_PREFIX, catalog_entries, load_catalog_file, lookup, merged

    files = data.get("catalogs") or []
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ScenarioError("expected a list of catalog file paths", path=source, field="catalogs")
    extra: list[CatalogEntry] = []
    for k, name in enumerate(files):
        try:
            extra.extend(load_catalog_file(Path(base_dir) / name))
        except TokenEconError as exc:
            raise ScenarioError(str(exc), path=source, field=f"catalogs[{k}]") from None
    entries: tuple[CatalogEntry, ...] | None = None  # read when a provider first names a catalog price
    pricing = data.get("pricing") or {}
    if not isinstance(pricing, dict):
        raise ScenarioError(f"expected a mapping of price names to prices, got {type(pricing).__name__}",
                            path=source, field="pricing")
    pricing = dict(pricing)
    for i, provider in enumerate(providers):
        price = provider.get("price") if isinstance(provider, dict) else None
        if not isinstance(price, str) or not price.startswith(CATALOG_PREFIX):
            continue
        if price in pricing:
            raise ScenarioError("pricing names may not start with 'catalog:'", path=source, field=f"pricing.{price}")
        if entries is None:
            entries = merged(tuple(extra)) if extra else catalog_entries()
        try:
            entry = lookup(price, entries)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field=f"providers[{i}].price") from None
        pricing[price] = {**entry.pricing, "currency": entry.currency}
    return {**data, "pricing": pricing} if pricing else data


def _trace_start(data: dict, source: str, base_dir: str) -> dict:
    """``start: trace``: the scenario starts at the first timestamp of its replayed traces."""
    if data.get("start") != "trace":
        return data
    from datetime import datetime, timedelta, timezone

    from ..demand.traces import load_trace
    from .demand import TraceArrivals

    firsts = []
    for customer in data.get("customers") or []:
        arrivals = customer.get("arrivals") if isinstance(customer, dict) else None
        if not isinstance(arrivals, dict) or arrivals.get("type") != "trace":
            continue
        try:
            spec = TraceArrivals.model_validate(arrivals)
        except ValidationError:
            continue  # the full validation names the problem
        path = Path(spec.path) if Path(spec.path).is_absolute() else Path(base_dir) / spec.path
        # bad rows are the run's to report (or skip, with --skip-bad); the first good time starts the run.
        # Read as the run reads it (its horizon, either skip_bad): the run then takes this read from the cache
        trace = load_trace(path, spec.model_copy(update={"skip_bad": True}), _horizon(data))
        if trace.first_epoch_ns is not None:
            firsts.append(trace.first_epoch_ns)
    if not firsts:
        raise ScenarioError("'trace' needs a customer replaying a trace with absolute times (azure, csv with "
                            "time_unit: datetime, openai_usage, meter_log)", path=source, field="start")
    # to the microsecond (a datetime's resolution), never after the first row: exact integers, no float seconds
    first = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=min(firsts) // 1000)
    return {**data, "start": first.isoformat()}


def _horizon(data: dict) -> float:
    """The run's duration in seconds as the scenario will read it (0 where it is not a valid one:
    the validation names the problem, and the trace read holds only its first rows)."""
    from ..units import parse_duration
    from .limits import MAX_DURATION_S, MIN_DURATION_S

    try:
        duration = parse_duration(data.get("duration"))
    except ValueError:
        return 0.0
    return duration if MIN_DURATION_S <= duration <= MAX_DURATION_S else 0.0


def _first_error(exc: ValidationError, data: Any, source: str) -> ScenarioError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    field = _field_path(err["loc"], data)
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if err["type"] not in ("value_error", "missing") and not isinstance(err.get("input"), (dict, list)):
        message += f" (got {quote(err['input'])})"
    more = len(errors) - 1
    if more:
        message += f" [and {more} more problem{'s' if more > 1 else ''}]"
    return ScenarioError(message, path=source, field=field or None)


def _field_path(loc: tuple, data: Any) -> str:
    """``('providers', 0, 'gpu')`` -> ``providers[0].gpu``, dropping union tags pydantic inserts."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # the discriminator tag, not a key of the user's file
        if re.fullmatch(r"(function-|list\[|union\[|nullable|int|float|str|literal).*", item) and not (
            isinstance(node, dict) and item in node
        ):
            continue  # pydantic's internal names of union members
        parts.append(("." if parts else "") + item)
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


