"""Fakes for the sequenced connection: a scripted broker connection and a manual clock."""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from collector.ingest.ports import InboundMessage
from collector.runtime.ports import Delivery
from edge_agent import wire
from tests.support.clock import ManualClock

SITE = "s1"
DEVICE = "pos-1"
EPOCH = 7


@dataclass
class FakeConnection:
    """Queued deliveries out, acks and publishes recorded; waiting in vain takes the time."""

    clock: ManualClock
    queued: deque[Delivery] = field(default_factory=deque)
    acked: list[int] = field(default_factory=list)
    published: list[tuple[str, bytes]] = field(default_factory=list)
    started: bool = False
    stopped: bool = False

    def receive(self, timeout_s: float) -> Delivery | None:
        if not self.queued:
            self.clock.t_s += timeout_s
            return None
        return self.queued.popleft()

    def ack(self, delivery: Delivery) -> None:
        self.acked.append(delivery.mid)

    def publish(self, topic: str, payload: bytes) -> None:
        self.published.append((topic, payload))

    def start(self) -> None:
        self.started = True

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        self.stopped = True

    def commands(self) -> list[wire.ResendCommand]:
        return self.commands_for(SITE, DEVICE)

    def commands_for(self, site: str, device: str) -> list[wire.ResendCommand]:
        topic = wire.commands_topic(site, device)
        return [wire.ResendCommand.model_validate_json(p) for t, p in self.published if t == topic]


def event_delivery(seq: int, *, device: str = DEVICE, epoch: int = EPOCH) -> Delivery:
    """A delivery whose payload carries the identity fields the sequencer reads (mid = seq)."""
    payload = {"schema": 1, "event_id": str(uuid.uuid4()), "device_id": device, "epoch": epoch}
    payload |= {"seq": seq, "kind": "stock.transaction", "data": {}}
    message = InboundMessage(
        wire.events_topic(SITE, device), json.dumps(payload).encode(), datetime.now(UTC)
    )
    return Delivery(mid=seq, qos=1, message=message)


def ack_payload(seq: int, *, device: str = DEVICE, epoch: int = EPOCH) -> bytes:
    return wire.EventAck(device_id=device, epoch=epoch, seq=seq).model_dump_json().encode()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def inner(clock: ManualClock) -> FakeConnection:
    return FakeConnection(clock)
