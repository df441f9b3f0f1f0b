"""Every table retention looks at: its age column, and which of its rows a prune removes.

The inbox has its own rules (``collector.retention.inbox``); the others are plain: rows
past a cut-off, matching a condition, deleted by primary key in bounded batches. Tables
with a ``keep`` reason are reported and never pruned (the journal, the alert history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from collector.alerts.schema import alert_events, alerts
from collector.api.schema import idempotency_keys
from collector.ledger.schema import dead_letters, device_progress, inbox, movements
from collector.reconcile.runtime.schema import gate_exits
from collector.retention.policy import RetentionPolicy, cutoff, kept_for
from collector.timeseries.outbox import outbox_table, rejected_table

Condition = Callable[[RetentionPolicy, datetime], sa.ColumnElement[bool] | None]
"""The rows a prune with this policy at this instant deletes; None: none."""


@dataclass(frozen=True, slots=True)
class Part:
    """Rows of a table one rule removes, and the rule in words."""

    name: str
    condition: Condition
    rule: Callable[[RetentionPolicy], str]


@dataclass(frozen=True, slots=True)
class Target:
    """A table as retention sees it."""

    table: sa.Table
    age: sa.Column[datetime]
    parts: tuple[Part, ...] = ()
    keep: str | None = None
    """Never pruned, and why in a word or two (None: it is pruned)."""

    @property
    def name(self) -> str:
        """The table's name."""
        return self.table.name


def _older(column: sa.Column[datetime], days: int, now: datetime) -> sa.ColumnElement[bool] | None:
    cut = cutoff(days, now)
    return column < cut if cut is not None else None


_d, _p = dead_letters.c, device_progress.c


def _letter_settled() -> sa.ColumnElement[bool]:
    """A dead letter whose seq is not above its stream's contiguous seq (gaps read it)."""
    above = sa.select(_p.device_id).where(
        _p.device_id == _d.device_id, _p.epoch == _d.epoch, _d.seq > _p.contiguous_seq
    )
    return ~above.exists()


def _replayed_letters(policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool] | None:
    old = _older(_d.last_seen_at, policy.dead_letters_days, now)
    return None if old is None else sa.and_(old, _d.replayed_at.is_not(None), _letter_settled())


def _open_letters(policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool] | None:
    old = _older(_d.last_seen_at, policy.open_dead_letters_days, now)
    return None if old is None else sa.and_(old, _d.replayed_at.is_(None), _letter_settled())


def _outbox(policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool] | None:
    return _older(outbox_table.c.recorded_at, policy.timeseries_outbox_days, now)


def _rejected(policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool] | None:
    return _older(rejected_table.c.rejected_at, policy.timeseries_rejected_days, now)


def _expired_keys(_policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool]:
    return idempotency_keys.c.expires_at <= now


def _matched_exits(policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool] | None:
    old = _older(gate_exits.c.seen_at, policy.gate_exits_days, now)
    return None if old is None else sa.and_(old, gate_exits.c.status == "matched")


INBOX = Target(inbox, inbox.c.received_at)
"""Pruned by ``collector.retention.inbox``: rows deleted, or emptied to a tombstone."""

TARGETS: tuple[Target, ...] = (
    INBOX,
    Target(dead_letters, _d.last_seen_at, (
        Part("replayed", _replayed_letters,
             lambda p: f"replayed {kept_for(p.dead_letters_days)}"),
        Part("open", _open_letters,
             lambda p: f"open {kept_for(p.open_dead_letters_days)}"),
    )),
    Target(outbox_table, outbox_table.c.recorded_at, (
        Part("undelivered", _outbox,
             lambda p: f"{kept_for(p.timeseries_outbox_days)} (then lost)"),
    )),
    Target(rejected_table, rejected_table.c.rejected_at, (
        Part("rejected", _rejected, lambda p: kept_for(p.timeseries_rejected_days)),
    )),
    Target(idempotency_keys, idempotency_keys.c.created_at, (
        Part("expired", _expired_keys,
             lambda _: "until it expires"),
    )),
    Target(gate_exits, gate_exits.c.seen_at, (
        Part("matched", _matched_exits,
             lambda p: f"matched {kept_for(p.gate_exits_days)}"),
    )),
    Target(movements, movements.c.recorded_at, keep="forever (journal)"),
    Target(alerts, alerts.c.first_seen_at, keep="forever (audit)"),
    Target(alert_events, alert_events.c.at, keep="forever (audit)"),
)  # fmt: skip
"""In report order."""


def inbox_rule(policy: RetentionPolicy) -> str:
    """The inbox's rule in words (then emptied or deleted: docs/retention.md)."""
    return f"{kept_for(policy.inbox_days)} whole" if policy.inbox_days > 0 else "forever"


def delete_batch(
    conn: sa.Connection, target: Target, where: sa.ColumnElement[bool], limit: int
) -> int:
    """Delete up to ``limit`` rows of ``target`` matching ``where``, oldest first; how many."""
    pk = list(target.table.primary_key.columns)
    rows = conn.execute(sa.select(*pk).where(where).order_by(target.age).limit(limit)).all()
    if not rows:
        return 0
    if len(pk) == 1:
        doomed: sa.ColumnElement[bool] = pk[0].in_([r[0] for r in rows])
    else:
        doomed = sa.tuple_(*pk).in_([tuple(r) for r in rows])
    return int(conn.execute(sa.delete(target.table).where(doomed)).rowcount)
