"""``GET /api/v1/stock``: positions on hand with their value, now or at any instant, and totals.

A client token sees and counts only its owners' positions: naming another owner, its SKU
or its location gives an empty list and zero totals, as for ones that do not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.fields import Amount, Instant
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.reports import books_zone
from collector.api.responses import LIST
from collector.views.books import books_scope
from collector.views.items import owners_sku
from collector.views.stock import StockFilter, stock_page, stock_totals, totals_of
from edge_agent.wire import LocationPath, OwnerId, Sku

router = APIRouter(tags=["stock"])


class PositionOut(BaseModel):
    """One position (sku, location, owner) with stock or value."""

    sku: str
    location: str
    owner: str
    qty: Amount = Field(description="On hand; negative when an item allowing it was oversold.")
    value: Amount = Field(description="Stock value at cost.")
    avg_unit_cost: Amount | None = Field(description="value ÷ qty; null unless qty > 0.")


class TotalsOut(BaseModel):
    """Every position the filters match (not only this page's), counted and summed."""

    positions: int
    qty: Amount
    value: Amount


class StockPage(BaseModel):
    """Positions by (sku, location, owner), the totals of all of them, and the next cursor."""

    as_of: datetime | None = Field(description="The instant asked for; null: now.")
    positions: list[PositionOut]
    totals: TotalsOut
    next: str | None = Field(description="Pass as `cursor` for the next page.")


@router.get(
    "/stock",
    summary="Stock on hand and its value by position, now or at any instant",
    response_model=StockPage,
    responses=LIST,
)
def read_stock(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_STOCK))],
    sku: Annotated[
        Sku | None, Query(description="Only this SKU (a client token: or its own code).")
    ] = None,
    location: Annotated[
        LocationPath | None, Query(description="This location and everything below it.")
    ] = None,
    owner: Annotated[OwnerId | None, Query(description="Only this owner's stock.")] = None,
    as_of: Annotated[
        Instant | None,
        Query(
            description="RFC 3339 instant with zone (URL-encode a `+`): stock after every "
            "movement effective at or before it. Default: now."
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> StockPage:
    """Positions with stock or value; ``as_of`` sums the journal up to that instant."""
    size = page_size(context, limit)
    sku = owners_sku(conn, who.scope, sku) if sku is not None else None  # a client's own code
    flt = StockFilter(
        sku=sku, location=location, owner=owner, as_of=as_of, books_tz=books_zone(context)
    )
    bound = binding(
        "stock", who.scope, {"sku": sku, "location": location, "owner": owner, "as_of": as_of}
    )
    after = _position(codec.open(cursor, bound, size=3)) if cursor else None
    found = stock_page(conn, who.scope, flt, limit=size + 1, after=after)
    page = found[:size]
    last = page[-1] if len(found) > size else None
    next_cursor = codec.seal(bound, [last.sku, last.location, last.owner]) if last else None
    link_next(request, response, next_cursor)
    # A first page that holds every position needs no second pass over them for the totals.
    whole = cursor is None and last is None
    valued = books_scope(conn, who.scope, owner=owner)
    totals = totals_of(page, valued) if whole else stock_totals(conn, who.scope, flt)
    return StockPage(
        as_of=as_of,
        positions=[
            PositionOut(
                sku=p.sku, location=p.location, owner=p.owner, qty=p.qty, value=p.value,
                avg_unit_cost=p.avg_unit_cost,
            )
            for p in page
        ],
        totals=TotalsOut(positions=totals.positions, qty=totals.qty, value=totals.value),
        next=next_cursor,
    )  # fmt: skip


def _position(found: list[object]) -> tuple[str, str, str]:
    sku, location, owner = (str(part) for part in found)
    return sku, location, owner
