"""A lane's readings and the book for one (location, SKU): agreement, grace, tolerance, faults."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from collector.reconcile.findings import (
    AlertKey,
    AlertType,
    Clearance,
    Finding,
    Verdict,
    severity_for,
)
from collector.reconcile.lanes import fault_message
from collector.sites.bindings import Rules

EVIDENCE_KEPT = 10
"""Most recent event ids an alert cites."""


@dataclass(frozen=True, slots=True)
class WeightReading:
    """What one ``shelf.weight_changed`` says about one SKU on a lane."""

    event_id: str
    resolved: bool
    confidence: float
    count_change: int | None = None
    estimated_count: int | None = None


@dataclass(frozen=True, slots=True)
class StockSlot:
    """What the reconciler remembers about one (site, location, SKU) watched by a lane."""

    site: str
    location: str
    sku: str
    owner: str = "own"
    device_id: str | None = None
    lane: str | None = None
    observed: Decimal | None = None
    """Units the shelf shows; None while unknown (no reading yet, or unresolved)."""
    confidence: float = 1.0
    observed_at: datetime | None = None
    mismatch_since: datetime | None = None
    mismatch_sign: int = 0
    unresolved: int = 0
    """Unresolved weight changes in a row: the sensor-fault counter."""
    evidence: tuple[str, ...] = ()

    def key(self, alert_type: AlertType) -> AlertKey:
        """The alert key of this slot for a type."""
        return AlertKey(self.site, alert_type, self.location, self.sku)


def observe(slot: StockSlot, reading: WeightReading, now: datetime) -> StockSlot:
    """The slot after a weight reading: a new count, or one more unresolved change."""
    evidence = (*slot.evidence, reading.event_id)[-EVIDENCE_KEPT:]
    if not reading.resolved:
        # Not item-sized: the count is unknown until the lane settles on whole items again.
        return replace(
            slot,
            observed=None,
            unresolved=slot.unresolved + 1,
            evidence=evidence,
            observed_at=now,
            mismatch_since=None,
            mismatch_sign=0,
        )
    observed = _count_after(slot.observed, reading)
    return replace(
        slot,
        observed=observed,
        confidence=reading.confidence,
        observed_at=now,
        unresolved=0,
        evidence=evidence,
    )


def _count_after(before: Decimal | None, reading: WeightReading) -> Decimal | None:
    if reading.estimated_count is not None:
        return Decimal(reading.estimated_count)
    if before is None or reading.count_change is None:
        return None
    return max(Decimal(0), before + reading.count_change)


def observe_presence(slot: StockSlot, units: int, now: datetime) -> StockSlot:
    """An RFID presence reader's count of tagged units (each tag is one unit, so it is exact)."""
    if slot.observed == units and slot.unresolved == 0:
        return slot
    return replace(slot, observed=Decimal(units), confidence=1.0, observed_at=now, unresolved=0)


def record_count(slot: StockSlot, counted: Decimal, event_id: str, now: datetime) -> StockSlot:
    """A person counted the slot: a reading of full confidence."""
    evidence = (*slot.evidence, event_id)[-EVIDENCE_KEPT:]
    return replace(
        slot, observed=counted, confidence=1.0, observed_at=now, unresolved=0, evidence=evidence
    )


def assess_count(
    slot: StockSlot, book: Decimal, rules: Rules, unit_cost: Decimal | None = None
) -> list[Verdict]:
    """A person's count compared with the book at once: a count has no grace window.

    Equal: any stock alert of the slot clears.  Different: the matching stock alert
    is raised with the count as the observed figure, for ops to confirm or dismiss.
    """
    assert slot.observed is not None, "assess_count needs the counted figure"
    diff = slot.observed - book
    if abs(diff) <= rules.tolerance_units:
        return [Clearance(slot.key(t), "a count confirms the book") for t in _STOCK_TYPES]
    return _stock_verdicts(slot, book, diff, rules, unit_cost)


def tolerance(slot: StockSlot, rules: Rules) -> Decimal:
    """Accepted disagreement: the rule's units, one more for a low-confidence reading."""
    widen = Decimal(1) if slot.confidence < rules.min_confidence else Decimal(0)
    return rules.tolerance_units + widen


def assess(
    slot: StockSlot, book: Decimal, now: datetime, rules: Rules, unit_cost: Decimal | None = None
) -> tuple[StockSlot, list[Verdict]]:
    """Compare shelf and book; alert once a disagreement outlives the grace window."""
    fault = _assess_fault(slot, rules)
    if isinstance(fault, Finding):
        # A faulty lane says nothing about stock: no stock verdict either way.
        return replace(slot, mismatch_since=None, mismatch_sign=0), [fault]
    if slot.observed is None:
        return replace(slot, mismatch_since=None, mismatch_sign=0), [fault]
    diff = slot.observed - book
    if abs(diff) <= tolerance(slot, rules):
        reason = "book and shelf agree again"
        agreed = replace(slot, mismatch_since=None, mismatch_sign=0)
        return agreed, [fault, *(Clearance(slot.key(t), reason) for t in _STOCK_TYPES)]
    sign = -1 if diff < 0 else 1
    since = slot.mismatch_since if slot.mismatch_sign == sign and slot.mismatch_since else now
    pending = replace(slot, mismatch_since=since, mismatch_sign=sign)
    if (now - since).total_seconds() < rules.grace_s:
        return pending, [fault]
    return pending, [fault, *_stock_verdicts(pending, book, diff, rules, unit_cost)]


_STOCK_TYPES = (AlertType.SHRINKAGE, AlertType.UNMATCHED_ISSUE)


def _assess_fault(slot: StockSlot, rules: Rules) -> Verdict:
    key = slot.key(AlertType.SENSOR_FAULT)
    if slot.unresolved < rules.unresolved_for_fault:
        return Clearance(key, "the lane reads whole items again")
    return Finding(
        key,
        fault_message(slot.lane, slot.device_id, slot.unresolved),
        severity_for(
            AlertType.SENSOR_FAULT,
            None,
            major=rules.severity_major_value,
            critical=rules.severity_critical_value,
        ),
        owner=slot.owner,
        device_id=slot.device_id,
        evidence=slot.evidence,
    )


def _stock_verdicts(
    slot: StockSlot, book: Decimal, diff: Decimal, rules: Rules, unit_cost: Decimal | None
) -> list[Verdict]:
    alert_type = AlertType.SHRINKAGE if diff < 0 else AlertType.UNMATCHED_ISSUE
    other = AlertType.UNMATCHED_ISSUE if diff < 0 else AlertType.SHRINKAGE
    value = abs(diff) * unit_cost if unit_cost is not None else None
    severity = severity_for(
        alert_type, value, major=rules.severity_major_value, critical=rules.severity_critical_value
    )
    finding = Finding(
        slot.key(alert_type),
        _MESSAGES[alert_type].format(
            sku=slot.sku,
            location=slot.location,
            book=_n(book),
            shelf=_n(slot.observed),
            gap=_n(abs(diff)),
        ),
        severity,
        owner=slot.owner,
        device_id=slot.device_id,
        expected=book,
        observed=slot.observed,
        value_at_risk=value,
        evidence=slot.evidence,
    )
    return [finding, Clearance(slot.key(other), "the disagreement changed direction")]


_MESSAGES = {
    AlertType.SHRINKAGE: (
        "{sku} at {location}: the shelf shows {shelf} but the book says {book}; {gap} gone with "
        "no sale or transfer (possible theft or misplacement)"
    ),
    AlertType.UNMATCHED_ISSUE: (
        "{sku} at {location}: the book says {book} but the shelf still shows {shelf}; {gap} "
        "issued or sold with no stock gone (wrong item scanned, or unrecorded replenishment)"
    ),
}


def _n(value: Decimal | None) -> str:
    if value is None:
        return "?"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
