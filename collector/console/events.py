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

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.console.guard import Viewer, page
from collector.console.render import templates
from collector.console.streaming import event_stream, sse_message
from collector.console.watch import JournalWatch
from collector.ledger.schema import movements
from collector.views.books import books_scope
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page, totals_of

router = APIRouter(include_in_schema=False)
POSITIONS_LIMIT = 500


def changed_skus(conn: sa.Connection, scope: Scope, after_id: int, upto_id: int) -> set[str]:
    """The SKUs of the lines in (after_id, upto_id] that ``scope`` may see."""
    m = movements.c
    query = (
        sa.select(m.sku).where(m.id > after_id, m.id <= upto_id, scope.where(m.owner)).distinct()
    )
    return set(conn.execute(query).scalars())


def positions_html(conn: sa.Connection, scope: Scope, sku: str) -> str:
    """The rows of the SKU page's positions table, as the page renders them."""
    positions = stock_page(conn, scope, StockFilter(sku=sku), limit=POSITIONS_LIMIT)
    fragment = templates.get_template("_positions.html")
    return fragment.render(
        positions=positions, totals=totals_of(positions, books_scope(conn, scope))
    )


@router.get("/events")
async def events(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_STOCK))],
    sku: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """The live stream of the page that watches ``sku``."""
    scope = who.principal.scope

    async def opening() -> list[str]:
        if sku is None:
            return []
        return [sse_message("positions", await run_in_threadpool(_positions, context, scope, sku))]

    async def on_change(seen: int, head: int) -> list[str]:
        touched = await run_in_threadpool(_changed, context, scope, seen, head)
        if not touched:
            return []
        found = [sse_message("stock", " ".join(sorted(touched)))]  # the stock page's tree
        if sku is not None and sku in touched:
            found.extend(await opening())  # and the watched SKU's positions
        return found

    return event_stream(request, _watch(request, context), opening=opening, on_change=on_change)


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
