"""Per-event handling of sensor events before a batch posts: what each kind does at a bound site.

Runs inside the batch's transaction before anything is posted: it records liveness, lane
readings, tag sightings and gate exits, and says which transactions the events ask the
ledger to post. What must read the book after the batch (counts compared with it, slots
assessed) waits in the ``SensorBatch`` for the plan's ``on_posted``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.domain.model import PositionKey
from collector.errors import RejectedEventError
from collector.ledger.observers import StoredEvent
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity, Verdict
from collector.reconcile.gates import GateExit
from collector.reconcile.intents import (
    Count,
    Post,
    Unknown,
    gate_intent,
    scan_intent,
    weight_intent,
)
from collector.reconcile.lanes import LaneFaults, count_change
from collector.reconcile.presence import Sighting
from collector.reconcile.runtime import counts, state
from collector.reconcile.runtime.presence import presence_slots
from collector.reconcile.shelf import (
    StockSlot,
    WeightReading,
    assess_count,
    observe,
)
from collector.reconcile.shelf import record_count as record_count_reading
from collector.sites.bindings import LaneBinding, Policy, ReaderBinding, SiteBindings
from edge_agent.wire import (
    BarcodeScannedEvent,
    DeviceHeartbeatEvent,
    GateDirection,
    RfidTagSeenEvent,
    ShelfWeightChanged,
    ShelfWeightChangedEvent,
    StockTransaction,
    WeightResolution,
)

log = structlog.get_logger("collector.alerts")

SlotId = tuple[str, str, str]
"""(site, location, SKU)."""
LaneId = tuple[str, str, str]
"""(site, device, lane)."""


@dataclass(frozen=True, slots=True)
class PendingPost:
    """A transaction a sensor event asks the ledger to post, and where it came from."""

    site: str
    device_id: str
    source: str
    event_id: UUID
    effective_at: datetime
    tx: StockTransaction


@dataclass(frozen=True, slots=True)
class PendingCount:
    """A scanned count, handled once the batch's movements are in the book."""

    site: SiteBindings
    device_id: str
    event_id: UUID
    intent: Count


@dataclass(slots=True)
class SensorBatch:
    """What one ledger batch's sensor events add up to."""

    now: datetime
    posts: list[PendingPost] = field(default_factory=list)
    slots: dict[SlotId, StockSlot] = field(default_factory=dict)
    exits: list[tuple[GateExit, bool]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    lanes: dict[LaneId, LaneFaults] = field(default_factory=dict)
    """Mixed lanes' fault counters as this batch left them."""
    counts: list[PendingCount] = field(default_factory=list)
    heard: dict[tuple[str, str], float] = field(default_factory=dict)
    """(site, device) → heartbeat interval: who was heard from in this batch."""
    stored_slots: dict[SlotId, StockSlot] = field(default_factory=dict)
    """Slots as stored before the batch (read once, for every lane the batch reports on)."""

    def slot(self, lane: LaneBinding, site: str, sku: str) -> StockSlot:
        """The slot as this batch has left it, else as stored, else new."""
        key = (site, lane.location, sku)
        found = self.slots.get(key) or self.stored_slots.get(key)
        return found or StockSlot(site, lane.location, sku, lane.owner, lane.device_id, lane.lane)


def handle(
    conn: sa.Connection, site: SiteBindings, stored: StoredEvent, batch: SensorBatch
) -> None:
    """Note liveness, then let the event's kind decide what it does."""
    event = stored.event
    interval_s = site.heartbeat_interval_for(event.device_id)
    if isinstance(event, DeviceHeartbeatEvent) and event.device_id not in site.device_ids():
        interval_s = event.data.interval_s
    batch.heard[(site.site_id, event.device_id)] = interval_s
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(conn, site, event, batch)


def _weight(conn: sa.Connection, site: SiteBindings, event: Any, batch: SensorBatch) -> None:
    data: ShelfWeightChanged = event.data
    lane = site.lane(event.device_id, data.lane)
    if lane is None:
        log.info("sensor.unbound_lane", device=event.device_id, lane=data.lane, site=site.site_id)
        return
    if lane.sku is None and data.sku is None:
        _count_mixed(conn, site.site_id, lane, event, batch)
    is_post = site.policy_for(lane.location).policy is Policy.POST
    for sku, reading in _readings(lane, data, str(event.event_id)):
        slot = batch.slot(lane, site.site_id, sku)
        batch.slots[(site.site_id, lane.location, sku)] = observe(slot, reading, batch.now)
        intent = weight_intent(lane, sku, reading.count_change or 0) if reading.resolved else None
        if is_post and intent is not None:
            source = f"shelf {lane.device_id}/{lane.lane}"
            batch.posts.append(_pending(site, event, source, intent))


def slots_reported_on(site: SiteBindings, event: Any) -> list[SlotId]:
    """The slots a weight change reports on (to read them all at once before handling)."""
    if not isinstance(event, ShelfWeightChangedEvent):
        return []
    lane = site.lane(event.device_id, event.data.lane)
    if lane is None:
        return []
    skus = set(event.data.count_changes or ()) | {s for s in (event.data.sku, lane.sku) if s}
    return [(site.site_id, lane.location, sku) for sku in skus]


def _count_mixed(
    conn: sa.Connection, site_id: str, lane: LaneBinding, event: Any, batch: SensorBatch
) -> None:
    """A mixed lane's change counts on the lane's own fault counter (it may name no SKU)."""
    data: ShelfWeightChanged = event.data
    event_id = str(event.event_id)
    key = (site_id, lane.device_id, lane.lane)
    found = batch.lanes.get(key) or state.load_lane(conn, *key)
    lanes = found or LaneFaults(site_id, lane.device_id, lane.lane, lane.location, lane.owner)
    item_sized = data.resolution is not WeightResolution.UNRESOLVED
    batch.lanes[key] = count_change(lanes, item_sized=item_sized, event_id=event_id)


def _readings(
    lane: LaneBinding, data: ShelfWeightChanged, event_id: str
) -> list[tuple[str, WeightReading]]:
    """One reading per SKU the change concerns (mixed lanes: each SKU with its own count)."""
    resolved = data.resolution is WeightResolution.RESOLVED
    if data.count_changes:
        return [
            (sku, WeightReading(event_id, resolved, data.confidence, count_change=n))
            for sku, n in data.count_changes.items()
        ]
    sku = data.sku or lane.sku
    if sku is None:
        return []  # an unresolved change on a mixed lane names no SKU: the lane counts it
    resolved = resolved and data.count_change is not None
    reading = WeightReading(
        event_id,
        resolved,
        data.confidence,
        count_change=data.count_change,
        estimated_count=data.estimated_count,
    )
    return [(sku, reading)]


def _tag(conn: sa.Connection, site: SiteBindings, event: Any, batch: SensorBatch) -> None:
    data = event.data
    reader = site.reader(event.device_id, data.gate)
    if reader is not None:
        _present(conn, site, reader, event, batch)
        return
    gate = site.gate(event.device_id, data.gate)
    if gate is None or data.direction not in {GateDirection.IN, GateDirection.OUT}:
        return
    item, why = _lookup(conn, None, data.gtin, gate.owner)
    if item is None:
        reason = f"tag {data.epc} (GTIN {data.gtin or 'none'}) at gate {gate.gate} " + (
            why or "matches no item"
        )
        batch.verdicts.append(_unknown(site, event, Unknown(data.epc, gate.inside, reason)))
        return
    sku = item[0]
    is_post = site.policy_for(gate.inside).policy is Policy.POST
    intent = gate_intent(gate, sku, data.direction, data.epc, data.serial) if is_post else None
    if intent is not None:
        batch.posts.append(_pending(site, event, f"gate {gate.gate}", intent))
    if data.direction is GateDirection.OUT:
        exit_ = GateExit(
            0,
            site.site_id,
            gate.inside,
            sku,
            data.epc,
            str(event.event_id),
            event.device_id,
            batch.now,
        )
        batch.exits.append((exit_, intent is not None))


def _present(
    conn: sa.Connection, site: SiteBindings, reader: ReaderBinding, event: Any, batch: SensorBatch
) -> None:
    """A presence reader saw a tag: note it and recount the units at the reader's location."""
    data = event.data
    item, why = _lookup(conn, None, data.gtin, reader.owner)
    if item is None:
        reason = f"tag {data.epc} (GTIN {data.gtin or 'none'}) at reader {reader.reader} " + (
            why or "matches no item"
        )
        batch.verdicts.append(_unknown(site, event, Unknown(data.epc, reader.location, reason)))
        return
    state.see_tag(
        conn,
        site.site_id,
        reader.location,
        Sighting(data.epc, item[0], batch.now),
        str(event.event_id),
    )
    for slot in presence_slots(conn, site.site_id, reader, batch.now, batch.slots):
        batch.slots[(site.site_id, slot.location, slot.sku)] = slot


def _scan(conn: sa.Connection, site: SiteBindings, event: Any, batch: SensorBatch) -> None:
    data = event.data
    station = site.station(event.device_id, data.station)
    if station is None or data.rejected_reason is not None:
        return
    item, why = _lookup(conn, data.sku, data.gtin, station.owner)
    if why is not None:
        code = data.gtin or data.sku or data.raw
        unknown = Unknown(code, station.location, f"code {code!r} at {station.station}: {why}")
        batch.verdicts.append(_unknown(site, event, unknown))
        return
    sku, cost, by_weight = item if item is not None else (None, None, False)
    intent = scan_intent(data, station, sku, cost, sold_by_weight=by_weight)
    if isinstance(intent, Unknown):
        batch.verdicts.append(_unknown(site, event, intent))
    elif isinstance(intent, Post):
        batch.posts.append(_pending(site, event, f"station {station.station}", intent))
    elif isinstance(intent, Count):
        batch.counts.append(PendingCount(site, event.device_id, event.event_id, intent))


def _lookup(
    conn: sa.Connection, sku: str | None, gtin: str | None, owner: str
) -> tuple[state.ItemCode | None, str | None]:
    """The item a code names for the device's owner, or None and why (ambiguous code)."""
    try:
        return state.item_by_code(conn, sku, gtin, owner=owner), None
    except RejectedEventError as err:
        return None, str(err)


def record_count(conn: sa.Connection, pending: PendingCount, batch: SensorBatch) -> None:
    """A scanned count: a line of every open cycle count covering the location; with none
    open, compared with the book at once (a difference raises the stock alert to confirm)."""
    intent, site = pending.intent, pending.site
    if counts.record_scanned(conn, intent, by=pending.device_id, now=batch.now):
        return
    key = PositionKey(intent.sku, intent.location, intent.owner)
    book, cost = state.book_and_cost(conn, key)
    slot = StockSlot(site.site_id, intent.location, intent.sku, intent.owner, pending.device_id)
    slot = record_count_reading(slot, intent.qty, str(pending.event_id), batch.now)
    batch.verdicts.extend(assess_count(slot, book, site.rules_for(intent.location), cost))


def _pending(site: SiteBindings, event: Any, source: str, intent: Post) -> PendingPost:
    return PendingPost(
        site.site_id, event.device_id, source, event.event_id, event.observed_at, intent.tx
    )


def _unknown(site: SiteBindings, event: Any, unknown: Unknown) -> Finding:
    is_label = unknown.alert_type is AlertType.UNKNOWN_CODE
    hint = "; check the label, or add the item with its GTIN" if is_label else ""
    return Finding(
        AlertKey(site.site_id, unknown.alert_type, unknown.location, unknown.code[:64]),
        unknown.reason + hint,
        Severity.MINOR if is_label else Severity.MAJOR,
        device_id=event.device_id,
        evidence=(str(event.event_id),),
    )


def unusable(site: SiteBindings, stored: StoredEvent, reason: str) -> Finding:
    """An event that could not be turned into anything: an alert naming it, not a crash."""
    event = stored.event
    return Finding(
        AlertKey(site.site_id, AlertType.REJECTED_POSTING, subject=event.device_id),
        f"{event.kind.value} from {event.device_id} could not be used: {reason}"[:2000],
        Severity.MAJOR,
        device_id=event.device_id,
        evidence=(str(event.event_id),),
    )


_HANDLERS: dict[type, Callable[[sa.Connection, SiteBindings, Any, SensorBatch], None]] = {
    ShelfWeightChangedEvent: _weight,
    RfidTagSeenEvent: _tag,
    BarcodeScannedEvent: _scan,
}
