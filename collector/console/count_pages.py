"""The counts page: start a cycle count under a location, scan or type what is on the shelf,
see the variances, close.

Starting and closing are the API's own steps (``begin_count``, ``close_count``): closing
posts the variances through the ledger's posting session. A scan (a USB keyboard-wedge
scanner types the barcode and Enter into the focused field; a person may type the SKU)
adds its units to the position's tally in the count, as a scanner station's count does:
noted, not posted, until the close. ``static/scan.js`` sends scans one after another
without reloading the page, so a scanner never loses keystrokes to a page load.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from collector.api import counts as api_counts
from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.api.problems import ProblemError
from collector.console.chart import plain
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html, templates
from collector.console.sessions import Session
from collector.domain.model import PositionKey
from collector.ledger.engine import read_only_connection
from collector.reconcile.runtime import counts
from collector.views.counts import count_page
from collector.views.items import ItemSearch, get_item, item_page
from collector.views.scope import Scope

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 50
Reader = Annotated[Viewer, Depends(page(Action.READ_COUNTS))]
Counter = Annotated[Viewer, Depends(page(Action.RUN_COUNTS))]
Checked = Annotated[Session, Depends(csrf_checked)]
Units = Annotated[str, Form(max_length=20)]


class ScanError(ValueError):
    """A scan could not be counted: the message says why and what to do."""


@router.get("/counts", response_class=HTMLResponse)
def count_list(request: Request, context: Context, who: Reader) -> HTMLResponse:
    """The newest counts, and the form to start one."""
    return _list(request, context, who)


def _list(
    request: Request, context: ApiContext, who: Viewer, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    with read_only_connection(context.engine) as conn:
        found = count_page(conn, who.principal.scope, status=None, limit=LIST_LIMIT)
    return html(
        request, "counts.html", session=who.session, principal=who.principal, title="Counts",
        counts=[api_counts.count_out(v) for v in found], error=error,
        may_run=who.principal.may(Action.RUN_COUNTS), status_code=status_code,
    )  # fmt: skip


@router.post("/counts", response_class=HTMLResponse)
def start(
    request: Request,
    context: Context,
    who: Counter,
    _checked: Checked,
    location: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Start a count through the API's step; on to its page."""
    try:
        body = api_counts.CountStartIn(location=location.strip())
    except ValidationError as err:
        message = "; ".join(e["msg"] for e in err.errors())
        return _list(request, context, who, error=f"Location {location!r}: {message}.",
                     status_code=422)  # fmt: skip
    detail = api_counts.begin_count(context, who.principal, body)
    return RedirectResponse(f"/counts/{detail.id}", status_code=303)


@router.get("/counts/{count_id}", response_class=HTMLResponse)
def count(
    request: Request,
    context: Context,
    who: Reader,
    count_id: int,
    location: Annotated[str, Query(max_length=255)] = "",
) -> HTMLResponse:
    """The count's positions, book and counted and variance, and the scan field."""
    return _count(request, context, who, count_id, location=location)


def _count(
    request: Request,
    context: ApiContext,
    who: Viewer,
    count_id: int,
    *,
    location: str = "",
    message: str = "",
    error: str = "",
    step: api_counts.CountStep | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = _detail(context, who.principal.scope, count_id)
    if detail is None:
        return html(request, "error.html", session=who.session, principal=who.principal,
                    title="Not found", message=f"There is no cycle count {count_id}.",
                    status_code=404)  # fmt: skip
    return html(
        request, "count.html", session=who.session, principal=who.principal,
        title=f"Count {detail.id} of {detail.location}", count=detail, step=step,
        location=location or _first_location(detail), message=message, error=error,
        may_run=who.principal.may(Action.RUN_COUNTS), status_code=status_code,
    )  # fmt: skip


def _detail(context: ApiContext, scope: Scope, count_id: int) -> api_counts.CountDetail | None:
    with read_only_connection(context.engine) as conn:
        try:
            return api_counts.count_detail(conn, scope, count_id)
        except ProblemError:
            return None


def _first_location(detail: api_counts.CountDetail) -> str:
    return detail.lines[0].location if detail.lines else detail.location


@router.post("/counts/{count_id}/scan", response_class=HTMLResponse)
def scan(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    context: Context,
    who: Counter,
    _checked: Checked,
    count_id: int,
    code: Annotated[str, Form(max_length=64)] = "",
    qty: Units = "",
    location: Annotated[str, Form(max_length=255)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add a scan (+1, or the units typed) to its position's tally."""
    try:
        key, tally = _scan(context, who, count_id, code, qty, location.strip().lower(), owner)
        message, error = f"{key.sku} at {key.location} ({key.owner}): {plain(tally)} counted", ""
    except (ScanError, counts.CountError) as err:
        message, error = "", str(err)
    if request.headers.get("X-Scan") == "1":  # scan.js: the lines and the outcome only
        detail = _detail(context, who.principal.scope, count_id)
        if detail is None:
            return HTMLResponse(f"There is no cycle count {count_id}.", status_code=404)
        fragment = templates.get_template("_count_lines.html")
        # a refused scan is news for the page, not a failed request: 200, the outcome says
        body = fragment.render(count=detail, message=message, error=error, csrf=who.session.csrf,
                               may_run=True)  # fmt: skip
        return HTMLResponse(body)
    if error:
        return _count(request, context, who, count_id, location=location, error=error,
                      status_code=422)  # fmt: skip
    return _count(request, context, who, count_id, location=location, message=message)


def _scan(  # noqa: PLR0917 - one scan's fields
    context: ApiContext, who: Viewer, count_id: int, code: str, qty: str, location: str,
    owner: str,
) -> tuple[PositionKey, Decimal]:  # fmt: skip
    units = _units(qty)
    with context.engine.begin() as conn:
        sku = _sku_of(conn, who.principal.scope, code.strip())
        if not location:
            raise ScanError("Say where you count: choose the location first.")
        key = PositionKey(sku, location, owner.strip() or _owner_of(conn, count_id, sku, location))
        tally = counts.tally(conn, count_id, key, units=units, by=who.principal.label,
                             now=context.clock.now())  # fmt: skip
    return key, tally


def _units(qty: str) -> Decimal:
    """The units a scan adds: 1 unless a quantity was typed."""
    if not qty.strip():
        return Decimal(1)
    try:
        units = Decimal(qty.strip())
    except InvalidOperation as err:
        raise ScanError(
            f"Quantity {qty!r} is not a number of units; leave it empty for 1."
        ) from err
    if not units.is_finite() or units <= 0 or units != units.quantize(Decimal("0.000001")):
        raise ScanError(f"Quantity {qty!r}: give a positive number (up to 6 decimals).")
    return units


def _sku_of(conn: sa.Connection, scope: Scope, code: str) -> str:
    """The SKU a scanned or typed code names: a SKU, else an item's GTIN."""
    if not code:
        raise ScanError("Nothing was scanned: scan a barcode or type a SKU, then Enter.")
    found = get_item(conn, scope, code)
    if found is not None:
        return found.sku
    by_gtin = item_page(conn, scope, ItemSearch(gtin=code), limit=2)
    if len(by_gtin) == 1:
        return by_gtin[0].sku
    raise ScanError(f"No item has the SKU or GTIN {code!r}: check the label, or add the item.")


def _owner_of(conn: sa.Connection, count_id: int, sku: str, location: str) -> str:
    """Whose stock a scan counts: the one owner the count holds there, else ``own``."""
    owners = {line.owner for line in counts.lines(conn, count_id)
              if line.sku == sku and line.location == location}  # fmt: skip
    if len(owners) > 1:
        raise ScanError(
            f"{sku} at {location} is held for {', '.join(sorted(owners))}: choose the owner."
        )
    return owners.pop() if owners else "own"


@router.post("/counts/{count_id}/record", response_class=HTMLResponse)
def record(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    context: Context,
    who: Counter,
    _checked: Checked,
    count_id: int,
    sku: Annotated[str, Form(max_length=64)] = "",
    location: Annotated[str, Form(max_length=255)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
    counted: Units = "",
) -> HTMLResponse:
    """Post a counted position that moved during the count, through the API's record step."""
    try:
        body = api_counts.CountRecordIn(sku=sku, location=location, owner=owner,
                                        counted_qty=counted, accept_moved=True)  # fmt: skip
        step = api_counts.record_count(count_id, body, context, who.principal)
    except ValidationError as err:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return _count(request, context, who, count_id, error=f"Not posted: {wrong}.",
                      status_code=422)  # fmt: skip
    except ProblemError as err:
        return _count(request, context, who, count_id, error=f"{err.kind.title}: {err.detail}.",
                      status_code=err.kind.status)  # fmt: skip
    return _count(request, context, who, count_id, step=step,
                  message=f"{sku} at {location} ({owner}) posted though it moved.")  # fmt: skip


@router.post("/counts/{count_id}/close", response_class=HTMLResponse)
def close(
    request: Request, context: Context, who: Counter, _checked: Checked, count_id: int
) -> HTMLResponse:
    """Close the count through the API's step: its counted variances are posted."""
    try:
        step = api_counts.close_count(count_id, context, who.principal)
    except ProblemError as err:
        return _count(request, context, who, count_id, error=f"{err.kind.title}: {err.detail}.",
                      status_code=err.kind.status)  # fmt: skip
    posted = sum(1 for r in step.results if r.posted)
    return _count(request, context, who, count_id, step=step,
                  message=f"Count {count_id} closed: {posted} variance(s) posted.")  # fmt: skip
