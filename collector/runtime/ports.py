"""What the batch loop needs from the outside world: a broker transport, a clock, a stop signal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from collector.clock import Clock
from collector.ingest.ports import BatchOutcome, InboundMessage, Ingestor

__all__ = ["Clock", "Connection", "Delivery", "PipelinedIngestor", "StopSignal", "Transport"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message handed over by the broker, with the packet id needed to acknowledge it."""

    mid: int
    qos: int
    message: InboundMessage
    connection: int = 0
    """Which broker connection delivered it: a packet id means nothing on a later one."""


class Transport(Protocol):
    """The broker as the batch loop sees it; only the MQTT adapter implements it for real."""

    def receive(self, timeout_s: float) -> Delivery | None:
        """Next delivery, waiting at most ``timeout_s`` (0 = only what is already queued)."""
        ...

    def ack(self, delivery: Delivery) -> None:
        """Acknowledge a delivery to the broker (PUBACK); call only after its commit."""
        ...

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish a QoS 1 message (an ``EventAck`` to a device)."""
        ...


class Connection(Transport, Protocol):
    """A transport with a lifecycle: the MQTT consumer (or a wrapper of it)."""

    def start(self) -> None:
        """Begin connecting in the background."""
        ...

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Flush acks and publishes, then disconnect."""
        ...


class StopSignal(Protocol):
    """Set once to ask the runtime to stop; ``threading.Event`` is one."""

    def is_set(self) -> bool:
        """True once a stop was requested."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds or until set; returns whether it is set."""
        ...


@runtime_checkable
class PipelinedIngestor(Ingestor, Protocol):
    """An ingestor that commits elsewhere (another process), so the loop can gather the next
    batch meanwhile. One batch at a time: ``submit``, then ``result`` before the next one."""

    def submit(self, batch: Sequence[InboundMessage]) -> None:
        """Start committing ``batch``; raises ``LedgerError`` if it could not be handed over."""
        ...

    def result(self) -> BatchOutcome:
        """Wait for the submitted batch's commit; raises as ``ingest`` does if it failed."""
        ...

    def committing(self) -> bool:
        """True while the submitted batch has no answer yet (``result`` would block)."""
        ...
