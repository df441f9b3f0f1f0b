"""``collector retention prune``: delete what the policy no longer keeps, in bounded batches.

Each batch is one short transaction holding the ledger lock (``lock_ledger``: PostgreSQL's
advisory lock, SQLite's ``BEGIN IMMEDIATE``), so a running ``collector run`` or
``collector api`` waits at most one batch between its own commits, and no posting sees a
prune half done. The cut-offs are fixed when the prune starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import structlog

from collector.ledger.engine import lock_ledger
from collector.retention import inbox as inbox_rules
from collector.retention.policy import RetentionPolicy, cutoff
from collector.retention.tables import INBOX, TARGETS, Part, Target, delete_batch
from collector.timeseries.outbox import outbox_table

log = structlog.get_logger("collector.retention")

Progress = Callable[[str, int, int], None]
"""Called after every batch: (table, rows deleted so far, rows emptied so far)."""


@dataclass(slots=True)
class Pruned:
    """What a prune removed, per table."""

    deleted: dict[str, int] = field(default_factory=dict)
    emptied: dict[str, int] = field(default_factory=dict)
    points_lost: int = 0
    """Time-series points deleted from the outbox before the writer delivered them."""
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class PruneRun:
    """How to prune: the policy, the instant its cut-offs count from, the batch size."""

    policy: RetentionPolicy
    now: datetime
    batch_rows: int = 1_000
    progress: Progress | None = None
    stop: threading.Event | None = None


def prune(engine: sa.Engine, run: PruneRun) -> Pruned:
    """Prune every table of ``TARGETS`` under ``run.policy``; stops early once ``run.stop``."""
    done = Pruned()
    for target in TARGETS:
        if target.keep is not None:
            continue
        if target is INBOX:
            _prune_inbox(engine, run, done)
        else:
            for part in target.parts:
                _prune_part(engine, run, target, part, done)
        if done.stopped:
            break
    log.info(
        "retention.pruned",
        deleted=sum(done.deleted.values()),
        emptied=sum(done.emptied.values()),
        points_lost=done.points_lost,
        stopped=done.stopped,
    )
    return done


def _stopping(run: PruneRun, done: Pruned) -> bool:
    done.stopped = run.stop is not None and run.stop.is_set()
    return done.stopped


def _prune_inbox(engine: sa.Engine, run: PruneRun, done: Pruned) -> None:
    cut = cutoff(run.policy.inbox_days, run.now)
    if cut is None:
        return
    name = INBOX.name
    while not _stopping(run, done):
        with engine.begin() as conn:
            lock_ledger(conn)
            batch = inbox_rules.prune_batch(conn, cut, run.batch_rows)
        done.deleted[name] = done.deleted.get(name, 0) + batch.deleted
        done.emptied[name] = done.emptied.get(name, 0) + batch.emptied
        _report(run, name, done)
        if batch.rows < run.batch_rows:
            return


def _prune_part(engine: sa.Engine, run: PruneRun, target: Target, part: Part, done: Pruned) -> None:
    where = part.condition(run.policy, run.now)
    if where is None:
        return
    while not _stopping(run, done):
        with engine.begin() as conn:
            lock_ledger(conn)
            lost = _points_in(conn, target, where, run.batch_rows)
            deleted = delete_batch(conn, target, where, run.batch_rows)
        done.deleted[target.name] = done.deleted.get(target.name, 0) + deleted
        if lost:
            done.points_lost += lost
            log.warning("retention.timeseries_points_lost", points=lost,
                        hint="collector influx backfill --from DAY rebuilds them")  # fmt: skip
        _report(run, target.name, done)
        if deleted < run.batch_rows:
            return


def _points_in(
    conn: sa.Connection, target: Target, where: sa.ColumnElement[bool], limit: int
) -> int:
    """Points held by the outbox rows the next batch deletes (0 for other tables)."""
    if target.table is not outbox_table:
        return 0
    o = outbox_table.c
    batch = sa.select(o.line_count).where(where).order_by(o.recorded_at).limit(limit).subquery()
    return int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.sum(batch.c.line_count), 0))).scalar_one()
    )


def _report(run: PruneRun, name: str, done: Pruned) -> None:
    if run.progress is not None:
        run.progress(name, done.deleted.get(name, 0), done.emptied.get(name, 0))
