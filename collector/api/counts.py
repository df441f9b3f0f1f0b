"""``/api/v1/counts``: cycle counts: list, show, start under a location, record counts, close.

The steps are ``collector count``'s own (``collector.reconcile.runtime.counts``): recording
a count posts its variance as a reason-coded adjustment through the ledger's posting
session, unless the position moved since the count began (then it is flagged, and posted
only with ``accept_moved``); closing posts the variances of scanned counts not yet posted.
Every step records the token (``token:NAME``) that made it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from collector.api.access import Action, Principal
from collector.api.context import ApiContext, Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.fields import Amount
from collector.api.once import OptionalKey, create_once
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import ProblemError
from collector.api.responses import AUTH, LIST, TOO_LARGE, problem
from collector.api.review import (
    LedgerAfter,
    RecordId,
    cursor_id,
    id_cursor,
    ledger_after,
    refused,
    review_session,
)
from collector.domain.model import PositionKey
from collector.errors import RejectedEventError
from collector.ledger.session import PostingSession
from collector.reconcile.runtime import counts
from collector.views.counts import CountLineView, CountView, count_lines, count_page, get_count
from collector.views.scope import Scope
from edge_agent.wire import LocationPath, OwnerId, Sku

log = structlog.get_logger("collector.api")
router = APIRouter(tags=["counts"])
_NOT_FOUND = problem("No such cycle count.")
_CHANGE = {
    **AUTH, 404: _NOT_FOUND, 413: TOO_LARGE,
    409: problem("The count is closed, or the location is not under it (`detail` says)."),
    422: problem("Invalid body, or the ledger refused the adjustment."),
}  # fmt: skip
Counter = Annotated[Principal, Depends(allowed(Action.RUN_COUNTS))]
Quantity = Annotated[str, Field(pattern=r"^\d{1,12}(\.\d{1,6})?$", examples=["12", "2.5"])]


class CountStatus(StrEnum):
    """Where a count is."""

    OPEN = counts.OPEN
    CLOSED = counts.CLOSED


class CountOut(BaseModel):
    """A cycle count."""

    id: int
    location: str = Field(description="Every position at or below it is counted.")
    status: CountStatus
    started_by: str
    started_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    positions: int = Field(description="Positions it covers.")
    counted: int = Field(description="Positions counted so far.")


class CountLineOut(BaseModel):
    """One position of a count."""

    sku: str
    location: str
    owner: str
    book_at_start: Amount = Field(description="The book when the count began.")
    counted: Amount | None
    counted_by: str | None
    counted_at: datetime | None
    book_at_count: Amount | None = Field(description="The book when the count was recorded.")
    variance: Amount | None = Field(description="Counted minus the book; null until counted.")
    moved_during_count: bool = Field(description="Stock moved there after the count began.")
    adjustment_event_id: uuid.UUID | None = Field(description="The adjustment posted for it.")


class CountDetail(CountOut):
    """A count with its lines."""

    lines: list[CountLineOut]


class CountPage(BaseModel):
    """Counts newest first, and the cursor of the next page (null on the last)."""

    counts: list[CountOut]
    next: str | None = Field(description="Pass as `cursor` for the next page.")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountStartIn(_Body):
    """Count every position at or below this location."""

    location: LocationPath


class CountRecordIn(_Body):
    """Units counted at one position."""

    sku: Sku
    location: LocationPath
    owner: OwnerId = "own"
    counted_qty: Quantity = Field(description="Units counted (0 or more, as a decimal string).")
    accept_moved: StrictBool = Field(
        default=False, description="Post the variance even though stock moved since the start."
    )


class LineResultOut(BaseModel):
    """What recording (or closing) did for one position."""

    sku: str
    location: str
    owner: str
    counted: Amount
    book: Amount = Field(description="The book when it was recorded.")
    variance: Amount
    moved_during_count: bool
    posted: bool = Field(description="Its variance was posted (false: flagged, or no variance).")
    adjustment_event_id: uuid.UUID | None


class CountStep(BaseModel):
    """The count after the step, each position's result, and what was posted."""

    count: CountDetail
    results: list[LineResultOut]
    ledger: LedgerAfter


@router.get(
    "/counts", summary="Cycle counts, newest first", response_model=CountPage, responses=LIST
)
def list_counts(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_COUNTS))],
    status: Annotated[CountStatus | None, Query(description="open or closed.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> CountPage:
    """Counts a page at a time."""
    size = page_size(context, limit)
    bound = binding("counts", who.scope, {"status": status})
    before = cursor_id(codec, cursor, bound)
    wanted = status.value if status is not None else None
    found = count_page(conn, who.scope, status=wanted, limit=size + 1, before_id=before)
    page = found[:size]
    more = len(found) > size
    next_cursor = id_cursor(codec, bound, page[-1].id) if more else None
    link_next(request, response, next_cursor)
    return CountPage(counts=[count_out(v) for v in page], next=next_cursor)


@router.get(
    "/counts/{count_id}",
    summary="One cycle count with its lines and variances",
    response_model=CountDetail,
    responses={**AUTH, 404: _NOT_FOUND},
)
def read_count(
    count_id: RecordId,
    conn: Reading,
    who: Annotated[Principal, Depends(allowed(Action.READ_COUNTS))],
) -> CountDetail:
    """The count and every position it covers."""
    return count_detail(conn, who.scope, count_id)


@router.post(
    "/counts",
    summary="Start a cycle count under a location",
    status_code=201,
    response_model=CountDetail,
    responses={**AUTH, 413: TOO_LARGE},
)
def start_count(
    body: CountStartIn, request: Request, response: Response, context: Context, who: Counter,
    *, idempotency_key: OptionalKey = None,
) -> CountDetail | JSONResponse:  # fmt: skip
    """Remember the book of every position at or below the location; 201 with the count.
    With an Idempotency-Key, a retry gets the first count back, not a second one."""
    answer = create_once(context, who, request, key_header=idempotency_key, body=body,
                         work=lambda conn: _start(conn, context, who, body))  # fmt: skip
    if isinstance(answer, JSONResponse):  # a retry: the first count, replayed
        count_id, headers = json.loads(bytes(answer.body))["id"], answer.headers
    else:
        count_id, headers = answer.id, response.headers
    headers["Location"] = str(request.url_for("read_count", count_id=quote(str(count_id))))
    return answer


def begin_count(context: ApiContext, who: Principal, body: CountStartIn) -> CountDetail:
    """Start a count under ``body.location`` for ``who`` (the console's step; the route's with
    its key)."""
    with context.engine.begin() as conn:
        return _start(conn, context, who, body)


def _start(
    conn: sa.Connection, context: ApiContext, who: Principal, body: CountStartIn
) -> CountDetail:
    count_id = counts.start(conn, prefix=body.location, by=who.label, now=context.clock.now())
    log.info("count.started", count=count_id, location=body.location, principal=who.label)
    return count_detail(conn, who.scope, count_id)


@router.post(
    "/counts/{count_id}/lines",
    summary="Record a counted position (posts its variance)",
    response_model=CountStep,
    responses=_CHANGE,
)
def record_count(
    count_id: RecordId, body: CountRecordIn, context: Context, who: Counter
) -> CountStep:
    """Record the count; the variance is posted unless the position moved meanwhile (flagged)."""
    key = PositionKey(body.sku, body.location, body.owner)
    counted = Decimal(body.counted_qty)
    with review_session(context, who, f"count {count_id}") as session:
        count_detail(session.conn, who.scope, count_id)
        try:
            result = counts.record(
                session,
                count_id,
                key,
                counted=counted,
                by=who.label,
                accept_moved=body.accept_moved,
            )
        except counts.CountError as err:
            raise ProblemError("conflict", str(err)) from err
        except RejectedEventError as err:
            raise refused(err) from err
        return _step(session, who, count_id, [result])


@router.post(
    "/counts/{count_id}/close",
    summary="Close a count: post the scanned variances",
    response_model=CountStep,
    responses=_CHANGE,
)
def close_count(count_id: RecordId, context: Context, who: Counter) -> CountStep:
    """Post the variances of counted lines not yet posted that did not move; close it."""
    with review_session(context, who, f"close of count {count_id}") as session:
        count_detail(session.conn, who.scope, count_id)
        try:
            results = counts.close(session, count_id, by=who.label)
        except counts.CountError as err:
            raise ProblemError("conflict", str(err)) from err
        except RejectedEventError as err:
            raise refused(err) from err
        log.info("count.closed", count=count_id, principal=who.label)
        return _step(session, who, count_id, results)


def _step(
    session: PostingSession, who: Principal, count_id: int, results: list[counts.LineResult]
) -> CountStep:
    after = ledger_after(session)
    session.flush()
    return CountStep(
        count=count_detail(session.conn, who.scope, count_id),
        results=[_result(r) for r in results],
        ledger=after,
    )


def count_detail(conn: sa.Connection, scope: Scope, count_id: int) -> CountDetail:
    """The count with its lines as ``scope`` may see them; a 404 problem when there is none."""
    found = get_count(conn, scope, count_id)
    if found is None:
        raise ProblemError("not-found", f"no cycle count {count_id}")
    lines = [_line(v) for v in count_lines(conn, scope, count_id)]
    return CountDetail(**count_out(found).model_dump(), lines=lines)


def count_out(view: CountView) -> CountOut:
    """The API's form of a count (without its lines)."""
    return CountOut(
        id=view.id, location=view.location_prefix, status=CountStatus(view.status),
        started_by=view.started_by, started_at=view.started_at, closed_by=view.closed_by,
        closed_at=view.closed_at, positions=view.positions, counted=view.counted,
    )  # fmt: skip


def _line(view: CountLineView) -> CountLineOut:
    return CountLineOut(
        sku=view.sku, location=view.location, owner=view.owner, book_at_start=view.book_at_start,
        counted=view.counted, counted_by=view.counted_by, counted_at=view.counted_at,
        book_at_count=view.book_at_count, variance=view.variance,
        moved_during_count=view.moved_during_count,
        adjustment_event_id=view.adjustment_event_id,
    )  # fmt: skip


def _result(result: counts.LineResult) -> LineResultOut:
    event = result.adjustment_event_id
    return LineResultOut(
        sku=result.key.sku, location=result.key.location, owner=result.key.owner,
        counted=result.counted, book=result.book, variance=result.variance,
        moved_during_count=result.moved_during_count, posted=event is not None,
        adjustment_event_id=event,
    )  # fmt: skip
