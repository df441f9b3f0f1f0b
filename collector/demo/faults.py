"""The faults the demo injects, the alert each one must raise, and matching the two up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from collector.demo.snapshot import AlertLine


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault and the alert that should catch it (``None`` fields match anything)."""

    name: str
    alert_type: str
    location: str | None = None
    sku: str | None = None
    device_id: str | None = None

    def matches(self, alert: AlertLine) -> bool:
        """True if ``alert`` is the one this fault should raise."""
        wanted = ((self.location, alert.location), (self.sku, alert.sku),
                  (self.device_id, alert.device_id))  # fmt: skip
        return alert.type == self.alert_type and all(w is None or w == got for w, got in wanted)


@dataclass(frozen=True, slots=True)
class Injected:
    """A fault as the script injected it, and when."""

    spec: FaultSpec
    at: datetime


@dataclass(frozen=True, slots=True)
class Catch:
    """An injected fault and the first alert that caught it (None: missed)."""

    fault: Injected
    alert: AlertLine | None

    @property
    def caught(self) -> bool:
        """True when an alert matched."""
        return self.alert is not None

    @property
    def latency_s(self) -> float | None:
        """Seconds from injection to the alert being opened."""
        if self.alert is None:
            return None
        return max(0.0, (self.alert.opened_at - self.fault.at).total_seconds())


def catches(injected: Sequence[Injected], alerts: Sequence[AlertLine]) -> list[Catch]:
    """Each injected fault with the first matching alert opened after it."""
    return [
        Catch(fault, next((a for a in alerts if fault.spec.matches(a)), None)) for fault in injected
    ]


def unexpected(injected: Sequence[Injected], alerts: Sequence[AlertLine]) -> list[AlertLine]:
    """Alerts no injected fault explains: false alarms of the demo's normal trading."""
    return [a for a in alerts if not any(f.spec.matches(a) for f in injected)]
