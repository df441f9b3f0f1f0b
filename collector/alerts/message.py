"""The JSON published for every new or changed alert (MQTT ``wire.alerts_topic`` and webhook).

Defined here rather than in ``edge_agent.wire``: edge agents never read alerts.
Move it to the wire module if a device ever must (see docs/reconciliation.md).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AlertStatus(StrEnum):
    """Where an alert is in its lifecycle."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertAction(StrEnum):
    """One step in an alert's history."""

    OPENED = "opened"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    ADJUSTED = "adjusted"
    DISMISSED = "dismissed"
    CLEARED = "cleared"


class AlertMessage(BaseModel):
    """An alert as ops tools receive it: the figures, the evidence, and what just changed."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_version: Literal[1] = Field(default=1, alias="schema")
    alert_id: int
    site: str
    type: str
    status: AlertStatus
    severity: str
    location: str
    sku: str
    subject: str = Field(description="The device, for device alerts; empty otherwise.")
    owner: str
    device_id: str | None = None
    expected: Decimal | None = Field(default=None, description="Units the book says.")
    observed: Decimal | None = Field(default=None, description="Units the sensors show.")
    value_at_risk: Decimal | None = None
    message: str
    evidence: list[str] = Field(description="Event ids that led to the alert, oldest first.")
    first_seen_at: datetime
    last_seen_at: datetime
    change: AlertAction
    actor: str
    reason: str | None = None
    changed_at: datetime

    def to_json(self) -> bytes:
        """Wire form: ``schema`` key, decimals as strings."""
        return self.model_dump_json(by_alias=True).encode()
