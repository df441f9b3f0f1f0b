"""Sort a batch's decoded messages before posting: new events, duplicates, dead letters.

- an identity seen before (same event id and same device/epoch/seq, same contents) is a
  **duplicate**: it changed the ledger already; its progress is reported again; so is an
  event at or below its stream's pruned floor (``device_progress.pruned_seq``) whose inbox
  row a retention prune deleted (docs/retention.md);
- a new event under a (device, epoch, seq) that another event holds, or an event id that
  came before under another seq, or the same identity with other contents, is a
  **conflict**: dead-lettered naming both events, and its seq counts as handled, so the
  device's acks move on;
- an undecodable message, or a scan its scanner rejected (bad check digit, noise), is
  **dead-lettered** with the reason;
- the rest are **fresh**, to be posted or stored in arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from collector.ingest.decode import Decoded, Undecodable
from collector.ingest.ports import Disposition, MessageOutcome
from collector.ledger.dead_letters import DeadLetterKey, dead_letter_key, find_stored
from collector.ledger.inbox import (
    TOMBSTONE,
    SeenBefore,
    SeqKey,
    StreamKey,
    find_seen,
    pruned_floors,
)
from edge_agent.wire import MAX_PAYLOAD_BYTES, BarcodeScannedEvent, Event, parse_event


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message to set aside, with what is known of where it came from."""

    index: int
    received_at: datetime
    topic: str
    payload: bytes
    reason: str
    site: str | None = None
    device_id: str | None = None
    epoch: int | None = None
    seq: int | None = None
    event_id: UUID | None = None

    def row(self) -> dict[str, object]:
        """The ``dead_letters`` occurrence (``record_dead_letters`` merges repeats)."""
        topic, digest = dead_letter_key(self.topic, self.payload)
        return {
            "received_at": self.received_at,
            "topic": topic,
            "site": self.site,
            "device_id": self.device_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "event_id": self.event_id,
            "reason": self.reason,
            # an oversized payload is kept up to the limit: the table must not balloon
            "payload": self.payload[:MAX_PAYLOAD_BYTES],
            "payload_sha256": digest,
        }

    def outcome(self, disposition: Disposition) -> MessageOutcome:
        """What the batch reports for it."""
        return MessageOutcome(
            disposition, self.device_id, self.epoch, self.seq, self.event_id, self.reason
        )


def dead_letter_of(index: int, item: Decoded, reason: str) -> DeadLetter:
    """A decoded event set aside."""
    event, message = item.event, item.message
    return DeadLetter(
        index, message.received_at, message.topic, message.payload, reason,
        item.site, event.device_id, event.epoch, event.seq, event.event_id,
    )  # fmt: skip


@dataclass(slots=True)
class Triage:
    """A batch sorted: fresh events in order, duplicates and dead letters with their outcomes."""

    fresh: list[tuple[int, Decoded]] = field(default_factory=list)
    duplicates: list[tuple[int, Decoded]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    rejected_scans: list[tuple[int, Decoded, str]] = field(default_factory=list)
    """Scans the scanner rejected: stored as dead-lettered in the inbox and the dead letters."""
    streams: dict[StreamKey, str] = field(default_factory=dict)
    new_seqs: dict[StreamKey, set[int]] = field(default_factory=dict)
    repeats: set[DeadLetterKey] = field(default_factory=set)
    """Dead letters stored before, or earlier in this batch: counted, not announced again."""

    def handled(self, device_id: str | None, epoch: int | None, seq: int | None) -> None:
        """A seq this batch handles (posted, stored, parked or dead-lettered)."""
        if device_id is not None and epoch is not None and seq is not None:
            self.new_seqs.setdefault((device_id, epoch), set()).add(seq)


def triage(conn: sa.Connection, decoded: Sequence[Decoded | Undecodable]) -> Triage:
    """Sort ``decoded`` (in arrival order) against the inbox and within the batch."""
    valid = [d for d in decoded if isinstance(d, Decoded)]
    seen = find_seen(conn, [(d.event.event_id, seq_key(d.event)) for d in valid])
    floors = pruned_floors(conn, {(d.event.device_id, d.event.epoch) for d in valid})
    result = Triage()
    batch_ids: dict[UUID, SeqKey] = {}
    batch_seqs: dict[SeqKey, UUID] = {}
    for index, item in enumerate(decoded):
        if isinstance(item, Undecodable):
            dead = _undecodable(index, item)
            result.dead.append(dead)
            if dead.device_id and dead.site and dead.epoch is not None and dead.seq is not None:
                result.streams[(dead.device_id, dead.epoch)] = dead.site
                result.handled(dead.device_id, dead.epoch, dead.seq)
            continue
        event = item.event
        seq = seq_key(event)
        result.streams[seq[:2]] = item.site
        conflict = _conflict(event, seq, seen, batch_ids, batch_seqs)
        if conflict is not None:
            result.dead.append(dead_letter_of(index, item, conflict))
        elif (
            seen.has(event.event_id, seq)
            or batch_ids.get(event.event_id) == seq
            or seq[2] <= floors.get(seq[:2], 0)
        ):
            result.duplicates.append((index, item))
            continue
        else:
            batch_ids[event.event_id] = seq
            batch_seqs[seq] = event.event_id
            rejected = _rejected_scan(event)
            if rejected is None:
                result.fresh.append((index, item))
            else:
                result.rejected_scans.append((index, item, rejected))
        result.handled(*seq)
    _changed_duplicates(result, seen)
    if result.dead:
        keys = {dead_letter_key(d.topic, d.payload) for d in result.dead}
        result.repeats = find_stored(conn, keys)
    return result


def seq_key(event: Event) -> SeqKey:
    """(device, epoch, seq) of an event."""
    return (event.device_id, event.epoch, event.seq)


def _undecodable(index: int, item: Undecodable) -> DeadLetter:
    message = item.message
    return DeadLetter(
        index, message.received_at, message.topic, message.payload, item.reason,
        item.site, item.device_id, item.epoch, item.seq, item.event_id,
    )  # fmt: skip


def _conflict(
    event: Event,
    seq: SeqKey,
    seen: SeenBefore,
    batch_ids: dict[UUID, SeqKey],
    batch_seqs: dict[SeqKey, UUID],
) -> str | None:
    """Why this event clashes with one stored or earlier in the batch; None when it does not."""
    holder = seen.seqs.get(seq) or batch_seqs.get(seq)
    if holder is not None and holder != event.event_id:
        return (
            f"conflict: seq {seq[2]} of device {seq[0]} epoch {seq[1]} already holds event "
            f"{holder}; event {event.event_id} reuses it (was the device's outbox reset "
            "without a new epoch?); the ledger kept the first"
        )
    before = seen.event_ids.get(event.event_id) or batch_ids.get(event.event_id)
    if before is not None and before != seq:
        where = f"seq {before[2]} of device {before[0]} epoch {before[1]}"
        if before[0] is None:
            where = "an event with no device seq"
        return (
            f"conflict: event id {event.event_id} came before as {where}; this copy came as "
            f"seq {seq[2]} of device {seq[0]} epoch {seq[1]}: the device reused an event id; "
            "the ledger kept the first"
        )
    return None


def _changed_duplicates(result: Triage, seen: SeenBefore) -> None:
    """A stored identity repeated with other contents is a conflict, not a duplicate."""
    kept: list[tuple[int, Decoded]] = []
    for index, item in result.duplicates:
        stored = seen.payloads.get(item.event.event_id)
        if stored is None or _same_event(stored, item.event):
            kept.append((index, item))
            continue
        reason = (
            f"conflict: event {item.event.event_id} (seq {item.event.seq} of device "
            f"{item.event.device_id} epoch {item.event.epoch}) came again with other "
            "contents; the ledger kept the first"
        )
        result.dead.append(dead_letter_of(index, item, reason))
    result.duplicates = kept


def _same_event(stored_text: str, event: Event) -> bool:
    if stored_text == TOMBSTONE:  # retention emptied the payload: the identity decides
        return True
    try:
        return parse_event(stored_text) == event
    except ValueError:  # stored by an older schema: the identity decides
        return True


def _rejected_scan(event: Event) -> str | None:
    """The reason a scanner gave for rejecting a scan (bad check digit, noise), if it did."""
    if not isinstance(event, BarcodeScannedEvent) or event.data.rejected_reason is None:
        return None
    data = event.data
    return (
        f"scan rejected by {event.device_id} station {data.station}: {data.rejected_reason} "
        f"(read {data.raw!r}); check the label or rescan"
    )


def dead_disposition(dead: DeadLetter, result: Triage) -> Disposition:
    """``DUPLICATE`` for a dead letter stored before (counted on it), else ``DEAD_LETTERED``."""
    key = dead_letter_key(dead.topic, dead.payload)
    if key in result.repeats:
        return Disposition.DUPLICATE
    result.repeats.add(key)
    return Disposition.DEAD_LETTERED
