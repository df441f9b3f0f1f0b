"""Field types the API's models share: ledger amounts as strings, instants and days as text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, PlainSerializer, WithJsonSchema

from collector.domain.money import q6


def _six_decimals(amount: Decimal) -> str:
    return f"{q6(amount):f}"


Amount = Annotated[
    Decimal,
    PlainSerializer(_six_decimals, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+\.\d{6}$", "examples": ["12.500000"]},
        mode="serialization",
    ),
]
"""A quantity or money amount of the ledger: exact, as a string with 6 decimals."""


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text_like(pattern: re.Pattern[str], example: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"{value!r} is not written like {example}")
        if isinstance(value, int | float | bool):
            raise ValueError(f"{value!r} is a number; write it like {example}")
        return value

    return check


Instant = Annotated[
    AwareDatetime, BeforeValidator(_text_like(_RFC3339, "2026-11-25T14:30:00+01:00"))
]
"""An instant in RFC 3339 with its zone: never a bare number (pydantic would read a Unix
time), never without a zone."""
Day = Annotated[date, BeforeValidator(_text_like(_ISO_DAY, "2026-11-25"))]
"""A calendar day as ``YYYY-MM-DD``, never a number."""


_POSITIVE_DECIMAL = (
    r"^(?:[1-9]\d{0,11}(?:\.\d{1,6})?"
    r"|0\.(?:[1-9]\d{0,5}|0[1-9]\d{0,4}|00[1-9]\d{0,3}|000[1-9]\d{0,2}|0000[1-9]\d?|00000[1-9]))$"
)
"""A positive decimal, at most 12 digits before the point and 6 after (no lookahead, so
the contract tests can generate it)."""


def _positive_decimal_text(value: Any) -> Any:
    if not isinstance(value, str) or not re.match(_POSITIVE_DECIMAL, value):
        raise ValueError('write it as a positive decimal string like "12.5" (at most 6 decimals)')
    return value


PositiveDecimal = Annotated[
    Decimal,
    BeforeValidator(_positive_decimal_text),
    WithJsonSchema({"type": "string", "pattern": _POSITIVE_DECIMAL, "examples": ["12.5"]}),
]
"""A positive amount in a request, as a decimal string (like every amount the API returns)."""
