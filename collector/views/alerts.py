"""Alert counts as a reader may see them: open (and acknowledged) alerts per site and severity."""

from __future__ import annotations

import sqlalchemy as sa

from collector.alerts.message import AlertStatus
from collector.alerts.schema import alerts
from collector.views.scope import Scope

UNRESOLVED = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)


def unresolved_by_severity(conn: sa.Connection, scope: Scope) -> dict[tuple[str, str], int]:
    """{(site, severity): how many alerts of the scope's owners are open or acknowledged}."""
    a = alerts.c
    query = (
        sa.select(a.site, a.severity, sa.func.count())
        .where(a.status.in_(UNRESOLVED), scope.where(a.owner))
        .group_by(a.site, a.severity)
    )
    return {(site, severity): int(count) for site, severity, count in conn.execute(query)}
