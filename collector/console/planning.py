"""The console's replenishment pages: suggestions (approve into orders, snooze, dismiss),
and purchase orders (send, cancel).

No write path and no permission rule of their own: each form validates its fields with the
API's request model and calls the API's route function (``collector.api.replenishment``,
``collector.api.purchasing``), so what a page does is exactly
what the API does; a problem the API would answer is shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from collector.api import purchasing, replenishment
from collector.api.access import Action
from collector.api.context import Context
from collector.api.problems import ProblemError
from collector.api.purchasing_models import ApproveIn, SnoozeIn
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html
from collector.console.sessions import Session

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(page(Action.READ_PURCHASING))]
Manager = Annotated[Viewer, Depends(page(Action.MANAGE_PURCHASING))]
Checked = Annotated[Session, Depends(csrf_checked)]
LISTED = 200


@router.get("/replenishment", response_class=HTMLResponse)
def replenishment_page(
    request: Request, context: Context, who: Reader, notice: str = "", error: str = ""
) -> HTMLResponse:
    """Open suggestions with why each was made, and the latest purchase orders."""
    return _overview(request, context, who, notice=notice, error=error)


def _overview(
    request: Request, context: Context, who: Viewer, *, notice: str = "", error: str = "",
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    with context.engine.connect() as conn:
        suggestions = replenishment.list_suggestions(context, conn, who.principal, limit=LISTED)
        orders = purchasing.list_orders(context, conn, who.principal, limit=LISTED)
    return html(
        request, "replenishment.html", session=who.session, principal=who.principal,
        title="Replenishment", suggestions=suggestions, orders=orders, notice=notice,
        error=error, may_manage=who.principal.may(Action.MANAGE_PURCHASING),
        status_code=status_code,
    )  # fmt: skip


def _act(request: Request, context: Context, who: Viewer, step: Callable[[], str]) -> Response:
    """Run one API step; back to the page with what it did, or with why it was refused."""
    try:
        notice = step()
    except ValidationError as err:
        fields = sorted({str(e["loc"][0]) for e in err.errors() if e["loc"]})
        message = "The form was refused: check " + ", ".join(fields) + "."
        return _overview(request, context, who, error=message, status_code=422)
    except ProblemError as err:
        return _overview(request, context, who, error=f"Refused: {err.detail}.",
                         status_code=err.kind.status)  # fmt: skip
    return _overview(request, context, who, notice=notice)


@router.post("/replenishment/run", response_class=HTMLResponse)
def run_rules(request: Request, context: Context, who: Manager, _: Checked) -> Response:
    """Evaluate every reorder rule now."""

    def step() -> str:
        found = replenishment.run(context, who.principal)
        return (
            f"Evaluated {found.rules} rules: {found.triggered} at or below their point, "
            f"{len(found.created)} new suggestions, {found.kept_open} already open."
        )

    return _act(request, context, who, step)


@router.post("/replenishment/approve", response_class=HTMLResponse)
async def approve(request: Request, context: Context, who: Manager, _: Checked) -> Response:
    """Put the ticked suggestions on their suppliers' draft orders."""
    ticked = [str(value) for value in (await request.form()).getlist("suggestion")]

    def step() -> str:
        body = ApproveIn.model_validate({"suggestion_ids": [int(i) for i in ticked if i.isdigit()]})
        done = replenishment.approve(body, context, who.principal)
        numbers = ", ".join(order.number for order in done.orders)
        return f"Ordered on the draft orders {numbers}: review and send them below."

    return _act(request, context, who, step)


@router.post("/replenishment/suggestions/{suggestion_id:int}/snooze", response_class=HTMLResponse)
def snooze(
    request: Request, context: Context, who: Manager, _: Checked, suggestion_id: int,
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    """Out of ordering until a day."""

    def step() -> str:
        body = SnoozeIn.model_validate({"until": until})
        replenishment.snooze(suggestion_id, body, context, who.principal)
        return f"Suggestion {suggestion_id} snoozed until {body.until.isoformat()}."

    return _act(request, context, who, step)


@router.post("/replenishment/suggestions/{suggestion_id:int}/dismiss", response_class=HTMLResponse)
def dismiss(
    request: Request, context: Context, who: Manager, _: Checked, suggestion_id: int
) -> Response:
    """Closed without ordering."""

    def step() -> str:
        replenishment.dismiss(suggestion_id, context, who.principal)
        return f"Suggestion {suggestion_id} dismissed."

    return _act(request, context, who, step)


@router.get("/replenishment/orders/{po_id:int}", response_class=HTMLResponse)
def order_page(request: Request, context: Context, who: Reader, po_id: int) -> HTMLResponse:
    """One purchase order: its lines, what came in, what is still on order."""
    with context.engine.connect() as conn:
        try:
            order = purchasing.read_order(po_id, conn, who.principal)
        except ProblemError:
            return html(request, "error.html", session=who.session, principal=who.principal,
                        title="Not found", message=f"There is no purchase order {po_id}.",
                        status_code=404)  # fmt: skip
    return html(
        request, "order.html", session=who.session, principal=who.principal,
        title=f"Purchase order {order.number}", order=order,
        may_manage=who.principal.may(Action.MANAGE_PURCHASING),
    )  # fmt: skip


@router.post("/replenishment/orders/{po_id:int}/{event}", response_class=HTMLResponse)
def order_step(
    request: Request, context: Context, who: Manager, _: Checked, po_id: int, event: str
) -> Response:
    """Send or cancel an order, as the API does."""
    steps = {"send": purchasing.send_order, "cancel": purchasing.cancel_order}
    if event not in steps:
        return html(request, "error.html", session=who.session, principal=who.principal,
                    title="Not found", message="There is no such step.",
                    status_code=404)  # fmt: skip
    try:
        steps[event](po_id, context, who.principal)
    except ProblemError as err:
        return _overview(request, context, who, error=f"Refused: {err.detail}.",
                         status_code=err.kind.status)  # fmt: skip
    return RedirectResponse(f"/replenishment/orders/{po_id}", status_code=303)
