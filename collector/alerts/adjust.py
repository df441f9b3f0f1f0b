"""Post a reason-coded adjustment through the ledger's own posting code, in one transaction.

Used when an alert is resolved with a confirmed count and when a cycle count
finds a variance.  The adjustment is an ordinary ``stock.transaction`` of type
``adjustment``: it gets an inbox row (kind ``ops.adjustment``, no device) so the
journal's event id points at what caused it, then the ledger writes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.domain.model import PositionKey
from collector.domain.posting import post_transaction
from collector.ingest.ports import Disposition
from collector.ledger.engine import lock_ledger
from collector.ledger.inbox import inbox_row, write_inbox
from collector.ledger.loading import BookRequest, load_book
from collector.ledger.observers import BalanceAfter, Posted, PostingObserver
from collector.ledger.schema import balances
from collector.ledger.writing import ensure_places, write_postings
from edge_agent.wire import StockTransaction, TransactionType

log = structlog.get_logger("collector.alerts")

ADJUSTMENT_KIND = "ops.adjustment"
"""Inbox kind of adjustments posted by people (alert resolutions, cycle counts)."""


def book_qty(conn: sa.Connection, key: PositionKey) -> Decimal:
    """Units the ledger holds at a position (0 when it never held any)."""
    query = sa.select(balances.c.qty).where(
        balances.c.sku == key.sku,
        balances.c.location == key.location,
        balances.c.owner == key.owner,
    )
    found = conn.execute(query).scalar_one_or_none()
    return found if found is not None else Decimal(0)


def post_adjustment(
    conn: sa.Connection,
    key: PositionKey,
    *,
    delta: Decimal,
    reason: str,
    now: datetime,
    site: str | None = None,
    observers: Sequence[PostingObserver] = (),
) -> UUID:
    """Adjust a position by ``delta`` units; ``RejectedEventError`` if the ledger refuses.

    Takes the ledger writer lock: call inside ``engine.begin()``.
    """
    lock_ledger(conn)
    tx = adjustment(key, delta, reason)
    event_id = uuid.uuid4()
    loaded = load_book(conn, BookRequest(frozenset({key.sku}), frozenset({key})))
    posting = post_transaction(loaded.book, event_id=event_id, effective_at=now, tx=tx)
    write_inbox(conn, [_inbox_row(event_id, tx, site, now)])
    ensure_places(conn, owner_ids={key.owner}, paths={key.location}, now=now)
    write_postings(conn, loaded, [posting], now)
    position = loaded.book.position(key)
    posted = Posted(posting.lines, (BalanceAfter(key, position.qty, position.value),), ())
    for observer in observers:
        observer.on_posted(conn, posted)
    log.info(
        "adjustment.posted",
        sku=key.sku,
        location=key.location,
        qty=str(delta),
        event_id=str(event_id),
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


def _inbox_row(event_id: UUID, tx: StockTransaction, site: str | None, now: datetime) -> dict:
    return inbox_row(
        event_id=event_id,
        seq=None,
        site=site,
        kind=ADJUSTMENT_KIND,
        observed_at=now,
        received_at=now,
        disposition=Disposition.APPLIED,
        payload=tx.model_dump_json(exclude_none=True),
    )
