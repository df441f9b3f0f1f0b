"""Signed session cookies and the CSRF token they carry.

The cookie holds the user's name and a random CSRF token, signed (itsdangerous, HMAC) with
the ``console`` key of ``api_secrets``, so it survives a restart and every process accepts
it; it expires after ``SESSION_MAX_AGE_S``. It is HttpOnly and SameSite=Strict, and Secure
when the page was served over https. Every POST must send the token in a ``csrf`` field.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from collector.api.context import Context
from collector.api.cursors import load_secret

COOKIE = "console_session"
SESSION_SECRET = "console"  # noqa: S105 - the name of the row, not a secret
SESSION_MAX_AGE_S = 12 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """A browser's session: the CSRF token, and the user once logged in."""

    csrf: str
    user: str | None = None


class SessionCodec:
    """Signs sessions into cookie values and checks them back."""

    def __init__(self, key: str) -> None:
        """``key``: the secret the signatures are made with."""
        self._serializer = URLSafeTimedSerializer(key, salt="console-session")

    def dumps(self, session: Session) -> str:
        """The cookie value of ``session``."""
        return self._serializer.dumps({"c": session.csrf, "u": session.user})

    def loads(self, value: str) -> Session | None:
        """The session in a cookie value; None when forged, damaged or expired."""
        try:
            found: Any = self._serializer.loads(value, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(found, dict) or not isinstance(found.get("c"), str):
            return None
        user = found.get("u")
        return Session(found["c"], user if isinstance(user, str) else None)


def session_codec(request: Request, context: Context) -> SessionCodec:
    """The app's codec, its key read from (or made in) the ledger on first use."""
    codec: SessionCodec | None = getattr(request.app.state, "session_codec", None)
    if codec is None:
        with context.engine.begin() as conn:
            codec = SessionCodec(load_secret(conn, SESSION_SECRET, now=context.clock.now()))
        request.app.state.session_codec = codec
    return codec


Codec = Annotated[SessionCodec, Depends(session_codec)]


def current_session(request: Request, codec: Codec) -> Session | None:
    """The request's valid session, if it sent one."""
    value = request.cookies.get(COOKIE)
    return codec.loads(value) if value else None


def new_session(user: str | None = None) -> Session:
    """A session with a fresh CSRF token (a new one at every log-in)."""
    return Session(secrets.token_urlsafe(32), user)


def set_cookie(response: Response, request: Request, codec: SessionCodec, session: Session) -> None:
    """Put ``session`` in the response's cookie."""
    response.set_cookie(
        COOKIE,
        codec.dumps(session),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_cookie(response: Response, request: Request) -> None:
    """End the session in the browser."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def csrf_matches(session: Session | None, sent: str | None) -> bool:
    """Whether a form's token is its session's (compared in constant time)."""
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
