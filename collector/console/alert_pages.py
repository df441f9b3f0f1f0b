"""The alert pages: the inbox (filters, a table that follows changes live, bulk acknowledge)
and one alert (book against shelf, evidence, the lane's weight trace, history, review forms).

Read with the API's views and models, scoped like the API: a client user sees only alerts
about its owners' stock (``collector.views.alerts``), and reviews nothing. The forms are in
``alert_forms``; they call the API's own route functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from collector.alerts.lifecycle import COUNTABLE
from collector.alerts.message import AlertStatus
from collector.api.access import Action
from collector.api.alert_models import AlertDetail, alert_detail, alert_out
from collector.api.context import Context
from collector.api.review import LedgerAfter
from collector.console.alert_figures import figures_of
from collector.console.guard import Viewer, page
from collector.console.render import html, templates
from collector.console.trace_chart import trace_chart
from collector.reconcile.findings import AlertType, Severity
from collector.views.alerts import AlertFilter, alert_evidence, alert_history, alert_page, get_alert
from collector.views.scope import Scope
from collector.views.weight_trace import lane_trace

router = APIRouter(include_in_schema=False)
INBOX_LIMIT = 100
Reader = Annotated[Viewer, Depends(page(Action.READ_ALERTS))]
Many = Annotated[list[str], Query(max_length=16)]
Text = Annotated[str, Query(max_length=255)]


@dataclass(frozen=True, slots=True)
class Inbox:
    """The inbox's filters as the form holds them, and what was wrong with them."""

    status: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    site: str = ""
    location: str = ""
    unacknowledged: bool = False
    before: int | None = None
    errors: list[str] = field(default_factory=list)

    def alert_filter(self) -> AlertFilter:
        """The views' filter (the API's)."""
        return AlertFilter(
            statuses=frozenset(self.status) or None, types=frozenset(self.type) or None,
            severities=frozenset(self.severity) or None, site=self.site or None,
            location=self.location.strip("/") or None, active_unacknowledged=self.unacknowledged,
        )  # fmt: skip

    def query(self) -> str:
        """The filters as a query string (without the page), for the live table's reloads."""
        pairs: list[tuple[str, str]] = [("status", s) for s in self.status]
        pairs += [("type", t) for t in self.type] + [("severity", s) for s in self.severity]
        pairs += [(k, v) for k, v in (("site", self.site), ("location", self.location)) if v]
        if self.unacknowledged:
            pairs.append(("unacknowledged", "1"))
        return urlencode(pairs)


def _known(values: list[str], allowed: type[Any], what: str, errors: list[str]) -> list[str]:
    names = {member.value for member in allowed}
    for value in values:
        if value not in names:
            errors.append(f"There is no {what} “{value}”; pick one of the boxes.")
    return [v for v in values if v in names]


def inbox_filters(  # noqa: PLR0917 - FastAPI passes the parameters by name
    status: Many = [],  # noqa: B006 - FastAPI copies the default
    type_: Annotated[list[str], Query(alias="type", max_length=16)] = [],  # noqa: B006
    severity: Many = [],  # noqa: B006
    site: Text = "",
    location: Text = "",
    unacknowledged: Annotated[str, Query(max_length=8)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Inbox:
    """The inbox's filters from the query string; an unknown value is named, not a crash."""
    errors: list[str] = []
    return Inbox(
        status=_known(status, AlertStatus, "status", errors),
        type=_known(type_, AlertType, "type", errors),
        severity=_known(severity, Severity, "severity", errors),
        site=site.strip(), location=location.strip(), unacknowledged=bool(unacknowledged),
        before=before, errors=errors,
    )  # fmt: skip


Filters = Annotated[Inbox, Depends(inbox_filters)]


def inbox_values(conn: sa.Connection, who: Viewer, filters: Inbox) -> dict[str, Any]:
    """What the inbox template shows (its table, the choices of its filters)."""
    found = alert_page(conn, who.principal.scope, filters.alert_filter(), limit=INBOX_LIMIT + 1,
                       before_id=filters.before)  # fmt: skip
    rows = [alert_out(v) for v in found[:INBOX_LIMIT]]
    older = rows[-1].id if len(found) > INBOX_LIMIT else None
    return {
        "alerts": rows, "older": older, "filters": filters,
        "may_review": who.principal.may(Action.REVIEW_ALERTS),
        "statuses": [s.value for s in AlertStatus], "types": [t.value for t in AlertType],
        "severities": [s.value for s in Severity],
    }  # fmt: skip


@router.get("/alerts", response_class=HTMLResponse)
def inbox(request: Request, context: Context, who: Reader, filters: Filters) -> HTMLResponse:
    """The alerts, newest first, filtered; a table that follows every change live."""
    with context.engine.connect() as conn:
        values = inbox_values(conn, who, filters)
    status = 422 if filters.errors else 200
    return html(request, "alerts.html", session=who.session, principal=who.principal,
                title="Alerts", status_code=status, **values)  # fmt: skip


@router.get("/alerts/rows", response_class=HTMLResponse)
def inbox_rows_fragment(
    request: Request,
    context: Context,
    who: Reader,
    filters: Filters,
    checked: Annotated[list[str], Query(alias="ids", max_length=1000)] = [],  # noqa: B006
) -> HTMLResponse:
    """The inbox's table body alone, for the open inbox to swap in when alerts changed
    (the boxes the user had ticked stay ticked)."""
    with context.engine.connect() as conn:
        values = inbox_values(conn, who, filters)
    values["checked"] = {n for n in checked if n.isdigit()}
    return templates.TemplateResponse(request, "_alert_rows.html", values)


def detail_values(conn: sa.Connection, scope: Scope, alert_id: int) -> dict[str, Any] | None:
    """What the detail page shows of a visible alert; None when the reader may not see it."""
    view = get_alert(conn, scope, alert_id)
    if view is None:  # none, or another owner's: the same answer
        return None
    detail = alert_detail(view, alert_evidence(conn, view), alert_history(conn, view.id))
    trace = lane_trace(conn, scope, view)
    chart = None
    if trace is not None:
        chart = trace_chart(trace.steps, evidence=trace.evidence, raised_at=view.first_seen_at)
    steps = {s.event_id: s for s in trace.steps} if trace is not None else {}
    return {"alert": detail, "trace": trace, "chart": chart, "steps": steps}


def detail_page(
    request: Request,
    context: Context,
    who: Viewer,
    alert_id: int,
    *,
    ledger: LedgerAfter | None = None,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The detail page of one alert, with what a form just did (or why it was refused)."""
    with context.engine.connect() as conn:
        values = detail_values(conn, who.principal.scope, alert_id)
    if values is None:
        return html(request, "error.html", session=who.session, principal=who.principal,
                    title="Not found", message=f"There is no alert {alert_id}.",
                    status_code=404)  # fmt: skip
    alert: AlertDetail = values["alert"]
    return html(
        request, "alert.html", session=who.session, principal=who.principal,
        title=f"Alert {alert.id} · {alert.type.value.replace('_', ' ')}", ledger=ledger,
        figures=figures_of(alert.type),
        notice=notice, error=error, status_code=status_code, **values, **_forms(who, alert),
    )  # fmt: skip


def _forms(who: Viewer, alert: AlertDetail) -> dict[str, bool]:
    """Which review forms the page offers: the role's, in the alert's state."""
    may = who.principal.may(Action.REVIEW_ALERTS)
    active = alert.status is not AlertStatus.RESOLVED
    return {
        "may_review": may,
        "can_acknowledge": may and alert.status is AlertStatus.OPEN,
        "can_change": may and active,
        "can_count": may and active and alert.type in COUNTABLE,
    }


@router.get("/alerts/{alert_id:int}", response_class=HTMLResponse)
def alert(request: Request, context: Context, who: Reader, alert_id: int) -> HTMLResponse:
    """One alert: book against shelf, the evidence, the lane's weight trace, the history."""
    return detail_page(request, context, who, alert_id)


@router.get("/alerts/{alert_id:int}/history", response_class=HTMLResponse)
def history_fragment(
    request: Request, context: Context, who: Reader, alert_id: int
) -> HTMLResponse:
    """The alert's history rows alone, for the open detail page to follow changes live."""
    with context.engine.connect() as conn:
        view = get_alert(conn, who.principal.scope, alert_id)
        steps = alert_history(conn, alert_id) if view is not None else []
    history = alert_detail(view, [], steps).history if view is not None else []
    return templates.TemplateResponse(request, "_alert_history.html", {"history": history})
