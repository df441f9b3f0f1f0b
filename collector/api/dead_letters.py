"""``/api/v1/dead-letters``: what did not post and why; replay one once its cause is fixed.

A replay is ``collector dead-letters replay``'s own (``collector.ledger.replay``): the stored
payload posted again through the ledger's posting session, exactly once; what still
cannot post is refused with the reason and the dead letter stays as it was. Dead letters
are raw input that names no owner: client tokens are not given them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import ProblemError
from collector.api.responses import AUTH, LIST, problem
from collector.api.review import (
    LedgerAfter,
    RecordId,
    cursor_id,
    id_cursor,
    ledger_after,
    review_session,
)
from collector.ledger.replay import ReplayRefusedError, replay_dead_letter
from collector.views.dead_letters import DeadLetterView, Source, dead_letter_page, get_dead_letter

log = structlog.get_logger("collector.api")
router = APIRouter(tags=["dead letters"])
_NOT_FOUND = problem("No such dead letter.")


class DeadLetterOut(BaseModel):
    """A message set aside, with the reason."""

    id: int
    source: Source = Field(description="mqtt: an events topic; api: POST /transactions.")
    received_at: datetime = Field(description="First seen.")
    topic: str
    site: str | None
    device_id: str | None
    epoch: int | None
    seq: int | None
    event_id: uuid.UUID | None = Field(description="Null where it could not be read.")
    reason: str
    times_seen: int = Field(description="Deliveries of the same bytes on the same topic.")
    last_seen_at: datetime
    payload_sha256: str
    payload: str = Field(description="The raw bytes as text; non-UTF-8 bytes shown as \\xNN.")
    payload_bytes: int
    replayed_at: datetime | None = Field(description="When a replay posted it; null until then.")
    replayed_by: str | None


class DeadLetterPage(BaseModel):
    """Dead letters newest first, and the cursor of the next page (null on the last)."""

    dead_letters: list[DeadLetterOut]
    next: str | None = Field(description="Pass as `cursor` for the next page.")


class ReplayedOut(BaseModel):
    """The replay posted the dead letter: the lines and balances, and the letter now."""

    outcome: str = Field(description="applied.", examples=["applied"])
    event_id: uuid.UUID
    dead_letter: DeadLetterOut
    ledger: LedgerAfter


@router.get(
    "/dead-letters",
    summary="Messages set aside, with the reason, newest first",
    response_model=DeadLetterPage,
    responses=LIST,
)
def list_dead_letters(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_DEAD_LETTERS))],
    replayed: Annotated[bool | None, Query(description="true: replayed ones; false: not.")] = None,
    source: Annotated[Source | None, Query(description="Only those from here.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> DeadLetterPage:
    """Dead letters a page at a time."""
    size = page_size(context, limit)
    bound = binding("dead-letters", who.scope, {"replayed": replayed, "source": source})
    before = cursor_id(codec, cursor, bound)
    found = dead_letter_page(
        conn, replayed=replayed, source=source, limit=size + 1, before_id=before
    )
    page = found[:size]
    more = len(found) > size
    next_cursor = id_cursor(codec, bound, page[-1].id) if more else None
    link_next(request, response, next_cursor)
    return DeadLetterPage(dead_letters=[dead_letter_out(v) for v in page], next=next_cursor)


@router.get(
    "/dead-letters/{dead_letter_id}",
    summary="One dead letter",
    response_model=DeadLetterOut,
    responses={**AUTH, 404: _NOT_FOUND},
)
def read_dead_letter(
    dead_letter_id: RecordId,
    conn: Reading,
    who: Annotated[Principal, Depends(allowed(Action.READ_DEAD_LETTERS))],
) -> DeadLetterOut:
    """The dead letter with its payload."""
    found = get_dead_letter(conn, dead_letter_id)
    if found is None:
        raise ProblemError("not-found", f"no dead letter {dead_letter_id}")
    return dead_letter_out(found)


@router.post(
    "/dead-letters/{dead_letter_id}/replay",
    summary="Post a dead letter again once its cause is fixed (exactly once)",
    response_model=ReplayedOut,
    responses={
        **AUTH, 404: _NOT_FOUND,
        409: problem("It was replayed already: it is in the ledger."),
        422: problem("Refused again: `detail` says why; the dead letter stays as it was."),
    },
)  # fmt: skip
def replay(
    dead_letter_id: RecordId,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.REPLAY_DEAD_LETTERS))],
) -> ReplayedOut:
    """Re-submit the stored payload through the posting session; refused ones say why."""
    with review_session(context, who, f"replay of dead letter {dead_letter_id}") as session:
        found = get_dead_letter(session.conn, dead_letter_id)
        if found is None:
            raise ProblemError("not-found", f"no dead letter {dead_letter_id}")
        try:
            replayed = replay_dead_letter(session, dead_letter_id, by=who.label)
        except ReplayRefusedError as err:
            slug = "conflict" if found.replayed_at is not None else "refused"
            raise ProblemError(slug, str(err), dead_letter_id=dead_letter_id) from err
        after = ledger_after(session)
        session.flush()
        now = get_dead_letter(session.conn, dead_letter_id)
    assert now is not None, "a dead letter is never deleted"
    return ReplayedOut(
        outcome="applied",
        event_id=replayed.event_id,
        dead_letter=dead_letter_out(now),
        ledger=after,
    )


def dead_letter_out(view: DeadLetterView) -> DeadLetterOut:
    """The API's form of a dead letter."""
    fields = {name: getattr(view, name) for name in DeadLetterOut.model_fields}
    return DeadLetterOut.model_validate(fields)
