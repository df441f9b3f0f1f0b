"""``GET /events/alerts``: server-sent events telling the alert pages an alert changed.

Every change of an alert (raised, refreshed with new figures, acknowledged, assigned,
commented, resolved, dismissed) appends a step to its history in the same transaction,
so the history's highest id is the alerts' head, watched like the journal's (one
``JournalWatch`` over ``alert_events`` per process). When it grew, the stream asks which
of the changed alerts the reader may see (scoped in the query: a client never hears of
another owner's alert) and sends one ``alerts`` event naming them; the inbox reloads its
table on it, the detail page its history. On every (re)connect an ``alerts`` event goes out
first, so a page that lost the server (a restart) or opened just before a change catches up.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from collector.alerts.schema import alert_events, alerts
from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.console.guard import Viewer, page
from collector.console.streaming import event_stream, sse_message
from collector.console.watch import JournalWatch
from collector.views.alerts import visible_alerts
from collector.views.scope import Scope

router = APIRouter(include_in_schema=False)
EVENT = "alerts"


def alert_head(conn: sa.Connection) -> int:
    """The highest id of the alerts' history (0 when no alert ever changed)."""
    return int(conn.execute(sa.select(sa.func.max(alert_events.c.id))).scalar_one() or 0)


def changed_alerts(conn: sa.Connection, scope: Scope, after_id: int, upto_id: int) -> list[int]:
    """The ids of the alerts ``scope`` may see whose history grew in (after_id, upto_id]."""
    e = alert_events.c
    query = (
        sa.select(e.alert_id)
        .join(alerts, alerts.c.id == e.alert_id)
        .where(e.id > after_id, e.id <= upto_id, visible_alerts(scope))
        .distinct()
    )
    return sorted(int(found) for found in conn.execute(query).scalars())


@router.get("/events/alerts")
async def alert_events_stream(
    request: Request, context: Context, who: Annotated[Viewer, Depends(page(Action.READ_ALERTS))]
) -> StreamingResponse:
    """The live stream of the alert pages."""
    scope = who.principal.scope
    watch: JournalWatch = request.app.state.alert_watch

    async def opening() -> list[str]:  # catch up with what happened while we were away
        return [sse_message(EVENT, "connected")]

    async def on_change(seen: int, head: int) -> list[str]:
        changed = await run_in_threadpool(_changed, context, scope, seen, head)
        return [sse_message(EVENT, " ".join(str(n) for n in changed))] if changed else []

    return event_stream(request, watch, opening=opening, on_change=on_change)


def _changed(context: ApiContext, scope: Scope, after_id: int, upto_id: int) -> list[int]:
    with context.engine.connect() as conn:
        return changed_alerts(conn, scope, after_id, upto_id)
