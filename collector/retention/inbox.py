"""Pruning the inbox without breaking exactly-once.

An inbox row older than the cut-off, whose payload is still there, may go when nothing
still needs it whole:

- not parked (``parked_events`` names it and its payload is posted later);
- no dead letter nobody replayed names it (a replay reads its row);
- a device event at or below its stream's ``contiguous_seq`` (above it, a gap's handled
  seqs are read from the inbox).

Of those, a row the journal names (``movements.event_id``, a foreign key) is **emptied**:
its payload becomes ``''`` and its identity (event id, device, epoch, seq, kind,
disposition, principal, times) stays, so a redelivery is still found and the journal
still says who posted each line. A row nothing names (a stored sensor event, a heartbeat,
a refused event whose dead letter was replayed or pruned) is **deleted**, and its
stream's ``device_progress.pruned_seq`` rises to its seq in the same transaction: the
triage refuses a redelivery at or below it as a duplicate (``collector.ledger.triage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.ledger.inbox import TOMBSTONE
from collector.ledger.schema import dead_letters, device_progress, inbox, movements, parked_events

_i, _p = inbox.c, device_progress.c
_WHOLE: sa.ColumnClause[str] = sa.literal_column(f"'{TOMBSTONE}'")
"""A literal, not a parameter: the planners match it to ``ix_inbox_unpruned``'s predicate."""


def _prunable(cut: datetime) -> sa.ColumnElement[bool]:
    """Old whole rows nothing needs whole (see the module docstring)."""
    parked = sa.select(parked_events.c.event_id).where(parked_events.c.event_id == _i.event_id)
    open_letter = sa.select(dead_letters.c.id).where(
        dead_letters.c.event_id == _i.event_id, dead_letters.c.replayed_at.is_(None)
    )
    settled = sa.select(_p.device_id).where(
        _p.device_id == _i.device_id, _p.epoch == _i.epoch, _i.seq <= _p.contiguous_seq
    )
    return sa.and_(
        _i.payload != _WHOLE,
        _i.received_at < cut,
        _i.disposition != "parked",
        ~parked.exists(),
        ~open_letter.exists(),
        sa.or_(_i.device_id.is_(None), _i.seq.is_(None), settled.exists()),
    )


def _journaled() -> sa.Exists:
    return sa.select(movements.c.id).where(movements.c.event_id == _i.event_id).exists()


@dataclass(frozen=True, slots=True)
class InboxCounts:
    """What a prune would do to the inbox."""

    delete: int
    empty: int


def count_prunable(conn: sa.Connection, cut: datetime | None) -> InboxCounts:
    """Rows a prune at ``cut`` would delete and would empty."""
    if cut is None:
        return InboxCounts(0, 0)
    journaled = sa.case((_journaled(), 1), else_=0).label("journaled")
    inner = sa.select(journaled).where(_prunable(cut)).subquery()
    query = sa.select(inner.c.journaled, sa.func.count()).group_by(inner.c.journaled)
    found = {int(flag): int(n) for flag, n in conn.execute(query)}
    return InboxCounts(delete=found.get(0, 0), empty=found.get(1, 0))


@dataclass(frozen=True, slots=True)
class InboxBatch:
    """One batch's work: rows deleted, rows emptied."""

    deleted: int
    emptied: int

    @property
    def rows(self) -> int:
        """Rows this batch changed."""
        return self.deleted + self.emptied


def candidates(cut: datetime, limit: int) -> sa.Select[Any]:
    """The oldest ``limit`` prunable rows: identity, and whether the journal names them."""
    return (
        sa.select(_i.event_id, _i.device_id, _i.epoch, _i.seq, _journaled().label("journaled"))
        .where(_prunable(cut))
        .order_by(_i.received_at)
        .limit(limit)
    )


def prune_batch(conn: sa.Connection, cut: datetime, limit: int) -> InboxBatch:
    """Delete or empty up to ``limit`` of the oldest prunable rows, in the caller's transaction.

    The caller holds the ledger lock (``lock_ledger``), so no batch posts in between.
    """
    rows = conn.execute(candidates(cut, limit)).all()
    gone = [r for r in rows if not r.journaled]
    kept = [r.event_id for r in rows if r.journaled]
    if kept:
        conn.execute(
            sa.update(inbox)
            .where(_i.event_id.in_(sa.bindparam("ids", expanding=True)))
            .values(payload=TOMBSTONE),
            {"ids": kept},
        )
    if gone:
        _raise_floors(conn, gone)
        conn.execute(
            sa.delete(inbox).where(_i.event_id.in_(sa.bindparam("ids", expanding=True))),
            {"ids": [r.event_id for r in gone]},
        )
    return InboxBatch(deleted=len(gone), emptied=len(kept))


def _raise_floors(conn: sa.Connection, gone: Sequence[Any]) -> None:
    """Each stream's ``pruned_seq`` up to the highest seq deleted from it."""
    highest: dict[tuple[str, int], int] = {}
    for r in gone:
        if r.device_id is not None and r.epoch is not None and r.seq is not None:
            key = (r.device_id, r.epoch)
            highest[key] = max(highest.get(key, 0), int(r.seq))
    if not highest:
        return
    conn.execute(
        sa.update(device_progress)
        .where(
            _p.device_id == sa.bindparam("b_device"),
            _p.epoch == sa.bindparam("b_epoch"),
            _p.pruned_seq < sa.bindparam("b_seq"),
        )
        .values(pruned_seq=sa.bindparam("b_seq")),
        [{"b_device": d, "b_epoch": e, "b_seq": s} for (d, e), s in sorted(highest.items())],
    )
