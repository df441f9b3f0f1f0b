"""Dead letters for operators: what was set aside and why, newest first, a page at a time.

Dead letters are raw input, kept before anything knew whose it was (a malformed payload
names no owner), so only unrestricted readers are given them (``collector.api.access``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from collector.ledger.parking import API_TOPIC
from collector.ledger.queries import DEAD_LETTER_FIELDS
from collector.ledger.schema import dead_letters


class Source(StrEnum):
    """Where a dead letter came from."""

    MQTT = "mqtt"
    """A device's (or a till's) events topic."""
    API = "api"
    """``POST /api/v1/transactions``."""


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    """One dead letter: what came, when, from where, why it was set aside, and any replay."""

    id: int
    received_at: datetime
    topic: str
    site: str | None
    device_id: str | None
    epoch: int | None
    seq: int | None
    event_id: uuid.UUID | None
    reason: str
    times_seen: int
    last_seen_at: datetime
    payload_sha256: str
    replayed_at: datetime | None
    replayed_by: str | None
    payload: str
    """The raw bytes as text; bytes that are not UTF-8 shown as ``\\xNN``."""
    payload_bytes: int

    @property
    def source(self) -> Source:
        """The API's topic, or an events topic."""
        return Source.API if self.topic == API_TOPIC else Source.MQTT


_d = dead_letters.c
_COLUMNS = (*(_d[name] for name in DEAD_LETTER_FIELDS), _d.payload)


def dead_letter_page(
    conn: sa.Connection,
    *,
    replayed: bool | None,
    source: Source | None,
    limit: int,
    before_id: int | None = None,
) -> list[DeadLetterView]:
    """Up to ``limit`` dead letters newest first, older than ``before_id``, filtered."""
    query = sa.select(*_COLUMNS)
    if replayed is not None:
        query = query.where(_d.replayed_at.is_not(None) if replayed else _d.replayed_at.is_(None))
    if source is not None:
        from_api = source is Source.API
        query = query.where(_d.topic == API_TOPIC if from_api else _d.topic != API_TOPIC)
    if before_id is not None:
        query = query.where(_d.id < before_id)
    return [_view(row) for row in conn.execute(query.order_by(_d.id.desc()).limit(limit))]


def get_dead_letter(conn: sa.Connection, dead_letter_id: int) -> DeadLetterView | None:
    """The dead letter, or None."""
    row = conn.execute(sa.select(*_COLUMNS).where(_d.id == dead_letter_id)).first()
    return _view(row) if row is not None else None


def _view(row: sa.Row[Any]) -> DeadLetterView:
    m = row._mapping
    raw = bytes(m["payload"])
    fields = {name: m[name] for name in DEAD_LETTER_FIELDS}
    text = raw.decode("utf-8", errors="backslashreplace")
    return DeadLetterView(**fields, payload=text, payload_bytes=len(raw))
