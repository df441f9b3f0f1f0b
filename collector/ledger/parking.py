"""Parked events: outbound transactions that arrived before the stock they need.

A POS sale can reach the collector before another device's receipt of that stock.
Where the item forbids negative stock, such a transaction waits here instead of being
dead-lettered: the posting session retries it as soon as stock comes into its position
(in effective-time order, so FIFO costs are those of the real sequence), and the sweep
dead-letters it once it has waited ``park_timeout_s`` (default 10 minutes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from collector.domain.model import PositionKey
from collector.ledger.bulk import chunks
from collector.ledger.dead_letters import dead_letter_key
from collector.ledger.schema import inbox, parked_events
from edge_agent.wire import StockTransaction, events_topic

DEFAULT_PARK_TIMEOUT_S = 600.0
API_TOPIC = "api/v1/transactions"
"""The topic recorded on the dead letter of a transaction that came without a device."""


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    """One transaction waiting for stock at ``key``."""

    event_id: UUID
    key: PositionKey
    effective_at: datetime
    parked_at: datetime
    expires_at: datetime
    reason: str
    tx: StockTransaction
    attempts: int = 1

    def order(self) -> tuple[datetime, datetime, str]:
        """Retry order: effective time first, then arrival."""
        return (self.effective_at, self.parked_at, str(self.event_id))


def _from_row(row: sa.Row[Any]) -> ParkedEvent:
    return ParkedEvent(
        event_id=row.event_id,
        key=PositionKey(row.sku, row.location, row.owner),
        effective_at=row.effective_at,
        parked_at=row.parked_at,
        expires_at=row.expires_at,
        reason=row.reason,
        tx=StockTransaction.model_validate_json(row.transaction),
        attempts=row.attempts,
    )


def any_parked(conn: sa.Connection) -> bool:
    """Whether anything waits at all (one index probe: usually nothing does)."""
    return conn.execute(sa.select(parked_events.c.event_id).limit(1)).first() is not None


def load_parked(conn: sa.Connection, keys: Iterable[PositionKey]) -> list[ParkedEvent]:
    """What waits at these positions."""
    p = parked_events.c
    found: list[ParkedEvent] = []
    for part in chunks(sorted(keys)):
        where = sa.tuple_(p.sku, p.location, p.owner).in_([tuple(k) for k in part])
        found.extend(_from_row(row) for row in conn.execute(sa.select(parked_events).where(where)))
    return found


def expired(conn: sa.Connection, now: datetime) -> list[ParkedEvent]:
    """What has waited past its deadline, oldest deadline first."""
    p = parked_events.c
    query = sa.select(parked_events).where(p.expires_at <= now).order_by(p.expires_at)
    return [_from_row(row) for row in conn.execute(query)]


def list_parked(conn: sa.Connection, *, limit: int | None = None) -> list[ParkedEvent]:
    """Everything waiting, in the order it would be retried."""
    p = parked_events.c
    query = sa.select(parked_events).order_by(p.effective_at, p.parked_at)
    if limit is not None:
        query = query.limit(limit)
    return [_from_row(row) for row in conn.execute(query)]


@dataclass(slots=True)
class ParkingLot:
    """A posting session's view of the parked events: what waits where, and what changed."""

    waiting: dict[PositionKey, dict[UUID, ParkedEvent]] = field(default_factory=dict)
    loaded_keys: set[PositionKey] = field(default_factory=set)
    is_empty_in_db: bool | None = None
    added: dict[UUID, ParkedEvent] = field(default_factory=dict)
    removed: set[UUID] = field(default_factory=set)
    retried: dict[UUID, ParkedEvent] = field(default_factory=dict)
    """Still waiting after another try (attempts and reason updated)."""

    def load(self, conn: sa.Connection, keys: Iterable[PositionKey]) -> None:
        """Read what waits at these positions, once per position per session."""
        fresh = set(keys) - self.loaded_keys
        if not fresh:
            return
        self.loaded_keys |= fresh
        if self.is_empty_in_db is None:
            self.is_empty_in_db = not any_parked(conn)
        if self.is_empty_in_db:
            return
        for event in load_parked(conn, fresh):
            if event.event_id not in self.removed:
                self.waiting.setdefault(event.key, {})[event.event_id] = event

    def park(self, event: ParkedEvent) -> None:
        """A new transaction waits."""
        self.waiting.setdefault(event.key, {})[event.event_id] = event
        self.added[event.event_id] = event

    def at(self, key: PositionKey) -> list[ParkedEvent]:
        """What waits at ``key``, in retry order."""
        return sorted(self.waiting.get(key, {}).values(), key=ParkedEvent.order)

    def unpark(self, event: ParkedEvent) -> None:
        """It was posted (or given up): it waits no more."""
        self.waiting.get(event.key, {}).pop(event.event_id, None)
        self.retried.pop(event.event_id, None)
        if self.added.pop(event.event_id, None) is None:
            self.removed.add(event.event_id)

    def still_waiting(self, event: ParkedEvent, reason: str) -> None:
        """Tried again, still short: note the attempt."""
        again = ParkedEvent(
            event.event_id, event.key, event.effective_at, event.parked_at, event.expires_at,
            reason, event.tx, event.attempts + 1,
        )  # fmt: skip
        self.waiting.setdefault(event.key, {})[event.event_id] = again
        if event.event_id in self.added:
            self.added[event.event_id] = again
        else:
            self.retried[event.event_id] = again

    def write(self, conn: sa.Connection) -> None:
        """Store what this session changed; forget it, so a second flush writes nothing."""
        if self.removed:
            for part in chunks(sorted(self.removed)):
                conn.execute(parked_events.delete().where(parked_events.c.event_id.in_(part)))
        if self.added:
            conn.execute(parked_events.insert(), [_row(e) for e in self.added.values()])
            self.is_empty_in_db = False
        for event in self.retried.values():
            conn.execute(
                parked_events.update()
                .where(parked_events.c.event_id == event.event_id)
                .values(reason=event.reason, attempts=event.attempts)
            )
        self.added, self.removed, self.retried = {}, set(), {}


def _row(event: ParkedEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "sku": event.key.sku,
        "location": event.key.location,
        "owner": event.key.owner,
        "effective_at": event.effective_at,
        "parked_at": event.parked_at,
        "expires_at": event.expires_at,
        "reason": event.reason,
        "transaction": event.tx.model_dump_json(exclude_none=True),
        "attempts": event.attempts,
    }


@dataclass(frozen=True, slots=True)
class GivenUp:
    """A parked transaction dead-lettered after waiting too long, with where it came from."""

    parked: ParkedEvent
    site: str | None
    device_id: str | None
    dead_letter_reason: str


def inbox_origin(conn: sa.Connection, event_ids: Iterable[UUID]) -> dict[UUID, sa.Row[Any]]:
    """The inbox rows of these events (site, device, epoch, seq, received_at, payload)."""
    found: dict[UUID, sa.Row[Any]] = {}
    for part in chunks(sorted(set(event_ids))):
        query = sa.select(inbox).where(inbox.c.event_id.in_(part))
        found.update((row.event_id, row) for row in conn.execute(query))
    return found


def dead_letter_row(origin: sa.Row[Any], reason: str, now: datetime) -> dict[str, Any]:
    """A dead letter for a stored event given up on (the inbox holds its payload)."""
    topic = events_topic(origin.site, origin.device_id) if origin.device_id else API_TOPIC
    payload = origin.payload.encode("utf-8")
    topic, digest = dead_letter_key(topic, payload)
    return {
        "received_at": now,
        "topic": topic,
        "site": origin.site,
        "device_id": origin.device_id,
        "epoch": origin.epoch,
        "seq": origin.seq,
        "event_id": origin.event_id,
        "reason": reason,
        "payload": payload,
        "payload_sha256": digest,
    }
