"""The API's tables in the ledger database (Alembic ``0007_api``, ``0009_api_views``,
``0012_console_users``): tokens, idempotency keys, the API's keys, the console's users."""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import NAMING_CONVENTION, UtcDateTime, id_column_type

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("owners", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime),
)
"""API tokens: only an argon2 hash of each secret is kept; ``owners`` is a JSON list
(the owners a ``client`` token may see; empty for the other roles)."""

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("token_id", sa.BigInteger, sa.ForeignKey("api_tokens.id"), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("response", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_idempotency_keys_expires_at", "expires_at"),
)
"""One row per (token, Idempotency-Key): the request's fingerprint, and once it ran, the
response (status and body) a retry gets back. ``in_flight`` rows hold a lease so a crashed
request's key can be taken over."""

api_secrets = sa.Table(
    "api_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
"""Keys the API keeps in the ledger database so they outlive a restart and are shared by
every API process: ``cursor`` (the Fernet key sealing pagination cursors), ``console``
(the key signing the console's session cookies)."""

console_users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("owners", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("disabled_at", UtcDateTime),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UtcDateTime),
)
"""People who log in to the console (``collector users add``): an argon2 hash of each
password, the role and owners of the API's tokens, and the lock-out state (failures in a
row, locked until)."""
