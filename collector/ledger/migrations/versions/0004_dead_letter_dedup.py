"""Dead letters de-duplicated by (topic, SHA-256 of the payload), with a repeat counter.

Revision ID: 0004_dead_letter_dedup
Revises: 0003_reconciliation
Create Date: 2026-11-25

A malformed message has no event id, so before this revision a copy redelivered by the
broker (committed, then the collector died before its PUBACK) was stored twice. Existing
copies are merged here: the oldest row of each (topic, payload) stays, with
``times_seen`` = how many rows it stood for and ``last_seen_at`` = the newest of them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0004_dead_letter_dedup"
down_revision = "0003_reconciliation"
branch_labels = None
depends_on = None

_UNIQUE = "uq_dead_letters_topic_payload_sha256"
_NEW_COLUMNS = (
    ("payload_sha256", sa.String(64)),
    ("times_seen", sa.Integer()),
    ("last_seen_at", UtcDateTime()),
)
_dead = sa.table(
    "dead_letters",
    sa.column("id", sa.BigInteger()),
    sa.column("topic", sa.String()),
    sa.column("received_at", UtcDateTime()),
    sa.column("payload", sa.LargeBinary()),
    sa.column("payload_sha256", sa.String()),
    sa.column("times_seen", sa.Integer()),
    sa.column("last_seen_at", UtcDateTime()),
)


def upgrade() -> None:
    """Add the digest and counter columns, merge existing copies, then make the pair unique."""
    with op.batch_alter_table("dead_letters") as batch:
        for name, kind in _NEW_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    _merge_existing(op.get_bind())
    with op.batch_alter_table("dead_letters") as batch:
        for name, kind in _NEW_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
        batch.create_unique_constraint(_UNIQUE, ["topic", "payload_sha256"])


def _merge_existing(conn: sa.Connection) -> None:
    """Fill the new columns; keep the oldest row of each (topic, payload), count the rest."""
    groups: dict[tuple[str, str], list[tuple[int, datetime]]] = {}
    query = sa.select(_dead.c.id, _dead.c.topic, _dead.c.received_at, _dead.c.payload)
    for row in conn.execute(query.order_by(_dead.c.id)):
        digest = hashlib.sha256(bytes(row.payload)).hexdigest()
        groups.setdefault((row.topic, digest), []).append((row.id, row.received_at))
    for (_topic, digest), rows in groups.items():
        keep_id = rows[0][0]
        conn.execute(
            _dead.update()
            .where(_dead.c.id == keep_id)
            .values(
                payload_sha256=digest,
                times_seen=len(rows),
                last_seen_at=max(received_at for _, received_at in rows),
            )
        )
        extra = [row_id for row_id, _ in rows[1:]]
        if extra:
            conn.execute(_dead.delete().where(_dead.c.id.in_(extra)))


def downgrade() -> None:
    """Drop the digest and counter (merged copies stay merged: their count is lost)."""
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_constraint(_UNIQUE, type_="unique")
        for name, _kind in reversed(_NEW_COLUMNS):
            batch.drop_column(name)
