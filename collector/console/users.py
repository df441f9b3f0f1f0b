"""Console users: added with a password (kept as an argon2 hash), disabled, and logged in.

Log-in failures are counted per user in the database: ``MAX_FAILURES`` in a row lock the
user out for ``LOCK_S`` seconds, whichever process served them. A name that does not exist,
a wrong password, a disabled or a locked user all get the same answer (None), so the page
cannot tell anyone which names exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from collector.api.access import Principal, Role
from collector.api.schema import console_users
from collector.errors import CollectorError
from collector.secret_hashing import hash_secret, verify_nobody, verify_secret

MAX_FAILURES = 5
LOCK_S = 15 * 60
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class UserError(CollectorError, ValueError):
    """A user cannot be added or disabled as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A console user as ``users list`` shows it (never the hash)."""

    name: str
    role: Role
    owners: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None
    locked_until: datetime | None


def add_user(
    conn: sa.Connection,
    *,
    name: str,
    role: Role,
    owners: Sequence[str],
    password: str,
    now: datetime,
) -> None:
    """Store a new user with the argon2 hash of ``password``."""
    if not _NAME.match(name):
        raise UserError(
            f"user name {name!r}: 1-64 letters, digits, '_', '.', '@' or '-', not starting "
            "with a symbol"
        )
    if role is Role.CLIENT and not owners:
        raise UserError("a client user must name the owners it may see: --owner O (repeat)")
    if role is not Role.CLIENT and owners:
        raise UserError(f"--owner is for client users; a {role.value} user sees every owner")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password is too short: at least {MIN_PASSWORD_CHARS} characters")
    if _row(conn, name) is not None:
        raise UserError(f"a user named {name!r} exists already: disable it or pick another name")
    conn.execute(
        console_users.insert().values(
            name=name, role=role.value, owners=json.dumps(sorted(set(owners))),
            password_hash=hash_secret(password), created_at=now, failed_logins=0,
        )
    )  # fmt: skip


def list_users(conn: sa.Connection) -> list[UserInfo]:
    """Every user, disabled ones too, oldest first."""
    rows = conn.execute(sa.select(console_users).order_by(console_users.c.id))
    return [_info(row) for row in rows]


def disable_user(conn: sa.Connection, name: str, *, now: datetime) -> None:
    """Disable a user: its sessions end at their next request, it cannot log in again."""
    row = _row(conn, name)
    if row is None:
        raise UserError(f"no user named {name!r}: `collector users list` shows them")
    if row.disabled_at is not None:
        raise UserError(f"user {name!r} was disabled already, at {row.disabled_at.isoformat()}")
    conn.execute(_update(name).values(disabled_at=now))


def authenticate(conn: sa.Connection, name: str, password: str, *, now: datetime) -> bool:
    """Whether ``name`` may log in with ``password`` now; counts failures and locks out."""
    row = _row(conn, name)
    if row is None:
        verify_nobody(password)  # as slow as a real check: timing tells nothing
        return False
    locked = row.locked_until is not None and row.locked_until > now
    if locked or row.disabled_at is not None:
        return False
    if not verify_secret(row.password_hash, password):
        failures = row.failed_logins + 1
        until = now + timedelta(seconds=LOCK_S) if failures >= MAX_FAILURES else None
        conn.execute(
            _update(name).values(failed_logins=0 if until else failures, locked_until=until)
        )
        return False
    conn.execute(_update(name).values(failed_logins=0, locked_until=None))
    return True


def active_principal(conn: sa.Connection, name: str) -> Principal | None:
    """The principal of an enabled user (its name is the label of what it changes)."""
    row = _row(conn, name)
    if row is None or row.disabled_at is not None:
        return None
    role = Role(row.role)
    owners = frozenset(json.loads(row.owners)) if role is Role.CLIENT else None
    return Principal(row.name, role, owners)


def _row(conn: sa.Connection, name: str) -> sa.Row[tuple[object, ...]] | None:
    return conn.execute(sa.select(console_users).where(console_users.c.name == name)).first()


def _update(name: str) -> sa.Update:
    return console_users.update().where(console_users.c.name == name)


def _info(row: sa.Row[tuple[object, ...]]) -> UserInfo:
    m = row._mapping
    return UserInfo(
        m["name"], Role(m["role"]), tuple(json.loads(m["owners"])), m["created_at"],
        m["disabled_at"], m["locked_until"],
    )  # fmt: skip
