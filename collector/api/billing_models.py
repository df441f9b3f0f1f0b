"""Bodies and answers of the billing routes (rate cards, bills and their lines)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from collector.api.fields import Amount, Day
from collector.billing.calculate import BillLine
from collector.billing.rates import Charge, RateCard
from collector.billing.store import Bill
from edge_agent.wire import OwnerId

Rate = Annotated[
    str, Field(pattern=r"^\d{1,12}(\.\d{1,6})?$", examples=["0.12"], description="≥ 0, money.")
]
MONTH_PATTERN = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"
Reference = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]{1,64}$", examples=["INV-2026-0112"])]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(_Body):
    """A new rate card: the client's prices from a day on (each rate 0 when not given)."""

    owner: OwnerId
    effective_from: Day
    unit_days: Rate = "0"
    location_days: Rate = "0"
    m3_days: Rate = "0"
    receipt_lines: Rate = "0"
    picks: Rate = "0"
    returns: Rate = "0"
    count_lines: Rate = "0"

    def rates(self) -> dict[Charge, Decimal]:
        """The rates by charge."""
        return {charge: Decimal(getattr(self, charge.value)) for charge in Charge}


class CardOut(BaseModel):
    """A rate card: per unit-day, location-day, m³-day, receipt line, pick, return, count line."""

    id: int
    owner: str
    effective_from: date
    unit_days: Amount
    location_days: Amount
    m3_days: Amount
    receipt_lines: Amount
    picks: Amount
    returns: Amount
    count_lines: Amount

    @classmethod
    def of(cls, card: RateCard) -> CardOut:
        """The card as the API answers it."""
        return cls(id=card.id, owner=card.owner, effective_from=card.effective_from,
                   **{charge.value: card.rate(charge) for charge in Charge})  # fmt: skip


class InvoiceIn(_Body):
    """The invoice a closed bill went out on."""

    reference: Reference


class BillLineOut(BaseModel):
    """One line: a charge over days at one card's rate (a correction names its late day)."""

    charge: Charge
    first_day: date
    last_day: date
    quantity: Amount = Field(description="Units of the charge (rounded half-even to 6 decimals).")
    rate: Amount
    amount: Amount = Field(description="quantity × rate, rounded half-even to the cent.")
    card_id: int | None
    original_day: date | None = Field(description="A correction's late event's day.")
    corrects_month: str | None = Field(description="The closed month a correction corrects.")

    @classmethod
    def of(cls, line: BillLine) -> BillLineOut:
        """The line as the API answers it."""
        return cls(charge=line.charge, first_day=line.first_day, last_day=line.last_day,
                   quantity=line.quantity, rate=line.rate, amount=line.amount,
                   card_id=line.card_id, original_day=line.original_day,
                   corrects_month=line.corrects_month)  # fmt: skip


class BillSummary(BaseModel):
    """A bill without its lines."""

    owner: str
    month: str
    status: Literal["open", "closed", "invoiced"]
    total: Amount
    closed_at: datetime | None
    invoiced_at: datetime | None
    invoice_ref: str | None

    @classmethod
    def of(cls, bill: Bill) -> BillSummary:
        """The bill's head as the API answers it."""
        return cls(owner=bill.owner, month=bill.month, status=bill.status,  # type: ignore[arg-type]
                   total=bill.total, closed_at=bill.closed_at, invoiced_at=bill.invoiced_at,
                   invoice_ref=bill.invoice_ref)  # fmt: skip


class BillOut(BillSummary):
    """A bill with its lines; an open one is computed now, a closed one is as it was closed."""

    closed_by: str | None
    invoiced_by: str | None
    notes: list[str]
    lines: list[BillLineOut]

    @classmethod
    def of(cls, bill: Bill) -> BillOut:
        """The bill as the API answers it."""
        return cls(**BillSummary.of(bill).model_dump(), closed_by=bill.closed_by,
                   invoiced_by=bill.invoiced_by, notes=list(bill.notes),
                   lines=[BillLineOut.of(ln) for ln in bill.lines])  # fmt: skip
