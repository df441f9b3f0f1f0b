"""The seam between the MQTT consumer and the ledger: a batch of raw messages in, outcomes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One MQTT message exactly as it arrived: nothing parsed yet."""

    topic: str
    payload: bytes
    received_at: datetime
    lease: int | None = None
    """``collector run --cluster``: the fencing token of the partition lease it was received
    under; the posting transaction admits it only while that lease still holds."""


class Disposition(StrEnum):
    """What the collector did with a message; each is durable once returned (``FENCED``: the
    device keeps it, for the member that owns it)."""

    APPLIED = "applied"
    """Posted to the ledger (stock transactions)."""
    STORED = "stored"
    """Kept in the event store; the ledger does not post this kind (yet)."""
    DUPLICATE = "duplicate"
    """Seen before (same event id, or same device/epoch/seq); changed nothing."""
    DEAD_LETTERED = "dead_lettered"
    """Set aside in the dead-letter table with the reason; changed nothing else."""
    PARKED = "parked"
    """A transaction short of stock, waiting for it (``parked_events``); posted when it comes,
    dead-lettered after the parking timeout. Durable, so the device may drop it."""
    FENCED = "fenced"
    """``--cluster``: its partition's lease is no longer this collector's; nothing was written
    and no device ack is sent. The owner has its own copy (or asks the device again)."""


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """The fate of one inbound message."""

    disposition: Disposition
    device_id: str | None = None
    epoch: int | None = None
    seq: int | None = None
    event_id: UUID | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceProgress:
    """Highest seq handled contiguously from 1 for one device and epoch: what an ack reports."""

    site: str
    device_id: str
    epoch: int
    contiguous_seq: int


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """Result of one committed batch: outcomes in input order, and progress to acknowledge."""

    outcomes: list[MessageOutcome]
    progress: list[DeviceProgress] = field(default_factory=list)


class Ingestor(Protocol):
    """Applies inbound messages to the ledger.

    Implementations must commit before returning, must never raise for a bad
    message (it becomes a ``DEAD_LETTERED`` outcome), and raise
    ``collector.errors.LedgerError`` only when the database itself fails, in
    which case nothing of the batch was committed.
    """

    def ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        """Decode, validate and post a batch in one transaction."""
        ...
