"""Field types with units, and the base of every schema object."""

from __future__ import annotations

import difflib
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    WithJsonSchema,
    model_validator,
)

from ..names import NAME_RULE, check_name
from ..inputs import quote
from . import limits as L
from ..units import PRICE_DECIMALS, parse_duration, parse_rate, price_to_units


# ---------------------------------------------------------------- field types

def _duration(value: object) -> float:
    seconds = parse_duration(value)
    if not math.isfinite(seconds) or seconds > L.MAX_DURATION_S:
        raise ValueError(f"a duration may be at most {L.MAX_DURATION_S / 86400 / 365:g} years (got {quote(value)})")
    return seconds


def _rate(value: object) -> float:
    per_s = parse_rate(value)
    if not math.isfinite(per_s) or per_s > L.MAX_RATE_PER_S:
        raise ValueError(f"a rate may be at most {L.MAX_RATE_PER_S:g}/s (got {quote(value)})")
    return per_s


def exact_decimal(value: object) -> Decimal:
    """A finite decimal number (not a boolean), exactly as written."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"expected a number (got {quote(value)})")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValueError(f"expected a number (got {quote(value)})") from None
    if not number.is_finite() or abs(number) > L.MAX_FLOAT:
        raise ValueError(f"expected a finite number within +-{L.MAX_FLOAT:g} (got {quote(value)})")
    return number


Duration = Annotated[
    float,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*(ms|s|sec|min|h|d|w)$",
                    "examples": ["30s", "15min", "24h", "7d"]}),
]
Rate = Annotated[
    float,
    BeforeValidator(_rate),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*/\s*(s|sec|min|h|d)$",
                    "examples": ["2/s", "120/min"]}),
]


def _exact_price(value: object) -> Decimal:
    units = price_to_units(value)
    if units > L.MAX_PRICE * 10**PRICE_DECIMALS:
        raise ValueError(f"a price or amount may be at most {L.MAX_PRICE:,} currency units (got {quote(value)})")
    return Decimal(units).scaleb(-PRICE_DECIMALS)


Price = Annotated[
    Decimal,
    BeforeValidator(_exact_price),
    WithJsonSchema({"type": ["number", "string"], "description": "currency units per 1M tokens, <= 9 decimals"}),
]
Name = Annotated[
    str,
    AfterValidator(check_name),
    WithJsonSchema({"type": "string", "maxLength": 64, "description": NAME_RULE}),
]


class Spec(BaseModel):
    """Base of every schema object: immutable, unknown keys rejected with a suggestion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key)[:100], sorted(known), n=1, cutoff=0.5)
                    hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(sorted(known))}"
                    raise ValueError(f"unknown field {quote(key)}{hint}")
        return data

    @model_validator(mode="after")
    def _representable_numbers(self) -> Any:
        # every number a scenario holds is finite and bounded: nothing overflows later
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, dict):  # measured tables: {tokens: seconds}, {batch size: (seconds, per token)}
                value = list(value.values())
            for item in value if isinstance(value, (list, tuple)) else (value,):
                for number in item if isinstance(item, tuple) else (item,):
                    if isinstance(number, float):
                        L.check_float(number, name)
                    elif isinstance(number, str) and len(number) > L.MAX_TEXT:
                        raise ValueError(f"{name}: text longer than {L.MAX_TEXT:,} characters ({len(number):,})")
        return self




def known_zone(value: str) -> str:
    """An IANA time-zone name, checked."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Asia/Shanghai'") from None
    return value
