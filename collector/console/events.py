"""``GET /events``: server-sent events pushing a SKU's positions when its stock changes.

Two events: ``stock`` (the SKUs the new lines touched, on which the stock page reloads its
location tree) and ``positions`` (the watched SKU's positions table, ``?sku=``).

The process's one ``JournalWatch`` reads the journal's highest id every 250 ms and wakes
the streams when it grew; each then asks which of the reader's SKUs the new lines touched
(scoped in the query, so a client never hears of another owner's change) and sends what
its page shows. On every (re)connect the current positions go out first, so a page that
lost the server (a restart) catches up by itself; ``retry`` tells the browser how soon to
reconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.console.guard import Viewer, page
from collector.console.render import templates
from collector.console.watch import JournalWatch
from collector.ledger.schema import movements
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page, totals_of

router = APIRouter(include_in_schema=False)
HEARTBEAT_S = 15.0
STREAM_S = 30 * 60
"""A stream ends after this long and the browser reconnects: no connection lives forever."""
RETRY_MS = 1000
POSITIONS_LIMIT = 500


def changed_skus(conn: sa.Connection, scope: Scope, after_id: int, upto_id: int) -> set[str]:
    """The SKUs of the lines in (after_id, upto_id] that ``scope`` may see."""
    m = movements.c
    query = (
        sa.select(m.sku).where(m.id > after_id, m.id <= upto_id, scope.where(m.owner)).distinct()
    )
    return set(conn.execute(query).scalars())


def sse_message(event: str, data: str) -> str:
    """One event in the text/event-stream format (each line of ``data`` its own field)."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def positions_html(conn: sa.Connection, scope: Scope, sku: str) -> str:
    """The rows of the SKU page's positions table, as the page renders them."""
    positions = stock_page(conn, scope, StockFilter(sku=sku), limit=POSITIONS_LIMIT)
    fragment = templates.get_template("_positions.html")
    return fragment.render(positions=positions, totals=totals_of(positions))


@router.get("/events")
async def events(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_STOCK))],
    sku: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """The live stream of the page that watches ``sku``."""
    stream = _stream(request, context, who.principal.scope, sku)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _stream(
    request: Request, context: ApiContext, scope: Scope, sku: str | None
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    watch = _watch(request, context)
    yield f"retry: {RETRY_MS}\n\n"
    head = await run_in_threadpool(watch.read_head)
    if sku is not None:
        yield sse_message("positions", await run_in_threadpool(_positions, context, scope, sku))
    started = loop.time()
    while loop.time() - started < STREAM_S and not await request.is_disconnected():
        new_head = await watch.wait_past(head, timeout_s=HEARTBEAT_S)
        if new_head is None:  # the server is stopping: end the stream, the browser comes back
            return
        if new_head == head:
            yield ": keep-alive\n\n"
            continue
        touched = await run_in_threadpool(_changed, context, scope, head, new_head)
        head = new_head
        if touched:  # the stock page reloads its tree on this one
            yield sse_message("stock", " ".join(sorted(touched)))
        if sku is not None and sku in touched:
            yield sse_message("positions", await run_in_threadpool(_positions, context, scope, sku))


def _watch(request: Request, context: ApiContext) -> JournalWatch:
    """The console's one watch of the journal (``create_console`` makes it)."""
    found: JournalWatch = request.app.state.journal_watch
    return found


def _changed(context: ApiContext, scope: Scope, after_id: int, upto_id: int) -> set[str]:
    with context.engine.connect() as conn:
        return changed_skus(conn, scope, after_id, upto_id)


def _positions(context: ApiContext, scope: Scope, sku: str) -> str:
    with context.engine.connect() as conn:
        return positions_html(conn, scope, sku)
