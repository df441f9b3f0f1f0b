"""``/api/v1/owners``: the owners of stock and whether each one's is on the warehouse's books.

``PUT /owners/{owner}`` with ``{"on_books": false}`` makes a 3PL client's goods its own:
tracked in quantity and, at the cost it gives, in value, but no part of the warehouse's
inventory value, purchases or COGS (docs/books.md). A client token lists its own owners.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.responses import AUTH, TOO_LARGE, problem
from collector.ledger.owners import OwnerView, list_owners, set_on_books
from edge_agent.wire import OwnerId

log = structlog.get_logger("collector.api")
router = APIRouter(prefix="/owners", tags=["owners"])


class OwnerOut(BaseModel):
    """One owner of stock."""

    model_config = ConfigDict(from_attributes=True)

    owner: str
    on_books: bool = Field(
        description="Whether its stock is the warehouse's (false: a client's consigned goods)."
    )
    created_at: AwareDatetime
    movements: int = Field(description="How many journal lines it has.")


class OwnerIn(BaseModel):
    """What an owner's setting says."""

    model_config = ConfigDict(extra="forbid")

    on_books: StrictBool = Field(
        description="false: its stock is a client's, no part of the warehouse's inventory "
        "value, purchases or COGS; the reports read it when they run, past periods too."
    )


@router.get("", summary="The owners of stock, whether each one's is on the books", responses=AUTH)
def read_owners(
    conn: Reading, who: Annotated[Principal, Depends(allowed(Action.READ_ITEMS))]
) -> list[OwnerOut]:
    """Every owner by name (a client token: its own)."""
    return [_out(o) for o in list_owners(conn) if who.scope.sees(o.owner)]


@router.put(
    "/{owner}",
    summary="Say whether an owner's stock is on the warehouse's books",
    responses={**AUTH, 413: TOO_LARGE, 422: problem("Not an owner name, or a bad body.")},
)
def put_owner(
    owner: Annotated[OwnerId, Path(description="The owner, as transactions name it.")],
    body: OwnerIn,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_ITEMS))],
) -> OwnerOut:
    """Set it (an owner not seen yet is created, so a client is off the books from its first
    receipt); the same request again changes nothing."""
    with context.engine.begin() as conn:
        view = set_on_books(conn, owner, on_books=body.on_books, now=context.clock.now())
    log.info("owner.set", owner=owner, on_books=body.on_books, principal=who.label)
    return _out(view)


def _out(view: OwnerView) -> OwnerOut:
    return OwnerOut.model_validate(view)
