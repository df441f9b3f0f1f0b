"""Sensor faults of mixed lanes: unresolved changes there name no SKU, so the lane counts them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from collector.reconcile.findings import (
    FIXED_SEVERITY,
    AlertKey,
    AlertType,
    Clearance,
    Finding,
    Verdict,
)
from collector.sites.bindings import Rules

EVIDENCE_KEPT = 10
"""Most recent unresolved changes an alert cites."""


@dataclass(frozen=True, slots=True)
class LaneFaults:
    """A mixed lane's run of unresolved weight changes (the lane's own sensor-fault counter)."""

    site: str
    device_id: str
    lane: str
    location: str
    owner: str = "own"
    unresolved: int = 0
    evidence: tuple[str, ...] = ()

    def key(self) -> AlertKey:
        """The lane's ``sensor_fault`` key: its location, no SKU, the lane as subject."""
        subject = f"{self.device_id}/{self.lane}"[:64]
        return AlertKey(self.site, AlertType.SENSOR_FAULT, self.location, subject=subject)


def count_change(lanes: LaneFaults, *, item_sized: bool, event_id: str) -> LaneFaults:
    """The counter after one change of the lane.

    Item-sized (resolved, or ambiguous between several SKU mixes) means the load cell
    reads whole items: the run ends.  Only a change no mix of items explains counts.
    """
    if item_sized:
        return replace(lanes, unresolved=0, evidence=())
    evidence = (*lanes.evidence, event_id)[-EVIDENCE_KEPT:]
    return replace(lanes, unresolved=lanes.unresolved + 1, evidence=evidence)


def assess_lane(lanes: LaneFaults, rules: Rules) -> Verdict:
    """``sensor_fault`` after ``unresolved_for_fault`` unresolved changes in a row, else clear."""
    if lanes.unresolved < rules.unresolved_for_fault:
        return Clearance(lanes.key(), "the lane reads whole items again")
    return Finding(
        lanes.key(),
        fault_message(lanes.lane, lanes.device_id, lanes.unresolved)
        + "; a mixed lane: no SKU is named, every SKU's count on it is in doubt",
        FIXED_SEVERITY[AlertType.SENSOR_FAULT],
        owner=lanes.owner,
        device_id=lanes.device_id,
        evidence=lanes.evidence,
    )


def fault_message(lane: str | None, device_id: str | None, unresolved: int) -> str:
    """What a ``sensor_fault`` alert says, for single-SKU and mixed lanes alike."""
    return (
        f"lane {lane} of {device_id}: {unresolved} weight changes in a row were "
        "not item-sized (drift, creep or a jump); check the load cell and recalibrate"
    )
