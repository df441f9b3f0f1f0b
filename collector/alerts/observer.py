"""``ReconcileObserver``: sensor events into ledger and reconciler, in the batch's transaction.

Registered with ``SqlIngestor(observers=[...])``.  For each stored sensor event of
a bound site it records device liveness, turns scans (and, at ``post`` locations,
weight changes and gate passes) into postings through the ledger's own
``post_transaction`` (and marks those events ``applied`` in the inbox), updates
the lane readings, and then re-assesses every (location, SKU) that a reading or a
movement of the batch touched.  Findings go to the alert store in the same
transaction, so alerts commit with the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import structlog

from collector.alerts import sensors, state
from collector.alerts.sensors import SensorBatch
from collector.alerts.store import apply_verdicts
from collector.domain.model import MovementLine, PositionKey
from collector.domain.posting import post_transaction
from collector.ledger.inbox import mark_applied
from collector.ledger.loading import BookRequest, load_book
from collector.ledger.observers import BalanceAfter, Posted, PostingObserver
from collector.ledger.writing import ensure_places, write_postings
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.reconcile.lanes import assess_lane
from collector.reconcile.shelf import assess
from collector.sites.bindings import SiteBindings

log = structlog.get_logger("collector.alerts")


@dataclass(slots=True)
class ReconcileObserver:
    """Implements ``collector.ledger.observers.PostingObserver``."""

    bindings: Mapping[str, SiteBindings]
    clock: Callable[[], datetime]
    downstream: Sequence[PostingObserver] = ()
    """Observers told about the movements this one posts (e.g. the time-series outbox)."""
    posted_lines: list[MovementLine] = field(default_factory=list)
    """Movements this observer posted in the last batch (for tests and logs)."""

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """Handle one batch inside its transaction; fails only when the database does."""
        batch = SensorBatch(now=self.clock())
        for stored in posted.stored_events:
            site = self.bindings.get(stored.site)
            if site is None:
                continue
            try:
                sensors.handle(conn, site, stored, batch)
            except ValueError as err:  # bad input becomes an alert; only the database may fail
                batch.verdicts.append(sensors.unusable(site, stored, str(err)))
                log.warning("sensor.unusable", event_id=str(stored.event.event_id), error=str(err))
        self.posted_lines, balances = _post(conn, batch)
        if self.posted_lines:
            mine = Posted(tuple(self.posted_lines), balances, ())
            for observer in self.downstream:
                observer.on_posted(conn, mine)
        touched = {(line.key.location, line.key.sku) for line in posted.movements}
        touched |= {(line.key.location, line.key.sku) for line in self.posted_lines}
        _assess_slots(conn, self.bindings, batch, touched)
        _assess_lanes(conn, self.bindings, batch)
        for exit_, matched in batch.exits:
            state.add_exit(conn, exit_, matched=matched)
        apply_verdicts(conn, batch.verdicts, now=batch.now)


def _post(
    conn: sa.Connection, batch: SensorBatch
) -> tuple[list[MovementLine], tuple[BalanceAfter, ...]]:
    """Post the batch's sensor transactions; a refused one becomes an alert, not a failure."""
    if not batch.posts:
        return [], ()
    keys = {PositionKey(p.tx.sku, p.tx.location, p.tx.owner) for p in batch.posts}
    keys |= {
        PositionKey(p.tx.sku, p.tx.to_location, p.tx.owner)
        for p in batch.posts
        if p.tx.to_location is not None
    }
    request = BookRequest(frozenset(k.sku for k in keys), frozenset(keys))
    loaded = load_book(conn, request)
    postings = []
    for pending in batch.posts:
        try:
            postings.append(
                post_transaction(
                    loaded.book,
                    event_id=pending.event_id,
                    effective_at=pending.effective_at,
                    tx=pending.tx,
                )
            )
        except ValueError as err:  # RejectedEventError, or amounts out of the ledger's range
            batch.verdicts.append(_rejected(pending, str(err)))
            log.warning("sensor.posting_rejected", event_id=str(pending.event_id), reason=str(err))
    lines = [line for posting in postings for line in posting.lines]
    ensure_places(
        conn,
        owner_ids={line.key.owner for line in lines},
        paths={line.key.location for line in lines},
        now=batch.now,
    )
    write_postings(conn, loaded, postings, batch.now)
    mark_applied(conn, {line.event_id for line in lines})  # they were stored, now posted
    book = loaded.book
    touched = sorted({line.key for line in lines})
    balances = tuple(
        BalanceAfter(key, book.position(key).qty, book.position(key).value) for key in touched
    )
    return lines, balances


def _rejected(pending: sensors.PendingPost, reason: str) -> Finding:
    tx = pending.tx
    return Finding(
        AlertKey(pending.site, AlertType.REJECTED_POSTING, tx.location, tx.sku),
        f"{pending.source} could not post a {tx.type.value} of {tx.qty} {tx.sku}: {reason}",
        Severity.MAJOR,
        owner=tx.owner,
        device_id=pending.device_id,
        evidence=(str(pending.event_id),),
    )


def _assess_slots(
    conn: sa.Connection,
    bindings: Mapping[str, SiteBindings],
    batch: SensorBatch,
    touched: set[tuple[str, str]],
) -> None:
    """Compare book and shelf for every slot a reading or movement touched."""
    slots = dict(batch.slots)
    for location, sku in touched:
        for slot in state.load_slots_at(conn, location, sku):
            slots.setdefault((slot.site, location, sku), slot)
    for slot in slots.values():
        site = bindings.get(slot.site)
        if site is None:
            continue
        book, cost = state.book_and_cost(conn, PositionKey(slot.sku, slot.location, slot.owner))
        rules = site.rules_for(slot.location)
        assessed, verdicts = assess(slot, book, batch.now, rules, cost)
        state.save_slot(conn, assessed)
        batch.verdicts.extend(verdicts)


def _assess_lanes(
    conn: sa.Connection, bindings: Mapping[str, SiteBindings], batch: SensorBatch
) -> None:
    """Store every mixed lane's fault counter the batch changed, and raise or clear its alert."""
    for lanes in batch.lanes.values():
        state.save_lane(conn, lanes, now=batch.now)
        rules = bindings[lanes.site].rules_for(lanes.location)
        batch.verdicts.append(assess_lane(lanes, rules))
