"""The scenario: everything a run needs, validated and immutable."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from ..units import CURRENCY_MINOR_UNITS, parse_duration

from . import limits as L
from .base import Duration, Name, Spec, exact_decimal, known_zone
from .customers import CustomerSpec, TokenCalibration
from .fleet import PowerSpec, ProviderSpec
from .pricing import PlanSpec, PricingSpec

# ---------------------------------------------------------------- scenario


class Milestone(Spec):
    """An observed total (tokens per day) the scenario should reproduce, with its source."""

    at: datetime
    daily_tokens: float = Field(gt=0)
    source: str
    window: Duration = Field(default=30 * 86400.0, gt=0, description="average the run over this window")


class SupplyModel(Spec):
    """The compute a demand needs at national scale, where whole replicas cannot be simulated:
    GPUs = tokens per second / (tokens_per_gpu_s x target_utilization)."""

    tokens_per_gpu_s: float = Field(gt=0)
    target_utilization: float = Field(default=0.5, gt=0, le=1)
    installed_gpus: list[tuple[Duration, Annotated[float, Field(gt=0)]]] | None = Field(
        default=None, description="[[time from start, GPUs], ...] installed for inference (log-interpolated); "
                                  "with it, utilization is demand over installed capacity")
    power_w: PowerSpec = PowerSpec(idle=75, busy=700)
    pue: float = Field(default=1.3, ge=1)
    gpu_cost_per_hour: float = Field(default=2.0, ge=0)
    energy_price_per_kwh: float = Field(default=0.0, ge=0)
    carbon_g_per_kwh: float = Field(default=0.0, ge=0)


LEDGER_AUTO_MAX_REQUESTS = 200_000


class Outputs(Spec):
    """Which per-request tables a run folder holds, and in which file format."""

    requests: bool = True
    ledger: bool | Literal["auto"] = Field(default="auto", description=(
        f"ledger.csv (one line per request and price component): 'auto' writes it for runs of at most "
        f"{LEDGER_AUTO_MAX_REQUESTS:,} requests, true always, false never"))
    format: Literal["csv", "csv.gz", "parquet"] = Field(default="csv", description=(
        "file format of the tables: csv, gzip-compressed csv, or parquet (needs pyarrow)"))

    excel: bool = Field(default=False, description="CSV files start with a UTF-8 byte-order mark, so Excel "
                                                    "(e.g. on Chinese Windows) reads them as UTF-8")
    language: Literal["en", "zh"] = Field(default="en", description=(
        "language of report.html, the figures' words and the terminal answer: en (English) or zh (简体中文, "
        "Simplified Chinese); the --lang option overrides it. File names and CSV columns stay English"))

    def write_ledger(self, requests: int) -> bool:
        return self.ledger is True or (self.ledger == "auto" and requests <= LEDGER_AUTO_MAX_REQUESTS)


def _check_dates(start: datetime, duration: float, milestones: list[datetime]) -> None:
    """The run lies between 1970 and 2200 (the calendar every time library here handles)."""
    span = f"{L.EARLIEST.year} and {L.LATEST.year}"
    if not L.EARLIEST <= start < L.LATEST:
        raise ValueError(f"start must lie between {span} (got {start.isoformat()})")
    if (L.LATEST - start).total_seconds() < duration:
        raise ValueError(f"the run must end before {L.LATEST.year} (start {start.isoformat()} + duration)")
    for at in milestones:
        aware = at if at.tzinfo else at.replace(tzinfo=start.tzinfo)
        if not L.EARLIEST <= aware < L.LATEST:
            raise ValueError(f"milestones: 'at' must lie between {span} (got {at.isoformat()})")


class Scenario(Spec):
    name: Name
    question: str | None = Field(default=None, max_length=2000, description="what this scenario answers (shown in its report)")
    seed: int = Field(default=0, ge=0)
    start: datetime = datetime(2026, 1, 1, tzinfo=dt_timezone.utc)
    timezone: str | None = Field(default=None, description="IANA name, e.g. Asia/Shanghai")
    duration: Duration = Field(gt=0)
    report_interval: Duration = Field(default=900.0, gt=0)
    currency: str = "USD"
    billing_period: Literal["month", "day"] = "month"
    providers: list[ProviderSpec] = Field(min_length=1)
    pricing: dict[str, PricingSpec] = Field(min_length=1)
    catalogs: list[str] = Field(default_factory=list, description=(
        "extra price-catalog files (YAML, as tokenecon catalog import-litellm writes them) that "
        "`price: catalog:...` can name; their entries win over shipped ones of the same name and date"))
    customers: list[CustomerSpec] = Field(min_length=1)
    plans: dict[Name, PlanSpec] = Field(default_factory=dict)
    scale: float = Field(default=1.0, gt=0, le=1, description="simulate this fraction of demand and fleet")
    milestones: list[Milestone] = Field(default_factory=list)
    supply_model: SupplyModel | None = None
    outputs: Outputs = Outputs()
    surge_response_passes: int = Field(default=4, ge=0, le=20, description=(
        "elastic customers answer a surge price: re-run with the last pass's price signal this many times"))
    exchange_rates: dict[str, Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0, le=L.MAX_PRICE)]] = Field(
        default_factory=dict, description="value of 1 unit of each currency in the scenario currency")
    token_calibration: TokenCalibration | str | None = Field(
        default=None, description="inline, or the path of a file written by tokenecon meter --calibrate")
    base_dir: str = Field(default=".", exclude=True, description="folder relative paths resolve against")

    @model_validator(mode="before")
    @classmethod
    def _default_interval(cls, data: Any) -> Any:
        # the default report interval is 15 minutes, or the whole run if that is shorter
        if isinstance(data, dict) and "report_interval" not in data and "duration" in data:
            try:
                if parse_duration(data["duration"]) < 900.0:
                    return {**data, "report_interval": data["duration"]}
            except ValueError:
                pass  # reported by the duration field itself
        return data

    @field_validator("pricing")
    @classmethod
    def _pricing_names(cls, value: dict) -> dict:
        from ..names import check_name

        return {(name if name.startswith("catalog:") else check_name(name, "pricing name")): spec
                for name, spec in value.items()}

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in CURRENCY_MINOR_UNITS:
            raise ValueError(f"unknown currency {value!r}; known: {', '.join(sorted(CURRENCY_MINOR_UNITS))}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @model_validator(mode="after")
    def _start_has_zone(self) -> "Scenario":
        if self.start.tzinfo is None and self.timezone is None:
            raise ValueError("start needs a UTC offset (2026-03-02T00:00:00+08:00) or a 'timezone' field")
        if self.report_interval > self.duration:
            raise ValueError("report_interval must not exceed duration (got report_interval "
                             f"{self.report_interval:g}s, duration {self.duration:g}s)")
        if self.duration / self.report_interval > L.MAX_INTERVALS:
            raise ValueError(f"duration / report_interval gives more than {L.MAX_INTERVALS:,} report intervals "
                             f"(got {self.duration / self.report_interval:,.0f}); choose a longer report_interval")
        _check_dates(self.start_local, self.duration, [m.at for m in self.milestones])
        return self

    @property
    def tz(self):
        """The zone wall-clock times are read in: `timezone` if given, else start's offset."""
        return ZoneInfo(self.timezone) if self.timezone else self.start.tzinfo

    @property
    def start_local(self) -> datetime:
        """The start as an aware datetime in `tz`."""
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=self.tz)
        return start.astimezone(self.tz)

    def provider(self, name: str) -> ProviderSpec:
        return next(p for p in self.providers if p.name == name)

    def provider_currency(self, index: int) -> str:
        """The currency a provider prices and invoices in (its pricing's, else the scenario's)."""
        return self.pricing[self.providers[index].price].currency or self.currency

    def to_reporting(self, currency: str) -> Decimal:
        """Units of the scenario currency per unit of `currency` (exact)."""
        return Decimal(1) if currency == self.currency else self.exchange_rates[currency]

    def resolve_path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else Path(self.base_dir) / path


