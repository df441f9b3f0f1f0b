"""The request and response models of ``/api/v1/alerts``."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from collector.alerts.message import AlertAction, AlertStatus
from collector.api.fields import Amount
from collector.api.review import MAX_ID, LedgerAfter
from collector.reconcile.findings import AlertType, Severity
from collector.views.alerts import AlertView, EvidenceView, StepView

MAX_BULK = 1000
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
"""Free text that says something (not only blanks)."""
AlertId = Annotated[int, Field(ge=1, le=MAX_ID)]


class AlertOut(BaseModel):
    """A discrepancy alert: what disagrees, by how much, and where it is in its lifecycle."""

    id: int
    site: str
    type: AlertType
    status: AlertStatus
    severity: Severity
    location: str
    sku: str = Field(description="Empty for alerts about a device or lane.")
    subject: str = Field(description="The device (or device/lane), for device alerts.")
    owner: str
    device_id: str | None
    expected: Amount | None = Field(description="Units the book says.")
    observed: Amount | None = Field(description="Units the sensors show.")
    value_at_risk: Amount | None
    message: str
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    assignee: str | None = Field(description="Who is to look into it (the latest assignment).")
    assigned_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None = Field(description="adjusted, dismissed or cleared; null if active.")
    resolution_reason: str | None
    adjustment_event_id: uuid.UUID | None = Field(
        description="The adjustment a resolution with a count posted (the movements' event)."
    )


class EvidenceOut(BaseModel):
    """An event that led to the alert; null fields where the inbox holds no such event."""

    event_id: str
    kind: str | None
    device_id: str | None
    observed_at: datetime | None
    received_at: datetime | None
    disposition: str | None


class StepOut(BaseModel):
    """One step of the history: who did what, when and why."""

    at: datetime
    action: AlertAction
    by: str = Field(description="`token:NAME` for an API token, a person, or `reconciler`.")
    reason: str | None = Field(description="The note, comment, assignee or dismissal reason.")
    expected: Amount | None = Field(description="The book when it happened.")
    observed: Amount | None = Field(description="The shelf when it happened.")


class AlertDetail(AlertOut):
    """An alert with its evidence and its full history, oldest step first."""

    evidence: list[EvidenceOut]
    history: list[StepOut]


class AlertPage(BaseModel):
    """Alerts newest first, and the cursor of the next page (null on the last)."""

    alerts: list[AlertOut]
    next: str | None = Field(description="Pass as `cursor` for the next page.")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AcknowledgeIn(_Body):
    """Someone is looking into it (an optional note)."""

    note: Text | None = None


class AssignIn(_Body):
    """Who is to look into it."""

    assignee: Annotated[str, Field(min_length=1, max_length=128, pattern=r"\S")]


class CommentIn(_Body):
    """A note for the history."""

    text: Text


class ResolveIn(_Body):
    """The units counted at the alert's position: the book is adjusted to them."""

    counted_qty: Annotated[str, Field(pattern=r"^\d{1,12}(\.\d{1,6})?$", examples=["7", "2.5"])] = (
        Field(description="Units counted, as a decimal string (0 or more, at most 6 decimals).")
    )


class DismissIn(_Body):
    """Close without touching the ledger: why it is not a problem."""

    reason: Text


class BulkAcknowledgeIn(_Body):
    """Acknowledge these alerts, each on its own."""

    ids: list[AlertId] = Field(min_length=1, max_length=MAX_BULK)
    note: Text | None = None


class BulkOutcome(StrEnum):
    """What became of one alert of a bulk acknowledgement."""

    ACKNOWLEDGED = "acknowledged"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"


class BulkResult(BaseModel):
    """One id of the request and what happened to it."""

    id: int
    outcome: BulkOutcome
    status: AlertStatus | None = Field(description="The alert's status now; null if not found.")
    detail: str


class BulkAcknowledged(BaseModel):
    """Every id of the request, in request order."""

    results: list[BulkResult]


class ResolvedOut(BaseModel):
    """The alert after its resolution, and what the adjustment posted."""

    alert: AlertDetail
    ledger: LedgerAfter


def alert_out(view: AlertView) -> AlertOut:
    """The response form of an alert."""
    fields = {k: getattr(view, k) for k in AlertOut.model_fields}
    return AlertOut.model_validate(fields)


def alert_detail(
    view: AlertView, evidence: list[EvidenceView], steps: list[StepView]
) -> AlertDetail:
    """An alert with its evidence and history."""
    return AlertDetail(
        **alert_out(view).model_dump(),
        evidence=[EvidenceOut.model_validate(e, from_attributes=True) for e in evidence],
        history=[
            StepOut(at=s.at, action=AlertAction(s.action), by=s.actor, reason=s.reason,
                    expected=s.expected, observed=s.observed)
            for s in steps
        ],
    )  # fmt: skip
