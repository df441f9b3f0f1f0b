"""Hook for work that must commit together with the ledger (the InfluxDB outbox, reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa

from collector.domain.model import MovementLine, PositionKey
from edge_agent.wire import Event


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
class Posted:
    """What one committed batch wrote: movements (with ids), touched balances, stored events."""

    movements: tuple[MovementLine, ...]
    balances: tuple[BalanceAfter, ...]
    stored_events: tuple[StoredEvent, ...]


class PostingObserver(Protocol):
    """Called inside the ledger transaction after the batch's rows are written.

    Whatever it writes through ``conn`` commits or rolls back with the ledger;
    an exception aborts the whole batch (nothing is committed, the ingestor raises
    ``LedgerError``), so an observer must only fail when the database does.
    """

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """React to one batch's postings."""
        ...
