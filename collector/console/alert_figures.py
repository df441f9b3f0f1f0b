"""What an alert's two figures and its subject mean, per alert type: one table, read by the
alert page, instead of a branch per type in the template."""

from __future__ import annotations

from dataclasses import dataclass

from collector.reconcile.findings import AlertType


@dataclass(frozen=True, slots=True)
class AlertFigures:
    """Headings of the alert page's figures table and of its subject."""

    section: str
    expected: str
    observed: str
    difference: str
    subject: str
    """What the alert's ``device_id or subject`` names."""
    empty: str = "This alert is about a device, not about a count of stock."


SHELF = AlertFigures(
    "Book against shelf", "Book (units)", "Shelf (units)", "Shelf minus book", "Device"
)
"""The reconciliation alerts: the ledger's units against what a shelf, gate or count shows."""

FIGURES: dict[AlertType, AlertFigures] = {
    AlertType.LOW_STOCK: AlertFigures(
        "Projected against the reorder point", "Reorder point (units)",
        "Projected (units)", "Projected minus point", "Reorder rule",
        empty="No figures were kept for this alert.",
    ),
    AlertType.EXPIRY_SOON: AlertFigures(
        "Units of the lot", "Book (units)", "Units of the lot", "–", "Lot",
        empty="No figures were kept for this alert.",
    ),
    AlertType.RECEIPT_MISMATCH: AlertFigures(
        "Units received against the order", "–", "Received (units)", "–", "Purchase order",
        empty="No figures were kept for this alert.",
    ),
}  # fmt: skip
"""Alert types whose figures are not the book against a shelf."""


def figures_of(alert_type: AlertType) -> AlertFigures:
    """The headings for an alert of ``alert_type``."""
    return FIGURES.get(alert_type, SHELF)
