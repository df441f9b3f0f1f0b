"""Keeps each device's newest heartbeat in ``device_status``, in the batch's own transaction."""

from __future__ import annotations

import sqlalchemy as sa

from collector.devices.store import record_heartbeat
from collector.ledger.observers import Posted
from edge_agent.wire import DeviceHeartbeatEvent


class HeartbeatObserver:
    """``PostingObserver``: a heartbeat the batch stored updates its device's row.

    A heartbeat is an event like any other (outbox, seq, ack), so it reaches the
    collector exactly once through the ledger's inbox; recording it here keeps the
    device row in step with what the inbox holds, and adds no posting.
    """

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """Upsert the health figures of every heartbeat in the batch."""
        for stored in posted.stored_events:
            event = stored.event
            if isinstance(event, DeviceHeartbeatEvent):
                record_heartbeat(
                    conn, stored.site, stored.device_id, event.data, observed_at=event.observed_at
                )
