"""The recall trace pages: where a lot or a serial came from, where every unit went, and
where what is left is now (the API's ``/api/v1/trace``, for people)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collector.api.access import Action
from collector.api.context import Context
from collector.console.guard import Viewer, page
from collector.console.render import html
from collector.views.trace import LotTrace, trace_lot, trace_serial

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(max_length=64)]
"""A lot or serial code, or a SKU, in a path (the ledger's longest)."""


@router.get("/trace", response_class=HTMLResponse)
def trace_form(
    request: Request,
    who: Annotated[Viewer, Depends(page(Action.READ_MOVEMENTS))],
    kind: Literal["lot", "serial"] = "lot",
    sku: Annotated[str, Query(max_length=64)] = "",
    code: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The form for a lot (of a SKU) or a serial; filled in, it goes to that trace's page."""
    sku, code = sku.strip(), code.strip()
    if code and kind == "serial":
        return RedirectResponse(f"/trace/serial/{quote(code, safe='')}", status_code=303)
    if code and sku:
        return RedirectResponse(
            f"/trace/lot/{quote(sku, safe='')}/{quote(code, safe='')}", status_code=303
        )
    return _page(request, who, kind=kind, sku=sku, code=code, trace=None)


@router.get("/trace/lot/{lot_sku}/{lot}", response_class=HTMLResponse)
def lot_trace(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_MOVEMENTS))],
    lot_sku: Code,
    lot: Code,
) -> HTMLResponse:
    """Lot ``lot`` of ``lot_sku`` in the reader's owners: origin, every line, what is left
    where (another owner's lot reads as one nobody has)."""
    with context.engine.connect() as conn:
        found = trace_lot(conn, who.principal.scope, lot_sku, lot)
    return _page(request, who, kind="lot", sku=lot_sku, code=lot, trace=found, asked=True)


@router.get("/trace/serial/{serial}", response_class=HTMLResponse)
def serial_trace(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_MOVEMENTS))],
    serial: Code,
) -> HTMLResponse:
    """Serial ``serial``, whichever serial-tracked item carries it, in the reader's owners."""
    with context.engine.connect() as conn:
        found = trace_serial(conn, who.principal.scope, serial)
    return _page(request, who, kind="serial", sku="", code=serial, trace=found, asked=True)


def _page(
    request: Request,
    who: Viewer,
    *,
    kind: str,
    sku: str,
    code: str,
    trace: LotTrace | None,
    asked: bool = False,
) -> HTMLResponse:
    title = f"Trace · {kind} {code}" if asked else "Recall trace"
    return html(
        request, "trace.html", session=who.session, principal=who.principal, title=title,
        kind=kind, sku=sku, code=code, asked=asked, trace=trace,
        status_code=404 if asked and trace is None else 200,
    )  # fmt: skip
