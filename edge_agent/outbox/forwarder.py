"""The forwarder: moves outbox events to the MQTT link at the sender's pace and applies acks.

Acks, resend requests and connection changes arrive on the link's thread; they
are queued here and applied by whichever thread drives :meth:`Forwarder.step`
(normally :meth:`Forwarder.run` in its own thread), so the outbox is only ever
written from one place in the delivery path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from edge_agent import wire
from edge_agent.outbox.sender import DEFAULT_ACK_TIMEOUT_S, DEFAULT_WINDOW, Sender
from edge_agent.outbox.store import Outbox

log = structlog.get_logger(__name__)

IDLE_WAIT_S = 0.25


class EventPublisher(Protocol):
    """Where events go: the MQTT link (or a fake in tests)."""

    @property
    def is_connected(self) -> bool:
        """True while publishing can succeed."""
        ...

    def publish_events(self, payloads: Sequence[bytes]) -> int:
        """Hand envelopes to the broker QoS 1, in order; returns how many were accepted."""
        ...


@dataclass(frozen=True, slots=True)
class ForwarderStats:
    """Delivery counters for logs and the heartbeat."""

    epoch: int
    acked_seq: int
    sent_seq: int
    last_seq: int
    published: int
    rewinds: int


@dataclass(frozen=True, slots=True)
class _Resend:
    epoch: int
    seq: int


_Input = wire.EventAck | _Resend | bool


class Forwarder:
    """Publishes waiting events within the window; deletes them on the collector's ack."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        publisher: EventPublisher,
        monotonic: Callable[[], float],
        window: int = DEFAULT_WINDOW,
        ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S,
    ) -> None:
        """Resume after what the outbox already had acknowledged."""
        self._outbox = outbox
        self._publisher = publisher
        self._monotonic = monotonic
        self._inputs: queue.SimpleQueue[_Input] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._published = 0
        self.sender = Sender(
            epoch=outbox.epoch,
            acked_seq=outbox.acked_through(),
            window=window,
            ack_timeout_s=ack_timeout_s,
            now_s=monotonic(),
        )

    # ------------------------------------------------------------------ inputs (any thread)

    def on_ack(self, ack: wire.EventAck) -> None:
        """The collector applied ``ack.epoch`` up to ``ack.seq``; safe from the paho thread."""
        self._put(ack)

    def resend_from(self, epoch: int, seq: int) -> bool:
        """RESEND command: send ``seq`` onward again; False when the epoch is not this outbox's."""
        if epoch != self._outbox.epoch:
            return False
        self._put(_Resend(epoch, seq))
        return True

    def on_connection_change(self, connected: bool) -> None:
        """The link connected or dropped: whatever was in flight is sent again."""
        self._put(connected)

    def wake(self) -> None:
        """New events were appended: look at the outbox now rather than at the next tick."""
        self._wake.set()

    # ------------------------------------------------------------------ driving

    def run(self, stop: threading.Event, *, idle_wait_s: float = IDLE_WAIT_S) -> None:
        """Step until ``stop`` is set, sleeping until woken or ``idle_wait_s`` passes."""
        while not stop.is_set():
            self._wake.wait(idle_wait_s)
            self._wake.clear()
            try:
                self.step()
            except Exception:
                # An outbox error must not end delivery for good; it is retried next tick.
                log.exception("forwarder.step_failed", device=self._outbox.device_id)
                stop.wait(idle_wait_s)

    def step(self) -> int:
        """Apply queued inputs, then publish what the window allows; returns events published."""
        self._apply_inputs()
        if not self._publisher.is_connected:
            return 0
        now_s = self._monotonic()
        span = self.sender.next_range(last_stored_seq=self._outbox.last_seq, now_s=now_s)
        if span is None:
            return 0
        events = self._outbox.next_to_send(span.first - 1, span.count)
        sent = self._publisher.publish_events([e.payload for e in events])
        if sent:
            self.sender.mark_sent(events[sent - 1].seq, now_s=now_s)
        self._published += sent
        return sent

    def stats(self) -> ForwarderStats:
        """Snapshot of the delivery counters."""
        s = self.sender.stats()
        return ForwarderStats(
            epoch=self._outbox.epoch, acked_seq=s.acked_seq, sent_seq=s.sent_seq,
            last_seq=self._outbox.last_seq, published=self._published, rewinds=s.rewinds,
        )  # fmt: skip

    # ------------------------------------------------------------------ internals

    def _put(self, item: _Input) -> None:
        self._inputs.put(item)
        self._wake.set()

    def _apply_inputs(self) -> None:
        best_ack = 0
        while True:
            try:
                item = self._inputs.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, wire.EventAck):
                if item.epoch == self._outbox.epoch:
                    best_ack = max(best_ack, item.seq)  # acks are cumulative: keep the highest
            elif isinstance(item, _Resend):
                self.sender.resend_from(item.epoch, item.seq)
                log.info("forwarder.resend", device=self._outbox.device_id, epoch=item.epoch,
                         from_seq=item.seq)  # fmt: skip
            else:
                self.sender.on_disconnected()
        if best_ack > self.sender.acked_seq:
            self._acknowledge(best_ack)

    def _acknowledge(self, seq: int) -> None:
        self._outbox.acknowledge(self._outbox.epoch, seq)  # clamps and logs a seq past last_seq
        seq = min(seq, self._outbox.last_seq)  # never skip seqs this file has not produced yet
        self.sender.on_ack(self._outbox.epoch, seq, now_s=self._monotonic())
