"""``GET /api/v1/movements``: the journal, filtered, newest or oldest first, a page at a time.

Pages follow posting order (the journal id), so following ``next`` oldest first never
misses a line posted later. A client token sees only its owners' lines and no journal ids:
ids are global, and their gaps would show how much other owners post. Its cursors are
sealed (see ``collector.api.cursors``) for the same reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.fields import Amount, Instant
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import FieldProblem, ProblemError
from collector.api.responses import LIST
from collector.domain.model import MovementType
from collector.views.items import owners_sku
from collector.views.movements import MovementFilter, MovementView, movement_page
from edge_agent.wire import LocationPath, OwnerId, Sku

router = APIRouter(tags=["movements"])
_ID_DIGITS = 20
"""Journal ids are sealed at a fixed width, so a cursor's length tells nothing either."""


class MovementOut(BaseModel):
    """A journal line."""

    event_id: uuid.UUID = Field(description="The event (transaction) that posted it.")
    type: MovementType
    sku: str
    location: str
    owner: str
    qty: Amount = Field(description="Signed: + in, − out.")
    unit_cost: Amount
    value: Amount = Field(description="Signed: + in, − out, at cost.")
    cogs: Amount | None = Field(description="Sales, true-ups and their reversals; else null.")
    revenue: Amount | None = Field(description="Priced sales; else null.")
    effective_at: datetime = Field(description="When it happened.")
    recorded_at: datetime = Field(description="When the ledger posted it.")
    reason: str | None = Field(description="The transaction's reference, or why it was reversed.")
    provisional: bool = Field(description="Costed at a fallback cost (negative stock, returns).")
    principal: str | None = Field(
        description="Who made it: a token (`token:NAME`), a person, or `device:DEVICE_ID`."
    )
    reverses_event_id: uuid.UUID | None = Field(description="The event whose line it reverses.")
    applies_to_event_id: uuid.UUID | None = Field(
        description="The event of the sale a return takes back, the receipt a vendor return "
        "sends back, or the line a true-up settles."
    )


class MovementWithIdsOut(MovementOut):
    """A journal line with its journal ids (tokens that see every owner)."""

    id: int = Field(description="Its place in the journal (posting order).")
    reverses_movement_id: int | None
    applies_to_movement_id: int | None


_NEXT = "Pass as `cursor` for the next page; null on the last."
_FOLLOW = (
    "order=asc only: pass as `cursor` later to get the lines posted after this page (set on "
    "the last page too, so an integration can follow the journal)."
)


class MovementPage(BaseModel):
    """Journal lines with their ids, and the cursors to go on."""

    movements: list[MovementWithIdsOut]
    next: str | None = Field(description=_NEXT)
    follow: str | None = Field(description=_FOLLOW)


class ClientMovementPage(BaseModel):
    """A client token's page: its owners' lines, without journal ids."""

    movements: list[MovementOut]
    next: str | None = Field(description=_NEXT)
    follow: str | None = Field(description=_FOLLOW)


@router.get(
    "/movements",
    summary="Journal lines, filtered, newest or oldest first",
    response_model=MovementPage | ClientMovementPage,
    responses=LIST,
)
def list_movements(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_MOVEMENTS))],
    sku: Annotated[
        Sku | None, Query(description="Only this SKU (a client token: or its own code).")
    ] = None,
    location: Annotated[
        LocationPath | None, Query(description="This location and everything below it.")
    ] = None,
    owner: Annotated[OwnerId | None, Query(description="Only this owner's lines.")] = None,
    type_: Annotated[
        list[MovementType] | None, Query(alias="type", description="These types (repeat).")
    ] = None,
    event_id: Annotated[uuid.UUID | None, Query(description="Lines of this event.")] = None,
    effective_from: Annotated[
        Instant | None, Query(alias="from", description="Effective at or after (RFC 3339).")
    ] = None,
    effective_to: Annotated[
        Instant | None, Query(alias="to", description="Effective before (RFC 3339).")
    ] = None,
    order: Annotated[
        Literal["desc", "asc"], Query(description="desc: newest posted first; asc: oldest.")
    ] = "desc",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> MovementPage | ClientMovementPage:
    """Lines in posting order, either way; a client token sees its owners' lines only."""
    size = page_size(context, limit)
    if effective_from and effective_to and effective_from >= effective_to:
        raise ProblemError(
            "invalid-request",
            "query.to: must be later than query.from",
            errors=[FieldProblem(field="query.to", message="must be later than from")],
        )
    sku = owners_sku(conn, who.scope, sku) if sku is not None else None  # a client's own code
    flt = MovementFilter(
        sku=sku, location=location, owner=owner,
        types=frozenset(t.value for t in type_) if type_ else None, event_id=event_id,
        effective_from=effective_from, effective_to=effective_to,
    )  # fmt: skip
    bound = binding("movements", who.scope, {**_filters(flt), "order": order})
    after = int(codec.open(cursor, bound)[0]) if cursor else None
    found = movement_page(
        conn, who.scope, flt, limit=size + 1, newest_first=order == "desc", after_id=after
    )
    page = found[:size]
    last = page[-1].id if page else after
    sealed = codec.seal(bound, [f"{last:0{_ID_DIGITS}d}"]) if last is not None else None
    next_cursor = sealed if len(found) > size else None
    follow = sealed if order == "asc" else None
    link_next(request, response, next_cursor)
    if who.scope.is_restricted:
        out = [_out(v) for v in page]
        return ClientMovementPage(movements=out, next=next_cursor, follow=follow)
    out_ids = [_out_with_ids(v) for v in page]
    return MovementPage(movements=out_ids, next=next_cursor, follow=follow)


def _filters(flt: MovementFilter) -> dict[str, object]:
    return {
        "sku": flt.sku, "location": flt.location, "owner": flt.owner, "types": flt.types,
        "event_id": flt.event_id, "from": flt.effective_from, "to": flt.effective_to,
    }  # fmt: skip


def _fields(view: MovementView) -> dict[str, object]:
    return {
        "event_id": view.event_id, "type": MovementType(view.type), "sku": view.sku,
        "location": view.location, "owner": view.owner, "qty": view.qty,
        "unit_cost": view.unit_cost, "value": view.value, "cogs": view.cogs,
        "revenue": view.revenue, "effective_at": view.effective_at,
        "recorded_at": view.recorded_at, "reason": view.reason,
        "provisional": view.provisional, "principal": view.principal,
        "reverses_event_id": view.reverses_event_id,
        "applies_to_event_id": view.applies_to_event_id,
    }  # fmt: skip


def _out(view: MovementView) -> MovementOut:
    return MovementOut.model_validate(_fields(view))


def _out_with_ids(view: MovementView) -> MovementWithIdsOut:
    return MovementWithIdsOut.model_validate(
        {
            **_fields(view),
            "id": view.id,
            "reverses_movement_id": view.reverses_movement_id,
            "applies_to_movement_id": view.applies_to_movement_id,
        }
    )
