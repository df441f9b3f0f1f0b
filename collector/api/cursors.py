"""Opaque, tamper-proof pagination cursors, bound to the query and the reader that got them.

A cursor is a Fernet token (AES-CBC and HMAC-SHA256) over where the page ended plus a
digest of the list, its filters and the reader's owner scope. A client cannot read the
position (for movements a global journal id, which would reveal other owners' activity by
its gaps), forge one, or replay one under other filters or another token's owners: each of
those is the same ``invalid-cursor`` problem. The key is kept in the ledger database
(``api_secrets``), so cursors outlive a restart and every API process accepts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from fastapi import Depends, Request

from collector.api.context import Context
from collector.api.problems import FieldProblem, ProblemError
from collector.api.schema import api_secrets
from collector.views.scope import Scope

CURSOR_SECRET = "cursor"  # noqa: S105 - the name of the row, not a secret
_BINDING_CHARS = 32


class CursorCodec:
    """Seals page positions into cursors and opens them again."""

    def __init__(self, key: bytes | str) -> None:
        """``key``: a Fernet key (32 random bytes, URL-safe base64)."""
        self._fernet = Fernet(key)

    def seal(self, binding: str, position: list[Any]) -> str:
        """A cursor for ``position`` in the list that ``binding`` names."""
        plain = json.dumps({"b": binding, "p": position}, separators=(",", ":"))
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, cursor: str, binding: str, *, size: int = 1) -> list[Any]:
        """The position (``size`` values) sealed in ``cursor``; an ``invalid-cursor`` problem
        for anything else."""
        try:
            found = json.loads(self._fernet.decrypt(cursor.encode()))
        except (InvalidToken, ValueError, UnicodeError):
            found = None
        if not isinstance(found, dict) or found.get("b") != binding:
            raise _invalid()
        position = found.get("p")
        if not isinstance(position, list) or len(position) != size:
            raise _invalid()
        return position


def _invalid() -> ProblemError:
    # One answer for forged, damaged, foreign and other-query cursors: nothing to learn.
    return ProblemError(
        "invalid-cursor",
        "the cursor is not one this API gave out for this list and these filters",
        errors=[FieldProblem(field="query.cursor", message="not a cursor of this query")],
    )


def binding(kind: str, scope: Scope, filters: Mapping[str, Any]) -> str:
    """What a cursor is valid for: the list, its filters (not the page size), the owners."""
    owners = None if scope.owners is None else sorted(scope.owners)
    text = json.dumps(
        {"k": kind, "s": owners, "f": {k: _plain(v) for k, v in sorted(filters.items())}},
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:_BINDING_CHARS]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple, frozenset, set)):
        return sorted(_plain(v) for v in value)
    return value


def load_cursor_key(conn: sa.Connection, *, now: datetime) -> str:
    """The ledger's cursor key, made (once, whoever is first) when the database lacks it."""
    return load_secret(conn, CURSOR_SECRET, now=now)


def load_secret(conn: sa.Connection, name: str, *, now: datetime) -> str:
    """The ``api_secrets`` key ``name`` (a Fernet key), made once by whoever is first."""
    query = sa.select(api_secrets.c.secret).where(api_secrets.c.name == name)
    found = conn.execute(query).scalar_one_or_none()
    if found is not None:
        return str(found)
    try:
        with conn.begin_nested():
            conn.execute(
                api_secrets.insert().values(
                    name=name, secret=Fernet.generate_key().decode(), created_at=now
                )
            )
    except sa.exc.IntegrityError:
        pass  # another process made it first: use theirs
    return str(conn.execute(query).scalar_one())


def cursor_codec(request: Request, context: Context) -> CursorCodec:
    """The app's codec, its key read from the ledger on first use."""
    codec: CursorCodec | None = getattr(request.app.state, "cursor_codec", None)
    if codec is None:
        with context.engine.begin() as conn:
            codec = CursorCodec(load_cursor_key(conn, now=context.clock.now()))
        request.app.state.cursor_codec = codec
    return codec


Cursors = Annotated[CursorCodec, Depends(cursor_codec)]
