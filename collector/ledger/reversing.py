"""Reverse a posted event in the ledger: load its lines and layers, post the opposite.

Posted through a ``PostingSession`` like every other change of stock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.model import MovementLine, MovementType, Piece, PositionKey, Posting
from collector.domain.money import ZERO, unit_cost_of
from collector.domain.reversal import reverse_event
from collector.errors import RejectedEventError
from collector.ingest.ports import Disposition
from collector.ledger.inbox import inbox_row
from collector.ledger.loading import BookRequest
from collector.ledger.observers import PostingObserver
from collector.ledger.schema import (
    cost_layers,
    inbox,
    layer_consumptions,
    lot_movements,
    movements,
)
from collector.ledger.session import PostingSession, posting_session

REVERSAL_KIND = "ledger.reversal"


def reverse_in_ledger(
    engine: sa.Engine,
    *,
    event_id: uuid.UUID,
    reason: str,
    now: datetime,
    reversal_event_id: uuid.UUID,
    observers: Sequence[PostingObserver] = (),
    by: str | None = None,
) -> Posting:
    """Post the reversal of ``event_id`` effective ``now``; ``RejectedEventError`` says why not."""
    with posting_session(
        engine, now=now, observers=observers, what=f"reversal of event {event_id}"
    ) as session:
        return post_reversal(
            session, event_id=event_id, reason=reason, reversal_event_id=reversal_event_id, by=by
        )


def post_reversal(
    session: PostingSession,
    *,
    event_id: uuid.UUID,
    reason: str,
    reversal_event_id: uuid.UUID,
    by: str | None = None,
) -> Posting:
    """Post, in ``session``, the opposite of every line of ``event_id`` at its original costs;
    ``by``: who asked for it (kept on the reversal's inbox row)."""
    session.flush()  # the original may have been posted earlier in this session
    conn = session.conn
    original = _original_lines(conn, event_id)
    already = sa.select(movements.c.reverses_movement_id).where(
        movements.c.reverses_movement_id.in_([line.movement_id for line in original])
    )
    keys = frozenset(line.key for line in original)
    session.load(BookRequest(frozenset(k.sku for k in keys), keys))
    posting = reverse_event(
        session.book,
        reversal_event_id=reversal_event_id,
        effective_at=session.now,
        original_event_id=event_id,
        original=original,
        consumed=_consumed(conn, [x for x in original if x.qty < 0]),
        already_reversed=set(conn.execute(already).scalars()),
        reason=reason,
        lots_moved=_lots_moved(conn, original),
    )
    payload = json.dumps({"reverses_event_id": str(event_id), "reason": reason})
    session.record(_inbox_row(reversal_event_id, session.now, payload, by))
    session.accept(posting)
    return posting


def _inbox_row(event_id: uuid.UUID, now: datetime, payload: str, by: str | None) -> tuple[Any, ...]:
    return inbox_row(
        event_id=event_id,
        seq=None,
        site=None,
        kind=REVERSAL_KIND,
        observed_at=now,
        received_at=now,
        disposition=Disposition.APPLIED,
        payload=payload,
        principal=by,
    )


def _original_lines(conn: sa.Connection, event_id: uuid.UUID) -> list[MovementLine]:
    rows = conn.execute(
        sa.select(movements).where(movements.c.event_id == event_id).order_by(movements.c.id)
    ).all()
    if not rows:
        found = conn.execute(
            sa.select(inbox.c.disposition, inbox.c.kind).where(inbox.c.event_id == event_id)
        ).first()
        if found is None:
            raise RejectedEventError(f"no event {event_id} in the ledger")
        raise RejectedEventError(
            f"event {event_id} ({found.kind}) was {found.disposition}, not posted: "
            "there is nothing to reverse"
        )
    return [
        MovementLine(
            movement_id=r.id,
            event_id=r.event_id,
            type=MovementType(r.type),
            key=PositionKey(r.sku, r.location, r.owner),
            qty=r.qty,
            unit_cost=r.unit_cost,
            value=r.value,
            effective_at=r.effective_at,
            cogs=r.cogs,
            revenue=r.revenue,
            reverses_movement_id=r.reverses_movement_id,
            reason=r.reason,
            provisional=r.provisional,
            applies_to_movement_id=r.applies_to_movement_id,
        )
        for r in rows
    ]


def _consumed(conn: sa.Connection, outbound: list[MovementLine]) -> dict[int, list[Piece]]:
    """Per outbound line: the layer pieces it took, plus the provisional rest it sold short."""
    if not outbound:
        return {}
    query = (
        sa.select(
            layer_consumptions.c.movement_id,
            layer_consumptions.c.layer_id,
            layer_consumptions.c.qty,
            layer_consumptions.c.value,
            cost_layers.c.unit_cost,
            cost_layers.c.order_key,
        )
        .join(cost_layers, cost_layers.c.id == layer_consumptions.c.layer_id)
        .where(layer_consumptions.c.movement_id.in_([x.movement_id for x in outbound]))
        .order_by(layer_consumptions.c.movement_id, cost_layers.c.order_key, cost_layers.c.id)
    )
    pieces: dict[int, list[Piece]] = {x.movement_id: [] for x in outbound}
    for r in conn.execute(query):
        pieces[r.movement_id].append(Piece(r.qty, r.value, r.unit_cost, r.order_key, r.layer_id))
    for line in outbound:
        taken_qty = sum((p.qty for p in pieces[line.movement_id]), ZERO)
        taken_value = sum((p.value for p in pieces[line.movement_id]), ZERO)
        rest_qty: Decimal = -line.qty - taken_qty
        if rest_qty > 0:
            rest_value = -line.value - taken_value
            pieces[line.movement_id].append(
                Piece(
                    rest_qty,
                    rest_value,
                    unit_cost_of(rest_value, rest_qty),
                    provisional=line.provisional,
                )
            )
    return pieces


def _lots_moved(
    conn: sa.Connection, original: list[MovementLine]
) -> dict[int, list[tuple[str, Decimal]]]:
    """Per original line: the lots (or serials) it moved, signed (by code)."""
    query = (
        sa.select(lot_movements.c.movement_id, lot_movements.c.code, lot_movements.c.qty)
        .where(lot_movements.c.movement_id.in_([line.movement_id for line in original]))
        .order_by(lot_movements.c.movement_id, lot_movements.c.code)
    )
    moved: dict[int, list[tuple[str, Decimal]]] = {}
    for row in conn.execute(query):
        moved.setdefault(row.movement_id, []).append((row.code, row.qty))
    return moved
