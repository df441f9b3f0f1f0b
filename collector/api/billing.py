"""``/api/v1/billing``: rate cards and monthly bills of 3PL clients.

A client token reads its own owners' cards and bills only (the queries are scoped; another
client's bill is a 404); admins add cards and close and invoice bills. The work is
``collector.billing``'s, as ``collector billing`` does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from collector.api.access import Action, Principal
from collector.api.billing_models import (
    MONTH_PATTERN,
    BillOut,
    BillSummary,
    CardIn,
    CardOut,
    InvoiceIn,
)
from collector.api.context import Context, Reading, allowed
from collector.api.problems import ProblemError
from collector.api.reports import books_zone
from collector.api.responses import AUTH, TOO_LARGE, problem
from collector.billing import store
from collector.billing.errors import BillingError, NotFoundError
from collector.billing.export import bill_csv
from edge_agent.wire import OwnerId

router = APIRouter(tags=["billing"])
Reader = Annotated[Principal, Depends(allowed(Action.READ_BILLS))]
Manager = Annotated[Principal, Depends(allowed(Action.MANAGE_BILLING))]
Owner = Annotated[OwnerId, Path(description="The client (owner).")]
Month = Annotated[str, Path(pattern=MONTH_PATTERN, examples=["2026-11"])]
NOT_FOUND = problem("No such bill, or another client's.")
CHANGE = {
    **AUTH, 404: NOT_FOUND, 413: TOO_LARGE,
    409: problem("The bill's state or the closed months do not allow it (`detail`)."),
}  # fmt: skip


@contextmanager
def billing_problems() -> Iterator[None]:
    """``BillingError`` as the problem it is: 404 or 409."""
    try:
        yield
    except NotFoundError as err:
        raise ProblemError("not-found", str(err)) from err
    except BillingError as err:
        raise ProblemError("conflict", str(err)) from err


@router.get("/billing/cards", summary="Rate cards, by client and day",
            response_model=list[CardOut], responses=AUTH)  # fmt: skip
def list_cards(
    conn: Reading, who: Reader, owner: Annotated[OwnerId | None, Query()] = None
) -> list[CardOut]:
    """The cards the token may see (a client: its own)."""
    return [CardOut.of(card) for card in store.card_list(conn, who.scope, owner)]


@router.post("/billing/cards", summary="Add a rate card", status_code=201,
             response_model=CardOut, responses=CHANGE)  # fmt: skip
def add_card(body: CardIn, context: Context, who: Manager) -> CardOut:
    """A card from its day on; 409 in a closed month or on a day that has a card."""
    with billing_problems(), context.engine.begin() as conn:
        card = store.add_card(conn, body.owner, body.effective_from, body.rates(),
                              by=who.label, now=context.clock.now())  # fmt: skip
    return CardOut.of(card)


@router.get("/billing/bills", summary="Bills, newest month first",
            response_model=list[BillSummary], responses=AUTH)  # fmt: skip
def list_bills(
    context: Context, conn: Reading, who: Reader,
    owner: Annotated[OwnerId | None, Query()] = None,
) -> list[BillSummary]:  # fmt: skip
    """Closed and invoiced bills, and the open months since each client's last close."""
    zone = books_zone(context)
    today = context.clock.now().astimezone(zone).date()
    found = store.list_bills(conn, who.scope, zone, today=today, owner=owner)
    return [BillSummary.of(bill) for bill in found]


def _bill(context: Context, conn: Reading, who: Principal, owner: str, month: str) -> store.Bill:
    zone = books_zone(context)
    with billing_problems():
        return store.bill_of(conn, who.scope, owner, month, zone,
                             today=context.clock.now().astimezone(zone).date())  # fmt: skip


@router.get("/billing/bills/{owner}/{month}", summary="One bill with its lines",
            response_model=BillOut, responses={**AUTH, 404: NOT_FOUND})  # fmt: skip
def read_bill(owner: Owner, month: Month, context: Context, conn: Reading, who: Reader) -> BillOut:
    """Open: computed now (this month so far); closed or invoiced: as it was closed."""
    return BillOut.of(_bill(context, conn, who, owner, month))


@router.get("/billing/bills/{owner}/{month}/csv", summary="One bill's lines as CSV",
            response_class=Response, responses={
                **AUTH, 404: NOT_FOUND,
                200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                      "description": "docs/billing.md's columns."},
            })  # fmt: skip
def bill_as_csv(
    owner: Owner, month: Month, context: Context, conn: Reading, who: Reader
) -> Response:
    """The lines, a row each, in docs/billing.md's column layout."""
    text = bill_csv(_bill(context, conn, who, owner, month))
    disposition = f'attachment; filename="bill-{owner}-{month}.csv"'
    return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})


@router.post("/billing/bills/{owner}/{month}/close", summary="Close a month's bill",
             response_model=BillOut, responses=CHANGE)  # fmt: skip
def close_bill(owner: Owner, month: Month, context: Context, who: Manager) -> BillOut:
    """open → closed: the lines are stored as they are now and never change after."""
    with billing_problems(), context.engine.begin() as conn:
        bill = store.close_bill(conn, owner, month, books_zone(context),
                                now=context.clock.now(), by=who.label)  # fmt: skip
    return BillOut.of(bill)


@router.post("/billing/bills/{owner}/{month}/invoice", summary="Mark a closed bill invoiced",
             response_model=BillOut, responses=CHANGE)  # fmt: skip
def invoice_bill(
    owner: Owner, month: Month, body: InvoiceIn, context: Context, who: Manager
) -> BillOut:
    """closed → invoiced, with the invoice's reference."""
    with billing_problems(), context.engine.begin() as conn:
        bill = store.invoice_bill(conn, owner, month, body.reference,
                                  now=context.clock.now(), by=who.label)  # fmt: skip
    return BillOut.of(bill)
