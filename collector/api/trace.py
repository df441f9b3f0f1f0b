"""``/api/v1/trace``: the recall trace of a lot or a serial (docs/lots.md).

Where it came from (its receipts), every line that moved it, and what is left where.
A client token's trace holds only its owners' lines and stock (the scope is in the
queries); another owner's lot answers exactly like one that does not exist. No journal
ids are shown: lines are named by their events.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from collector.api.access import Action, Principal
from collector.api.context import Reading, allowed
from collector.api.fields import Amount
from collector.api.problems import ProblemError
from collector.api.responses import AUTH, BAD_PATH, problem
from collector.domain.model import MovementType
from collector.views.trace import LotTrace, TraceLine, trace_lot, trace_serial

router = APIRouter(tags=["trace"])


class TraceLineOut(BaseModel):
    """One journal line's units of the lot or serial."""

    event_id: uuid.UUID = Field(description="The event (transaction) that posted it.")
    type: MovementType
    sku: str
    location: str
    owner: str
    qty: Amount = Field(description="Units of this lot: + into the location, − out of it.")
    effective_at: datetime
    reference: str | None = Field(description="The transaction's reference (PO, till receipt).")
    device_id: str | None = Field(description="The device that sent it, if one did.")
    principal: str | None = Field(description="The token or person that posted it, if any.")
    applies_to_event_id: uuid.UUID | None = Field(
        description="A return: the sale it takes back (when that sale moved this lot)."
    )


class TraceStockOut(BaseModel):
    """Units of the lot or serial on hand at one position."""

    sku: str
    location: str
    owner: str
    qty: Amount


class TraceOut(BaseModel):
    """A lot's or serial's whole path."""

    kind: str = Field(description="`lot` or `serial`.")
    code: str
    skus: list[str]
    expiry: date | None
    received: Amount = Field(description="Units its receipts brought in.")
    on_hand: Amount = Field(description="Units left, over every position shown.")
    origin: list[TraceLineOut] = Field(description="Its receipts: where it came from.")
    lines: list[TraceLineOut] = Field(description="Every line that moved it, oldest first.")
    stock: list[TraceStockOut] = Field(description="Where what is left is now.")


_NOT_FOUND = problem("No movement of that lot or serial (or not one of your owners').")


def _line(line: TraceLine, events: dict[int, uuid.UUID]) -> TraceLineOut:
    applies = line.applies_to_movement_id
    return TraceLineOut(
        event_id=line.event_id, type=MovementType(line.type), sku=line.sku,
        location=line.location, owner=line.owner, qty=line.qty, effective_at=line.effective_at,
        reference=line.reference, device_id=line.device_id, principal=line.principal,
        applies_to_event_id=events.get(applies) if applies is not None else None,
    )  # fmt: skip


def _out(trace: LotTrace) -> TraceOut:
    events = {line.movement_id: line.event_id for line in trace.lines}
    return TraceOut(
        kind=trace.kind,
        code=trace.code,
        skus=list(trace.skus),
        expiry=trace.expiry,
        received=sum((ln.qty for ln in trace.origin), Decimal(0)),
        on_hand=trace.on_hand_qty,
        origin=[_line(ln, events) for ln in trace.origin],
        lines=[_line(ln, events) for ln in trace.lines],
        stock=[TraceStockOut(sku=s.sku, location=s.location, owner=s.owner, qty=s.qty)
               for s in trace.on_hand],
    )  # fmt: skip


@router.get(
    "/trace/lot/{sku}/{lot}",
    summary="Recall trace of a lot: its receipts, every move, what is left where",
    response_model=TraceOut,
    responses={**AUTH, 404: _NOT_FOUND, 422: BAD_PATH},
)
def read_lot_trace(
    sku: str,
    lot: str,
    conn: Reading,
    who: Annotated[Principal, Depends(allowed(Action.READ_MOVEMENTS))],
) -> TraceOut:
    """Where lot ``lot`` of ``sku`` came from, where every unit went, and where the rest is."""
    found = trace_lot(conn, who.scope, sku, lot)
    if found is None:
        raise ProblemError("not-found", f"no movement of lot {lot!r} of {sku!r}")
    return _out(found)


@router.get(
    "/trace/serial/{serial}",
    summary="Recall trace of a serial: its receipt, every move, where it is now",
    response_model=TraceOut,
    responses={**AUTH, 404: _NOT_FOUND, 422: BAD_PATH},
)
def read_serial_trace(
    serial: str,
    conn: Reading,
    who: Annotated[Principal, Depends(allowed(Action.READ_MOVEMENTS))],
) -> TraceOut:
    """Where the unit with this serial came from, every move it made, where it is now."""
    found = trace_serial(conn, who.scope, serial)
    if found is None:
        raise ProblemError("not-found", f"no movement of serial {serial!r}")
    return _out(found)
