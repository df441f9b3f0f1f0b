"""``ReorderBuffer``: hold events that arrive ahead of their seq, release them in order.

Pure: time is passed in (``now_s``, monotonic seconds). Per stream (site, device,
epoch) it knows the seq handled contiguously from 1 (learnt from the ledger and from
what it released itself) and which seqs above a hole it released already. An event
at or below the next expected seq passes at once; one beyond it waits, unacknowledged,
until the missing seqs arrive, ``window_s`` has passed, or ``max_held`` wait in its
stream. Then the held ones are released in seq order and the hole, if still open, is
a gap: the ledger records it and ``gap`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from collector.sequencing.ranges import Range, absorb, add_seq, complement
from collector.sequencing.streams import StreamKey

T = TypeVar("T")


@dataclass(slots=True)
class _Stream(Generic[T]):
    contiguous: int = 0
    released: list[Range] = field(default_factory=list)
    """Seqs released above the first hole (never touching ``contiguous``)."""
    held: dict[int, list[T]] = field(default_factory=dict)
    held_since_s: float | None = None
    patient_until_s: float | None = None
    """While a resend from ``contiguous + 1`` is on its way (``expect``): hold until then."""

    def deadline_s(self, window_s: float) -> float | None:
        """When what is held goes out anyway, or None while nothing is held."""
        if self.held_since_s is None:
            return None
        return max(self.held_since_s + window_s, self.patient_until_s or 0.0)

    @property
    def frontier(self) -> int:
        """Highest seq released: anything up to one beyond it is in order."""
        return self.released[-1][1] if self.released else self.contiguous

    def mark_released(self, seq: int) -> None:
        if seq > self.contiguous:
            add_seq(self.released, seq)
            self.contiguous = absorb(self.contiguous, self.released)


@dataclass(frozen=True, slots=True)
class ReorderPolicy:
    """How long and how many events one stream may hold back."""

    window_s: float = 2.0
    max_held: int = 200
    resend_wait_s: float = 10.0
    """How long a stream asked to resend from its contiguous seq (a device just taken over)
    holds later events for the resent ones: a round trip to the device, longer than the
    network's reordering that ``window_s`` covers."""


class ReorderBuffer(Generic[T]):
    """Holds out-of-order items per stream; every method returns what to release, in order."""

    def __init__(self, policy: ReorderPolicy | None = None) -> None:
        """Empty: every stream starts at contiguous seq 0 unless ``seed`` says otherwise."""
        self.policy = policy or ReorderPolicy()
        self._streams: dict[StreamKey, _Stream[T]] = {}
        self._holding: dict[StreamKey, _Stream[T]] = {}
        """Streams holding something: the only ones ``expire`` looks at."""

    def seed(self, key: StreamKey, contiguous: int, *, highest: int, gaps: list[Range]) -> None:
        """Start a stream from the ledger's record (contiguous seq, highest seen, open gaps)."""
        stream = self._stream(key)
        stream.contiguous = max(stream.contiguous, contiguous)
        stream.released = complement(stream.contiguous + 1, highest, gaps)
        stream.contiguous = absorb(stream.contiguous, stream.released)

    def expect(self, key: StreamKey, until_s: float) -> None:
        """A resend from the stream's contiguous seq was asked for: hold later events for it
        until ``until_s`` (or until the stream catches up), not only ``window_s``."""
        self._stream(key).patient_until_s = until_s

    def drop(self, key: StreamKey) -> list[T]:
        """Forget a stream (its device moved to another collector); returns what it held."""
        stream = self._streams.pop(key, None)
        self._holding.pop(key, None)
        if stream is None:
            return []
        return [item for seq in sorted(stream.held) for item in stream.held[seq]]

    def stream_keys(self) -> list[StreamKey]:
        """Every stream known."""
        return list(self._streams)

    def offer(self, key: StreamKey, seq: int, item: T, now_s: float) -> list[T]:
        """Place an arrived item: released now (with any it unblocks) or held."""
        stream = self._stream(key)
        if seq <= stream.frontier + 1:
            stream.mark_released(seq)
            return [item, *self._unblocked(key, stream)] if stream.held else [item]
        stream.held.setdefault(seq, []).append(item)
        if stream.held_since_s is None:
            stream.held_since_s = now_s
            self._holding[key] = stream
        if sum(len(items) for items in stream.held.values()) > self.policy.max_held:
            return self._flush(key, stream)
        return []

    def acknowledged(self, key: StreamKey, contiguous: int) -> list[T]:
        """The ledger handled the stream up to ``contiguous``; returns items this unblocks."""
        stream = self._stream(key)
        if contiguous > stream.contiguous:
            stream.contiguous = contiguous
            kept = [(max(a, contiguous + 1), b) for a, b in stream.released if b > contiguous]
            stream.released = kept
            stream.contiguous = absorb(stream.contiguous, stream.released)
        return self._unblocked(key, stream)

    def expire(self, now_s: float) -> list[tuple[StreamKey, list[T]]]:
        """Release, in seq order, every stream whose oldest held item waited ``window_s``."""
        released: list[tuple[StreamKey, list[T]]] = []
        for key, stream in list(self._holding.items()):
            deadline_s = stream.deadline_s(self.policy.window_s)
            if deadline_s is not None and now_s >= deadline_s:  # as next_deadline_s
                released.append((key, self._flush(key, stream)))
        return released

    def next_deadline_s(self) -> float | None:
        """When the earliest hold expires, or None while nothing is held."""
        window_s = self.policy.window_s
        deadlines = [d for s in self._holding.values() if (d := s.deadline_s(window_s)) is not None]
        return min(deadlines) if deadlines else None

    def gap(self, key: StreamKey) -> Range | None:
        """The first hole below released seqs (``contiguous + 1`` up), or None."""
        stream = self._streams.get(key)
        if stream is None or not stream.released:
            return None
        return stream.contiguous + 1, stream.released[0][0] - 1

    def contiguous(self, key: StreamKey) -> int:
        """Highest seq known handled or released contiguously from 1."""
        stream = self._streams.get(key)
        return stream.contiguous if stream is not None else 0

    def held_count(self) -> int:
        """Items held back in all streams."""
        return sum(len(i) for s in self._holding.values() for i in s.held.values())

    def is_holding(self) -> bool:
        """True while any stream holds something back (cheap)."""
        return bool(self._holding)

    def _stream(self, key: StreamKey) -> _Stream[T]:
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream()
        return stream

    def _unblocked(self, key: StreamKey, stream: _Stream[T]) -> list[T]:
        """Held items now in order, lowest seq first."""
        released: list[T] = []
        while stream.held:
            seq = min(stream.held)
            if seq > stream.frontier + 1:
                break
            released.extend(stream.held.pop(seq))
            stream.mark_released(seq)
        if not stream.held:
            stream.held_since_s = None
            self._holding.pop(key, None)
            if released:  # what was held went on behind the resent events: caught up
                stream.patient_until_s = None
        return released

    def _flush(self, key: StreamKey, stream: _Stream[T]) -> list[T]:
        """Release everything held, in seq order, past any hole."""
        released: list[T] = []
        for seq in sorted(stream.held):
            released.extend(stream.held.pop(seq))
            stream.mark_released(seq)
        stream.held_since_s = stream.patient_until_s = None
        self._holding.pop(key, None)
        return released
