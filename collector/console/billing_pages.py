"""The console's billing pages: the bills a user may see, one bill's lines, its CSV.

Each calls the API's own route function (``collector.api.billing``) with the user's
principal, so a client user sees its own owners' bills only, as through the API: another
client's bill is "not found", the page and the CSV alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from collector.api import billing
from collector.api.access import Action
from collector.api.billing_models import InvoiceIn
from collector.api.context import Context
from collector.api.problems import ProblemError
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html
from collector.console.sessions import Session
from collector.ledger.engine import read_only_connection

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(page(Action.READ_BILLS))]
Manager = Annotated[Viewer, Depends(page(Action.MANAGE_BILLING))]
Checked = Annotated[Session, Depends(csrf_checked)]


@router.get("/billing", response_class=HTMLResponse)
def bills_page(request: Request, context: Context, who: Reader) -> HTMLResponse:
    """Bills newest month first: open (so far), closed and invoiced."""
    with read_only_connection(context.engine) as conn:
        found = billing.list_bills(context, conn, who.principal)
    return html(request, "billing.html", session=who.session, principal=who.principal,
                title="Billing", bills=found)  # fmt: skip


def _not_found(request: Request, who: Viewer, owner: str, month: str) -> HTMLResponse:
    return html(request, "error.html", session=who.session, principal=who.principal,
                title="Not found", message=f"There is no bill of {owner} for {month}.",
                status_code=404)  # fmt: skip


@router.get("/billing/{owner}/{month}", response_class=HTMLResponse)
def bill_page(
    request: Request, context: Context, who: Reader, owner: str, month: str
) -> HTMLResponse:
    """One bill: its lines (storage per card, handling, corrections) and its total."""
    return _bill_page(request, context, who, owner, month)


def _bill_page(
    request: Request, context: Context, who: Viewer, owner: str, month: str,
    *, error: str = "", status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    with read_only_connection(context.engine) as conn:
        try:
            found = billing.read_bill(owner, month, context, conn, who.principal)
        except (ProblemError, ValueError):
            return _not_found(request, who, owner, month)
    return html(request, "bill.html", session=who.session, principal=who.principal,
                title=f"Bill of {found.owner} for {found.month}", bill=found, error=error,
                may_manage=who.principal.may(Action.MANAGE_BILLING),
                status_code=status_code)  # fmt: skip


@router.post("/billing/{owner}/{month}/close", response_class=HTMLResponse)
def close(
    request: Request, context: Context, who: Manager, _: Checked, owner: str, month: str
) -> Response:
    """Close the bill, as the API does (refused: the page says why)."""
    try:
        billing.close_bill(owner, month, context, who.principal)
    except (ProblemError, ValueError) as err:
        return _refused(request, context, who, owner, month, err)
    return RedirectResponse(f"/billing/{owner}/{month}", status_code=303)


@router.post("/billing/{owner}/{month}/invoice", response_class=HTMLResponse)
def invoice(  # noqa: PLR0917 - FastAPI passes them by name
    request: Request, context: Context, who: Manager, _: Checked, owner: str, month: str,
    reference: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    """Mark the closed bill invoiced with the invoice's reference."""
    try:
        billing.invoice_bill(owner, month, InvoiceIn(reference=reference), context,
                             who.principal)  # fmt: skip
    except (ProblemError, ValueError, ValidationError) as err:
        return _refused(request, context, who, owner, month, err)
    return RedirectResponse(f"/billing/{owner}/{month}", status_code=303)


def _refused(  # noqa: PLR0917 - the page and why
    request: Request, context: Context, who: Viewer, owner: str, month: str, err: Exception
) -> HTMLResponse:
    if isinstance(err, ProblemError):
        message, status = f"Refused: {err.detail}.", err.kind.status
    else:
        message, status = "Refused: give the invoice's reference (1 to 64 characters).", 422
    return _bill_page(request, context, who, owner, month, error=message, status_code=status)


@router.get("/billing/{owner}/{month}/csv")
def bill_download(
    request: Request, context: Context, who: Reader, owner: str, month: str
) -> Response:
    """The bill's lines as CSV (docs/billing.md's columns)."""
    with read_only_connection(context.engine) as conn:
        try:
            return billing.bill_as_csv(owner, month, context, conn, who.principal)
        except (ProblemError, ValueError):
            return _not_found(request, who, owner, month)
