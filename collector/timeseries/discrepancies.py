"""Alert changes as ``discrepancy`` points in the time-series outbox (the dashboard's panels).

The alert notification queue carries every change of every alert; the notification pump
hands each to ``chart`` in the transaction that marks it delivered, so a point exists
exactly once per change, and none is lost while InfluxDB is away (the outbox waits).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from collector.alerts.message import AlertAction, AlertMessage, AlertStatus
from collector.timeseries.outbox import record_lines
from collector.timeseries.points import AlertTransition, discrepancy_point, to_lines

_RESOLVING = frozenset({AlertAction.ADJUSTED, AlertAction.DISMISSED, AlertAction.CLEARED})


def transition(message: AlertMessage) -> AlertTransition:
    """The time series' view of one alert change."""
    return AlertTransition(
        alert_id=message.alert_id,
        at=message.changed_at,
        site=message.site,
        alert_type=message.type,
        sku=message.sku or None,
        location=message.location or None,
        is_open=message.status is not AlertStatus.RESOLVED,
        opened=message.change is AlertAction.OPENED,
        resolved=message.change in _RESOLVING,
        value_at_risk=message.value_at_risk,
        expected_count=message.expected,
        observed_count=message.observed,
    )


def chart(conn: sa.Connection, message: AlertMessage, *, now: datetime) -> None:
    """Queue the change's ``discrepancy`` point in the caller's transaction."""
    record_lines(conn, to_lines([discrepancy_point(transition(message))]), recorded_at=now)
