"""Post a few events into the loaded ledger through the real ``SqlIngestor``, as a device would.

A receipt and a sale at a FIFO shelf (the sale takes a generated layer), a return naming
a generated sale, a sale at a moving-average shelf and a vendor return naming a generated
receipt. The domain posts the same on the generator's book first; the journal lines and
balances the ingestor wrote must be exactly those. So the loaded ledger is one the
product reads (positions, layers, sales with their returns and true-ups, receipts) and
writes on, with the costs the domain predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from benchmarks.ledger_gen.catalog import Stocking
from benchmarks.ledger_gen.world import World
from collector.domain.model import MovementLine, PositionKey, ReceiptRef, Valuation
from collector.domain.posting import post_transaction
from collector.ingest.ports import Disposition, InboundMessage
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import balances, cost_layers, movements
from edge_agent.wire import StockTransaction, dump_event, events_topic, make_event
from edge_agent.wire import TransactionType as T

DEVICE = "ledger-gen-check"
REFERENCE = "ledger-gen check"


class ProofError(AssertionError):
    """The real ingestor did not post what the domain predicted (or refused to post)."""


@dataclass(frozen=True, slots=True)
class _Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0


def prove_ingestor(url: str, world: World) -> int:
    """Post the check events through ``SqlIngestor``; the number of lines, or ``ProofError``."""
    engine = open_ledger(url)  # migrates to head: a no-op on a ledger the migrations made
    try:
        planned = _plan(engine, world)
        at = (world.last_at or datetime.now().astimezone()) + timedelta(hours=1)
        expected: list[MovementLine] = []
        messages = []
        site = planned[0][0].site.name
        for seq, (_, tx) in enumerate(planned, start=1):
            event_id, when = world.event_id(), at + timedelta(seconds=seq)
            expected += post_transaction(
                world.book, event_id=event_id, effective_at=when, tx=tx
            ).lines
            event = make_event(event_id=event_id, device_id=DEVICE, epoch=1, seq=seq,
                               observed_at=when, data=tx)  # fmt: skip
            messages.append(InboundMessage(events_topic(site, DEVICE), dump_event(event), when))
        outcome = SqlIngestor(engine, clock=_Clock(at + timedelta(minutes=1))).ingest(messages)
        refused = [o for o in outcome.outcomes if o.disposition is not Disposition.APPLIED]
        if refused:
            raise ProofError(f"the ingestor did not apply every check event: {refused}")
        _compare(engine, world, expected)
        return len(expected)
    finally:
        engine.dispose()


def _plan(engine: sa.Engine, world: World) -> list[tuple[Stocking, StockTransaction]]:
    fifo = _shelf(world, Valuation.FIFO)
    average = _shelf(world, Valuation.MOVING_AVERAGE)
    item = fifo.item
    sold = world.book.latest_sale(item.sku, item.owner)
    if sold is None or sold.open_qty < 1:
        raise ProofError(f"no generated sale of {item.sku} is left to return")
    cost = Decimal(f"{item.base_cost:.2f}") + Decimal("0.01")
    plan = [
        (fifo, _tx(T.RECEIPT, fifo.pick, 6, unit_cost=cost)),
        (fifo, _tx(T.SALE, fifo.pick, 2, unit_price=cost * 2)),
        (fifo, _tx(T.RETURN, fifo.pick, 1, returns_event_id=sold.event_id)),
        (average, _tx(T.SALE, average.pick, 1)),
    ]
    receipt = _open_receipt(engine, world, busy={fifo.pick, average.pick})
    if receipt is not None:
        stocking, ref = receipt
        world.book.receipts[ref.event_id] = ref  # what the session loads for a named receipt
        plan.append((stocking, _tx(T.VENDOR_RETURN, ref.key, 1, returns_event_id=ref.event_id)))
    return plan


def _shelf(world: World, valuation: Valuation) -> Stocking:
    """A busy shelf of an item of ``valuation`` that forbids negative stock, with stock."""
    for stocking in sorted(world.catalog.stockings, key=lambda s: -s.weight):
        item = stocking.item
        plain = item.valuation is valuation and not item.allow_negative and not item.by_weight
        if plain and world.qty(stocking.pick) >= 3:
            return stocking
    raise ProofError(f"no {valuation.value} shelf holds 3 units to post the check events on")


def _open_receipt(
    engine: sa.Engine, world: World, *, busy: set[PositionKey]
) -> tuple[Stocking, ReceiptRef] | None:
    """A generated receipt whose FIFO layer is still whole, read from the tables.

    Not at a ``busy`` position, where the other check events might consume it first.
    """
    by_key = {s.receiving: s for s in world.catalog.stockings}
    m, c = movements.c, cost_layers.c
    query = (
        sa.select(m.id, m.event_id, m.sku, m.location, m.owner, m.unit_cost)
        .join(cost_layers, c.movement_id == m.id)
        .where(m.type == "receipt", c.qty_remaining == c.qty_in, c.qty_remaining >= 2)
        .order_by(m.id.desc())
        .limit(50)
    )
    with engine.connect() as conn:
        for row in conn.execute(query):
            key = PositionKey(row.sku, row.location, row.owner)
            stocking = by_key.get(key)
            if stocking is not None and key not in busy and world.qty(key) >= 2:
                return stocking, ReceiptRef(row.id, row.event_id, key, row.unit_cost)
    return None


def _tx(kind: T, key: PositionKey, qty: int, **extra: Any) -> StockTransaction:
    return StockTransaction(
        type=kind, sku=key.sku, qty=Decimal(qty), location=key.location, owner=key.owner,
        reference=REFERENCE, **extra,
    )  # fmt: skip


_FIELDS = (
    "movement_id", "event_id", "type", "key", "qty", "unit_cost", "value", "cogs", "revenue",
    "provisional", "applies_to_movement_id",
)  # fmt: skip


def _compare(engine: sa.Engine, world: World, expected: list[MovementLine]) -> None:
    """The journal lines and balances the ingestor wrote against the domain's."""
    event_ids: set[UUID] = {line.event_id for line in expected}
    m = movements.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(movements).where(m.event_id.in_(event_ids)).order_by(m.id)
        ).all()
        stored = [
            (row.id, row.event_id, row.type, PositionKey(row.sku, row.location, row.owner),
             row.qty, row.unit_cost, row.value, row.cogs, row.revenue, row.provisional,
             row.applies_to_movement_id)
            for row in rows
        ]  # fmt: skip
        keys = sorted({line.key for line in expected})
        found = {
            PositionKey(r.sku, r.location, r.owner): (r.qty, r.value)
            for r in conn.execute(sa.select(balances))
            if PositionKey(r.sku, r.location, r.owner) in keys
        }
    predicted = [
        tuple(getattr(line, name) if name != "type" else line.type.value for name in _FIELDS)
        for line in expected
    ]
    if stored != predicted:
        raise ProofError(f"the ingestor posted {stored}\nthe domain predicted {predicted}")
    book = {key: (world.book.position(key).qty, world.book.position(key).value) for key in keys}
    if found != book:
        raise ProofError(f"balances after the check events: {found}, the domain has {book}")
