"""API tokens: created once (the secret is printed once), stored as an argon2 hash, revocable.

A token reads ``inv_<id>_<secret>``: the id finds its row with one primary-key read, the
secret is checked against the argon2 hash. Hashing is deliberately slow, so a verified
token is remembered in this process (by the SHA-256 of the whole token) and only its row's
revocation and role are read again on each request.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.api.access import Principal, Role
from collector.api.schema import api_tokens
from collector.errors import CollectorError
from collector.secret_hashing import hash_secret, verify_secret

PREFIX = "inv_"
_TOKEN = re.compile(r"^inv_(\d{1,18})_([A-Za-z0-9_-]{20,128})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class TokenError(CollectorError, ValueError):
    """A token cannot be created or revoked as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as ``tokens list`` shows it (never its secret)."""

    token_id: int
    name: str
    role: Role
    owners: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


def create_token(
    conn: sa.Connection, *, name: str, role: Role, owners: Sequence[str], now: datetime
) -> str:
    """Store a new token and return it in full: the only time its secret is known."""
    if not _NAME.match(name):
        raise TokenError(
            f"token name {name!r}: 1-64 letters, digits, '_', '.', '@' or '-', not starting "
            "with a symbol"
        )
    if role is Role.CLIENT and not owners:
        raise TokenError("a client token must name the owners it may see: --owner O (repeat)")
    if role is not Role.CLIENT and owners:
        raise TokenError(f"--owner is for client tokens; a {role.value} token sees every owner")
    exists = conn.execute(sa.select(api_tokens.c.id).where(api_tokens.c.name == name)).first()
    if exists is not None:
        raise TokenError(f"a token named {name!r} exists already: revoke it or pick another name")
    secret = secrets.token_urlsafe(32)
    result = conn.execute(
        api_tokens.insert().values(
            name=name,
            role=role.value,
            owners=json.dumps(sorted(set(owners))),
            secret_hash=hash_secret(secret),
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None, "an INSERT returns its primary key"
    return f"{PREFIX}{int(key[0])}_{secret}"


def list_tokens(conn: sa.Connection) -> list[TokenInfo]:
    """Every token, revoked ones too, oldest first."""
    rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.id))
    return [_info(row) for row in rows]


def revoke_token(conn: sa.Connection, name: str, *, now: datetime) -> TokenInfo:
    """Revoke a token by name: from the next request on it is refused everywhere."""
    row = conn.execute(sa.select(api_tokens).where(api_tokens.c.name == name)).first()
    if row is None:
        raise TokenError(f"no token named {name!r}: `collector tokens list` shows them")
    if row.revoked_at is not None:
        raise TokenError(f"token {name!r} was revoked already, at {row.revoked_at.isoformat()}")
    conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(revoked_at=now))
    return replace(_info(row), revoked_at=now)


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        row.id, row.name, Role(row.role), tuple(json.loads(row.owners)), row.created_at,
        row.revoked_at,
    )  # fmt: skip


class TokenVerifier:
    """Turns a bearer token into its principal, or None; remembers verified secrets."""

    def __init__(self, *, max_remembered: int = 10_000) -> None:
        """Verified tokens are remembered by digest, up to ``max_remembered``."""
        self._verified: dict[str, int] = {}
        self._max = max_remembered

    def principal(self, conn: sa.Connection, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token; None for anything else."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        token_id, secret = int(match.group(1)), match.group(2)
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None or row.revoked_at is not None:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if self._verified.get(digest) != token_id and not verify_secret(row.secret_hash, secret):
            return None
        self._remember(digest, token_id)
        owners = tuple(json.loads(row.owners))
        role = Role(row.role)
        return Principal(
            row.name, role, frozenset(owners) if role is Role.CLIENT else None, token_id
        )

    def _remember(self, digest: str, token_id: int) -> None:
        if len(self._verified) >= self._max:
            self._verified.clear()
        self._verified[digest] = token_id
