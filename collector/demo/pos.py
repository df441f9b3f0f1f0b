"""The shop's till and back office: stock transactions over the same broker, kept until acked.

Both are :class:`~collector.mqtt.device_sim.SimulatedDevice`s: each transaction
is an outbox event with the next seq, published with QoS 1 and resent until the
collector's ack covers it, as a real POS integration must.  ``post`` returns
once the ledger has applied the transaction.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from collector.demo.catalog import BY_SKU
from collector.mqtt.address import parse_broker_url
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from collector.runtime.ports import Clock
from edge_agent import wire

ACK_TIMEOUT_S = 20.0


class Terminal:
    """One device that posts stock transactions (a till, the back office)."""

    def __init__(self, *, mqtt_url: str, site: str, device_id: str, clock: Clock) -> None:
        """Configure the device; ``connect`` opens the connection."""
        address = parse_broker_url(mqtt_url)
        self.device_id = device_id
        self._clock = clock
        self._seq = 0
        self._device = SimulatedDevice(
            host=address.host, port=address.port, site=site, device_id=device_id,
            clock=clock, resend_after_s=2.0,
        )  # fmt: skip

    def connect(self) -> None:
        """Connect and subscribe to this device's acks."""
        self._device.connect()

    def close(self) -> None:
        """Disconnect."""
        self._device.close()

    def post(self, fields: dict[str, object], *, event_id: uuid.UUID | None = None) -> uuid.UUID:
        """Send one transaction and wait until the collector acknowledged it; its event id."""
        self._seq += 1
        event_id = event_id or wire.new_event_id()
        event = wire.make_event(
            event_id=event_id, device_id=self.device_id, epoch=1, seq=self._seq,
            observed_at=self._clock.now(), data=wire.StockTransaction.model_validate(fields),
        )  # fmt: skip
        plan = [PlannedMessage(self._seq, wire.dump_event(event))]
        self._device.run(plan, timeout_s=ACK_TIMEOUT_S)
        return event_id

    def sell(self, sku: str, qty: int, location: str) -> uuid.UUID:
        """A sale at the item's shelf price."""
        price = BY_SKU[sku].unit_price
        return self.post({"type": "sale", "sku": sku, "qty": Decimal(qty),
                          "location": location, "unit_price": price})  # fmt: skip

    def give_back(self, sku: str, qty: int, location: str, sale: uuid.UUID) -> uuid.UUID:
        """A customer return of (part of) an earlier sale, back onto the shelf."""
        return self.post({"type": "return", "sku": sku, "qty": Decimal(qty),
                          "location": location, "returns_event_id": sale})  # fmt: skip

    def transfer(self, sku: str, qty: int, source: str, target: str) -> uuid.UUID:
        """Stock moved between two locations (a replenishment)."""
        return self.post({"type": "transfer", "sku": sku, "qty": Decimal(qty),
                          "location": source, "to_location": target})  # fmt: skip

    def receive(self, sku: str, qty: int, location: str, reference: str) -> uuid.UUID:
        """A receipt at the item's cost (the back office books yesterday's closing stock)."""
        cost = BY_SKU[sku].unit_cost
        fields = {"type": "receipt", "sku": sku, "qty": Decimal(qty), "location": location}
        return self.post({**fields, "unit_cost": cost, "reference": reference})
