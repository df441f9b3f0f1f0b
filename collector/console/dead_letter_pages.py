"""The dead letters page: what did not post, the reason and the payload; replay one.

The list and the rows are the API's (``dead_letter_page``, ``DeadLetterOut``); the replay
button calls the API's own ``replay`` (the stored payload posted again through the
ledger's posting session, exactly once), so its refusals are the API's too.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from collector.api import dead_letters as api_dead_letters
from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.api.problems import ProblemError
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html, templates
from collector.console.sessions import Session
from collector.ledger.engine import read_only_connection
from collector.views.dead_letters import dead_letter_page

router = APIRouter(include_in_schema=False)
PAGE_LIMIT = 100
SHOWN = ("waiting", "replayed", "all")
Reader = Annotated[Viewer, Depends(page(Action.READ_DEAD_LETTERS))]


def pretty_payload(payload: str) -> str:
    """A JSON payload indented for reading; any other text as it came."""
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except ValueError:
        return payload


templates.env.filters["pretty_payload"] = pretty_payload


@router.get("/dead-letters", response_class=HTMLResponse)
def dead_letters(
    request: Request,
    context: Context,
    who: Reader,
    show: Annotated[str, Query(max_length=16)] = "waiting",
) -> HTMLResponse:
    """The newest dead letters, those not replayed unless ``show`` says otherwise."""
    return _page(request, context, who, show=show if show in SHOWN else "waiting")


def _page(
    request: Request,
    context: ApiContext,
    who: Viewer,
    *,
    show: str = "waiting",
    replayed: api_dead_letters.ReplayedOut | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    wanted = {"waiting": False, "replayed": True}.get(show)
    with read_only_connection(context.engine) as conn:
        found = dead_letter_page(conn, replayed=wanted, source=None, limit=PAGE_LIMIT)
    letters = [api_dead_letters.dead_letter_out(v) for v in found]
    return html(
        request, "dead_letters.html", session=who.session, principal=who.principal,
        title="Dead letters", letters=letters, show=show, replayed=replayed, error=error,
        may_replay=who.principal.may(Action.REPLAY_DEAD_LETTERS), status_code=status_code,
    )  # fmt: skip


@router.post("/dead-letters/{dead_letter_id}/replay", response_class=HTMLResponse)
def replay(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.REPLAY_DEAD_LETTERS))],
    _checked: Annotated[Session, Depends(csrf_checked)],
    dead_letter_id: int,
) -> HTMLResponse:
    """Replay it through the API's replay; the page shows what was posted, or why not."""
    try:
        done = api_dead_letters.replay(dead_letter_id, context, who.principal)
    except ProblemError as err:
        return _page(request, context, who, error=f"{err.kind.title}: {err.detail}.",
                     status_code=err.kind.status)  # fmt: skip
    return _page(request, context, who, replayed=done)
