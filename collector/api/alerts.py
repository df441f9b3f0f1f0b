"""``/api/v1/alerts``: review discrepancy alerts: list, show, acknowledge, assign, comment,
resolve with a count, dismiss, and acknowledge many at once.

The changes are the alert store's and lifecycle's own (what ``collector alerts`` runs), each
recorded in the alert's history with the token (``token:NAME``) that made it; a
resolution with a count posts its adjustment through the ledger's posting session. A
client token reads only its owners' alerts about their stock; any other alert answers
like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Query, Request, Response

from collector.alerts import store
from collector.alerts.errors import AlertError
from collector.alerts.lifecycle import resolve_with_count
from collector.alerts.message import AlertStatus
from collector.api.access import Action, Principal
from collector.api.alert_models import (
    AcknowledgeIn,
    AlertDetail,
    AlertPage,
    AssignIn,
    BulkAcknowledged,
    BulkAcknowledgeIn,
    BulkOutcome,
    BulkResult,
    CommentIn,
    DismissIn,
    ResolvedOut,
    ResolveIn,
    alert_detail,
    alert_out,
)
from collector.api.context import ApiContext, Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import ProblemError
from collector.api.responses import AUTH, LIST, TOO_LARGE, problem
from collector.api.review import (
    RecordId,
    cursor_id,
    id_cursor,
    ledger_after,
    refused,
    review_session,
)
from collector.errors import RejectedEventError
from collector.reconcile.findings import AlertType, Severity
from collector.views.alerts import (
    AlertFilter,
    AlertView,
    alert_evidence,
    alert_history,
    alert_page,
    get_alert,
)
from collector.views.scope import Scope
from edge_agent.wire import LocationPath, OwnerId, SiteId, Sku

log = structlog.get_logger("collector.api")
router = APIRouter(tags=["alerts"])
_NOT_FOUND = problem("No such alert (or not one of your owners').")
_ONE = {**AUTH, 404: _NOT_FOUND}
_CHANGE = {
    **_ONE, 413: TOO_LARGE,
    409: problem("Not possible in the alert's state (`alert_status` names it)."),
}  # fmt: skip
Reviewer = Annotated[Principal, Depends(allowed(Action.REVIEW_ALERTS))]


@router.get(
    "/alerts",
    summary="Discrepancy alerts, filtered, newest first",
    response_model=AlertPage,
    responses=LIST,
)
def list_alerts(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_ALERTS))],
    status: Annotated[
        list[AlertStatus] | None, Query(description="These statuses (repeat).")
    ] = None,
    type_: Annotated[
        list[AlertType] | None, Query(alias="type", description="These types (repeat).")
    ] = None,
    severity: Annotated[
        list[Severity] | None, Query(description="These severities (repeat).")
    ] = None,
    site: Annotated[SiteId | None, Query(description="Only this site.")] = None,
    location: Annotated[LocationPath | None, Query(description="This location and below.")] = None,
    sku: Annotated[Sku | None, Query(description="Only this SKU.")] = None,
    owner: Annotated[OwnerId | None, Query(description="Only this owner's.")] = None,
    active_unacknowledged: Annotated[
        bool, Query(description="true: only open alerts nobody has acknowledged yet.")
    ] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AlertPage:
    """Alerts newest first, a page at a time; a client token sees only its owners'."""
    size = page_size(context, limit)
    flt = AlertFilter(
        statuses=frozenset(s.value for s in status) if status else None,
        types=frozenset(t.value for t in type_) if type_ else None,
        severities=frozenset(s.value for s in severity) if severity else None,
        site=site, location=location, sku=sku, owner=owner,
        active_unacknowledged=active_unacknowledged,
    )  # fmt: skip
    bound = binding("alerts", who.scope, _filters(flt))
    before = cursor_id(codec, cursor, bound)
    found = alert_page(conn, who.scope, flt, limit=size + 1, before_id=before)
    page = found[:size]
    more = len(found) > size
    next_cursor = id_cursor(codec, bound, page[-1].id) if more else None
    link_next(request, response, next_cursor)
    return AlertPage(alerts=[alert_out(v) for v in page], next=next_cursor)


def _filters(flt: AlertFilter) -> dict[str, object]:
    return {name: getattr(flt, name) for name in AlertFilter.__dataclass_fields__}


@router.get(
    "/alerts/{alert_id:int}",
    summary="One alert with its evidence and history",
    response_model=AlertDetail,
    responses=_ONE,
)
def read_alert(
    alert_id: RecordId,
    conn: Reading,
    who: Annotated[Principal, Depends(allowed(Action.READ_ALERTS))],
) -> AlertDetail:
    """The alert, the events that led to it, and who did what when."""
    return _detail(conn, who.scope, _visible(conn, who.scope, alert_id))


def _visible(conn: sa.Connection, scope: Scope, alert_id: int) -> AlertView:
    found = get_alert(conn, scope, alert_id)
    if found is None:  # the same words whether missing or another owner's
        raise ProblemError("not-found", f"no alert {alert_id}")
    return found


def _detail(conn: sa.Connection, scope: Scope, view: AlertView) -> AlertDetail:
    fresh = _visible(conn, scope, view.id)
    return alert_detail(fresh, alert_evidence(conn, fresh), alert_history(conn, fresh.id))


def _conflict(err: AlertError, view: AlertView) -> ProblemError:
    return ProblemError("conflict", str(err), alert_status=view.status)


def _step(
    context: ApiContext,
    who: Principal,
    alert_id: int,
    event: str,
    change: Callable[[sa.Connection, datetime], None],
    **logged: str,
) -> AlertDetail:
    """One review step that leaves the ledger alone: the alert (as the reader may see it)
    changed by ``change`` in one transaction, a step its state forbids a 409, the detail after."""
    with context.engine.begin() as conn:
        view = _visible(conn, who.scope, alert_id)
        try:
            change(conn, context.clock.now())
        except AlertError as err:
            raise _conflict(err, view) from err
        _logged(event, view, who, **logged)
        return _detail(conn, who.scope, view)


@router.post(
    "/alerts/{alert_id:int}/acknowledge",
    summary="Acknowledge an open alert: someone is on it",
    response_model=AlertDetail,
    responses=_CHANGE,
)
def acknowledge(
    alert_id: RecordId, context: Context, who: Reviewer, body: AcknowledgeIn | None = None
) -> AlertDetail:
    """open → acknowledged; any other state is a 409 naming it."""
    note = body.note if body is not None else None

    def change(conn: sa.Connection, now: datetime) -> None:
        store.acknowledge(conn, alert_id, by=who.label, now=now, reason=note)

    return _step(context, who, alert_id, "alert.acknowledged", change)


@router.post(
    "/alerts/{alert_id:int}/assign",
    summary="Name who is to look into an alert",
    response_model=AlertDetail,
    responses=_CHANGE,
)
def assign(alert_id: RecordId, body: AssignIn, context: Context, who: Reviewer) -> AlertDetail:
    """Set the assignee of an active alert (a resolved one is a 409)."""

    def change(conn: sa.Connection, now: datetime) -> None:
        store.assign(conn, alert_id, assignee=body.assignee, by=who.label, now=now)

    return _step(context, who, alert_id, "alert.assigned", change, assignee=body.assignee)


@router.post(
    "/alerts/{alert_id:int}/comment",
    summary="Add a comment to an alert's history",
    response_model=AlertDetail,
    responses=_CHANGE,
)
def comment(alert_id: RecordId, body: CommentIn, context: Context, who: Reviewer) -> AlertDetail:
    """A note in the history, in any state."""

    def change(conn: sa.Connection, now: datetime) -> None:
        store.comment(conn, alert_id, text=body.text, by=who.label, now=now)

    return _step(context, who, alert_id, "alert.commented", change)


@router.post(
    "/alerts/{alert_id:int}/resolve",
    summary="Resolve an alert with the count you confirmed: the book is adjusted to it",
    response_model=ResolvedOut,
    responses={**_CHANGE, 422: problem("Invalid body, or the ledger refused the adjustment.")},
)
def resolve(alert_id: RecordId, body: ResolveIn, context: Context, who: Reviewer) -> ResolvedOut:
    """Post the adjustment (counted minus book) and resolve; a resolved alert is a 409."""
    counted = Decimal(body.counted_qty)
    with review_session(context, who, f"resolution of alert {alert_id}") as session:
        view = _visible(session.conn, who.scope, alert_id)
        try:
            resolve_with_count(session, alert_id, by=who.label, counted=counted)
        except AlertError as err:
            raise _conflict(err, view) from err
        except RejectedEventError as err:
            raise refused(err) from err
        after = ledger_after(session)
        session.flush()
        detail = _detail(session.conn, who.scope, view)
    _logged("alert.resolved", view, who, counted=str(counted))
    return ResolvedOut(alert=detail, ledger=after)


@router.post(
    "/alerts/{alert_id:int}/dismiss",
    summary="Dismiss an alert with the reason (no adjustment)",
    response_model=AlertDetail,
    responses=_CHANGE,
)
def dismiss(alert_id: RecordId, body: DismissIn, context: Context, who: Reviewer) -> AlertDetail:
    """Close without touching the ledger; the same condition stays quiet until it ends."""

    def change(conn: sa.Connection, now: datetime) -> None:
        store.dismiss(conn, alert_id, by=who.label, reason=body.reason, now=now)

    return _step(context, who, alert_id, "alert.dismissed", change)


@router.post(
    "/alerts/acknowledge",
    summary="Acknowledge many alerts, each on its own",
    response_model=BulkAcknowledged,
    responses={**AUTH, 413: TOO_LARGE},
)
def acknowledge_many(body: BulkAcknowledgeIn, context: Context, who: Reviewer) -> BulkAcknowledged:
    """Each id: acknowledged, a conflict (not open) or not found; one transaction for all."""
    now = context.clock.now()
    results = []
    with context.engine.begin() as conn:
        for alert_id in body.ids:
            results.append(_acknowledge_one(conn, who, alert_id, note=body.note, now=now))
    return BulkAcknowledged(results=results)


def _acknowledge_one(
    conn: sa.Connection, who: Principal, alert_id: int, *, note: str | None, now: datetime
) -> BulkResult:
    view = get_alert(conn, who.scope, alert_id)
    if view is None:
        return BulkResult(
            id=alert_id, outcome=BulkOutcome.NOT_FOUND, status=None, detail=f"no alert {alert_id}"
        )
    if view.status != AlertStatus.OPEN.value:
        detail = f"alert {alert_id} is {view.status}; only an open alert can be acknowledged"
        return BulkResult(
            id=alert_id,
            outcome=BulkOutcome.CONFLICT,
            status=AlertStatus(view.status),
            detail=detail,
        )
    store.acknowledge(conn, alert_id, by=who.label, now=now, reason=note)
    _logged("alert.acknowledged", view, who)
    return BulkResult(
        id=alert_id,
        outcome=BulkOutcome.ACKNOWLEDGED,
        status=AlertStatus.ACKNOWLEDGED,
        detail=f"acknowledged by {who.label}",
    )


def _logged(event: str, view: AlertView, who: Principal, **extra: str) -> None:
    log.info(
        event,
        alert=view.id,
        site=view.site,
        sku=view.sku or None,
        device=view.device_id,
        principal=who.label,
        **extra,
    )
