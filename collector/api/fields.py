"""Field types the API's response models share: ledger amounts and instants as strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

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
