"""Match a receipt to the open lines of purchase orders (pure: no IO).

A receipt names an order by its reference (``PO-000012``, or a line: ``PO-000012/2``):
then only that order's lines for the SKU, owner and location are candidates. Without
one, every open line of a sent order for the SKU and owner at the receipt's location
(or above it) is, oldest order first. Units fill the candidates in turn; what is left
over lands on the last candidate as an over-receipt, and a receipt naming an order that
has no line for it is flagged unmatched. A receipt from no order matches nothing.

A reference ``PO:<text>`` (what a scanner station's receipts carry after a scanned
purchase-order barcode; text after a space is a note) always names an order:
``PO:PO-000012`` and ``PO:12`` name PO-000012; any other text names an order of that
number, which does not exist, so the receipt is unmatched.
``mismatch`` says why a receipt naming an order did not fit it (for an alert).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from collector.purchasing.states import OPEN_FOR_RECEIPT, PoStatus

ZERO = Decimal(0)
_REFERENCE = re.compile(r"^\s*(PO-\d{1,12})(?:/(\d{1,6}))?\s*$", re.IGNORECASE)
SCANNED_PREFIX = "PO:"
"""Prefix of a reference that is a scanned purchase order: it always names one."""
_SCANNED = re.compile(r"^\s*PO:\s*(\S{1,30})(?:\s.*)?$", re.IGNORECASE | re.DOTALL)


class MatchFlag(StrEnum):
    """How a receipt's units met an order line."""

    COMPLETE = "complete"
    """The line now has exactly its ordered units."""
    PARTIAL = "partial"
    """The line still waits for units (an under-receipt so far)."""
    OVER = "over"
    """Units beyond what the line ordered (an over-receipt)."""
    UNMATCHED = "unmatched"
    """The receipt names an order that has no line for this SKU, owner and location."""
    RETURN = "return"
    """Units sent back to the supplier against the line (a vendor return)."""
    REVERSAL = "reversal"
    """A reversed receipt takes its units off the line again."""


@dataclass(frozen=True, slots=True)
class OpenLine:
    """An order line a receipt may fill, as matching needs it."""

    line_id: int
    line_no: int
    po_number: str
    ordered_at: datetime
    sku: str
    location: str
    owner: str
    qty_ordered: Decimal
    qty_received: Decimal
    is_open: bool = True
    """Its order is sent or partially received (False: received, matched by reference only)."""

    @property
    def outstanding(self) -> Decimal:
        """Units still expected (never below zero)."""
        return max(ZERO, self.qty_ordered - self.qty_received)


@dataclass(frozen=True, slots=True)
class Receipt:
    """Units that came in at a position, and the reference they came with."""

    sku: str
    location: str
    owner: str
    qty: Decimal
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units of a receipt put on one order line (``line_id`` None: unmatched)."""

    line_id: int | None
    qty: Decimal
    flag: MatchFlag


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A receipt named an order it does not fit: the stock is posted, an operator checks."""

    number: str
    message: str


def parse_reference(reference: str | None) -> tuple[str, int | None] | None:
    """(order number, line number or None) when the reference names an order, else None."""
    scanned = _SCANNED.match(reference or "")
    text = scanned.group(1) if scanned is not None else reference or ""
    found = _REFERENCE.match(text)
    if found is not None:
        line = found.group(2)
        return found.group(1).upper(), int(line) if line else None
    if scanned is None:
        return None
    return (f"PO-{int(text):06d}" if text.isdigit() else text.upper()), None


def scanned_reference(po_reference: str, note: str = "") -> str:
    """The receipt reference for a purchase order scanned at a station: ``PO:<text> note``."""
    return f"{SCANNED_PREFIX}{po_reference} {note}".strip()


def mismatch(
    receipt: Receipt, status: str | None, allocations: Sequence[Allocation]
) -> Mismatch | None:
    """Why a receipt naming an order does not fit it, given the order's status (None: none)."""
    named = parse_reference(receipt.reference)
    if named is None:
        return None
    number = named[0]
    if status is None:
        why = f"names {number}, which is no purchase order"
    elif status == PoStatus.RECEIVED:
        why = f"names {number}, which is already received (closed)"
    elif status not in OPEN_FOR_RECEIPT:
        why = f"names {number}, which is {status}, not open for receipts"
    elif any(a.flag is MatchFlag.UNMATCHED for a in allocations):
        why = (
            f"names {number}, which has no line for {receipt.sku} of {receipt.owner} "
            f"at or above {receipt.location}"
        )
    else:
        return None
    what = f"receipt of {receipt.qty:f} {receipt.sku} at {receipt.location}"
    return Mismatch(number, f"{what} {why}; the stock is posted: check the delivery")


def covers(line_location: str, location: str) -> bool:
    """Whether stock at ``location`` is at or below the line's location."""
    return location == line_location or location.startswith(line_location + "/")


def candidates(receipt: Receipt, lines: Sequence[OpenLine]) -> tuple[list[OpenLine], bool]:
    """The lines the receipt may fill, in fill order, and whether it named an order."""
    fits = [
        ln
        for ln in lines
        if ln.sku == receipt.sku
        and ln.owner == receipt.owner
        and covers(ln.location, receipt.location)
    ]
    named = parse_reference(receipt.reference)
    if named is not None:
        number, line_no = named
        fits = [
            ln
            for ln in fits
            if ln.po_number == number and (line_no is None or ln.line_no == line_no)
        ]
        return sorted(fits, key=lambda ln: (ln.outstanding <= 0, ln.line_no)), True
    fits = [ln for ln in fits if ln.is_open and ln.outstanding > 0]
    return sorted(fits, key=lambda ln: (ln.ordered_at, ln.po_number, ln.line_no)), False


def match_receipt(receipt: Receipt, lines: Sequence[OpenLine]) -> tuple[Allocation, ...]:
    """Where the receipt's units go: filled lines, an over-receipt, or unmatched."""
    fits, named = candidates(receipt, lines)
    if not fits:
        if named:
            return (Allocation(None, receipt.qty, MatchFlag.UNMATCHED),)
        return ()
    left = receipt.qty
    found: list[Allocation] = []
    for line in fits:
        take = min(left, line.outstanding)
        if take <= 0:
            continue
        left -= take
        flag = MatchFlag.COMPLETE if take == line.outstanding else MatchFlag.PARTIAL
        found.append(Allocation(line.line_id, take, flag))
        if left <= 0:
            break
    if left > 0:
        last = found[-1].line_id if found else fits[0].line_id
        found.append(Allocation(last, left, MatchFlag.OVER))
    return tuple(found)


def apply_allocations(
    lines: Sequence[OpenLine], allocations: Sequence[Allocation]
) -> list[OpenLine]:
    """The lines with the allocated units received (to match the next receipt in a batch)."""
    added: dict[int, Decimal] = {}
    for alloc in allocations:
        if alloc.line_id is not None:
            added[alloc.line_id] = added.get(alloc.line_id, ZERO) + alloc.qty
    return [
        _received(ln, ln.qty_received + added[ln.line_id]) if ln.line_id in added else ln
        for ln in lines
    ]


def _received(line: OpenLine, qty: Decimal) -> OpenLine:
    return OpenLine(
        line.line_id, line.line_no, line.po_number, line.ordered_at, line.sku, line.location,
        line.owner, line.qty_ordered, qty, line.is_open,
    )  # fmt: skip
