"""Alerts in the ledger database: raise or refresh from findings, clear, and read back.

At most one active alert per key (``active_key`` is unique and NULL once resolved);
a repeat finding updates the active one.  Every change appends to ``alert_events``
and queues an ``alert_notifications`` row in the same transaction, so nothing a
crash interrupts is ever left unpublished.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.alerts.errors import AlertError
from collector.alerts.message import AlertAction, AlertMessage, AlertStatus
from collector.alerts.schema import alert_events, alert_notifications, alerts
from collector.reconcile.findings import Clearance, Finding, Verdict

RECONCILER = "reconciler"
"""The actor recorded for what the reconciler does by itself."""


@dataclass(frozen=True, slots=True)
class Change:
    """One step to record: who did what, when and why."""

    action: AlertAction
    actor: str
    at: datetime
    reason: str | None = None


def apply_verdicts(conn: sa.Connection, verdicts: Iterable[Verdict], *, now: datetime) -> list[int]:
    """Raise, refresh or clear alerts; returns the ids of alerts that changed."""
    verdicts = list(verdicts)
    clearing = {v.key.active_key() for v in verdicts if isinstance(v, Clearance)}
    active = _keys_in(conn, alerts.c.active_key, clearing)
    _lift_dismissals(conn, _keys_in(conn, alerts.c.dismissed_key, clearing))
    changed = []
    for verdict in verdicts:
        if isinstance(verdict, Clearance) and verdict.key.active_key() not in active:
            continue  # most clearances find nothing to clear: one query for all of them
        alert_id = _raise(conn, verdict, now) if isinstance(verdict, Finding) else None
        if isinstance(verdict, Clearance):
            alert_id = _clear(conn, verdict, now)
        if alert_id is not None:
            changed.append(alert_id)
    return changed


def _keys_in(conn: sa.Connection, column: sa.Column[Any], keys: set[str]) -> set[str]:
    """Which of these keys the column holds."""
    found: set[str] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        found.update(conn.execute(sa.select(column).where(column.in_(part))).scalars())
    return found


def _lift_dismissals(conn: sa.Connection, keys: set[str]) -> None:
    """The dismissed condition is over: the next one alerts again."""
    if keys:
        query = sa.update(alerts).where(alerts.c.dismissed_key.in_(sorted(keys)))
        conn.execute(query.values(dismissed_key=None))


def _is_dismissed(conn: sa.Connection, finding: Finding) -> bool:
    """Someone dismissed this very condition (same figures) and it has not ended since.

    Without this a dismissed alert whose cause persists would reopen on the next tick.
    Changed figures (more units gone) are news: the dismissal is lifted.
    """
    key = finding.key.active_key()
    query = sa.select(alerts).where(alerts.c.dismissed_key == key).order_by(alerts.c.id.desc())
    row = conn.execute(query.limit(1)).first()
    if row is None:
        return False
    if (row.expected, row.observed) == (finding.expected, finding.observed):
        return True
    _lift_dismissals(conn, {key})
    return False


def _active(conn: sa.Connection, active_key: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(alerts).where(alerts.c.active_key == active_key)).first()


def _figures(finding: Finding) -> dict[str, Any]:
    return {
        "owner": finding.owner,
        "device_id": finding.device_id,
        "expected": finding.expected,
        "observed": finding.observed,
        "value_at_risk": finding.value_at_risk,
        "severity": finding.severity.value,
        "message": finding.message,
        "evidence": json.dumps(list(finding.evidence)),
    }


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT returns its primary key"
    return int(key[0])


def _raise(conn: sa.Connection, finding: Finding, now: datetime) -> int | None:
    key = finding.key
    row = _active(conn, key.active_key())
    figures = _figures(finding)
    if row is None:
        if _is_dismissed(conn, finding):
            return None
        values = {
            "site": key.site,
            "type": key.type.value,
            "location": key.location,
            "sku": key.sku,
            "subject": key.subject,
            "status": AlertStatus.OPEN.value,
            "first_seen_at": now,
            "last_seen_at": now,
            "active_key": key.active_key(),
            **figures,
        }
        alert_id = _inserted_id(conn.execute(sa.insert(alerts).values(values)))
        record(conn, alert_id, Change(AlertAction.OPENED, RECONCILER, now, finding.message))
        return int(alert_id)
    is_news = any(
        row._mapping[name] != value
        for name, value in figures.items()
        if name in {"expected", "observed", "severity", "evidence"}
    )
    conn.execute(sa.update(alerts).where(alerts.c.id == row.id).values(last_seen_at=now, **figures))
    if not is_news:
        return None
    record(conn, row.id, Change(AlertAction.UPDATED, RECONCILER, now, finding.message))
    return int(row.id)


def _clear(conn: sa.Connection, clearance: Clearance, now: datetime) -> int | None:
    row = _active(conn, clearance.key.active_key())
    if row is None:
        return None
    change = Change(AlertAction.CLEARED, RECONCILER, now, clearance.reason)
    resolve(conn, row.id, change, resolution="cleared")
    return int(row.id)


def resolve(
    conn: sa.Connection, alert_id: int, change: Change, *, resolution: str, **extra: Any
) -> None:
    """Close an active alert (adjusted, dismissed or cleared) and record it."""
    row = load(conn, alert_id)
    if row.status == AlertStatus.RESOLVED.value:
        raise AlertError(f"alert {alert_id} is already resolved ({row.resolution}); nothing done")
    conn.execute(
        sa.update(alerts)
        .where(alerts.c.id == alert_id)
        .values(
            status=AlertStatus.RESOLVED.value,
            active_key=None,
            resolved_by=change.actor,
            resolved_at=change.at,
            resolution=resolution,
            resolution_reason=change.reason,
            **extra,
        )
    )
    record(conn, alert_id, change)


def acknowledge(
    conn: sa.Connection, alert_id: int, *, by: str, now: datetime, reason: str | None = None
) -> None:
    """Someone is looking into it: open → acknowledged."""
    row = load(conn, alert_id)
    if row.status != AlertStatus.OPEN.value:
        raise AlertError(
            f"alert {alert_id} is {row.status}; only an open alert can be acknowledged"
        )
    conn.execute(
        sa.update(alerts)
        .where(alerts.c.id == alert_id)
        .values(status=AlertStatus.ACKNOWLEDGED.value, acknowledged_by=by, acknowledged_at=now)
    )
    record(conn, alert_id, Change(AlertAction.ACKNOWLEDGED, by, now, reason))


def assign(conn: sa.Connection, alert_id: int, *, assignee: str, by: str, now: datetime) -> None:
    """Name who is to look into an active alert (again: the latest assignment holds)."""
    row = load(conn, alert_id)
    if row.status == AlertStatus.RESOLVED.value:
        raise AlertError(f"alert {alert_id} is resolved ({row.resolution}); nobody to assign it to")
    query = sa.update(alerts).where(alerts.c.id == alert_id)
    conn.execute(query.values(assignee=assignee, assigned_at=now))
    record(conn, alert_id, Change(AlertAction.ASSIGNED, by, now, f"assigned to {assignee}"))


def comment(conn: sa.Connection, alert_id: int, *, text: str, by: str, now: datetime) -> None:
    """Add a note to an alert's history, whatever its status (a resolved one too)."""
    if not text.strip():
        raise AlertError("a comment needs some text")
    load(conn, alert_id)
    record(conn, alert_id, Change(AlertAction.COMMENTED, by, now, text))


def dismiss(conn: sa.Connection, alert_id: int, *, by: str, reason: str, now: datetime) -> None:
    """Close without touching the ledger (a false alarm, explained)."""
    if not reason.strip():
        raise AlertError("a dismissal needs a reason: --dismiss 'why this is not a problem'")
    row = load(conn, alert_id)
    change = Change(AlertAction.DISMISSED, by, now, reason)
    resolve(conn, alert_id, change, resolution="dismissed", dismissed_key=row.active_key)


def load(conn: sa.Connection, alert_id: int) -> sa.Row[Any]:
    """An alert's row; ``AlertError`` when there is none."""
    row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    if row is None:
        raise AlertError(f"no alert {alert_id}: see `collector alerts list`")
    return row


def record(conn: sa.Connection, alert_id: int, change: Change) -> None:
    """Append the step to the history and queue the alert's new state for publishing."""
    row = load(conn, alert_id)
    conn.execute(
        sa.insert(alert_events).values(
            alert_id=alert_id,
            at=change.at,
            action=change.action.value,
            actor=change.actor,
            reason=change.reason,
            expected=row.expected,
            observed=row.observed,
        )
    )
    message = to_message(row, change)
    conn.execute(
        sa.insert(alert_notifications).values(
            alert_id=alert_id,
            site=row.site,
            payload=message.to_json().decode(),
            created_at=change.at,
            attempts=0,
            next_attempt_at=change.at,
        )
    )


def to_message(row: sa.Row[Any], change: Change) -> AlertMessage:
    """The published form of an alert row after a change."""
    return AlertMessage(
        alert_id=row.id,
        site=row.site,
        type=row.type,
        status=AlertStatus(row.status),
        severity=row.severity,
        location=row.location,
        sku=row.sku,
        subject=row.subject,
        owner=row.owner,
        device_id=row.device_id,
        expected=row.expected,
        observed=row.observed,
        value_at_risk=row.value_at_risk,
        message=row.message,
        evidence=json.loads(row.evidence),
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        change=change.action,
        actor=change.actor,
        reason=change.reason,
        changed_at=change.at,
    )


def list_alerts(
    conn: sa.Connection, *, status: str | None = None, site: str | None = None
) -> list[sa.Row[Any]]:
    """Alerts newest first, optionally of one status and site."""
    query = sa.select(alerts).order_by(alerts.c.id.desc())
    if status is not None:
        query = query.where(alerts.c.status == status)
    if site is not None:
        query = query.where(alerts.c.site == site)
    return list(conn.execute(query))


def history(conn: sa.Connection, alert_id: int) -> list[sa.Row[Any]]:
    """Every step of one alert, oldest first."""
    query = sa.select(alert_events).where(alert_events.c.alert_id == alert_id)
    return list(conn.execute(query.order_by(alert_events.c.id)))
