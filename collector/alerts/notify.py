"""Publish queued alert changes on MQTT, POST them to a webhook and chart them in the time
series, retrying until delivered.

Every alert change queues a row in ``alert_notifications`` in the transaction that
made it; ``NotificationPump.drain`` delivers them in order and deletes a row once
every configured channel took it.  No transaction is held across a network call.
A failing webhook is retried with exponential backoff and never holds up MQTT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
import sqlalchemy as sa
import structlog

from collector.alerts.message import AlertMessage
from collector.alerts.schema import alert_notifications
from collector.errors import CollectorError
from edge_agent.wire import alerts_topic

log = structlog.get_logger("collector.alerts")


class NotificationError(CollectorError):
    """A channel refused or could not take a notification; it is retried."""


class AlertPublisher(Protocol):
    """Where alert JSON goes on MQTT (the collector's consumer connection fits)."""

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1."""
        ...


class AlertCharter(Protocol):
    """Where alert changes become time-series points (``collector.timeseries.discrepancies``)."""

    def __call__(self, conn: sa.Connection, message: AlertMessage, *, now: datetime) -> None:
        """Record the change's point in the caller's transaction."""
        ...


class WebhookSender(Protocol):
    """Where alert JSON is POSTed."""

    def post(self, payload: bytes) -> None:
        """Deliver one payload; ``NotificationError`` if the receiver did not take it."""
        ...


class HttpxWebhook:
    """``WebhookSender`` over httpx: JSON POST, any 2xx is success."""

    def __init__(
        self, url: str, *, timeout_s: float = 5.0, client: httpx.Client | None = None
    ) -> None:
        """``client`` lets tests inject a transport; otherwise one is created."""
        self._url = url
        self._client = client or httpx.Client(timeout=timeout_s)

    def post(self, payload: bytes) -> None:
        """POST the payload; translate every failure into ``NotificationError``."""
        try:
            response = self._client.post(
                self._url, content=payload, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as err:
            raise NotificationError(
                f"webhook {self._url}: {err.__class__.__name__}: {err}"
            ) from err
        if not response.is_success:
            raise NotificationError(
                f"webhook {self._url} answered {response.status_code}: {response.text[:200]}"
            )


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What one drain delivered."""

    published: int = 0
    posted: int = 0
    failed: int = 0


class NotificationPump:
    """Delivers queued alert notifications to the configured channels."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        publisher: AlertPublisher | None = None,
        webhook: WebhookSender | None = None,
        charter: AlertCharter | None = None,
        max_backoff_s: float = 300.0,
    ) -> None:
        """Channels left None are not used (a row is done once every used channel took it)."""
        self._engine = engine
        self._publisher = publisher
        self._webhook = webhook
        self._charter = charter
        self._max_backoff_s = max_backoff_s

    def drain(self, now: datetime, *, limit: int = 200) -> DrainReport:
        """Deliver what is due, oldest first."""
        n = alert_notifications.c
        query = sa.select(alert_notifications).order_by(n.id).limit(limit)
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        published = posted = failed = 0
        for row in rows:
            updates = self._deliver(row, now)
            published += "published_at" in updates
            posted += "posted_at" in updates
            failed += "last_error" in updates
            self._store(row, updates, now)
        return DrainReport(published, posted, failed)

    def _deliver(self, row: Any, now: datetime) -> dict[str, Any]:
        updates: dict[str, Any] = {}
        payload = row.payload.encode()
        if self._publisher is not None and row.published_at is None:
            try:
                self._publisher.publish(alerts_topic(row.site), payload)
                updates["published_at"] = now
            except Exception as err:  # a broker adapter's failure must not stop the webhook
                updates["last_error"] = f"mqtt publish: {err!r}"
                log.warning("alert.publish_failed", alert_id=row.alert_id, error=repr(err))
        if self._webhook is not None and row.posted_at is None and row.next_attempt_at <= now:
            try:
                self._webhook.post(payload)
                updates["posted_at"] = now
            except NotificationError as err:
                delay_s = min(self._max_backoff_s, 2.0 ** min(row.attempts, 20))
                updates.update(
                    attempts=row.attempts + 1,
                    last_error=str(err),
                    next_attempt_at=now + timedelta(seconds=delay_s),
                )
                log.warning(
                    "alert.webhook_failed",
                    alert_id=row.alert_id,
                    error=str(err),
                    attempt=row.attempts + 1,
                    retry_in_s=delay_s,
                )
        return updates

    def _is_done(self, row: Any, updates: dict[str, Any]) -> bool:
        published = row.published_at is not None or "published_at" in updates
        posted = row.posted_at is not None or "posted_at" in updates
        charted = row.charted_at is not None or "charted_at" in updates
        return (
            (published or self._publisher is None)
            and (posted or self._webhook is None)
            and (charted or self._charter is None)
        )

    def _store(self, row: Any, updates: dict[str, Any], now: datetime) -> None:
        where = alert_notifications.c.id == row.id
        with self._engine.begin() as conn:
            if self._charter is not None and row.charted_at is None:
                # the point commits with the row's progress: one point per change, never two
                self._charter(conn, AlertMessage.model_validate_json(row.payload), now=now)
                updates["charted_at"] = now
            if self._is_done(row, updates):
                conn.execute(sa.delete(alert_notifications).where(where))
            elif updates:
                conn.execute(sa.update(alert_notifications).where(where).values(updates))

    def pending(self) -> int:
        """Notifications not yet delivered everywhere."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(alert_notifications)
                ).scalar_one()
            )
