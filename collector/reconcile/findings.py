"""Alert types, severities and the verdicts the reconciler hands to the alert store."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class AlertType(StrEnum):
    """What kind of discrepancy an alert reports; each has its own meaning and fix."""

    SHRINKAGE = "shrinkage"
    """The shelf holds fewer than the book and no sale or transfer explains it."""
    UNMATCHED_ISSUE = "unmatched_issue"
    """The shelf holds more than the book: a sale recorded with no stock gone (wrong item
    scanned) or stock put back without a receipt (unrecorded replenishment)."""
    GATE_EXIT_UNMATCHED = "gate_exit_unmatched"
    """A tagged unit left through a gate and no shipment, sale or transfer covers it."""
    UNKNOWN_CODE = "unknown_code"
    """A barcode or tag no item carries: a labelling error."""
    SENSOR_FAULT = "sensor_fault"
    """A lane's weight changes are not item-sized: drift, creep or a jump; recalibrate."""
    DEVICE_SILENT = "device_silent"
    """A device has not been heard from for several heartbeat intervals."""
    SEQUENCE_GAP = "sequence_gap"
    """Events of a device are missing (its seq skipped) past the grace window."""
    REJECTED_POSTING = "rejected_posting"
    """A sensor event should have posted a movement and the ledger refused it."""
    EXPIRY_SOON = "expiry_soon"
    """A lot on hand expires within its item's warning days (or has expired): sell it first,
    move it to a markdown, or write it off (docs/lots.md)."""
    LOW_STOCK = "low_stock"
    """Projected stock of a reorder rule fell to its reorder point (``collector.purchasing``)."""
    RECEIPT_MISMATCH = "receipt_mismatch"
    """A receipt named a purchase order that is unknown, not open, closed, or has no line for
    its SKU: the stock is posted; check the delivery against the order (docs/purchasing.md)."""


class Severity(StrEnum):
    """How urgent an alert is; stock alerts get it from the value at risk."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


FIXED_SEVERITY: dict[AlertType, Severity] = {
    AlertType.UNKNOWN_CODE: Severity.MINOR,
    AlertType.SENSOR_FAULT: Severity.MAJOR,
    AlertType.DEVICE_SILENT: Severity.MAJOR,
    AlertType.SEQUENCE_GAP: Severity.MAJOR,
    AlertType.REJECTED_POSTING: Severity.MAJOR,
    AlertType.EXPIRY_SOON: Severity.MINOR,
    AlertType.LOW_STOCK: Severity.MINOR,
    AlertType.RECEIPT_MISMATCH: Severity.MINOR,
}
"""Alerts whose urgency does not depend on stock value."""


@dataclass(frozen=True, slots=True, order=True)
class AlertKey:
    """At most one active alert per key; ``subject`` names the device for device alerts."""

    site: str
    type: AlertType
    location: str = ""
    sku: str = ""
    subject: str = ""

    def active_key(self) -> str:
        """The unique string the store keeps while the alert is active."""
        return "|".join((self.site, self.type.value, self.location, self.sku, self.subject))


@dataclass(frozen=True, slots=True)
class Finding:
    """Raise (or refresh) the alert of ``key`` with these figures."""

    key: AlertKey
    message: str
    severity: Severity
    owner: str = "own"
    device_id: str | None = None
    expected: Decimal | None = None
    observed: Decimal | None = None
    value_at_risk: Decimal | None = None
    evidence: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Clearance:
    """Resolve the active alert of ``key``, if there is one, because the cause went away."""

    key: AlertKey
    reason: str


Verdict = Finding | Clearance


def severity_for(
    alert_type: AlertType, value_at_risk: Decimal | None, *, major: Decimal, critical: Decimal
) -> Severity:
    """Fixed severity for non-stock alerts; otherwise by value at risk against the thresholds."""
    fixed = FIXED_SEVERITY.get(alert_type)
    if fixed is not None:
        return fixed
    if value_at_risk is None:
        return Severity.MINOR
    if value_at_risk >= critical:
        return Severity.CRITICAL
    return Severity.MAJOR if value_at_risk >= major else Severity.MINOR
