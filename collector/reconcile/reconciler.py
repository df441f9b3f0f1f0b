"""The reconciler: every slot, gate exit, device and stream assessed at one instant.

Pure: the caller loads a ``Snapshot`` (book, shelf readings, exits, liveness, gaps),
calls ``tick(snapshot, now)`` on change and periodically (grace windows expire with
time, not with events), and stores the ``TickResult``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from collector.reconcile.devices import (
    DeviceLiveness,
    SeqGaps,
    UnheardDevice,
    assess_gaps,
    assess_silence,
    assess_unheard,
)
from collector.reconcile.findings import Verdict
from collector.reconcile.gates import GateExit, match_exits
from collector.reconcile.lanes import LaneFaults, assess_lane
from collector.reconcile.shelf import StockSlot, assess
from collector.sites.bindings import Rules

RulesFor = Callable[[str, str], Rules]
"""(site, location) → the rules in force there."""


@dataclass(frozen=True, slots=True)
class SlotView:
    """A slot with what the book says about it now."""

    slot: StockSlot
    book: Decimal
    unit_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ExitGroup:
    """Unmatched exits of one (site, location, SKU) and the book's outbound units since."""

    exits: tuple[GateExit, ...]
    outbound_units: Decimal
    unit_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the reconciler looks at."""

    slots: tuple[SlotView, ...] = ()
    exits: tuple[ExitGroup, ...] = ()
    devices: tuple[DeviceLiveness, ...] = ()
    gaps: tuple[SeqGaps, ...] = ()
    unheard: tuple[UnheardDevice, ...] = ()
    """Bound devices never heard from (no liveness row), with when watching them began."""
    lanes: tuple[LaneFaults, ...] = ()
    """Mixed lanes' fault counters (those a batch changed)."""


@dataclass(frozen=True, slots=True)
class TickResult:
    """Slots to store back, exits now matched, and the verdicts for the alert store."""

    slots: tuple[StockSlot, ...] = ()
    matched_exits: tuple[int, ...] = ()
    verdicts: tuple[Verdict, ...] = field(default=())


class Reconciler:
    """Compares book and sensors; knows the rules of each location, nothing else."""

    def __init__(self, *, rules_for: RulesFor) -> None:
        """``rules_for(site, location)`` comes from the site bindings."""
        self._rules_for = rules_for

    def tick(self, snapshot: Snapshot, now: datetime) -> TickResult:
        """Assess everything in the snapshot at ``now``."""
        slots: list[StockSlot] = []
        verdicts: list[Verdict] = []
        for view in snapshot.slots:
            rules = self._rules_for(view.slot.site, view.slot.location)
            slot, found = assess(view.slot, view.book, now, rules, view.unit_cost)
            slots.append(slot)
            verdicts.extend(found)
        matched: list[int] = []
        for group in snapshot.exits:
            first = group.exits[0]
            rules = self._rules_for(first.site, first.location)
            match = match_exits(group.exits, group.outbound_units, now, rules, group.unit_cost)
            matched.extend(match.matched)
            verdicts.extend(match.verdicts)
        for lanes in snapshot.lanes:
            verdicts.append(assess_lane(lanes, self._rules_for(lanes.site, lanes.location)))
        verdicts.extend(self._device_verdicts(snapshot, now))
        return TickResult(tuple(slots), tuple(matched), tuple(verdicts))

    def _device_verdicts(self, snapshot: Snapshot, now: datetime) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for device in snapshot.devices:
            verdicts.append(assess_silence(device, now, self._rules_for(device.site, "")))
        for unheard in snapshot.unheard:
            found = assess_unheard(unheard, now, self._rules_for(unheard.site, ""))
            if found is not None:
                verdicts.append(found)
        for stream in snapshot.gaps:
            verdict = assess_gaps(stream, now, self._rules_for(stream.site, ""))
            if verdict is not None:
                verdicts.append(verdict)
        return verdicts
