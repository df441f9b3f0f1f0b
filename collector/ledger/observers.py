"""Hook for work that must commit together with the ledger (the InfluxDB outbox, reconciliation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

import sqlalchemy as sa

from collector.domain.model import MovementLine, PositionKey
from edge_agent.wire import Event, StockTransaction


@dataclass(frozen=True, slots=True)
class BalanceAfter:
    """A position's balance after the batch."""

    key: PositionKey
    qty: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A non-transaction event (sensor, heartbeat) the batch stored, with where it came from."""

    site: str
    device_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class Refusal:
    """A posting the ledger refused in this session, and why."""

    event_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class Posted:
    """What one posting session wrote: movements (with ids), touched balances, stored events,
    and the postings it refused."""

    movements: tuple[MovementLine, ...]
    balances: tuple[BalanceAfter, ...]
    stored_events: tuple[StoredEvent, ...] = ()
    refusals: tuple[Refusal, ...] = ()


class PostingObserver(Protocol):
    """Called inside the ledger transaction after the session's rows are written.

    Whatever it writes through ``conn`` commits or rolls back with the ledger;
    an exception aborts the whole batch (nothing is committed, the ingestor raises
    ``LedgerError``), so an observer must only fail when the database does.
    """

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """React to one batch's postings."""
        ...


@dataclass(frozen=True, slots=True)
class SensorPosting:
    """A transaction a stored sensor event asks the ledger to post under the event's own id."""

    event_id: UUID
    effective_at: datetime
    tx: StockTransaction


class SensorPlan(PostingObserver, Protocol):
    """What a batch's sensor events ask of the ledger, and the rest of their handling.

    ``postings`` are posted by the ingestor in the batch's arrival order on the batch's
    own book; ``on_posted`` then runs inside the transaction like any observer (the
    reconciliation of what the batch changed), seeing every movement and refusal.
    """

    @property
    def postings(self) -> Mapping[UUID, SensorPosting]:
        """Transactions to post, by the id of the sensor event that asks for each."""
        ...


class SensorPostingSource(Protocol):
    """Turns a batch's stored sensor events into transactions before anything is posted."""

    def plan(
        self, conn: sa.Connection, stored: Sequence[StoredEvent], *, now: datetime
    ) -> SensorPlan:
        """Look at the events (inside the batch's transaction) and say what to post."""
        ...
