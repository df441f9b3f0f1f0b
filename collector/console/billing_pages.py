"""The console's billing pages: the bills a user may see, one bill's lines, its CSV.

Each calls the API's own route function (``collector.api.billing``) with the user's
principal, so a client user sees its own owners' bills only, as through the API: another
client's bill is "not found", the page and the CSV alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from collector.api import billing
from collector.api.access import Action
from collector.api.context import Context
from collector.api.problems import ProblemError
from collector.console.guard import Viewer, page
from collector.console.render import html
from collector.ledger.engine import read_only_connection

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(page(Action.READ_BILLS))]


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
    with read_only_connection(context.engine) as conn:
        try:
            found = billing.read_bill(owner, month, context, conn, who.principal)
        except (ProblemError, ValueError):
            return _not_found(request, who, owner, month)
    return html(request, "bill.html", session=who.session, principal=who.principal,
                title=f"Bill of {found.owner} for {found.month}", bill=found)  # fmt: skip


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
