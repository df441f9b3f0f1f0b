"""Event payloads as the wire writes them, formatted directly (pydantic per event is too slow).

``dump_event`` and ``StockTransaction.model_dump_json`` are the reference: the checks parse
a sample of the generated payloads with ``parse_event`` and compare both the text and the
transaction (``same_as_wire``), so a change of the wire format cannot slip by.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from edge_agent.wire import StockTransaction, StockTransactionEvent, dump_event, parse_event

_SQLITE_INSTANT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def db_instant(at: datetime) -> str:
    """An aware UTC instant as the ledger stores it on SQLite (PostgreSQL reads it in UTC)."""
    return _SQLITE_INSTANT % (
        at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond,
    )  # fmt: skip


def wire_instant(at: datetime) -> str:
    """An aware UTC instant as pydantic writes it: ``…T08:15:02.123456Z``, no fraction at 0."""
    text = (
        f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    )
    return f"{text}.{at.microsecond:06d}Z" if at.microsecond else f"{text}Z"


def transaction_json(tx: StockTransaction) -> str:
    """``tx.model_dump_json(exclude_none=True)``: the fields in model order, decimals as text."""
    parts = [f'"type":"{tx.type.value}","sku":"{tx.sku}","qty":"{tx.qty}"']
    parts.append(f',"location":"{tx.location}"')
    if tx.to_location is not None:
        parts.append(f',"to_location":"{tx.to_location}"')
    parts.append(f',"owner":"{tx.owner}"')
    if tx.unit_cost is not None:
        parts.append(f',"unit_cost":"{tx.unit_cost}"')
    if tx.unit_price is not None:
        parts.append(f',"unit_price":"{tx.unit_price}"')
    if tx.reference is not None:
        parts.append(f',"reference":"{tx.reference}"')
    if tx.returns_event_id is not None:
        parts.append(f',"returns_event_id":"{tx.returns_event_id}"')
    return "{" + "".join(parts) + "}"


def event_json(
    *, event_id: UUID, device_id: str, epoch: int, seq: int, observed_at: datetime, data: str
) -> str:
    """``dump_event`` of a ``stock.transaction`` envelope around ``data`` (``transaction_json``)."""
    return (
        f'{{"schema":1,"event_id":"{event_id}","device_id":"{device_id}","epoch":{epoch},'
        f'"seq":{seq},"observed_at":"{wire_instant(observed_at)}",'
        f'"kind":"stock.transaction","data":{data}}}'
    )


def same_as_wire(payload: str, kind: str, tx: StockTransaction) -> str | None:
    """Why a generated payload differs from what the wire models write, or None."""
    if kind == "stock.transaction":
        event = parse_event(payload)
        if not isinstance(event, StockTransactionEvent):
            return f"payload parses as {event.kind}, not a stock transaction"
        if dump_event(event).decode() != payload:
            return f"payload is not in dump_event's form: {payload}"
        parsed = event.data
    else:
        parsed = StockTransaction.model_validate(json.loads(payload))
        if parsed.model_dump_json(exclude_none=True) != payload:
            return f"payload is not in model_dump_json's form: {payload}"
    if parsed.model_dump() != tx.model_dump():
        return f"payload {payload} is not the transaction posted: {tx!r}"
    return None
