"""Lane slots and device liveness in the ledger database, read and written a batch at a time.

A batch touches tens of slots and devices; one statement per row cost more than the
posting itself, so every function here takes all of them at once: one SELECT per kind,
one executemany per write.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.model import PositionKey
from collector.ledger.bulk import chunks
from collector.ledger.schema import balances, items
from collector.reconcile.runtime.schema import device_liveness, reconcile_slots
from collector.reconcile.shelf import StockSlot

SlotId = tuple[str, str, str]
"""(site, location, SKU)."""
DeviceKey = tuple[str, str]
"""(site, device)."""

_s = reconcile_slots.c
_FIGURES = (
    "owner", "device_id", "lane", "observed", "confidence", "observed_at", "mismatch_since",
    "mismatch_sign", "unresolved", "evidence",
)  # fmt: skip
_SLOT_UPDATE = (
    reconcile_slots.update()
    .where(
        _s.site == sa.bindparam("b_site"),
        _s.location == sa.bindparam("b_location"),
        _s.sku == sa.bindparam("b_sku"),
    )
    .values({name: sa.bindparam(f"b_{name}") for name in _FIGURES})
)


def slot_from_row(row: Any) -> StockSlot:
    """A ``reconcile_slots`` row as the reconciler's slot."""
    return StockSlot(
        site=row.site,
        location=row.location,
        sku=row.sku,
        owner=row.owner,
        device_id=row.device_id,
        lane=row.lane,
        observed=row.observed,
        confidence=row.confidence,
        observed_at=row.observed_at,
        mismatch_since=row.mismatch_since,
        mismatch_sign=row.mismatch_sign,
        unresolved=row.unresolved,
        evidence=tuple(json.loads(row.evidence)),
    )


def _figures(slot: StockSlot) -> dict[str, Any]:
    return {
        "owner": slot.owner,
        "device_id": slot.device_id,
        "lane": slot.lane,
        "observed": slot.observed,
        "confidence": slot.confidence,
        "observed_at": slot.observed_at,
        "mismatch_since": slot.mismatch_since,
        "mismatch_sign": slot.mismatch_sign,
        "unresolved": slot.unresolved,
        "evidence": json.dumps(list(slot.evidence)),
    }


def load_slots(conn: sa.Connection, ids: Iterable[SlotId]) -> dict[SlotId, StockSlot]:
    """The stored slots among ``ids`` (a lane that never reported has none)."""
    found: dict[SlotId, StockSlot] = {}
    for part in chunks(sorted(set(ids))):
        where = sa.tuple_(_s.site, _s.location, _s.sku).in_(part)
        for row in conn.execute(sa.select(reconcile_slots).where(where)):
            found[(row.site, row.location, row.sku)] = slot_from_row(row)
    return found


def slots_watching(
    conn: sa.Connection, positions: Iterable[tuple[str, str]]
) -> dict[SlotId, StockSlot]:
    """Slots of any site watching these (location, SKU) positions."""
    found: dict[SlotId, StockSlot] = {}
    for part in chunks(sorted(set(positions))):
        where = sa.tuple_(_s.location, _s.sku).in_(part)
        for row in conn.execute(sa.select(reconcile_slots).where(where)):
            found[(row.site, row.location, row.sku)] = slot_from_row(row)
    return found


def save_slots(conn: sa.Connection, slots: Collection[StockSlot]) -> None:
    """Update the stored slots among these, insert the others (three statements in all)."""
    if not slots:
        return
    stored = _stored_ids(conn, [(s.site, s.location, s.sku) for s in slots])
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for slot in slots:
        figures = _figures(slot)
        if (slot.site, slot.location, slot.sku) in stored:
            updates.append(
                {"b_site": slot.site, "b_location": slot.location, "b_sku": slot.sku}
                | {f"b_{name}": value for name, value in figures.items()}
            )
        else:
            inserts.append(
                {"site": slot.site, "location": slot.location, "sku": slot.sku} | figures
            )
    if updates:
        conn.execute(_SLOT_UPDATE, updates)
    if inserts:
        conn.execute(reconcile_slots.insert(), inserts)


def _stored_ids(conn: sa.Connection, ids: list[SlotId]) -> set[SlotId]:
    found: set[SlotId] = set()
    for part in chunks(sorted(set(ids))):
        where = sa.tuple_(_s.site, _s.location, _s.sku).in_(part)
        query = sa.select(_s.site, _s.location, _s.sku).where(where)
        found.update((row.site, row.location, row.sku) for row in conn.execute(query))
    return found


def books_and_costs(
    conn: sa.Connection, keys: Iterable[PositionKey]
) -> dict[PositionKey, tuple[Decimal, Decimal | None]]:
    """Per position: units on the book, and a unit cost to value a difference at (the
    position's average, else the item's last cost); positions never used have 0."""
    wanted = sorted(set(keys))
    found: dict[PositionKey, tuple[Decimal, Decimal | None]] = {}
    b = balances.c
    for part in chunks(wanted):
        where = sa.tuple_(b.sku, b.location, b.owner).in_([tuple(k) for k in part])
        for row in conn.execute(sa.select(b.sku, b.location, b.owner, b.qty, b.value).where(where)):
            cost = abs(row.value / row.qty) if row.qty > 0 else None
            found[PositionKey(row.sku, row.location, row.owner)] = (row.qty, cost)
    item_costs = _item_costs(conn, {key.sku for key in wanted})
    result = {}
    for key in wanted:
        qty, cost = found.get(key, (Decimal(0), None))
        result[key] = (qty, cost if cost is not None else item_costs.get(key.sku))
    return result


def _item_costs(conn: sa.Connection, skus: set[str]) -> dict[str, Decimal | None]:
    found: dict[str, Decimal | None] = {}
    for part in chunks(sorted(skus)):
        query = sa.select(items.c.sku, items.c.last_unit_cost).where(items.c.sku.in_(part))
        found.update((row.sku, row.last_unit_cost) for row in conn.execute(query))
    return found


_d = device_liveness.c
_LIVENESS_UPDATE = (
    device_liveness.update()
    .where(_d.site == sa.bindparam("b_site"), _d.device_id == sa.bindparam("b_device"))
    .values(last_seen_at=sa.bindparam("b_now"), interval_s=sa.bindparam("b_interval"))
)


def touch_devices(conn: sa.Connection, heard: Mapping[DeviceKey, float], *, now: datetime) -> None:
    """Record that these devices (with their heartbeat intervals) were heard from ``now``."""
    if not heard:
        return
    known: set[DeviceKey] = set()
    for part in chunks(sorted(heard)):
        where = sa.tuple_(_d.site, _d.device_id).in_(part)
        known.update(
            (r.site, r.device_id)
            for r in conn.execute(sa.select(_d.site, _d.device_id).where(where))
        )
    updates = [
        {"b_site": site, "b_device": device, "b_now": now, "b_interval": interval_s}
        for (site, device), interval_s in heard.items()
        if (site, device) in known
    ]
    inserts = [
        {"site": site, "device_id": device, "last_seen_at": now, "interval_s": interval_s}
        for (site, device), interval_s in heard.items()
        if (site, device) not in known
    ]
    if updates:
        conn.execute(_LIVENESS_UPDATE, updates)
    if inserts:
        conn.execute(device_liveness.insert(), inserts)
