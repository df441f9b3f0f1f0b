"""Dead letters: one row per distinct (topic, payload); a repeat is counted, never stored twice.

A malformed message has no event id to de-duplicate by, so its identity is what was
received: the topic and the SHA-256 of the payload. The broker redelivering a message
committed just before the collector died, or a device sending the same bad bytes again,
raises ``times_seen`` and ``last_seen_at`` of the stored row instead of adding one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.ledger.bulk import chunks
from collector.ledger.schema import dead_letters

TOPIC_CHARS = 255
"""The stored topic is cut to the column's width (an events topic is far shorter)."""

DeadLetterKey = tuple[str, str]
"""(topic as stored, SHA-256 hex digest of the payload as received)"""


def dead_letter_key(topic: str, payload: bytes) -> DeadLetterKey:
    """The identity of a dead letter: its topic and the digest of its full payload."""
    return topic[:TOPIC_CHARS], hashlib.sha256(payload).hexdigest()


def find_stored(conn: sa.Connection, keys: Collection[DeadLetterKey]) -> set[DeadLetterKey]:
    """Which of these (topic, digest) pairs the dead-letter table holds already."""
    found: set[DeadLetterKey] = set()
    cols = (dead_letters.c.topic, dead_letters.c.payload_sha256)
    for part in chunks(sorted({digest for _, digest in keys})):
        for row in conn.execute(sa.select(*cols).where(dead_letters.c.payload_sha256.in_(part))):
            found.add((row.topic, row.payload_sha256))
    return found & set(keys)


_BUMP = (
    dead_letters.update()
    .where(
        dead_letters.c.topic == sa.bindparam("b_topic"),
        dead_letters.c.payload_sha256 == sa.bindparam("b_digest"),
    )
    .values(
        times_seen=dead_letters.c.times_seen + sa.bindparam("b_times", type_=sa.Integer()),
        last_seen_at=sa.bindparam("b_last", type_=dead_letters.c.last_seen_at.type),
    )
)


def record_dead_letters(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store each new (topic, payload) once, with how often it came; count repeats of stored ones.

    ``rows`` are every occurrence in the batch, in arrival order, each with the
    ``dead_letters`` columns except ``times_seen`` and ``last_seen_at``. The caller
    holds the ledger lock, so no other writer adds the same pair meanwhile.
    """
    if not rows:
        return
    firsts: dict[DeadLetterKey, dict[str, Any]] = {}
    for row in rows:
        key = (row["topic"], row["payload_sha256"])
        first = firsts.get(key)
        if first is None:
            firsts[key] = {**row, "times_seen": 1, "last_seen_at": row["received_at"]}
            continue
        first["times_seen"] += 1
        first["last_seen_at"] = max(first["last_seen_at"], row["received_at"])
    stored = find_stored(conn, firsts.keys())
    inserts = [row for key, row in firsts.items() if key not in stored]
    bumps = [_bump_params(row) for key, row in firsts.items() if key in stored]
    if inserts:
        conn.execute(dead_letters.insert(), inserts)
    if bumps:
        conn.execute(_BUMP, bumps)


def _bump_params(row: Mapping[str, Any]) -> dict[str, Any]:
    last: datetime = row["last_seen_at"]
    return {
        "b_topic": row["topic"],
        "b_digest": row["payload_sha256"],
        "b_times": row["times_seen"],
        "b_last": last,
    }
