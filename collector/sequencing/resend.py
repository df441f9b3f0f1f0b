"""``ResendScheduler``: when to ask a device again for the events of an open gap.

Pure: time is passed in. A gap opens when the reorder window let events pass a hole;
the first request goes out at once, then again after ``initial_s``, doubling up to
``max_s`` (with jitter), for as long as the gap stays open. Progress of the stream (a
smaller gap, a later ``from_seq``) starts the backoff over from its first delay, not at
once: the events are arriving, and a device asked again rewinds and sends them all again.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.runtime.backoff import Backoff
from collector.sequencing.streams import StreamKey


@dataclass(slots=True)
class _Open:
    from_seq: int
    attempt: int
    due_s: float


@dataclass(frozen=True, slots=True)
class ResendDue:
    """A resend request to publish now; ``attempt`` counts from 1."""

    key: StreamKey
    from_seq: int
    attempt: int
    last: bool = False
    """No further request follows for this ``from_seq`` (the gap alert remains)."""


class ResendScheduler:
    """Open gaps and the backoff of their resend requests."""

    def __init__(self, backoff: Backoff | None = None, *, max_attempts: int = 12) -> None:
        """``backoff``: delay after each request (default 2 s doubling to 30 s); after
        ``max_attempts`` requests for one ``from_seq`` the scheduler gives up on it (an epoch
        the device no longer has would otherwise be asked for forever; the alert stays)."""
        self._backoff = backoff or Backoff(initial_s=2.0, max_s=30.0)
        self._max_attempts = max_attempts
        self._open: dict[StreamKey, _Open] = {}

    def open(self, key: StreamKey, from_seq: int, now_s: float) -> None:
        """The stream misses events from ``from_seq``: a new gap is asked for at once; a gap
        that shrank restarts the backoff from its first delay."""
        current = self._open.get(key)
        if current is None or from_seq < current.from_seq:
            self._open[key] = _Open(from_seq, 0, now_s)
        elif from_seq > current.from_seq:
            # The gap shrank: the device is sending it (a resend under way). Asking again at
            # once would make it rewind over what is already on its way, once per event
            # that arrives: a flood that grows with the square of the gap.
            self._open[key] = _Open(from_seq, 0, now_s + self._backoff.delay_s(0))

    def close(self, key: StreamKey) -> bool:
        """The gap closed; True if one was open."""
        return self._open.pop(key, None) is not None

    def due(self, now_s: float) -> list[ResendDue]:
        """Requests to send now; each one schedules its stream's next attempt."""
        ready = []
        for key, gap in self._open.items():
            if gap.due_s <= now_s and gap.attempt < self._max_attempts:
                gap.attempt += 1
                gap.due_s = now_s + self._backoff.delay_s(gap.attempt - 1)
                ready.append(
                    ResendDue(key, gap.from_seq, gap.attempt, gap.attempt >= self._max_attempts)
                )
        return ready

    def next_due_s(self) -> float | None:
        """When the next request falls due, or None with no gap open."""
        pending = (g.due_s for g in self._open.values() if g.attempt < self._max_attempts)
        return min(pending, default=None)

    def is_idle(self) -> bool:
        """True when no gap is open (cheap)."""
        return not self._open

    def open_keys(self) -> list[StreamKey]:
        """Streams with a gap open."""
        return list(self._open)
