"""``SequencedConnection``: the broker connection with each device's events put in seq order.

It wraps the MQTT consumer between the broker and the batch loop, which it does not
change. ``receive`` hands events over in seq order per (site, device, epoch): one
that arrives ahead of its seq waits in the ``ReorderBuffer`` and is not given to the
loop, so it is neither committed nor acknowledged (after a crash the broker
redelivers it). When the hold expires with the hole still open, the held events go
on (the ledger records the gap) and a ``ResendCommand`` goes to the device, repeated
with backoff while the gap stays open.

Progress is learnt from the ledger itself: every ``EventAck`` the loop publishes
through ``publish`` is the committed ``DeviceProgress`` of one stream. Only the batch
loop's thread may call ``receive`` and ``publish``.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Sequence

import structlog

from collector.runtime.ports import Clock, Connection, Delivery
from collector.sequencing.ranges import Range
from collector.sequencing.reorder import ReorderBuffer
from collector.sequencing.resend import ResendDue, ResendScheduler
from collector.sequencing.streams import StreamKey, describe_range, peek_position
from edge_agent import wire

log = structlog.get_logger("collector.sequencing")

StreamRecord = tuple[StreamKey, int, int, Sequence[Range]]
"""A stream as the ledger records it: key, contiguous seq, highest seq, open gaps."""


class SequencedConnection:
    """A ``Connection`` whose ``receive`` releases each device's events in seq order."""

    def __init__(
        self,
        inner: Connection,
        *,
        clock: Clock,
        buffer: ReorderBuffer[Delivery],
        resends: ResendScheduler,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        """Wrap ``inner``; ``buffer`` may be seeded from the ledger already."""
        self._inner = inner
        self._clock = clock
        self._buffer = buffer
        self._resends = resends
        self._new_id = new_id
        self._ready: deque[Delivery] = deque()

    # ------------------------------------------------------------------ Transport

    def receive(self, timeout_s: float) -> Delivery | None:
        """Next delivery in seq order, waiting at most ``timeout_s`` (0: only what is queued)."""
        if self._ready:  # released in order already
            return self._ready.popleft()
        deadline_s = self._clock.monotonic() + max(timeout_s, 0.0)
        if self._is_quiet():  # nothing held, no gap open: only the peek is extra
            delivery = self._inner.receive(timeout_s)
            if delivery is None:
                return None
            self._place(delivery)
        while True:
            now_s = self._clock.monotonic()
            self._tick(now_s)
            if self._ready:
                return self._ready.popleft()
            delivery = self._inner.receive(self._wait_s(now_s, deadline_s))
            if delivery is not None:
                self._place(delivery)
            elif self._clock.monotonic() >= deadline_s:
                self._tick(self._clock.monotonic())
                return self._ready.popleft() if self._ready else None

    def ack(self, delivery: Delivery) -> None:
        """PUBACK, unchanged."""
        self._inner.ack(delivery)

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish; an ``EventAck`` also tells the buffer how far the ledger got."""
        self._inner.publish(topic, payload)
        if topic.endswith("/" + wire.Channel.ACKS.value):
            self._learn(topic, payload)

    def start(self) -> None:
        """Start the wrapped connection."""
        self._inner.start()

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Stop the wrapped connection; held events stay unacknowledged for redelivery."""
        held = self._buffer.held_count() + len(self._ready)
        if held:
            log.info("sequence.stopping_with_held", held=held, hint="the broker redelivers them")
        self._inner.stop(flush_timeout_s)

    def restart(self, belongs: Callable[[str], bool], record: Sequence[StreamRecord]) -> None:
        """Start the streams of the devices ``belongs`` names over from the ledger's
        ``record`` (this collector just took those devices over, maybe back).

        What this collector knew of them may be ahead of the ledger (events it released
        and then could not commit, its lease lost), so it is forgotten (``forget``), not
        merged; events still held are dropped, and come again with the resend.
        """
        self.forget(belongs)
        now_s = self._clock.monotonic()
        patient_until_s = now_s + self._buffer.policy.resend_wait_s
        for key, contiguous, highest, gaps in record:
            self._buffer.seed(key, contiguous, highest=highest, gaps=list(gaps))
            # the device is asked to resend from there (by the takeover, or for the gap):
            # live events that overtake the resend wait for it longer than the usual window
            self._buffer.expect(key, patient_until_s)
            self._check_gap(key, now_s)

    def forget(self, belongs: Callable[[str], bool]) -> None:
        """Drop the streams of the devices ``belongs`` names (another collector has them now),
        and ask no more resends for them.

        What they held is acknowledged to the broker and dropped, as events of a partition
        not held are: never posted, since the fence admits them while the lease row still
        names this member (a renewal that failed here, a release not yet written), which
        would apply them ahead of the missing ones. The device still has them (no device
        ack was sent) and sends them again to their owner.
        """
        for key in self._buffer.stream_keys():
            if belongs(key.device_id):
                for delivery in self._buffer.drop(key):
                    self._inner.ack(delivery)
                self._resends.close(key)

    # ------------------------------------------------------------------ internals

    def _is_quiet(self) -> bool:
        return self._resends.is_idle() and not self._buffer.is_holding()

    def _wait_s(self, now_s: float, deadline_s: float) -> float:
        """Block until the caller's deadline, a hold's expiry or a resend, whichever first."""
        if self._is_quiet():
            return max(deadline_s - now_s, 0.0)
        wake = [deadline_s]
        for moment in (self._buffer.next_deadline_s(), self._resends.next_due_s()):
            if moment is not None:
                wake.append(moment)
        return max(min(wake) - now_s, 0.0)

    def _place(self, delivery: Delivery) -> None:
        """Hand the delivery to the buffer (or straight on when it has no stream)."""
        position = peek_position(delivery.message)
        if position is None:
            self._ready.append(delivery)
            return
        now_s = self._clock.monotonic()
        self._ready.extend(self._buffer.offer(position.key, position.seq, delivery, now_s))
        if not self._resends.is_idle() or self._buffer.gap(position.key) is not None:
            self._check_gap(position.key, now_s)

    def _tick(self, now_s: float) -> None:
        """Let expired holds go (opening gaps), and send the resends that fall due."""
        if self._is_quiet():
            return  # the common case: everything in order
        for key, released in self._buffer.expire(now_s):
            self._ready.extend(released)
            gap = self._buffer.gap(key)
            if gap is not None:
                log.warning(
                    "sequence.gap_open",
                    site=key.site,
                    device=key.device_id,
                    epoch=key.epoch,
                    missing=describe_range(*gap),
                    released=len(released),
                    hint="events after the gap go to the ledger; a resend is requested",
                )
            self._check_gap(key, now_s)
        for due in self._resends.due(now_s):
            self._send_resend(due)

    def _check_gap(self, key: StreamKey, now_s: float) -> None:
        """Keep the resend schedule in step with the stream's first gap."""
        gap = self._buffer.gap(key)
        if gap is None:
            if self._resends.close(key):
                log.info(
                    "sequence.gap_closed", site=key.site, device=key.device_id, epoch=key.epoch
                )
            return
        self._resends.open(key, gap[0], now_s)

    def _send_resend(self, due: ResendDue) -> None:
        """Publish a ``ResendCommand`` for the gap on the device's commands topic."""
        key = due.key
        gap = self._buffer.gap(key)
        command = wire.ResendCommand(
            command_id=self._new_id(),
            name=wire.CommandName.RESEND,
            epoch=key.epoch,
            from_seq=due.from_seq,
        )
        topic = wire.commands_topic(key.site, key.device_id)
        self._inner.publish(topic, command.model_dump_json(by_alias=True).encode())
        log.warning(
            "sequence.resend_requested",
            site=key.site,
            device=key.device_id,
            epoch=key.epoch,
            from_seq=due.from_seq,
            missing=describe_range(*gap) if gap else None,
            attempt=due.attempt,
            command_id=str(command.command_id),
            last_attempt=due.last,
        )

    def _learn(self, topic: str, payload: bytes) -> None:
        """The ledger's contiguous seq for one stream, from the ack just published."""
        try:
            address = wire.parse_topic(topic)
            ack = wire.EventAck.model_validate_json(payload)
        except ValueError as err:  # pydantic's ValidationError is one; never ours to raise
            log.error("sequence.unreadable_ack", topic=topic, error=str(err))
            return
        key = StreamKey(address.site, ack.device_id, ack.epoch)
        self._ready.extend(self._buffer.acknowledged(key, ack.seq))
        self._check_gap(key, self._clock.monotonic())
