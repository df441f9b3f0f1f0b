"""Reason-coded adjustments posted by people: alert resolutions and cycle counts.

An adjustment is an ordinary ``stock.transaction`` of type ``adjustment``, posted through
the caller's ``PostingSession``; it gets an inbox row (kind ``ops.adjustment``, no
device) so the journal's event id points at what caused it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog

from collector.domain.model import PositionKey
from collector.ingest.ports import Disposition
from collector.ledger.inbox import inbox_row
from collector.ledger.session import PostingSession
from edge_agent.wire import StockTransaction, TransactionType, new_event_id

log = structlog.get_logger("collector.ledger")

ADJUSTMENT_KIND = "ops.adjustment"
"""Inbox kind of adjustments posted by people (alert resolutions, cycle counts)."""


def post_adjustment(
    session: PostingSession,
    key: PositionKey,
    *,
    delta: Decimal,
    reason: str,
    by: str,
    site: str | None = None,
) -> UUID:
    """Adjust a position by ``delta`` units; ``RejectedEventError`` if the ledger refuses."""
    tx = adjustment(key, delta, reason)
    event_id = new_event_id()
    session.post(event_id=event_id, effective_at=session.now, tx=tx)
    session.record(_inbox_row(event_id, tx, site, session, by))
    log.info(
        "adjustment.posted",
        sku=key.sku,
        location=key.location,
        qty=str(delta),
        event_id=str(event_id),
        principal=by,
        reason=reason,
    )
    return event_id


def adjustment(key: PositionKey, delta: Decimal, reason: str) -> StockTransaction:
    """The signed adjustment of a position, with the reason as its reference."""
    return StockTransaction(
        type=TransactionType.ADJUSTMENT,
        sku=key.sku,
        qty=delta,
        location=key.location,
        owner=key.owner,
        reference=reason[:128],
    )


def _inbox_row(
    event_id: UUID, tx: StockTransaction, site: str | None, session: PostingSession, by: str
) -> tuple[Any, ...]:
    return inbox_row(
        event_id=event_id,
        seq=None,
        site=site,
        kind=ADJUSTMENT_KIND,
        observed_at=session.now,
        received_at=session.now,
        disposition=Disposition.APPLIED,
        payload=tx.model_dump_json(exclude_none=True),
        principal=by,
    )
