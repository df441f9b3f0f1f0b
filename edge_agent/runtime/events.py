"""Where sensor loops put their events: the outbox, with one log line per stored event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from pydantic import BaseModel

from edge_agent import wire
from edge_agent.errors import OutboxError, OutboxFullError

log = structlog.get_logger(__name__)

Append = Callable[[BaseModel, datetime], wire.Event]

_LABELS: dict[type[BaseModel], Callable[[Any], dict[str, Any]]] = {
    wire.ShelfWeightChanged: lambda d: {"lane": d.lane, "sku": d.sku,
                                        "count_change": d.count_change,
                                        "resolution": d.resolution.value},
    wire.RfidTagSeen: lambda d: {"gate": d.gate, "epc": d.epc, "direction": d.direction.value},
    wire.BarcodeScanned: lambda d: {"station": d.station, "gtin": d.gtin, "mode": d.mode.value,
                                    "rejected_reason": d.rejected_reason},
    wire.DeviceHeartbeat: lambda d: {"outbox_depth": d.outbox_depth},
}  # fmt: skip
"""What to log about each kind of event, so logs can be grepped by lane, gate or station."""


def event_labels(data: BaseModel) -> dict[str, Any]:
    """Log fields naming where an event came from; empty for unknown models."""
    label = _LABELS.get(type(data))
    return {k: v for k, v in label(data).items() if v is not None} if label else {}


class EventWriter:
    """Stores sensor events in the outbox; a refused event is logged loudly, never raised."""

    def __init__(self, *, device_id: str, append: Append) -> None:
        """``append`` is ``Delivery.append`` (or a fake in tests)."""
        self._device_id = device_id
        self._append = append
        self.stored = 0
        self.refused = 0

    def __call__(self, data: BaseModel, observed_at: datetime) -> wire.Event | None:
        """Store one event; ``None`` when the outbox refused it (full disk or a file error)."""
        labels = event_labels(data)
        try:
            event = self._append(data, observed_at)
        except (OutboxFullError, OutboxError) as err:
            # A sensor loop must keep reading: the refusal is logged and counted instead.
            self.refused += 1
            log.error("event.not_stored", device=self._device_id, error=str(err), **labels)
            return None
        self.stored += 1
        log.info("event.stored", device=self._device_id, kind=event.kind.value, seq=event.seq,
                 event_id=str(event.event_id), **labels)  # fmt: skip
        return event
