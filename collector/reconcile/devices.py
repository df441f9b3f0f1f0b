"""Devices that fell silent, and devices whose event sequence has holes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector.reconcile.findings import AlertKey, AlertType, Clearance, Finding, Severity, Verdict
from collector.sites.bindings import Rules


@dataclass(frozen=True, slots=True)
class DeviceLiveness:
    """When a device was last heard from, and how often it promised to speak."""

    site: str
    device_id: str
    last_seen_at: datetime
    interval_s: float


def assess_silence(device: DeviceLiveness, now: datetime, rules: Rules) -> Verdict:
    """Alert when silent for ``silent_after_intervals`` heartbeat intervals; clear when heard."""
    key = AlertKey(device.site, AlertType.DEVICE_SILENT, subject=device.device_id)
    silent_s = (now - device.last_seen_at).total_seconds()
    limit_s = device.interval_s * rules.silent_after_intervals
    if silent_s <= limit_s:
        return Clearance(key, "the device is heard from again")
    return Finding(
        key,
        f"device {device.device_id} silent for {silent_s:.0f} s (heartbeat every "
        f"{device.interval_s:g} s): check its power, network and broker connection",
        Severity.MAJOR,
        device_id=device.device_id,
    )


@dataclass(frozen=True, slots=True)
class UnheardDevice:
    """A bound device with no word from it at all since the collector started watching it."""

    site: str
    device_id: str
    watched_since: datetime
    interval_s: float


def assess_unheard(device: UnheardDevice, now: datetime, rules: Rules) -> Verdict | None:
    """Alert ``device_silent`` once the silence period has passed since watching began.

    Never clears by itself: the device's first event makes it an ordinary heard device,
    whose clearance closes the alert.  (Clearing here would also close, on every restart,
    an alert raised before it, since watching starts again.)
    """
    silent_s = (now - device.watched_since).total_seconds()
    if silent_s <= device.interval_s * rules.silent_after_intervals:
        return None
    return Finding(
        AlertKey(device.site, AlertType.DEVICE_SILENT, subject=device.device_id),
        f"device {device.device_id} is bound but was never heard from in the {silent_s:.0f} s "
        f"since the collector started watching it (heartbeat every {device.interval_s:g} s): "
        "check that its device_id in bindings.yaml matches the device's own config, "
        "and its power, network and broker connection",
        Severity.MAJOR,
        device_id=device.device_id,
    )


@dataclass(frozen=True, slots=True)
class SeqGaps:
    """Missing seq ranges of one device stream, and when the oldest of them was first seen."""

    site: str
    device_id: str
    epoch: int
    gaps: tuple[tuple[int, int], ...]
    first_seen_at: datetime | None


def assess_gaps(stream: SeqGaps, now: datetime, rules: Rules) -> Verdict | None:
    """Alert when events are still missing ``gap_alert_after_s`` after the gap was first seen."""
    key = AlertKey(
        stream.site, AlertType.SEQUENCE_GAP, subject=f"{stream.device_id}/{stream.epoch}"[:64]
    )
    if not stream.gaps:
        return Clearance(key, "the missing events arrived")
    open_s = (now - stream.first_seen_at).total_seconds() if stream.first_seen_at else 0.0
    if open_s < rules.gap_alert_after_s:
        return None  # late events are normal for a while: the outbox resends them
    missing = sum(high - low + 1 for low, high in stream.gaps)
    ranges = ", ".join(f"{low}-{high}" if low != high else str(low) for low, high in stream.gaps)
    return Finding(
        key,
        f"device {stream.device_id} epoch {stream.epoch}: {missing} event(s) missing "
        f"(seq {ranges}); the device's outbox should resend them, else they are lost",
        Severity.MAJOR,
        device_id=stream.device_id,
        expected=None,
        observed=None,
    )
