"""Gate logic (pure): RSSI floor, presence timeout, de-duplication and direction from antenna order.

A *passage* is the run of sightings of one EPC with no gap longer than the
presence timeout.  When it ends (``expire``), the gate decides the direction:
the side that saw the tag first is where it came from, the side that saw it
last is where it went.  Both clues must agree (or one be a tie) for ``in`` or
``out``; a tag that turned back, or whose clues are both ties, is ``unknown``.
A tag seen by one side only never crossed as far as the gate can tell: it is
counted (``one_side_only``) and reported as ``unknown`` only with
``report_one_sided``, since tags staged near a dock door would flood the ledger.
A gate with no sides configured is a presence reader: it reports ``present``
at the first sighting and stays quiet while the tag remains in the field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from edge_agent.sensing.records import TimedEvent
from edge_agent.sensing.rfid.epc import decode_epc
from edge_agent.wire import GateDirection, RfidTagSeen


class Side(StrEnum):
    """Which side of the gate an antenna watches."""

    OUTSIDE = "outside"
    INSIDE = "inside"


AntennaKey = tuple[str, int]
"""(reader name, antenna number) — readers with one antenna use their configured number."""


@dataclass(frozen=True, slots=True)
class GateRules:
    """How one gate filters and interprets sightings."""

    gate: str
    sides: Mapping[AntennaKey, Side] = field(default_factory=dict)
    rssi_floor_dbm: float | None = None
    presence_timeout_s: float = 1.0
    dedup_window_s: float = 10.0
    order_margin_s: float = 0.05
    report_one_sided: bool = False

    @property
    def has_direction(self) -> bool:
        """True when both sides have an antenna, so direction can be told."""
        return set(self.sides.values()) == set(Side)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One tag read at one antenna at one time."""

    t_s: float
    epc: str
    reader: str
    antenna: int
    rssi_dbm: float | None = None


@dataclass(slots=True)
class _Passage:
    first_s: dict[Side, float] = field(default_factory=dict)
    last_s: dict[Side, float] = field(default_factory=dict)
    last_t_s: float = 0.0
    best: Sighting | None = None  # strongest read; the latest among equals (no RSSI)

    def add(self, sighting: Sighting, side: Side | None) -> None:
        if side is not None:
            self.first_s.setdefault(side, sighting.t_s)
            self.last_s[side] = sighting.t_s
        self.last_t_s = sighting.t_s
        if self.best is None or _strength(sighting) >= _strength(self.best):
            self.best = sighting


def _strength(sighting: Sighting) -> float:
    return -1000.0 if sighting.rssi_dbm is None else sighting.rssi_dbm


# vote (first-seen clue + last-seen clue) -> direction; +1 means "towards inside"
_DIRECTION_BY_VOTE: dict[int, GateDirection] = {
    2: GateDirection.IN,
    1: GateDirection.IN,
    0: GateDirection.UNKNOWN,
    -1: GateDirection.OUT,
    -2: GateDirection.OUT,
}


class Gate:
    """One RFID gate or presence reader; feed sightings, call ``expire`` as time passes."""

    def __init__(self, rules: GateRules) -> None:
        self.rules = rules
        self.counts: Counter[str] = Counter()
        self._passages: dict[str, _Passage] = {}
        self._emitted: dict[tuple[str, GateDirection], float] = {}

    def observe(self, sighting: Sighting) -> list[TimedEvent]:
        """Take one sighting; returns an event only for a presence reader's first sighting."""
        out = self.expire(sighting.t_s)
        reason = self._filter_reason(sighting)
        if reason is not None:
            self.counts[reason] += 1
            return out
        self.counts["sightings"] += 1
        passage = self._passages.get(sighting.epc)
        if passage is None:
            passage = self._passages[sighting.epc] = _Passage()
            if not self.rules.has_direction:
                out.extend(self._emit(sighting, GateDirection.PRESENT))
        passage.add(sighting, self.rules.sides.get((sighting.reader, sighting.antenna)))
        return out

    def expire(self, now_s: float) -> list[TimedEvent]:
        """Close passages silent for longer than the presence timeout; emit gate directions."""
        timeout_s = self.rules.presence_timeout_s
        ended = [e for e, p in self._passages.items() if now_s - p.last_t_s > timeout_s]
        out: list[TimedEvent] = []
        for epc in ended:
            out.extend(self._close(self._passages.pop(epc)))
        # a passage still open may close later with an event time up to one timeout ago
        self._forget_before(now_s - self.rules.dedup_window_s - timeout_s)
        return out

    def flush(self) -> list[TimedEvent]:
        """Close every open passage now (end of a trace or shutdown)."""
        return self.expire(float("inf"))

    def _filter_reason(self, sighting: Sighting) -> str | None:
        floor = self.rules.rssi_floor_dbm
        if floor is not None and sighting.rssi_dbm is not None and sighting.rssi_dbm < floor:
            return "below_rssi_floor"
        key = (sighting.reader, sighting.antenna)
        if self.rules.sides and key not in self.rules.sides:
            return "antenna_not_in_gate"
        return None

    def _close(self, passage: _Passage) -> list[TimedEvent]:
        """Decide a finished passage; a one-sided one is only counted unless configured."""
        if not self.rules.has_direction or passage.best is None:
            return []
        if len(passage.first_s) < 2 and not self.rules.report_one_sided:
            self.counts["one_side_only"] += 1
            return []
        return self._emit_at(passage.best, _direction(passage, self.rules), passage)

    def _emit_at(
        self, best: Sighting, direction: GateDirection, passage: _Passage
    ) -> list[TimedEvent]:
        at_end = Sighting(passage.last_t_s, best.epc, best.reader, best.antenna, best.rssi_dbm)
        return self._emit(at_end, direction)

    def _emit(self, sighting: Sighting, direction: GateDirection) -> list[TimedEvent]:
        key = (sighting.epc, direction)
        previous_s = self._emitted.get(key)
        if previous_s is not None and sighting.t_s - previous_s < self.rules.dedup_window_s:
            self.counts["duplicate_suppressed"] += 1
            return []
        self._emitted[key] = sighting.t_s
        self.counts[f"emitted_{direction.value}"] += 1
        return [TimedEvent(sighting.t_s, self._tag_seen(sighting, direction))]

    def _tag_seen(self, sighting: Sighting, direction: GateDirection) -> RfidTagSeen:
        decoded = decode_epc(sighting.epc)
        if decoded.problem is not None:
            self.counts["epc_undecodable"] += 1
        return RfidTagSeen(
            epc=decoded.epc,
            gtin=decoded.gtin,
            serial=decoded.serial,
            gate=self.rules.gate,
            direction=direction,
            antenna=sighting.antenna,
            rssi_dbm=sighting.rssi_dbm,
        )

    def _forget_before(self, cutoff_s: float) -> None:
        """Drop de-duplication memory older than the window, so memory stays bounded."""
        for key in [k for k, t in self._emitted.items() if t < cutoff_s]:
            del self._emitted[key]


def _direction(passage: _Passage, rules: GateRules) -> GateDirection:
    """Vote the first-seen and last-seen order of the two sides into a direction."""
    if len(passage.first_s) < 2:
        return GateDirection.UNKNOWN
    margin = rules.order_margin_s
    entry = _sign(passage.first_s[Side.INSIDE] - passage.first_s[Side.OUTSIDE], margin)
    leave = _sign(passage.last_s[Side.INSIDE] - passage.last_s[Side.OUTSIDE], margin)
    if entry * leave < 0:
        return GateDirection.UNKNOWN  # entered and left on the same side: turned back
    return _DIRECTION_BY_VOTE[entry + leave]


def _sign(delta_s: float, margin_s: float) -> int:
    """+1, -1, or 0 when the two times are within the margin of each other."""
    if abs(delta_s) <= margin_s:
        return 0
    return 1 if delta_s > 0 else -1
