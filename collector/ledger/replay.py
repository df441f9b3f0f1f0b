"""Re-submit a dead letter once its cause is fixed (``collector dead-letters replay ID``).

The stored payload is decoded and posted again through the caller's posting session,
exactly once: a dead letter is replayed at most once (``replayed_at``), and an event the
inbox holds as anything but ``dead_lettered`` is refused, so a replay can never post an
event twice, however often it is asked for. What still cannot be posted is refused with
the reason, and the dead letter stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog
from pydantic import ValidationError

from collector.domain.model import Posting
from collector.errors import RejectedEventError
from collector.ingest.decode import Decoded, Undecodable, decode
from collector.ingest.ports import Disposition, InboundMessage
from collector.ledger.inbox import event_inbox_row, pruned_floors
from collector.ledger.parking import API_TOPIC
from collector.ledger.schema import dead_letters, inbox
from collector.ledger.session import PostingSession
from collector.ledger.submission import RecordedTransaction
from edge_agent.wire import StockTransaction, StockTransactionEvent

log = structlog.get_logger("collector.ledger")


class ReplayRefusedError(RejectedEventError):
    """A dead letter that cannot be replayed (yet); the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Replayed:
    """A dead letter posted at last."""

    dead_letter_id: int
    event_id: UUID
    posting: Posting


def replay_dead_letter(session: PostingSession, dead_letter_id: int, *, by: str) -> Replayed:
    """Post dead letter ``dead_letter_id`` in ``session``; ``ReplayRefusedError`` says why not."""
    row = _load(session.conn, dead_letter_id)
    if row.topic == API_TOPIC:
        return _replay_api(session, row, by=by)
    event = _decoded(row).event
    if not isinstance(event, StockTransactionEvent):
        raise ReplayRefusedError(
            f"dead letter {dead_letter_id} is a {event.kind.value} event: only stock "
            "transactions change stock, so there is nothing to replay"
        )
    stored = _inbox_disposition(session.conn, event.event_id)
    _check_identity(session.conn, dead_letter_id, event, stored)
    posting = _post_again(session, dead_letter_id, event.event_id, event.observed_at, event.data)
    if stored is None:
        text = row.payload.decode("utf-8")  # it decoded above, so it is UTF-8
        session.record(event_inbox_row(event, row.site, row.received_at, Disposition.APPLIED, text))
    else:
        session.set_disposition(event.event_id, Disposition.APPLIED)
    _mark_replayed(session, dead_letter_id, by=by)
    log.info(
        "dead_letter.replayed", dead_letter=dead_letter_id, device=event.device_id,
        sku=event.data.sku, event_id=str(event.event_id), principal=by,
    )  # fmt: skip
    return Replayed(dead_letter_id, event.event_id, posting)


def _replay_api(session: PostingSession, row: sa.Row[Any], *, by: str) -> Replayed:
    """A transaction ``POST /api/v1/transactions`` had refused: its inbox row holds it too."""
    try:
        recorded = RecordedTransaction.model_validate_json(row.payload)
    except ValidationError as err:
        raise ReplayRefusedError(
            f"dead letter {row.id} still cannot be read ({err.error_count()} problems); post "
            "the transaction again with a new Idempotency-Key"
        ) from err
    stored = _inbox_disposition(session.conn, recorded.event_id)
    if stored != Disposition.DEAD_LETTERED.value:
        raise ReplayRefusedError(
            f"event {recorded.event_id} of dead letter {row.id} is {stored or 'not'} in the "
            "ledger's inbox: nothing to replay"
        )
    tx = recorded.transaction
    posting = _post_again(session, row.id, recorded.event_id, recorded.effective_at, tx)
    session.set_disposition(recorded.event_id, Disposition.APPLIED)
    _mark_replayed(session, row.id, by=by)
    log.info(
        "dead_letter.replayed", dead_letter=row.id, sku=tx.sku,
        event_id=str(recorded.event_id), principal=by, sent_by=recorded.principal,
    )  # fmt: skip
    return Replayed(row.id, recorded.event_id, posting)


def _post_again(
    session: PostingSession,
    dead_letter_id: int,
    event_id: UUID,
    effective_at: datetime,
    tx: StockTransaction,
) -> Posting:
    try:
        return session.post(event_id=event_id, effective_at=effective_at, tx=tx)
    except RejectedEventError as err:
        raise ReplayRefusedError(
            f"dead letter {dead_letter_id} still cannot be posted: {err}; it stays as it was"
        ) from err


def _mark_replayed(session: PostingSession, dead_letter_id: int, *, by: str) -> None:
    session.conn.execute(
        sa.update(dead_letters)
        .where(dead_letters.c.id == dead_letter_id)
        .values(replayed_at=session.now, replayed_by=by)
    )


def _load(conn: sa.Connection, dead_letter_id: int) -> sa.Row[Any]:
    row = conn.execute(sa.select(dead_letters).where(dead_letters.c.id == dead_letter_id)).first()
    if row is None:
        raise ReplayRefusedError(
            f"no dead letter {dead_letter_id}: `collector dead-letters` lists them with their ids"
        )
    if row.replayed_at is not None:
        raise ReplayRefusedError(
            f"dead letter {dead_letter_id} was replayed already, at "
            f"{row.replayed_at.isoformat()} by {row.replayed_by}: it is in the ledger"
        )
    return row


def _decoded(row: sa.Row[Any]) -> Decoded:
    decoded = decode(InboundMessage(row.topic, row.payload, row.received_at))
    if isinstance(decoded, Undecodable):
        raise ReplayRefusedError(
            f"dead letter {row.id} still cannot be read: {decoded.reason}; a corrected event "
            "must come from its device (or the API) under a new event id"
        )
    return decoded


def _inbox_disposition(conn: sa.Connection, event_id: UUID) -> str | None:
    query = sa.select(inbox.c.disposition).where(inbox.c.event_id == event_id)
    found: str | None = conn.execute(query).scalar_one_or_none()
    return found


def _check_identity(
    conn: sa.Connection, dead_letter_id: int, event: StockTransactionEvent, stored: str | None
) -> None:
    """The event must be the inbox's dead-lettered one, or an identity nobody holds."""
    if stored is not None:
        if stored != Disposition.DEAD_LETTERED.value:
            raise ReplayRefusedError(
                f"event {event.event_id} of dead letter {dead_letter_id} is {stored} in the "
                "ledger already: nothing to replay"
            )
        return
    holder = conn.execute(
        sa.select(inbox.c.event_id).where(
            inbox.c.device_id == event.device_id,
            inbox.c.epoch == event.epoch,
            inbox.c.seq == event.seq,
        )
    ).scalar_one_or_none()
    if holder is not None:
        raise ReplayRefusedError(
            f"dead letter {dead_letter_id} conflicts with event {holder}, which holds seq "
            f"{event.seq} of device {event.device_id} epoch {event.epoch}: it cannot be posted "
            "under that identity; post the transaction again as a new event if it is real"
        )
    floor = pruned_floors(conn, [(event.device_id, event.epoch)]).get(
        (event.device_id, event.epoch), 0
    )
    if event.seq <= floor:
        raise ReplayRefusedError(
            f"dead letter {dead_letter_id} is seq {event.seq} of device {event.device_id} epoch "
            f"{event.epoch}, at or below the seqs whose inbox rows retention pruned ({floor}): "
            "the ledger can no longer tell whether another event held it; post the "
            "transaction again as a new event if it is real"
        )
