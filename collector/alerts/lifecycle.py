"""What people do with alerts: acknowledge, resolve with a confirmed count, or dismiss."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from collector.alerts import store
from collector.alerts.errors import AlertError
from collector.alerts.message import AlertAction, AlertStatus
from collector.domain.model import PositionKey
from collector.ledger.adjustments import post_adjustment
from collector.ledger.session import PostingSession
from collector.reconcile.findings import AlertType

COUNTABLE = frozenset(
    {AlertType.SHRINKAGE, AlertType.UNMATCHED_ISSUE, AlertType.GATE_EXIT_UNMATCHED}
)
"""Alerts about stock at a (location, SKU): a confirmed count can resolve them."""


def resolve_with_count(
    session: PostingSession, alert_id: int, *, by: str, counted: Decimal
) -> UUID | None:
    """Post, in ``session``, the adjustment that makes the book equal the confirmed count,
    then resolve the alert.

    Returns the adjustment's event id (None when the book already equals the count).
    """
    conn, now = session.conn, session.now
    row = store.load(conn, alert_id)
    if row.status == AlertStatus.RESOLVED.value:
        raise AlertError(f"alert {alert_id} is already resolved ({row.resolution}); nothing done")
    if AlertType(row.type) not in COUNTABLE:
        raise AlertError(
            f"alert {alert_id} is a {row.type} alert, not about stock: resolve it with "
            "--dismiss REASON once the cause is fixed"
        )
    if counted < 0:
        raise AlertError(f"--counted {counted} is negative; count the units on the shelf")
    key = PositionKey(row.sku, row.location, row.owner)
    delta = counted - session.position(key).qty
    reason = f"count {_fmt(counted)} confirmed by {by} (alert {alert_id}, {row.type})"
    event_id = None
    if delta != 0:
        event_id = post_adjustment(session, key, delta=delta, reason=reason, by=by, site=row.site)
    change = store.Change(AlertAction.ADJUSTED, by, now, reason)
    store.resolve(conn, alert_id, change, resolution="adjusted", adjustment_event_id=event_id)
    return event_id


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
