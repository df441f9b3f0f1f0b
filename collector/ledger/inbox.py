"""The event inbox, dead letters and per-device sequence progress: exactly-once bookkeeping."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.domain.sequencing import SeqProgress, advance
from collector.ingest.ports import DeviceProgress, Disposition
from collector.ledger.bulk import chunks, fast_insert
from collector.ledger.schema import dead_letters, device_progress, inbox
from edge_agent.wire import Event

log = structlog.get_logger("collector.ledger")

SeqKey = tuple[str, int, int]
"""(device_id, epoch, seq)"""
StreamKey = tuple[str, int]
"""(device_id, epoch)"""
TOMBSTONE = ""
"""The payload of an inbox row a retention prune emptied (``collector.retention.inbox``)."""


@dataclass(frozen=True, slots=True)
class SeenBefore:
    """Identities already in the inbox: which seq each event id came as, and the reverse."""

    event_ids: Mapping[UUID, SeqKey | tuple[None, None, None]]
    seqs: Mapping[SeqKey, UUID]
    payloads: Mapping[UUID, str]
    """The stored payload of each event id found, to tell a redelivery from a changed copy."""

    def has(self, event_id: UUID, seq: SeqKey) -> bool:
        """True when either identity was stored before."""
        return event_id in self.event_ids or seq in self.seqs


_SEQ_SPAN = sa.select(inbox.c.event_id, inbox.c.device_id, inbox.c.epoch, inbox.c.seq).where(
    inbox.c.device_id == sa.bindparam("device"),
    inbox.c.epoch == sa.bindparam("epoch"),
    inbox.c.seq.between(sa.bindparam("low"), sa.bindparam("high")),
)
"""Inbox rows of one device and epoch within a range of seqs (one compiled statement)."""


def find_seen(conn: sa.Connection, identities: Sequence[tuple[UUID, SeqKey]]) -> SeenBefore:
    """Which of these event ids or (device, epoch, seq) the inbox holds already.

    Two index lookups per batch: event ids by primary key, and per device and epoch
    the range of seqs the batch spans.
    """
    event_ids: dict[UUID, Any] = {}
    payloads: dict[UUID, str] = {}
    seqs: dict[SeqKey, UUID] = {}
    cols = (inbox.c.event_id, inbox.c.device_id, inbox.c.epoch, inbox.c.seq, inbox.c.payload)
    by_id = sa.select(*cols).where(inbox.c.event_id.in_(sa.bindparam("ids", expanding=True)))
    for part in chunks([event_id for event_id, _ in identities]):
        for row in conn.execute(by_id, {"ids": part}):
            event_ids[row.event_id] = (row.device_id, row.epoch, row.seq)
            payloads[row.event_id] = row.payload
    spans: dict[StreamKey, tuple[int, int]] = {}
    for _, (device_id, epoch, seq) in identities:
        low, high = spans.get((device_id, epoch), (seq, seq))
        spans[(device_id, epoch)] = (min(low, seq), max(high, seq))
    for (device_id, epoch), (low, high) in spans.items():
        params = {"device": device_id, "epoch": epoch, "low": low, "high": high}
        for span_row in conn.execute(_SEQ_SPAN, params):
            seqs[(span_row.device_id, span_row.epoch, span_row.seq)] = span_row.event_id
    return SeenBefore(event_ids, seqs, payloads)


def pruned_floors(conn: sa.Connection, streams: Iterable[StreamKey]) -> dict[StreamKey, int]:
    """Per stream with a pruned floor, the highest seq whose inbox row a prune deleted.

    Read after ``find_seen`` (a prune commits both its deletes and the floor at once, so a
    row missing from that read shows here), on the primary key of ``device_progress``.
    """
    found: dict[StreamKey, int] = {}
    p = device_progress.c
    for part in chunks(sorted(set(streams))):
        query = sa.select(p.device_id, p.epoch, p.pruned_seq).where(
            sa.tuple_(p.device_id, p.epoch).in_(part), p.pruned_seq > 0
        )
        for row in conn.execute(query):
            found[(row.device_id, row.epoch)] = int(row.pruned_seq)
    return found


INBOX_COLUMNS = (
    "event_id", "device_id", "epoch", "seq", "site", "kind", "observed_at", "received_at",
    "disposition", "payload", "principal",
)  # fmt: skip


def inbox_row(
    *,
    event_id: UUID,
    seq: SeqKey | None,
    site: str | None,
    kind: str,
    observed_at: datetime | None,
    received_at: datetime,
    disposition: Disposition,
    payload: str,
    principal: str | None = None,
) -> tuple[Any, ...]:
    """One inbox row in ``INBOX_COLUMNS`` order; ``principal``: who made the change."""
    device_id, epoch, number = seq if seq is not None else (None, None, None)
    return (
        event_id, device_id, epoch, number, site, kind, observed_at, received_at,
        disposition.value, payload, principal,
    )  # fmt: skip


def event_inbox_row(
    event: Event, site: str, received_at: datetime, disposition: Disposition, payload: str
) -> tuple[Any, ...]:
    """``inbox_row`` of a decoded event (per event on the hot path: no keyword unpacking)."""
    return (
        event.event_id, event.device_id, event.epoch, event.seq, site, event.kind.value,
        event.observed_at, received_at, disposition.value, payload, None,
    )  # fmt: skip


def write_inbox(conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Store events in the inbox (rows from ``inbox_row``)."""
    fast_insert(conn, inbox, INBOX_COLUMNS, rows)


def set_dispositions(conn: sa.Connection, dispositions: Mapping[UUID, Disposition]) -> None:
    """Inbox rows whose fate changed after they were stored (a parked event applied)."""
    if not dispositions:
        return
    query = (
        sa.update(inbox)
        .where(inbox.c.event_id == sa.bindparam("b_id"))
        .values(disposition=sa.bindparam("b_disposition"))
    )
    conn.execute(
        query,
        [{"b_id": event_id, "b_disposition": d.value} for event_id, d in dispositions.items()],
    )


def update_progress(
    conn: sa.Connection,
    streams: Mapping[StreamKey, str],
    new_seqs: Mapping[StreamKey, set[int]],
    now: datetime,
) -> list[DeviceProgress]:
    """Advance each stream's contiguous seq over the handled seqs and record its gaps.

    ``new_seqs`` are the seqs this batch handled. A stream with no seq pending above its
    contiguous point advances on those alone; only streams with gaps read the tables.
    """
    if not streams:
        return []
    stored = _load_progress(conn, streams.keys())
    pending = {key: point for key, (point, highest) in stored.items() if highest > point}
    handled = _handled_seqs(conn, pending)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    result: list[DeviceProgress] = []
    for key, site in sorted(streams.items()):
        point = stored[key][0] if key in stored else 0
        progress = advance(point, handled.get(key, set()) | new_seqs.get(key, set()))
        row = _progress_row(key, site, progress, now)
        (updates if key in stored else inserts).append(row)
        result.append(DeviceProgress(site, key[0], key[1], progress.contiguous_seq))
        if progress.gaps:
            log.debug(
                "device.seq_gaps",
                site=site,
                device=key[0],
                epoch=key[1],
                contiguous_seq=progress.contiguous_seq,
                gaps=progress.gaps[:10],
            )
    _write_progress(conn, inserts, updates)
    return result


def _load_progress(
    conn: sa.Connection, keys: Iterable[StreamKey]
) -> dict[StreamKey, tuple[int, int]]:
    """(contiguous, highest) seq per stream that has a progress row."""
    found: dict[StreamKey, tuple[int, int]] = {}
    cols = (
        device_progress.c.device_id,
        device_progress.c.epoch,
        device_progress.c.contiguous_seq,
        device_progress.c.highest_seq,
    )
    for part in chunks(sorted(keys)):
        query = sa.select(*cols).where(
            sa.tuple_(device_progress.c.device_id, device_progress.c.epoch).in_(part)
        )
        for row in conn.execute(query):
            found[(row.device_id, row.epoch)] = (row.contiguous_seq, row.highest_seq)
    return found


def _seqs_above(table: sa.Table) -> sa.Select[Any]:
    return sa.select(table.c.seq).where(
        table.c.device_id == sa.bindparam("device"),
        table.c.epoch == sa.bindparam("epoch"),
        table.c.seq > sa.bindparam("floor"),
    )


_HANDLED_ABOVE = (_seqs_above(inbox), _seqs_above(dead_letters))
"""Seqs of one device and epoch above a point, in the inbox and in the dead letters."""


def _handled_seqs(
    conn: sa.Connection, floors: Mapping[StreamKey, int]
) -> dict[StreamKey, set[int]]:
    """Seqs above each stream's contiguous point that the inbox or dead letters hold."""
    found: dict[StreamKey, set[int]] = {}
    for (device_id, epoch), floor in floors.items():
        params = {"device": device_id, "epoch": epoch, "floor": floor}
        seqs = found.setdefault((device_id, epoch), set())
        for query in _HANDLED_ABOVE:
            seqs.update(int(seq) for seq in conn.execute(query, params).scalars())
    return found


def _progress_row(
    key: StreamKey, site: str, progress: SeqProgress, now: datetime
) -> dict[str, Any]:
    return {
        "b_device": key[0],
        "b_epoch": key[1],
        "b_site": site,
        "b_contiguous": progress.contiguous_seq,
        "b_highest": progress.highest_seq,
        "b_gaps": json.dumps([list(gap) for gap in progress.gaps]),
        "b_now": now,
    }


def _write_progress(
    conn: sa.Connection, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    values = {
        "site": sa.bindparam("b_site"),
        "contiguous_seq": sa.bindparam("b_contiguous"),
        "highest_seq": sa.bindparam("b_highest"),
        "gaps": sa.bindparam("b_gaps"),
        "updated_at": sa.bindparam("b_now", type_=device_progress.c.updated_at.type),
    }
    if inserts:
        conn.execute(
            device_progress.insert().values(
                device_id=sa.bindparam("b_device"), epoch=sa.bindparam("b_epoch"), **values
            ),
            inserts,
        )
    if updates:
        conn.execute(
            device_progress.update()
            .where(
                device_progress.c.device_id == sa.bindparam("b_device"),
                device_progress.c.epoch == sa.bindparam("b_epoch"),
            )
            .values(**values),
            updates,
        )
