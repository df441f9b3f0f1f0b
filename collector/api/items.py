"""``/api/v1/items``: the item catalogue: search, one item, create, update, CSV import.

A client token sees only the items its owners hold or held, and never their last
receipt cost; another owner's item answers exactly like one that does not exist.
Writes (admin tokens) are logged with the principal that made them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator
from pydantic.json_schema import SkipJsonSchema

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.fields import Amount, PositiveDecimal
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import FieldProblem, ProblemError
from collector.api.responses import AUTH, BAD_PATH, LIST, TOO_LARGE, problem
from collector.domain.model import IssuePolicy, Tracking, Valuation
from collector.ledger.catalog import (
    CatalogError,
    ItemConflictError,
    ItemRow,
    create_item,
    import_items,
    parse_items_csv,
    update_item,
)
from collector.ledger.item_codes import create_owner_item
from collector.views.items import ItemSearch, ItemView, get_item, item_page, owners_sku
from edge_agent.wire import Gtin, OwnerId, Sku

log = structlog.get_logger("collector.api")
router = APIRouter(tags=["items"])

UnitWeight = PositiveDecimal
"""Grams a unit weighs: a decimal string like "12.5"."""
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _json_number(value: Any) -> Any:
    """A JSON number only: ``false`` or ``"3"`` is not a count of days (``2.0`` is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number of days")
    return value


WarningDays = Annotated[int, Field(ge=0, le=3650), BeforeValidator(_json_number)]
"""Days before a lot's expiry to warn."""


class ItemOut(BaseModel):
    """An item of the catalogue."""

    sku: str
    name: str
    gtin: str | None
    unit_weight_g: Amount | None = Field(description="Grams per unit, for shelf scales.")
    valuation: Valuation
    allow_negative: bool
    last_unit_cost: Amount | None = Field(
        description="Unit cost of its latest receipt; null for client tokens (it may be "
        "another owner's)."
    )
    updated_at: datetime
    tracking: Tracking = Field(description="Stock known per lot, per serial, or neither.")
    issue_policy: IssuePolicy = Field(
        description="Which lot a sale naming none takes: first received, or first to expire."
    )
    sell_expired: bool = Field(description="Whether stock past its expiry date may be sold.")
    expiry_warning_days: int | None = Field(
        description="Days before a lot expires that its `expiry_soon` alert is raised."
    )
    sold_by_weight: bool = Field(
        default=False,
        description="Quantities are kilograms: a scan's GS1 net weight (AI 310n) is its quantity.",
    )
    owner: str | None = Field(
        default=None,
        description="The client whose own catalogue it is in (`sku` is then `owner:code`); "
        "null: the shared catalogue.",
    )
    code: str = Field(
        default="",
        description="The owner's own code for it (`SKU-1` of `acme:SKU-1`); shared items: "
        "the SKU. A client token may name its items by it.",
    )


class ItemPage(BaseModel):
    """Items by SKU, and the cursor of the next page (null on the last)."""

    items: list[ItemOut]
    next: str | None = Field(description="Pass as `cursor` for the next page.")


class ItemIn(BaseModel):
    """A new item."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: Sku = Field(description="The SKU; with `owner`, the owner's own code.")
    name: Name
    owner: OwnerId | None = Field(
        default=None,
        description="Add it to this client's own catalogue: its SKU becomes `owner:sku`, its "
        "code and GTIN resolve for that owner first (docs/owner-items.md).",
    )
    gtin: Gtin | None = None
    unit_weight_g: UnitWeight | None = None
    valuation: Valuation = Valuation.FIFO
    allow_negative: StrictBool = False
    tracking: Tracking = Tracking.NONE
    issue_policy: IssuePolicy = IssuePolicy.FIFO
    sell_expired: StrictBool = False
    expiry_warning_days: WarningDays | None = None
    sold_by_weight: StrictBool = False


class ItemPatch(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"minProperties": 1}
    )

    # SkipJsonSchema: left out means unchanged, but null is no value for these
    name: Name | SkipJsonSchema[None] = None
    gtin: Gtin | None = Field(default=None, description="null removes it.")
    unit_weight_g: UnitWeight | None = Field(default=None, description="null removes it.")
    valuation: Valuation | SkipJsonSchema[None] = Field(
        default=None, description="Only while the item has no movements."
    )
    allow_negative: StrictBool | SkipJsonSchema[None] = None
    tracking: Tracking | SkipJsonSchema[None] = Field(
        default=None, description="Only while the item has no movements."
    )
    issue_policy: IssuePolicy | SkipJsonSchema[None] = None
    sell_expired: StrictBool | SkipJsonSchema[None] = None
    expiry_warning_days: WarningDays | None = Field(default=None, description="null: no alert.")
    sold_by_weight: StrictBool | SkipJsonSchema[None] = Field(
        default=None, description="Quantities already booked are not converted."
    )

    @model_validator(mode="after")
    def _something_required(self) -> ItemPatch:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in (
            "name", "valuation", "allow_negative", "tracking", "issue_policy", "sell_expired",
            "sold_by_weight",
        ):  # fmt: skip
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The columns to set."""
        found = self.model_dump(include=self.model_fields_set)
        for name in ("valuation", "tracking", "issue_policy"):
            if found.get(name) is not None:
                found[name] = found[name].value
        return found


class ImportedOut(BaseModel):
    """What the import did."""

    created: int
    updated: int


_NOT_FOUND = problem("No such item (or not one of your owners').")
_INVALID = problem("Invalid parameters or body: `errors` lists each.")


def _out(view: ItemView) -> ItemOut:
    return ItemOut(
        sku=view.sku, name=view.name, gtin=view.gtin, unit_weight_g=view.unit_weight_g,
        valuation=Valuation(view.valuation), allow_negative=view.allow_negative,
        last_unit_cost=view.last_unit_cost, updated_at=view.updated_at,
        tracking=Tracking(view.tracking), issue_policy=IssuePolicy(view.issue_policy),
        sell_expired=view.sell_expired, expiry_warning_days=view.expiry_warning_days,
        sold_by_weight=view.sold_by_weight,
        owner=view.owner, code=view.code,
    )  # fmt: skip


def _missing(sku: str) -> ProblemError:
    # The same words whether it does not exist or belongs to another owner.
    return ProblemError("not-found", f"no item {sku!r}")


@router.get(
    "/items",
    summary="Search the item catalogue",
    response_model=ItemPage,
    responses=LIST,
)
def list_items(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    who: Annotated[Principal, Depends(allowed(Action.READ_ITEMS))],
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of the SKU or name (any case), or a GTIN's start."),
    ] = None,
    gtin: Annotated[Gtin | None, Query(description="Exactly this GTIN.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ItemPage:
    """Items by SKU, a page at a time; a client token finds only its owners' items."""
    size = page_size(context, limit)
    search = ItemSearch(text=q or None, gtin=gtin)
    bound = binding("items", who.scope, {"q": search.text, "gtin": search.gtin})
    after = str(codec.open(cursor, bound)[0]) if cursor else None
    found = item_page(conn, who.scope, search, limit=size + 1, after=after)
    more = len(found) > size
    page = found[:size]
    next_cursor = codec.seal(bound, [page[-1].sku]) if more else None
    link_next(request, response, next_cursor)
    return ItemPage(items=[_out(v) for v in page], next=next_cursor)


@router.get(
    "/items/{sku}",
    summary="One item",
    response_model=ItemOut,
    responses={**AUTH, 404: _NOT_FOUND, 422: BAD_PATH},
)
def read_item(
    sku: str, conn: Reading, who: Annotated[Principal, Depends(allowed(Action.READ_ITEMS))]
) -> ItemOut:
    """The item with this SKU (a client token: or its own code)."""
    found = get_item(conn, who.scope, owners_sku(conn, who.scope, sku))
    if found is None:
        raise _missing(sku)
    return _out(found)


@router.post(
    "/items",
    summary="Add an item to the catalogue",
    response_model=ItemOut,
    status_code=201,
    responses={
        **AUTH, 409: problem("An item with this SKU (or the owner's code or GTIN) exists."),
        413: TOO_LARGE, 422: _INVALID,
    },
)  # fmt: skip
def add_item(
    body: ItemIn,
    request: Request,
    response: Response,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_ITEMS))],
) -> ItemOut:
    """Create the item; a SKU that exists is a 409 (change it with PATCH). With ``owner``,
    in that owner's catalogue: its SKU is ``owner:sku``."""
    row = ItemRow.model_validate(body.model_dump(exclude={"owner"}))
    try:
        sku = _create(context, body.owner, row)
    except ItemConflictError as err:
        raise ProblemError("conflict", str(err)) from err
    except CatalogError as err:
        field = FieldProblem(field="body.sku", message=str(err))
        raise ProblemError("invalid-request", str(err), errors=[field]) from err
    log.info("item.created", sku=sku, owner=body.owner, principal=who.label)
    # Header values are latin-1 on the wire; a SKU in any script goes in percent-encoded.
    location = request.url_for("read_item", sku=quote(sku, safe=""))
    response.headers["Location"] = str(location)
    return _reread(context, who, sku)


def _create(context: Context, owner: str | None, row: ItemRow) -> str:
    if owner is None:
        create_item(context.engine, row, now=context.clock.now())
        return row.sku
    return create_owner_item(context.engine, owner, row, now=context.clock.now())


@router.patch(
    "/items/{sku}",
    summary="Change an item",
    response_model=ItemOut,
    responses={
        **AUTH, 404: _NOT_FOUND, 413: TOO_LARGE, 422: _INVALID,
        409: problem("Its valuation or tracking cannot change: it has movements."),
    },
)  # fmt: skip
def change_item(
    sku: str,
    body: ItemPatch,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_ITEMS))],
) -> ItemOut:
    """Change the fields given; the valuation and tracking only while it has no movements."""
    with context.engine.connect() as conn:
        if get_item(conn, who.scope, sku) is None:
            raise _missing(sku)
    changes = body.changes()
    try:
        found = update_item(context.engine, sku, changes, now=context.clock.now())
    except ItemConflictError as err:
        field = "body.tracking" if "its tracking stays" in str(err) else "body.valuation"
        raise ProblemError(
            "conflict", str(err), errors=[FieldProblem(field=field, message=str(err))]
        ) from err
    if not found:
        raise _missing(sku)
    log.info("item.updated", sku=sku, fields=sorted(changes), principal=who.label)
    return _reread(context, who, sku)


CSV_MEDIA_TYPE = "text/csv"
_CSV_EXAMPLE = "sku,name,gtin,unit_weight_g,valuation,allow_negative\nSKU-1,Widget,,125.5,fifo,no\n"


@router.post(
    "/items/import",
    summary="Import items from a CSV file: all of it, or nothing",
    response_model=ImportedOut,
    responses={
        **AUTH, 413: TOO_LARGE,
        415: problem("The body is not `text/csv`."),
        422: problem("Bad rows: an `errors` entry each (`body.line N`)."),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": _CSV_EXAMPLE}},
        }
    },
)  # fmt: skip
async def import_csv(
    request: Request,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.WRITE_ITEMS))],
) -> ImportedOut:
    """The CSV of `collector items import` (UTF-8, header required): new items are created,
    existing ones updated; every bad row is reported with its line and nothing is imported."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != CSV_MEDIA_TYPE:
        raise ProblemError(
            "unsupported-media-type",
            f"send the item file as {CSV_MEDIA_TYPE} (got {media or 'no Content-Type'})",
        )
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ProblemError(
            "invalid-request", f"the item file is not UTF-8 text: {err}",
            errors=[FieldProblem(field="body", message="not UTF-8 text")],
        ) from err  # fmt: skip
    created, updated = await run_in_threadpool(_import, context, text)
    log.info("items.imported", created=created, updated=updated, principal=who.label)
    return ImportedOut(created=created, updated=updated)


def _import(context: Context, text: str) -> tuple[int, int]:
    try:
        result = import_items(context.engine, parse_items_csv(text), now=context.clock.now())
    except CatalogError as err:
        raise _bad_file(err) from err
    return result.created, result.updated


def _bad_file(err: CatalogError) -> ProblemError:
    errors = [
        FieldProblem(
            field=f"body.line {p.line}" if p.line is not None else "body", message=p.message
        )
        for p in err.problems
    ]
    shown = "; ".join(str(p) for p in err.problems[:5])
    more = f"; and {len(err.problems) - 5} more" if len(err.problems) > 5 else ""
    return ProblemError(
        "invalid-request", f"the item file has errors; nothing was imported: {shown}{more}",
        errors=errors,
    )  # fmt: skip


def _reread(context: Context, who: Principal, sku: str) -> ItemOut:
    with context.engine.connect() as conn:
        found = get_item(conn, who.scope, sku)
    if found is None:  # removed between the write and this read: nothing there now
        raise _missing(sku)
    return _out(found)
