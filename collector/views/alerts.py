"""Discrepancy alerts as a reader may see them: filtered, newest first, with evidence and history.

A restricted reader (a 3PL client) sees an alert only when it is about a SKU one of its
owners holds at the alert's location: the alert's ``owner`` is in its scope and the alert
names a SKU. Alerts about devices and lanes (no SKU) carry the site's default owner, not a
client's, so they are nobody's but the operator's. Another owner's alert is answered like
one that does not exist.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.alerts.message import AlertStatus
from collector.alerts.schema import alert_events, alerts
from collector.ledger.schema import inbox
from collector.views.paths import in_subtree
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts: statuses, types, severities, site, location subtree, SKU, owner."""

    statuses: frozenset[str] | None = None
    types: frozenset[str] | None = None
    severities: frozenset[str] | None = None
    site: str | None = None
    location: str | None = None
    sku: str | None = None
    owner: str | None = None
    active_unacknowledged: bool = False
    """Only open alerts nobody has acknowledged yet (what needs someone now)."""


@dataclass(frozen=True, slots=True)
class AlertView:
    """One alert with its figures and where it is in its lifecycle."""

    id: int
    site: str
    type: str
    status: str
    severity: str
    location: str
    sku: str
    subject: str
    owner: str
    device_id: str | None
    expected: Decimal | None
    observed: Decimal | None
    value_at_risk: Decimal | None
    message: str
    evidence: list[str]
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    assignee: str | None
    assigned_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    resolution_reason: str | None
    adjustment_event_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class StepView:
    """One step of an alert's history: who did what, when and why."""

    at: datetime
    action: str
    actor: str
    reason: str | None
    expected: Decimal | None
    observed: Decimal | None


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """An event that led to the alert, as the inbox has it (None where it holds none)."""

    event_id: str
    kind: str | None
    device_id: str | None
    observed_at: datetime | None
    received_at: datetime | None
    disposition: str | None


_a = alerts.c
_FIELDS = tuple(f for f in AlertView.__dataclass_fields__ if f != "evidence")


def visible_alerts(scope: Scope) -> sa.ColumnElement[bool]:
    """The SQL condition on ``alerts`` for the alerts ``scope`` may see."""
    if not scope.is_restricted:
        return sa.true()
    return sa.and_(scope.where(_a.owner), _a.sku != "")


def alert_page(
    conn: sa.Connection,
    scope: Scope,
    flt: AlertFilter,
    *,
    limit: int,
    before_id: int | None = None,
) -> list[AlertView]:
    """Up to ``limit`` visible alerts matching ``flt``, newest first, older than ``before_id``."""
    query = sa.select(alerts).where(visible_alerts(scope), *_conditions(flt))
    if before_id is not None:
        query = query.where(_a.id < before_id)
    rows = conn.execute(query.order_by(_a.id.desc()).limit(limit))
    return [_view(row) for row in rows]


def get_alert(conn: sa.Connection, scope: Scope, alert_id: int) -> AlertView | None:
    """The alert, or None when there is none or ``scope`` may not see it (the same answer)."""
    query = sa.select(alerts).where(_a.id == alert_id, visible_alerts(scope))
    row = conn.execute(query).first()
    return _view(row) if row is not None else None


def alert_history(conn: sa.Connection, alert_id: int) -> list[StepView]:
    """Every step of one alert, oldest first (see the alert with ``get_alert`` first)."""
    e = alert_events.c
    query = sa.select(e.at, e.action, e.actor, e.reason, e.expected, e.observed)
    rows = conn.execute(query.where(e.alert_id == alert_id).order_by(e.id))
    return [StepView(**row._mapping) for row in rows]


def alert_evidence(conn: sa.Connection, view: AlertView) -> list[EvidenceView]:
    """The events the alert names, in its order, with what the inbox knows of each."""
    ids = {text: _uuid(text) for text in view.evidence}
    known = sorted({u for u in ids.values() if u is not None})
    i = inbox.c
    columns = (i.event_id, i.kind, i.device_id, i.observed_at, i.received_at, i.disposition)
    rows = conn.execute(sa.select(*columns).where(i.event_id.in_(known)))
    found: dict[uuid.UUID | None, Any] = {row.event_id: row for row in rows}
    return [_evidence(text, found.get(ids[text])) for text in view.evidence]


def _evidence(text: str, row: Any) -> EvidenceView:
    if row is None:
        return EvidenceView(text, None, None, None, None, None)
    return EvidenceView(
        text, row.kind, row.device_id, row.observed_at, row.received_at, row.disposition
    )


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _conditions(flt: AlertFilter) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if flt.statuses:
        found.append(_a.status.in_(sorted(flt.statuses)))
    if flt.active_unacknowledged:
        found.append(_a.status == AlertStatus.OPEN.value)
    if flt.types:
        found.append(_a.type.in_(sorted(flt.types)))
    if flt.severities:
        found.append(_a.severity.in_(sorted(flt.severities)))
    for column, value in ((_a.site, flt.site), (_a.sku, flt.sku), (_a.owner, flt.owner)):
        if value is not None:
            found.append(column == value)
    if flt.location is not None:
        found.append(in_subtree(_a.location, flt.location))
    return found


def _view(row: sa.Row[Any]) -> AlertView:
    m = row._mapping
    return AlertView(**{name: m[name] for name in _FIELDS}, evidence=json.loads(m["evidence"]))


UNRESOLVED = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)


def unresolved_by_severity(conn: sa.Connection, scope: Scope) -> dict[tuple[str, str], int]:
    """{(site, severity): how many visible alerts are open or acknowledged} (the overview)."""
    query = (
        sa.select(_a.site, _a.severity, sa.func.count())
        .where(_a.status.in_(UNRESOLVED), visible_alerts(scope))
        .group_by(_a.site, _a.severity)
    )
    return {(site, severity): int(count) for site, severity, count in conn.execute(query)}
