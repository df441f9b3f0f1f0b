"""Who is logged in, what they may open, and the refusals: the console's dependencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request

from collector.api.access import Action, Principal
from collector.api.context import Context
from collector.console.sessions import Session, csrf_matches, current_session
from collector.console.users import active_principal

CurrentSession = Annotated[Session | None, Depends(current_session)]


class LoginRequiredError(Exception):
    """No valid session, or its user was disabled: the page sends the browser to log in."""


class PageForbiddenError(Exception):
    """The user's role may not open this page."""

    def __init__(self, action: Action) -> None:
        """``action``: what the page needs."""
        super().__init__(action.value)
        self.action = action


class CsrfRefusedError(Exception):
    """A form came without its session's CSRF token."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in user: its principal and its session (for the forms' CSRF token)."""

    principal: Principal
    session: Session


def viewer(context: Context, session: CurrentSession) -> Viewer:
    """The logged-in, enabled user of the request, or log in first."""
    if session is None or session.user is None:
        raise LoginRequiredError
    with context.engine.connect() as conn:
        found = active_principal(conn, session.user)
    if found is None:
        raise LoginRequiredError
    return Viewer(found, session)


def page(action: Action) -> Callable[..., Viewer]:
    """A dependency: the user, whose role must allow ``action`` (else a 403 page)."""

    def check(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        if not who.principal.may(action):
            raise PageForbiddenError(action)
        return who

    return check


def csrf_checked(
    request: Request, session: CurrentSession, csrf: Annotated[str, Form()] = ""
) -> Session:
    """The session of a POST whose ``csrf`` field is its token (else a 403 page)."""
    if session is None or not csrf_matches(session, csrf):
        raise CsrfRefusedError(request.url.path)
    return session
