"""The alert pages' forms: acknowledge (one or many), assign, comment, resolve with a count,
dismiss with a reason.

No write path of their own: each validates its fields with the API's request model and calls
the API's route function (``collector.api.alerts``), so the role check, the owner scoping,
the alert's state rules, the history entry and, for a count, the adjustment through the
ledger's posting session are exactly the API's. What the API would answer as a problem is
shown on the page, with the form to try again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from collector.api import alerts as api
from collector.api.access import Action
from collector.api.alert_models import (
    AcknowledgeIn,
    AssignIn,
    BulkAcknowledgeIn,
    BulkOutcome,
    BulkResult,
    CommentIn,
    DismissIn,
    ResolvedOut,
    ResolveIn,
)
from collector.api.context import Context
from collector.api.problems import ProblemError
from collector.console.alert_pages import detail_page, inbox_filters, inbox_values
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html
from collector.console.sessions import Session
from collector.errors import LedgerError

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Viewer, Depends(page(Action.REVIEW_ALERTS))]
Checked = Annotated[Session, Depends(csrf_checked)]
Field = Annotated[str, Form(max_length=4000)]
FIELD_HELP = {
    "counted_qty": "the count is the units on the shelf: a number, 0 or more, with at most "
    "6 decimals (7 or 2.5)",
    "assignee": "name who is to look into it (1 to 128 characters)",
    "text": "write the comment (1 to 2000 characters)",
    "reason": "say why it is not a problem (1 to 2000 characters)",
    "note": "a note is 1 to 2000 characters",
    "ids": "tick at least one alert (at most 1000)",
}


def invalid(err: ValidationError) -> str:
    """What was wrong with a form's fields, in words."""
    fields = sorted({str(e["loc"][0]) for e in err.errors() if e["loc"]})
    return "The form was refused: " + "; ".join(FIELD_HELP.get(f, f) for f in fields) + "."


def _review(
    request: Request, context: Context, who: Viewer, alert_id: int, step: Callable[[], object]
) -> HTMLResponse:
    """Run one API step on the alert; the detail page after it, or with why it was refused."""
    try:
        done = step()
    except ValidationError as err:
        return detail_page(request, context, who, alert_id, error=invalid(err), status_code=422)
    except ProblemError as err:
        return detail_page(request, context, who, alert_id, error=f"Refused: {err.detail}.",
                           status_code=err.kind.status)  # fmt: skip
    except LedgerError as err:
        message = f"The ledger could not take it now and changed nothing ({err}); try again."
        return detail_page(request, context, who, alert_id, error=message, status_code=503)
    ledger = done.ledger if isinstance(done, ResolvedOut) else None
    return detail_page(request, context, who, alert_id, ledger=ledger, notice=_done(done))


def _done(done: object) -> str:
    alert = done.alert if isinstance(done, ResolvedOut) else done
    status = getattr(alert, "status", None)
    return f"Done: the alert is {status.value}." if status is not None else "Done."


@router.post("/alerts/{alert_id:int}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request, context: Context, who: Reviewer, _: Checked, alert_id: int, note: Field = ""
) -> HTMLResponse:
    """Acknowledge: someone is on it."""

    def step() -> object:
        body = AcknowledgeIn.model_validate({"note": note} if note.strip() else {})
        return api.acknowledge(alert_id, context, who.principal, body)

    return _review(request, context, who, alert_id, step)


@router.post("/alerts/{alert_id:int}/assign", response_class=HTMLResponse)
def assign(
    request: Request, context: Context, who: Reviewer, _: Checked, alert_id: int,
    assignee: Field = "",
) -> HTMLResponse:  # fmt: skip
    """Name who is to look into it."""

    def step() -> object:
        body = AssignIn.model_validate({"assignee": assignee})
        return api.assign(alert_id, body, context, who.principal)

    return _review(request, context, who, alert_id, step)


@router.post("/alerts/{alert_id:int}/comment", response_class=HTMLResponse)
def comment(
    request: Request, context: Context, who: Reviewer, _: Checked, alert_id: int, text: Field = ""
) -> HTMLResponse:
    """A note in the history."""

    def step() -> object:
        return api.comment(alert_id, CommentIn.model_validate({"text": text}), context,
                           who.principal)  # fmt: skip

    return _review(request, context, who, alert_id, step)


@router.post("/alerts/{alert_id:int}/resolve", response_class=HTMLResponse)
def resolve(
    request: Request, context: Context, who: Reviewer, _: Checked, alert_id: int,
    counted_qty: Field = "",
) -> HTMLResponse:  # fmt: skip
    """Resolve with the count: the adjustment is posted, the page shows the ledger after."""

    def step() -> object:
        body = ResolveIn.model_validate({"counted_qty": counted_qty.strip()})
        return api.resolve(alert_id, body, context, who.principal)

    return _review(request, context, who, alert_id, step)


@router.post("/alerts/{alert_id:int}/dismiss", response_class=HTMLResponse)
def dismiss(
    request: Request, context: Context, who: Reviewer, _: Checked, alert_id: int, reason: Field = ""
) -> HTMLResponse:
    """Close with the reason, no adjustment."""

    def step() -> object:
        body = DismissIn.model_validate({"reason": reason})
        return api.dismiss(alert_id, body, context, who.principal)

    return _review(request, context, who, alert_id, step)


@router.post("/alerts/acknowledge", response_class=HTMLResponse)
def acknowledge_many(
    request: Request,
    context: Context,
    who: Reviewer,
    _: Checked,
    ids: Annotated[list[str], Form(max_length=1000)] = [],  # noqa: B006 - FastAPI copies it
    back: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    """Acknowledge the ticked alerts, each on its own; the inbox with what became of each."""
    query = {k: v for k, v in parse_qs(back).items() if k in _FILTERS}
    filters = inbox_filters(
        status=query.get("status", []), type_=query.get("type", []),
        severity=query.get("severity", []), site=_one(query, "site"),
        location=_one(query, "location"), unacknowledged=_one(query, "unacknowledged"),
    )  # fmt: skip
    notice, error, status = None, None, 200
    try:
        body = BulkAcknowledgeIn.model_validate({"ids": ids})
        notice = _outcomes(api.acknowledge_many(body, context, who.principal).results)
    except ValidationError as err:
        error, status = invalid(err), 422
    with context.engine.connect() as conn:
        values = inbox_values(conn, who, filters)
    return html(request, "alerts.html", session=who.session, principal=who.principal,
                title="Alerts", notice=notice, error=error, status_code=status,
                **values)  # fmt: skip


_FILTERS = ("status", "type", "severity", "site", "location", "unacknowledged")


def _one(query: dict[str, list[str]], name: str) -> str:
    return query.get(name, [""])[0][:255]


def _outcomes(results: list[BulkResult]) -> str:
    """One sentence per outcome: which alerts were acknowledged, which were not and why."""
    done = [f"#{r.id}" for r in results if r.outcome is BulkOutcome.ACKNOWLEDGED]
    other = [f"#{r.id} ({r.detail})" for r in results if r.outcome is not BulkOutcome.ACKNOWLEDGED]
    parts = [f"Acknowledged {len(done)}: {', '.join(done)}."] if done else []
    if other:
        parts.append(f"Not acknowledged: {'; '.join(other)}.")
    return " ".join(parts) or "Nothing to do."
