"""One stock transaction offered to a posting session: applied, parked, or refused with why.

The MQTT ingestor and the HTTP API both submit transactions this way, so a sale short of
stock waits for it (``parked``) whichever way it came; what is refused is the caller's to
dead-letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import structlog
from pydantic import BaseModel, ConfigDict

from collector.domain.model import Posting
from collector.errors import InsufficientStockError, RejectedEventError
from collector.ledger.session import PostingSession
from edge_agent.wire import StockTransaction

log = structlog.get_logger("collector.ledger")

BUGS = (ArithmeticError, ValueError, TypeError, LookupError)
"""Errors that are a bug, not bad input, when posting: one transaction must not stop the rest."""


class RecordedTransaction(BaseModel):
    """What the inbox and a dead letter keep of a transaction posted over HTTP: enough to post
    it again (a dead letter's replay), and who sent it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: UUID
    effective_at: datetime
    transaction: StockTransaction
    principal: str
    idempotency_key: str


class Outcome(StrEnum):
    """What became of a submitted transaction."""

    APPLIED = "applied"
    PARKED = "parked"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Submitted:
    """A submitted transaction's fate: its posting when applied, the reason otherwise."""

    outcome: Outcome
    posting: Posting | None = None
    reason: str | None = None


def submit(
    session: PostingSession, *, event_id: UUID, effective_at: datetime, tx: StockTransaction
) -> Submitted:
    """Post ``tx``; park it when it is short of stock and the session parks; else refuse it.

    A bug while posting (not bad input) is refused too, with a reason that says so; the
    book is unchanged either way.
    """
    try:
        posting = session.post(event_id=event_id, effective_at=effective_at, tx=tx)
    except InsufficientStockError as err:
        if not session.options.parks:
            return Submitted(Outcome.REFUSED, reason=str(err))
        session.park(event_id=event_id, effective_at=effective_at, tx=tx, reason=str(err))
        return Submitted(Outcome.PARKED, reason=str(err))
    except RejectedEventError as err:
        return Submitted(Outcome.REFUSED, reason=str(err))
    except BUGS as err:
        log.exception("event.posting_failed", sku=tx.sku, event_id=str(event_id))
        reason = (
            f"could not be posted because of an internal error ({err.__class__.__name__}: "
            f"{err}); the ledger is unchanged, please report this event"
        )
        return Submitted(Outcome.REFUSED, reason=reason)
    return Submitted(Outcome.APPLIED, posting=posting)
