"""Field types with units, and the base of every schema object."""

from __future__ import annotations

import difflib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from decimal import Decimal
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
from ..units import PRICE_DECIMALS, parse_duration, parse_rate, price_to_units


# ---------------------------------------------------------------- field types

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*(ms|s|sec|min|h|d|w)$",
                    "examples": ["30s", "15min", "24h", "7d"]}),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.eE+-]+\s*/\s*(s|sec|min|h|d)$",
                    "examples": ["2/s", "120/min"]}),
]


def _exact_price(value: object) -> Decimal:
    return Decimal(price_to_units(value)).scaleb(-PRICE_DECIMALS)


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
                    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.5)
                    hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(sorted(known))}"
                    raise ValueError(f"unknown field '{key}'{hint}")
        return data




def known_zone(value: str) -> str:
    """An IANA time-zone name, checked."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Asia/Shanghai'") from None
    return value
