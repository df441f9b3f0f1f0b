"""Log-in and log-out pages."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collector.api.context import Context
from collector.console.guard import CurrentSession, csrf_checked
from collector.console.render import home, html
from collector.console.sessions import (
    Codec,
    Session,
    clear_cookie,
    new_session,
    set_cookie,
)
from collector.console.users import LOCK_S, MAX_FAILURES, active_principal, authenticate

log = structlog.get_logger("collector.console")
router = APIRouter(include_in_schema=False)
FAILED = (
    f"Log-in failed: the name or the password is wrong, or the user is disabled or locked "
    f"(after {MAX_FAILURES} failures in a row a user is locked for {LOCK_S // 60} minutes). "
    "Try again, or ask an admin."
)
"""One message for every refusal, so the page never tells which names exist."""


@router.get("/login")
def login_page(
    request: Request, context: Context, codec: Codec, session: CurrentSession
) -> Response:
    """The log-in form (with a fresh anonymous session for its CSRF token); a user who is
    logged in already goes to its first page."""
    if session is not None and session.user is not None:
        with context.engine.connect() as conn:
            principal = active_principal(conn, session.user)
        if principal is not None:
            return RedirectResponse(home(principal), status_code=303)
    fresh = session if session is not None and session.user is None else new_session()
    response = html(request, "login.html", session=fresh, title="Log in")
    set_cookie(response, request, codec, fresh)
    return response


@router.post("/login")
def login(
    request: Request,
    context: Context,
    codec: Codec,
    _form_session: Annotated[Session, Depends(csrf_checked)],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Check the name and password; a new session (and CSRF token) when they are right."""
    with context.engine.begin() as conn:
        ok = authenticate(conn, username, password, now=context.clock.now())
        principal = active_principal(conn, username) if ok else None
    if principal is None:
        log.info("console.login_failed", user=username)
        fresh = new_session()
        response: Response = html(
            request, "login.html", session=fresh, title="Log in", error=FAILED,
            username=username, status_code=401,
        )  # fmt: skip
        set_cookie(response, request, codec, fresh)
        return response
    log.info("console.login", principal=principal.label)
    response = RedirectResponse(home(principal), status_code=303)
    set_cookie(response, request, codec, new_session(principal.name))
    return response


@router.post("/logout")
def logout(request: Request, session: Annotated[Session, Depends(csrf_checked)]) -> Response:
    """End the session; back to the log-in form."""
    log.info("console.logout", principal=session.user)
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response, request)
    return response


def refused_page(request: Request, session: Session | None, message: str) -> HTMLResponse:
    """The 403 page of a refused form or page."""
    return html(request, "error.html", session=session, title="Refused", message=message,
                status_code=403)  # fmt: skip
