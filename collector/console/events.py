"""``GET /events``: server-sent events pushing a SKU's positions when its stock changes.

Two events: ``stock`` (the SKUs the new lines touched, on which the stock page reloads its
location tree) and ``positions`` (the watched SKU's positions table, ``?sku=``).

Every ``POLL_S`` the stream reads the journal's highest id (one primary-key read); when it
moved, it asks which of the reader's SKUs the new lines touched (scoped in the query, so a
client never hears of another owner's change) and sends the watched SKU's positions as
HTML that htmx's SSE extension swaps in. On every (re)connect the current positions go out
first, so a page that lost the server (a restart) catches up by itself; ``retry`` tells
the browser how soon to reconnect.
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
from collector.ledger.schema import movements
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page, totals_of

router = APIRouter(include_in_schema=False)
POLL_S = 0.25
HEARTBEAT_S = 15.0
STREAM_S = 30 * 60
"""A stream ends after this long and the browser reconnects: no connection lives forever."""
RETRY_MS = 1000
POSITIONS_LIMIT = 500


def journal_head(conn: sa.Connection) -> int:
    """The highest journal id (0 for an empty journal)."""
    return int(conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one() or 0)


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
    yield f"retry: {RETRY_MS}\n\n"
    head = await run_in_threadpool(_head, context)
    if sku is not None:
        yield sse_message("positions", await run_in_threadpool(_positions, context, scope, sku))
    started = beat = loop.time()
    while loop.time() - started < STREAM_S and not await request.is_disconnected():
        await asyncio.sleep(POLL_S)
        new_head = await run_in_threadpool(_head, context)
        if new_head != head:
            touched = await run_in_threadpool(_changed, context, scope, head, new_head)
            head = new_head
            if touched:  # the stock page reloads its tree on this one
                yield sse_message("stock", " ".join(sorted(touched)))
            if sku is not None and sku in touched:
                html = await run_in_threadpool(_positions, context, scope, sku)
                yield sse_message("positions", html)
                beat = loop.time()
        if loop.time() - beat > HEARTBEAT_S:
            yield ": keep-alive\n\n"
            beat = loop.time()


def _head(context: ApiContext) -> int:
    with context.engine.connect() as conn:
        return journal_head(conn)


def _changed(context: ApiContext, scope: Scope, after_id: int, upto_id: int) -> set[str]:
    with context.engine.connect() as conn:
        return changed_skus(conn, scope, after_id, upto_id)


def _positions(context: ApiContext, scope: Scope, sku: str) -> str:
    with context.engine.connect() as conn:
        return positions_html(conn, scope, sku)
