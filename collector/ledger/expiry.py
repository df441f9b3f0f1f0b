"""Give up on parked transactions that waited longer than the parking timeout.

Each is tried once more (stock may have come meanwhile), then dead-lettered: its inbox
row says ``dead_lettered``, the dead letter holds its payload and why, and an operator
can replay it once the stock is booked (``collector dead-letters replay ID``).
"""

from __future__ import annotations

import structlog

from collector.ingest.ports import Disposition
from collector.ledger.loading import request_for
from collector.ledger.parking import GivenUp, dead_letter_row, expired, inbox_origin
from collector.ledger.session import PostingSession

log = structlog.get_logger("collector.ledger")


def expire_parked(session: PostingSession) -> list[GivenUp]:
    """Dead-letter, in ``session``, what waited past its deadline and still cannot post."""
    due = expired(session.conn, session.now)
    if not due:
        return []
    origins = inbox_origin(session.conn, [parked.event_id for parked in due])
    given_up = []
    for parked in due:
        session.load(request_for([parked.tx]))
        if session.retry_parked(parked) is not None:
            continue
        waited_s = (session.now - parked.parked_at).total_seconds()
        reason = (
            f"waited {waited_s:.0f} s for stock and none came: {parked.reason}; book the "
            "missing receipt, then replay this dead letter (`collector dead-letters replay ID`)"
        )
        session.unpark(parked)
        session.set_disposition(parked.event_id, Disposition.DEAD_LETTERED)
        origin = origins[parked.event_id]
        session.dead_letter(dead_letter_row(origin, reason, session.now))
        given_up.append(GivenUp(parked, origin.site, origin.device_id, reason))
        log.warning(
            "event.dead_lettered",
            device=origin.device_id,
            sku=parked.tx.sku,
            event_id=str(parked.event_id),
            reason=reason,
        )
    return given_up
