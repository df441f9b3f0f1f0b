"""``/api/v1/locations``: the location master and the tree with subtree totals.

Creating the first location with a kind puts the master in use: from then on a posting
to a location the ledger does not have is refused (a typo no longer creates a place).
The rules (parent first, kinds down the tree, adopting places postings made, deleting
only unused ones) are in ``collector.ledger.location_master``. A client token sees only
the places where its owners hold or held stock, and totals of its owners' stock only;
another owner's location answers exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.fields import Amount
from collector.api.problems import FieldProblem, ProblemError
from collector.api.responses import AUTH, BAD_PATH, TOO_LARGE, problem
from collector.ledger.location_master import (
    LocationError,
    LocationKind,
    Made,
    create_location,
    delete_location,
    master_in_use,
)
from collector.views.locations import LocationNode, get_location, location_tree
from edge_agent.wire import LocationPath

log = structlog.get_logger("collector.api")
router = APIRouter(tags=["locations"])


class LocationIn(BaseModel):
    """A location of the master; its parent must be in the master already."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    path: LocationPath = Field(description="Slash-separated from the root, e.g. `main/aisle-3`.")
    kind: LocationKind = Field(description="Kinds go down the tree: site, zone, aisle, shelf, …")
    name: str | None = Field(
        default=None, min_length=1, max_length=64, description="Default: the path's last part."
    )


class LocationOut(BaseModel):
    """A location with the totals of everything at it and below it, and its children."""

    path: str
    name: str
    kind: LocationKind | None = Field(
        description="null: a place a posting created before the master was in use."
    )
    parent: str | None
    qty: Amount = Field(description="Sum of on-hand quantities in the subtree (all SKUs).")
    value: Amount = Field(description="Stock value at cost in the subtree.")
    positions: int = Field(description="Positions with stock or value in the subtree.")
    children: list[LocationOut]


class LocationTree(BaseModel):
    """The tops of the tree, each with its subtree."""

    master_in_use: bool = Field(
        description="Whether postings to a location not in the ledger are refused."
    )
    locations: list[LocationOut]


_NOT_FOUND = problem("No such location (or none of your owners').")
Where = Annotated[LocationPath, PathParam(description="The location's path.")]


def _out(node: LocationNode) -> LocationOut:
    return LocationOut(
        path=node.path, name=node.name, kind=LocationKind(node.kind) if node.kind else None,
        parent=node.parent_path, qty=node.qty, value=node.value, positions=node.positions,
        children=[_out(child) for child in node.children],
    )  # fmt: skip


def _missing(path: str) -> ProblemError:
    # The same words whether it does not exist or only another owner has stock there.
    return ProblemError("not-found", f"no location {path!r}")


@router.get(
    "/locations",
    summary="The location tree with subtree totals of quantity and value",
    response_model=LocationTree,
    responses=AUTH,
)
def list_locations(
    conn: Reading, who: Annotated[Principal, Depends(allowed(Action.READ_LOCATIONS))]
) -> LocationTree:
    """Every visible location, nested; totals count only the owners the token may see."""
    tops = location_tree(conn, who.scope)
    return LocationTree(master_in_use=master_in_use(conn), locations=[_out(n) for n in tops])


@router.get(
    "/locations/{path:path}",
    summary="One location with its subtree and totals",
    response_model=LocationOut,
    responses={**AUTH, 404: _NOT_FOUND, 422: BAD_PATH},
)
def read_location(
    path: Where, conn: Reading, who: Annotated[Principal, Depends(allowed(Action.READ_LOCATIONS))]
) -> LocationOut:
    """The location, everything below it, and their totals."""
    found = get_location(conn, who.scope, path)
    if found is None:
        raise _missing(path)
    return _out(found)


@router.post(
    "/locations",
    summary="Add a location to the location master",
    response_model=LocationOut,
    status_code=201,
    responses={
        200: {"description": "A place postings had made joined the master (adopted)."},
        **AUTH, 409: problem("It is in the master already."), 413: TOO_LARGE,
        422: problem("Invalid; parent missing; kind out of order."),
    },
)  # fmt: skip
def add_location(
    body: LocationIn,
    request: Request,
    response: Response,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_LOCATIONS))],
) -> LocationOut:
    """Create the location under a parent in the master (201), or adopt a kindless one (200)."""
    try:
        made = create_location(
            context.engine, body.path, body.kind, name=body.name, now=context.clock.now()
        )
    except LocationError as err:
        raise _refused(err) from err
    log.info("location.created", path=body.path, kind=body.kind.value, how=made.value,
             principal=who.label)  # fmt: skip
    if made is Made.ADOPTED:
        response.status_code = 200
    response.headers["Location"] = str(request.url_for("read_location", path=body.path))
    with context.engine.connect() as conn:
        found = get_location(conn, who.scope, body.path)
    if found is None:  # deleted in between: nothing there now
        raise _missing(body.path)
    return _out(found)


@router.delete(
    "/locations/{path:path}",
    summary="Remove a location nothing stands or stood at",
    status_code=204,
    responses={
        **AUTH, 404: _NOT_FOUND, 422: BAD_PATH,
        409: problem("In use: children, stock, a journal, or parked."),
    },
)  # fmt: skip
def remove_location(
    path: Where,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_LOCATIONS))],
) -> Response:
    """Delete it; deleting the master's last location puts the master out of use."""
    try:
        removed = delete_location(context.engine, path)
    except LocationError as err:
        raise _refused(err) from err
    if not removed:
        raise _missing(path)
    log.info("location.deleted", path=path, principal=who.label)
    return Response(status_code=204)


def _refused(err: LocationError) -> ProblemError:
    if err.conflict:
        return ProblemError("conflict", str(err))
    return ProblemError(
        "invalid-request", f"body.{err.field}: {err}",
        errors=[FieldProblem(field=f"body.{err.field}", message=str(err))],
    )  # fmt: skip
