"""RFID presence readers as observed counts: tags reported recently, per SKU, at a location."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa

from collector.reconcile.presence import units_present
from collector.reconcile.runtime import state
from collector.reconcile.runtime.schema import rfid_presence
from collector.reconcile.shelf import StockSlot, observe_presence
from collector.sites.bindings import ReaderBinding

SlotId = tuple[str, str, str]
"""(site, location, SKU)."""
KEEP_WINDOWS = 10
"""Sightings older than this many windows are deleted: they can never count again."""


def presence_slots(
    conn: sa.Connection,
    site: str,
    reader: ReaderBinding,
    now: datetime,
    known: Mapping[SlotId, StockSlot] | None = None,
) -> list[StockSlot]:
    """Every SKU's slot at the reader's location with its units present now.

    ``known`` holds slots a batch already changed (they win over the stored ones).
    """
    counts = units_present(state.sightings(conn, site, reader.location), now, reader.window_s)
    slots = {s.sku: s for s in state.slots_at(conn, site, reader.location)}
    for (slot_site, location, sku), slot in (known or {}).items():
        if (slot_site, location) == (site, reader.location):
            slots[sku] = slot
    result = []
    for sku in sorted(set(counts) | set(slots)):
        slot = slots.get(sku) or StockSlot(
            site, reader.location, sku, reader.owner, reader.device_id
        )
        result.append(observe_presence(slot, counts.get(sku, 0), now))
    _prune(conn, site, reader, now)
    return result


def _prune(conn: sa.Connection, site: str, reader: ReaderBinding, now: datetime) -> None:
    c = rfid_presence.c
    oldest = now - timedelta(seconds=reader.window_s * KEEP_WINDOWS)
    conn.execute(
        sa.delete(rfid_presence).where(
            c.site == site, c.location == reader.location, c.last_seen_at < oldest
        )
    )
