"""Cross-reference checks of a validated scenario (names, files, tokenizers, prices)."""

from __future__ import annotations

import difflib

from pydantic import (
    ValidationError,
)

from ..inputs import check_file, load_yaml, missing, read_text
from ..errors import ScenarioError, UnknownNameError
from ..units import CURRENCY_MINOR_UNITS

from .customers import CustomerSpec, TokenCalibration
from .demand import EmpiricalSize
from .model import Scenario

def _unknown(kind: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} '{name}'{hint} (known: {', '.join(known)})"


def _check_references(scenario: Scenario, source: str) -> None:
    """Every cross-reference of a scenario, one check after another (the first failure is raised)."""
    _check_names(scenario, source)
    _check_currencies(scenario, source)
    for i, customer in enumerate(scenario.customers):
        _check_customer_providers(scenario, customer, i, source)
        _check_customer_routing(scenario, customer, i, source)
        _check_customer_prices(scenario, customer, i, source)
        _check_customer_files(scenario, customer, i, source)
    _check_reservations(scenario, source)
    _check_tokenizers(scenario, source)


def _check_names(scenario: Scenario, source: str) -> None:
    """Provider and customer names are unique."""
    provider_names = [p.name for p in scenario.providers]
    for label, names in (("providers", provider_names), ("customers", [c.name for c in scenario.customers])):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise ScenarioError(f"duplicate name '{name}'", path=source, field=f"{label}[{i}].name")
            seen.add(name)


def _check_currencies(scenario: Scenario, source: str) -> None:
    """Every price list's currency is known and convertible; every provider's price list exists."""
    prices = sorted(scenario.pricing)
    for name, spec in scenario.pricing.items():
        currency = spec.currency or scenario.currency
        if currency not in CURRENCY_MINOR_UNITS:
            raise ScenarioError(f"unknown currency {currency!r}; known: {', '.join(sorted(CURRENCY_MINOR_UNITS))}",
                                path=source, field=f"pricing.{name}.currency")
        if currency != scenario.currency and currency not in scenario.exchange_rates:
            raise ScenarioError(f"prices in {currency} need exchange_rates: {{{currency}: <{scenario.currency} per "
                                f"1 {currency}>}} to be compared in {scenario.currency}", path=source,
                                field=f"pricing.{name}.currency")
    for i, provider in enumerate(scenario.providers):
        if provider.price not in scenario.pricing:
            raise ScenarioError(_unknown("price", provider.price, prices), path=source, field=f"providers[{i}].price")


def _check_customer_providers(scenario: Scenario, customer: CustomerSpec, i: int, source: str) -> None:
    """A customer's providers exist, once each; a reservation is on one of them, for one account."""
    provider_names = [p.name for p in scenario.providers]
    for j, name in enumerate(customer.providers):
        if name not in provider_names:
            raise ScenarioError(
                _unknown("provider", name, provider_names), path=source, field=f"customers[{i}].providers[{j}]"
            )
    if len(set(customer.providers)) != len(customer.providers):
        raise ScenarioError("a provider is listed twice", path=source, field=f"customers[{i}].providers")
    if customer.provisioned is not None:
        where = f"customers[{i}].provisioned"
        if customer.count != 1:
            raise ScenarioError("provisioned throughput is reserved for one account: use count: 1",
                                path=source, field=where)
        if customer.provisioned.provider not in customer.providers:
            raise ScenarioError(f"provider '{customer.provisioned.provider}' is not among this customer's "
                                f"providers ({', '.join(customer.providers)})", path=source,
                                field=f"{where}.provider")


def _check_customer_routing(scenario: Scenario, customer: CustomerSpec, i: int, source: str) -> None:
    """Routing choices and budgets name the customer's providers and can be decided before the run."""
    provider_names = [p.name for p in scenario.providers]
    where = f"customers[{i}]"
    if customer.routing in ("logit", "sticky"):
        choice = customer.choice
        if choice is None:
            raise ScenarioError(f"routing '{customer.routing}' needs a 'choice' section", path=source,
                                field=f"{where}.choice")
        needed = choice.shares if customer.routing == "sticky" else choice.latency_s if choice.beta_latency else {}
        for name in needed:
            if name not in customer.providers:
                raise ScenarioError(_unknown("provider", name, customer.providers), path=source,
                                    field=f"{where}.choice")
        if customer.routing == "sticky" and (set(choice.shares) != set(customer.providers)
                                             or not sum(choice.shares.values()) > 0):
            raise ScenarioError("sticky routing needs a share for every provider of the customer",
                                path=source, field=f"{where}.choice.shares")
        if customer.routing == "logit" and choice.beta_latency and set(choice.latency_s) != set(customer.providers):
            raise ScenarioError("logit with beta_latency needs latency_s for every provider of the customer",
                                path=source, field=f"{where}.choice.latency_s")
    if customer.budget is not None:
        if customer.routing == "least_loaded":
            raise ScenarioError("budgets need routing decided before the run (not least_loaded)", path=source,
                                field=f"{where}.budget")
        if customer.budget.action == "downgrade" and customer.budget.downgrade_to not in provider_names:
            raise ScenarioError(_unknown("provider", str(customer.budget.downgrade_to), provider_names),
                                path=source, field=f"{where}.budget.downgrade_to")


def _check_customer_prices(scenario: Scenario, customer: CustomerSpec, i: int, source: str) -> None:
    """The service tier, flexible batch share, plan and routing a customer uses have prices."""
    where = f"customers[{i}]"
    if customer.flexible is not None and customer.flexible.to == "batch":
        for name in customer.providers:
            price = scenario.provider(name).price
            if scenario.pricing[price].service_tiers.batch is None:
                raise ScenarioError(f"provider '{name}' has no batch price for flexible demand", path=source,
                                    field=f"{where}.flexible")
    if customer.plan is not None and customer.plan not in scenario.plans:
        raise ScenarioError(_unknown("plan", customer.plan, sorted(scenario.plans)), path=source,
                            field=f"customers[{i}].plan")
    if customer.service_tier != "standard":
        for name in customer.providers:
            price = scenario.provider(name).price
            if getattr(scenario.pricing[price].service_tiers, customer.service_tier) is None:
                raise ScenarioError(
                    f"provider '{name}' has no '{customer.service_tier}' price: add service_tiers: "
                    f"{{{customer.service_tier}: MULTIPLIER}} to pricing.{price}", path=source,
                    field=f"customers[{i}].service_tier")
    if customer.routing == "cheapest" and len(customer.providers) > 1:
        for name in customer.providers:
            if scenario.pricing[scenario.provider(name).price].type == "volume_tiers":
                raise ScenarioError(
                    f"routing 'cheapest' cannot compare provider '{name}''s volume-tier prices before the "
                    "billing period is over; use round_robin or least_loaded", path=source,
                    field=f"customers[{i}].routing")


def _check_customer_files(scenario: Scenario, customer: CustomerSpec, i: int, source: str) -> None:
    """Size, trace and corpus files exist and are regular files (their contents are read before a run)."""
    for field in ("input_tokens", "output_tokens"):
        size = getattr(customer, field)
        if isinstance(size, EmpiricalSize):
            _check_data_file(scenario, size.path, "CSV file", source, f"customers[{i}].{field}.path")
    if customer.arrivals.type == "trace":
        _check_data_file(scenario, customer.arrivals.path, "trace file", source, f"customers[{i}].arrivals.path")
        if customer.arrivals.format == "csv" and not {"time", "input", "output"} <= set(customer.arrivals.columns):
            raise ScenarioError("format csv needs columns: {time: ..., input: ..., output: ...}", path=source,
                                field=f"customers[{i}].arrivals.columns")
    if customer.corpus is not None:
        _check_data_file(scenario, customer.corpus.path, "log file", source, f"customers[{i}].corpus.path")


def _check_data_file(scenario: Scenario, relative: str, what: str, source: str, field: str) -> None:
    """A data file a scenario names: there, and a regular file (not a folder, device or FIFO)."""
    path = scenario.resolve_path(relative)

    def error(message: str) -> ScenarioError:
        return ScenarioError(message, path=source, field=field)

    if missing(path):
        raise error(f"file not found: {path}")
    check_file(path, what, error=error)


def _check_reservations(scenario: Scenario, source: str) -> None:
    """Provisioned customers leave at least one shared replica per provider."""
    for j, provider in enumerate(scenario.providers):
        reserved = sum(c.provisioned.replicas for c in scenario.customers
                       if c.provisioned is not None and c.provisioned.provider == provider.name)
        if reserved >= provider.replicas:
            raise ScenarioError(f"{reserved} replicas are reserved by provisioned customers; at least one must stay "
                                f"shared (has {provider.replicas})", path=source, field=f"providers[{j}].replicas")

def _tokenizer_name(name: str) -> str:
    """A tokenizer name from a tokenizer or model name (names only: no file is loaded)."""
    from ..meter.models import tokenizer_name

    return tokenizer_name(name)


def load_calibration(scenario: Scenario, source: str = "<scenario>") -> TokenCalibration | None:
    """The scenario's token calibration, read from its file when given as a path."""
    value = scenario.token_calibration
    if value is None or isinstance(value, TokenCalibration):
        return value
    path = scenario.resolve_path(value)

    def error(message: str) -> ScenarioError:
        return ScenarioError(message, path=source, field="token_calibration")

    if missing(path):
        raise error(f"file not found: {path}")
    data = load_yaml(read_text(path, "calibration file", error=error, max_bytes=1 << 20), str(path), error=error)
    try:
        return TokenCalibration.model_validate(data)
    except ValidationError:
        # the message never quotes the file: a path field may point anywhere
        raise error(f"{path}: not a calibration file (expected 'reference' and 'ratios' from "
                    "tokenecon meter --calibrate)") from None


def _check_tokenizers(scenario: Scenario, source: str) -> None:
    calibration = load_calibration(scenario, source)
    if calibration is not None:
        try:
            _tokenizer_name(calibration.reference)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field="token_calibration.reference") from None
    for i, provider in enumerate(scenario.providers):
        if provider.tokenizer is None:
            continue
        try:
            name = _tokenizer_name(provider.tokenizer)
        except UnknownNameError as exc:
            raise ScenarioError(str(exc), path=source, field=f"providers[{i}].tokenizer") from None
        sized = [c for c in scenario.customers if c.corpus is None and provider.name in c.providers]  # sizes, traces
        if not sized:
            continue
        if calibration is None:
            raise ScenarioError(
                f"customers '{sized[0].name}' state sizes in tokens but no tokenizer says which; add "
                "token_calibration (from tokenecon meter --calibrate) or drop this provider's tokenizer",
                path=source, field=f"providers[{i}].tokenizer")
        if name != _tokenizer_name(calibration.reference) and name not in calibration.ratios:
            raise ScenarioError(
                f"no calibration ratio for '{name}' against reference '{calibration.reference}' "
                f"(have: {', '.join(calibration.ratios) or 'none'}); run tokenecon meter --calibrate",
                path=source, field=f"providers[{i}].tokenizer")
    for i, customer in enumerate(scenario.customers):
        if customer.corpus is None:
            continue
        for name in customer.providers:
            if scenario.provider(name).tokenizer is None:
                raise ScenarioError(f"provider '{name}' needs a 'tokenizer' to meter this customer's corpus",
                                    path=source, field=f"customers[{i}].corpus")
