"""The demo's scripted day: receipts, a transfer, sales and returns, with hand-worked results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from edge_agent import wire

SITE = "demo-shop"
BACKROOM = "main/backroom"
SHELF_COFFEE = "main/aisle-1/shelf-1"
SHELF_TEA = "main/aisle-1/shelf-2"
SHELF_MUGS = "main/aisle-1/shelf-3"
_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ScriptedEvent:
    """One transaction a simulated device reports."""

    device_id: str
    event_id: uuid.UUID
    data: wire.StockTransaction


@dataclass(frozen=True, slots=True)
class Phase:
    """Events that may interleave across devices; phases run one after the other."""

    title: str
    events: tuple[ScriptedEvent, ...]


def _tx(
    device_id: str,
    kind: str,
    sku: str,
    qty: str,
    location: str,
    *,
    event_id: uuid.UUID | None = None,
    **extra: object,
) -> ScriptedEvent:
    """A scripted stock transaction (decimals given as strings)."""
    fields = {"type": kind, "sku": sku, "qty": qty, "location": location, **extra}
    return ScriptedEvent(
        device_id=device_id,
        event_id=event_id or uuid.uuid4(),
        data=wire.StockTransaction.model_validate(fields),
    )


def script() -> tuple[Phase, ...]:
    """The day in phases: the dock receives, the shelf is filled, tills sell, customers return."""
    coffee_sale, mug_sale = uuid.uuid4(), uuid.uuid4()
    receive = (
        _tx("dock-1", "receipt", "COF-250", "40", BACKROOM, unit_cost="4.00"),
        _tx("dock-1", "receipt", "COF-250", "20", BACKROOM, unit_cost="4.50"),
        _tx("dock-1", "receipt", "TEA-100", "30", SHELF_TEA, unit_cost="2.00"),
        _tx("dock-1", "receipt", "TEA-100", "30", SHELF_TEA, unit_cost="2.60"),
        _tx("dock-1", "receipt", "MUG-01", "12", SHELF_MUGS, unit_cost="3.25"),
    )
    replenish = (_tx("dock-1", "transfer", "COF-250", "45", BACKROOM, to_location=SHELF_COFFEE),)
    sell = (
        _tx("pos-1", "sale", "COF-250", "10", SHELF_COFFEE, unit_price="9.90"),
        _tx("pos-1", "sale", "COF-250", "15", SHELF_COFFEE, unit_price="9.90"),
        _tx("pos-1", "sale", "COF-250", "8", SHELF_COFFEE, event_id=coffee_sale),
        _tx("pos-2", "sale", "TEA-100", "12", SHELF_TEA, unit_price="5.50"),
        _tx("pos-2", "sale", "TEA-100", "20", SHELF_TEA, unit_price="5.50"),
        _tx("pos-2", "sale", "MUG-01", "5", SHELF_MUGS, event_id=mug_sale),
    )
    give_back = (
        _tx("pos-1", "return", "COF-250", "2", SHELF_COFFEE, returns_event_id=coffee_sale),
        _tx("pos-2", "return", "MUG-01", "1", SHELF_MUGS, returns_event_id=mug_sale),
    )
    return (
        Phase("receiving", receive),
        Phase("replenish the coffee shelf", replenish),
        Phase("tills open", sell),
        Phase("returns desk", give_back),
    )


EXPECTED_ON_HAND: dict[tuple[str, str], Decimal] = {
    ("COF-250", BACKROOM): Decimal(15),  # 40 + 20 received, 45 moved to the shelf
    ("COF-250", SHELF_COFFEE): Decimal(14),  # 45 moved in, 33 sold, 2 returned
    ("TEA-100", SHELF_TEA): Decimal(28),  # 60 received, 32 sold
    ("MUG-01", SHELF_MUGS): Decimal(8),  # 12 received, 5 sold, 1 returned
}
"""Units on hand per (sku, location) after the script, worked by hand."""

EXPECTED_STOCK_VALUE = Decimal("216.40")
"""15 × 4.50 + (7 × 4.00 + 5 × 4.50 + 2 × 4.00) + 28 × 2.30 (moving average) + 8 × 3.25."""

EXPECTED_COGS = Decimal("210.60")
"""Coffee 33 × 4.00 − 2 × 4.00 returned; tea 32 × 2.30; mugs 5 × 3.25 − 1 × 3.25 returned."""


def envelope(event: ScriptedEvent, *, seq: int, epoch: int = 1) -> bytes:
    """The wire payload of a scripted event as its device would publish it."""
    observed_at = _START + timedelta(minutes=seq)
    made = wire.make_event(
        event_id=event.event_id,
        device_id=event.device_id,
        epoch=epoch,
        seq=seq,
        observed_at=observed_at,
        data=event.data,
    )
    return wire.dump_event(made)
