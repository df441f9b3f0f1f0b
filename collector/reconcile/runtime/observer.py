"""``ReconcileObserver``: sensor events into ledger and reconciler, in the batch's transaction.

Given to ``SqlIngestor(sensors=...)``. Before the batch posts, ``plan`` handles each
stored sensor event of a bound site (``sensors.handle``: liveness, lane readings, tag
sightings, gate exits) and says which transactions the events ask for: scans, and, at
``post`` locations, weight changes and gate passes. The ingestor posts those on the
batch's own book, in arrival order, under the sensor events' ids (their inbox rows say
``applied``). After the batch's rows are written, the plan's ``on_posted`` turns refused
postings into alerts, records scanned counts against the book, and assesses every
(location, SKU) a reading or a movement touched with the same pure ``Reconciler`` the
ticker uses. Alerts commit with the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.alerts.store import apply_verdicts
from collector.domain.model import PositionKey
from collector.ledger.observers import Posted, SensorPosting, StoredEvent
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.reconcile.reconciler import Reconciler, SlotView, Snapshot
from collector.reconcile.runtime import sensors, slots, state
from collector.reconcile.runtime.sensors import PendingPost, SensorBatch
from collector.reconcile.shelf import StockSlot
from collector.sites.bindings import SiteBindings, rules_lookup

log = structlog.get_logger("collector.reconcile")


@dataclass(slots=True)
class ReconcileObserver:
    """Implements ``collector.ledger.observers.SensorPostingSource`` for the bound sites."""

    bindings: Mapping[str, SiteBindings]
    _reconciler: Reconciler = field(init=False)

    def __post_init__(self) -> None:
        """The reconciler the ticker uses too, on the same rules."""
        self._reconciler = Reconciler(rules_for=rules_lookup(self.bindings))

    def plan(
        self, conn: sa.Connection, stored: Sequence[StoredEvent], *, now: datetime
    ) -> ReconcilePlan:
        """Handle the batch's sensor events; what they post is the plan's ``postings``."""
        batch = SensorBatch(now=now)
        bound = [(self.bindings[e.site], e) for e in stored if e.site in self.bindings]
        reported = [slot for site, e in bound for slot in sensors.slots_reported_on(site, e.event)]
        batch.stored_slots = slots.load_slots(conn, reported) if reported else {}
        for site, event in bound:
            try:
                sensors.handle(conn, site, event, batch)
            except ValueError as err:  # bad input becomes an alert; only the database may fail
                batch.verdicts.append(sensors.unusable(site, event, str(err)))
                log.warning(
                    "sensor.unusable",
                    device=event.device_id,
                    event_id=str(event.event.event_id),
                    error=str(err),
                )
        slots.touch_devices(conn, batch.heard, now=now)
        return ReconcilePlan(self.bindings, self._reconciler, batch)


@dataclass(slots=True)
class ReconcilePlan:
    """One batch's sensor postings, and its reconciliation once they are written."""

    bindings: Mapping[str, SiteBindings]
    reconciler: Reconciler
    batch: SensorBatch
    postings: dict[UUID, SensorPosting] = field(init=False)

    def __post_init__(self) -> None:
        """The transactions by sensor event id (one per event at most)."""
        self.postings = {
            p.event_id: SensorPosting(p.event_id, p.effective_at, p.tx) for p in self.batch.posts
        }

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """Alerts for refused postings, counts against the book, every touched slot assessed."""
        batch = self.batch
        refused = {refusal.event_id: refusal.reason for refusal in posted.refusals}
        for pending in batch.posts:
            reason = refused.get(pending.event_id)
            if reason is not None:
                batch.verdicts.append(_rejected(pending, reason))
                log.warning(
                    "sensor.posting_rejected",
                    device=pending.device_id,
                    sku=pending.tx.sku,
                    event_id=str(pending.event_id),
                    reason=reason,
                )
        for pending_count in batch.counts:
            sensors.record_count(conn, pending_count, batch)
        touched = {(line.key.location, line.key.sku) for line in posted.movements}
        self._assess(conn, touched)
        for exit_, matched in batch.exits:
            state.add_exit(conn, exit_, matched=matched)
        apply_verdicts(conn, batch.verdicts, now=batch.now)

    def _assess(self, conn: sa.Connection, touched: set[tuple[str, str]]) -> None:
        """Compare book and shelf for every slot a reading or movement touched, and lanes.

        Everything is read and written in bulk: a batch touches tens of positions.
        """
        batch = self.batch
        watching = slots.slots_watching(conn, touched) if touched else {}
        stored = batch.stored_slots | watching
        assessed = [s for s in (watching | batch.slots).values() if s.site in self.bindings]
        books = slots.books_and_costs(conn, (_position(slot) for slot in assessed))
        views = tuple(SlotView(slot, *books[_position(slot)]) for slot in assessed)
        for lanes in batch.lanes.values():
            state.save_lane(conn, lanes, now=batch.now)
        snapshot = Snapshot(slots=views, lanes=tuple(batch.lanes.values()))
        result = self.reconciler.tick(snapshot, batch.now)
        changed = [slot for slot in result.slots if stored.get(_slot_id(slot)) != slot]
        slots.save_slots(conn, changed)
        batch.verdicts.extend(result.verdicts)


def _position(slot: StockSlot) -> PositionKey:
    return PositionKey(slot.sku, slot.location, slot.owner)


def _slot_id(slot: StockSlot) -> tuple[str, str, str]:
    return (slot.site, slot.location, slot.sku)


def _rejected(pending: PendingPost, reason: str) -> Finding:
    tx = pending.tx
    return Finding(
        AlertKey(pending.site, AlertType.REJECTED_POSTING, tx.location, tx.sku),
        f"{pending.source} could not post a {tx.type.value} of {tx.qty} {tx.sku}: {reason}",
        Severity.MAJOR,
        owner=tx.owner,
        device_id=pending.device_id,
        evidence=(str(pending.event_id),),
    )
