"""Pacing of outbox delivery: a window of unacknowledged events, acks slide it, silence rewinds it.

Pure logic: no IO, no clock of its own. The caller passes ``now_s`` from a
monotonic clock. Seqs are those of one outbox epoch.

Why a window: Mosquitto drops QoS 1 messages queued for a subscriber beyond
``max_queued_messages`` (1000 by default; the shipped
``deploy/mosquitto/conf.d/10-inventory-queues.conf`` raises it to 100,000).
Keeping at most ``window`` events unacknowledged by the *collector* (not the
broker) bounds what can pile up in the collector's session, so a long backlog
drains at the collector's pace.

Why 1,000: the collector acknowledges once per ledger batch, so a drain moves
at most one window per ack round trip (publish, batch, commit, ack, delete).
At 200 a backlog drained at ~800 events/s into the real ``collector run``; at
1,000 it drains at the collector's pace (~2,000/s on the shared 2-core test
machine). Other devices' live events do not wait behind it: the collector takes
devices in turns and keeps its commits short while one of them is live
(``docs/collector.md``, *Live events during a backlog*; ``benchmarks/RESULTS.md``,
section ``outbox-delivery``).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WINDOW = 1_000
DEFAULT_ACK_TIMEOUT_S = 10.0
MAX_ACK_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class SendRange:
    """Seqs ``first..last`` (inclusive) to publish now."""

    first: int
    last: int

    @property
    def count(self) -> int:
        """How many events the range holds."""
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class SenderStats:
    """Counters for the heartbeat and the logs."""

    acked_seq: int
    sent_seq: int
    in_flight: int
    rewinds: int


class Sender:
    """Decides which seqs to publish next; told about acks, timeouts and resend requests.

    ``acked_seq``: highest seq the collector confirmed. ``sent_seq``: highest seq
    published since the last rewind. In flight = ``sent_seq - acked_seq`` ≤ window.
    With no ack progress for the ack timeout, the window is sent again from
    ``acked_seq + 1`` (the collector de-duplicates); consecutive timeouts double
    the wait up to ``MAX_ACK_TIMEOUT_S`` so an absent collector is not flooded.
    """

    def __init__(
        self,
        *,
        epoch: int,
        acked_seq: int,
        window: int = DEFAULT_WINDOW,
        ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S,
        now_s: float,
    ) -> None:
        """Start after ``acked_seq`` (the outbox's ``acked_through()``)."""
        if window < 1:
            raise ValueError(f"sender window must be at least 1, got {window}")
        if ack_timeout_s <= 0:
            raise ValueError(f"ack timeout must be positive, got {ack_timeout_s} s")
        self.epoch = epoch
        self.window = window
        self._base_timeout_s = ack_timeout_s
        self._timeout_s = ack_timeout_s
        self._acked = acked_seq
        self._sent = acked_seq
        self._progress_at_s = now_s
        self._rewinds = 0

    @property
    def acked_seq(self) -> int:
        """Highest seq the collector acknowledged."""
        return self._acked

    @property
    def sent_seq(self) -> int:
        """Highest seq published since the last rewind."""
        return self._sent

    def next_range(self, *, last_stored_seq: int, now_s: float) -> SendRange | None:
        """Seqs to publish now, or ``None`` while the window is full or nothing waits."""
        if self._sent > self._acked and now_s - self._progress_at_s >= self._timeout_s:
            self._rewind(now_s)
        first = self._sent + 1
        last = min(last_stored_seq, self._acked + self.window)
        if last < first:
            return None
        return SendRange(first, last)

    def mark_sent(self, seq: int, *, now_s: float) -> None:
        """Record that every seq up to ``seq`` was handed to the broker."""
        if self._sent == self._acked:
            self._progress_at_s = now_s  # the ack clock starts when the window opens
        self._sent = max(self._sent, seq)

    def on_ack(self, epoch: int, seq: int, *, now_s: float) -> bool:
        """Slide the window on a collector ack; True when it was progress for this epoch."""
        if epoch != self.epoch or seq <= self._acked:
            return False
        self._acked = seq
        self._sent = max(self._sent, seq)
        self._progress_at_s = now_s
        self._timeout_s = self._base_timeout_s
        return True

    def resend_from(self, epoch: int, seq: int) -> bool:
        """The collector asks for ``seq`` onward again (RESEND); True when it applies here."""
        if epoch != self.epoch:
            return False
        self._sent = max(self._acked, min(self._sent, seq - 1))
        return True

    def on_disconnected(self) -> None:
        """The link dropped: what was in flight may be lost; send it again after reconnect."""
        self._sent = self._acked

    def stats(self) -> SenderStats:
        """Snapshot of the counters."""
        return SenderStats(self._acked, self._sent, self._sent - self._acked, self._rewinds)

    def _rewind(self, now_s: float) -> None:
        self._sent = self._acked
        self._progress_at_s = now_s
        self._rewinds += 1
        self._timeout_s = min(self._timeout_s * 2, MAX_ACK_TIMEOUT_S)
