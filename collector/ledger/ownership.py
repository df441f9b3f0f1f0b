"""An ownership change posted by a person (``collector ownership-change``), in one session.

It is an ordinary ``stock.transaction`` of type ``ownership_change`` (docs/owner-items.md)
posted through a ``PostingSession`` with an inbox row of kind ``ops.ownership_change``,
so its two journal lines carry one event id that points at who made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
import structlog

from collector.domain.model import Posting
from collector.errors import RejectedEventError
from collector.ingest.ports import Disposition
from collector.ledger.inbox import inbox_row
from collector.ledger.observers import PostingObserver
from collector.ledger.session import SessionOptions, posting_session
from edge_agent.wire import StockTransaction, TransactionType, new_event_id

log = structlog.get_logger("collector.ledger")

OWNERSHIP_KIND = "ops.ownership_change"
"""Inbox kind of ownership changes posted from the command line."""


def change_ownership(
    engine: sa.Engine,
    tx: StockTransaction,
    *,
    now: datetime,
    by: str,
    observers: Sequence[PostingObserver] = (),
) -> Posting:
    """Post ``tx`` (an ownership change) now, or ``RejectedEventError`` with nothing posted.

    Never parked: stock not there is refused at once (a person is waiting for the answer).
    """
    if tx.type is not TransactionType.OWNERSHIP_CHANGE:
        raise RejectedEventError(f"not an ownership change: {tx.type.value}")
    event_id = new_event_id()
    options = SessionOptions(park_timeout_s=0)
    what = f"ownership change by {by}"
    with posting_session(
        engine, now=now, observers=observers, options=options, what=what
    ) as session:
        posting = session.post(event_id=event_id, effective_at=now, tx=tx)
        session.record(
            inbox_row(
                event_id=event_id, seq=None, site=None, kind=OWNERSHIP_KIND, observed_at=now,
                received_at=now, disposition=Disposition.APPLIED,
                payload=tx.model_dump_json(exclude_none=True), principal=by,
            )
        )  # fmt: skip
    log.info(
        "ownership.changed", sku=tx.sku, owner=tx.owner, to_owner=tx.to_owner,
        qty=str(tx.qty), event_id=str(event_id), principal=by,
    )  # fmt: skip
    return posting
