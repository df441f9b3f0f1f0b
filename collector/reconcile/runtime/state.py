"""The reconciler's memory in the ledger database: lane readings and mixed lanes' fault
counters, gate exits, device liveness."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

import sqlalchemy as sa

from collector.domain.item_codes import CodeKind
from collector.domain.model import PositionKey
from collector.ledger.item_codes import resolve
from collector.ledger.schema import balances, items, movements
from collector.reconcile.gates import GateExit
from collector.reconcile.lanes import LaneFaults
from collector.reconcile.presence import Sighting
from collector.reconcile.runtime.schema import (
    gate_exits,
    reconcile_lanes,
    reconcile_slots,
    rfid_presence,
)
from collector.reconcile.runtime.slots import slot_from_row
from collector.reconcile.shelf import StockSlot

OUTBOUND_TYPES = ("sale", "transfer", "adjustment")
"""Movement types that can carry stock out of a location (negative qty)."""


def _lane_where(site: str, device_id: str, lane: str) -> sa.ColumnElement[bool]:
    c = reconcile_lanes.c
    return sa.and_(c.site == site, c.device_id == device_id, c.lane == lane)


def load_lane(conn: sa.Connection, site: str, device_id: str, lane: str) -> LaneFaults | None:
    """A mixed lane's stored fault counter, if it ever reported a change."""
    row = conn.execute(sa.select(reconcile_lanes).where(_lane_where(site, device_id, lane))).first()
    if row is None:
        return None
    return LaneFaults(
        row.site,
        row.device_id,
        row.lane,
        row.location,
        row.owner,
        row.unresolved,
        tuple(json.loads(row.evidence)),
    )


def save_lane(conn: sa.Connection, lanes: LaneFaults, *, now: datetime) -> None:
    """Insert or update a mixed lane's fault counter."""
    values = {
        "location": lanes.location,
        "owner": lanes.owner,
        "unresolved": lanes.unresolved,
        "evidence": json.dumps(list(lanes.evidence)),
        "updated_at": now,
    }
    where = _lane_where(lanes.site, lanes.device_id, lanes.lane)
    if conn.execute(sa.update(reconcile_lanes).where(where).values(values)).rowcount == 0:
        keys = {"site": lanes.site, "device_id": lanes.device_id, "lane": lanes.lane}
        conn.execute(sa.insert(reconcile_lanes).values(**keys, **values))


def slots_with_book(
    conn: sa.Connection, sites: Iterable[str]
) -> list[tuple[StockSlot, Decimal, Decimal | None]]:
    """Every slot of these sites with its book and a unit cost, in one query."""
    s, b, i = reconcile_slots.c, balances.c, items.c
    joined = reconcile_slots.outerjoin(
        balances, sa.and_(b.sku == s.sku, b.location == s.location, b.owner == s.owner)
    ).outerjoin(items, i.sku == s.sku)
    query = (
        sa.select(
            reconcile_slots,
            b.qty.label("book"),
            b.value.label("book_value"),
            i.last_unit_cost.label("item_cost"),
        )
        .select_from(joined)
        .where(s.site.in_(list(sites)))
    )
    found = []
    for row in conn.execute(query):
        book = row.book if row.book is not None else Decimal(0)
        cost = abs(row.book_value / book) if book > 0 else row.item_cost
        found.append((slot_from_row(row), book, cost))
    return found


def book_and_cost(conn: sa.Connection, key: PositionKey) -> tuple[Decimal, Decimal | None]:
    """Units on the book at a position, and a unit cost to value a difference at."""
    b = balances.c
    row = conn.execute(
        sa.select(b.qty, b.value, b.last_unit_cost).where(
            b.sku == key.sku, b.location == key.location, b.owner == key.owner
        )
    ).first()
    if row is not None and row.qty > 0:
        return row.qty, abs(row.value / row.qty)
    fallback = conn.execute(sa.select(items.c.last_unit_cost).where(items.c.sku == key.sku))
    cost = fallback.scalar_one_or_none()
    return (row.qty if row is not None else Decimal(0)), cost


class ItemCode(NamedTuple):
    """The item a scan or tag names, as its handling needs it."""

    sku: str
    unit_cost: Any
    """Its last unit cost (None: never received)."""
    sold_by_weight: bool = False


def item_by_code(
    conn: sa.Connection, sku: str | None, gtin: str | None, *, owner: str = "own"
) -> ItemCode | None:
    """(sku, last unit cost, sold by weight) of the item a scan or tag names by SKU or GTIN;
    None if unknown.

    Looked up in ``owner``'s catalogue (the device's binding), then the shared one;
    ``RejectedEventError`` when only other owners use the code (docs/owner-items.md).
    """
    wanted = (items.c.last_unit_cost, items.c.sold_by_weight)
    for kind, value in ((CodeKind.SKU, sku), (CodeKind.GTIN, gtin)):
        if value is None:
            continue
        found = resolve(conn, owner, kind, value)
        if found is not None:
            row = conn.execute(sa.select(*wanted).where(items.c.sku == found)).one()
            return ItemCode(found, row.last_unit_cost, bool(row.sold_by_weight))
    return None


def add_exit(conn: sa.Connection, exit_: GateExit, *, matched: bool) -> None:
    """Remember a unit that went out through a gate."""
    conn.execute(
        sa.insert(gate_exits).values(
            site=exit_.site,
            location=exit_.location,
            sku=exit_.sku,
            epc=exit_.epc,
            event_id=UUID(exit_.event_id),
            device_id=exit_.device_id,
            seen_at=exit_.seen_at,
            status="matched" if matched else "pending",
        )
    )


def pending_exits(
    conn: sa.Connection, sites: Iterable[str]
) -> dict[tuple[str, str, str], list[GateExit]]:
    """Unmatched exits grouped by (site, location, SKU)."""
    c = gate_exits.c
    query = sa.select(gate_exits).where(c.status == "pending", c.site.in_(list(sites)))
    groups: dict[tuple[str, str, str], list[GateExit]] = {}
    for r in conn.execute(query.order_by(c.seen_at, c.id)):
        exit_ = GateExit(
            r.id, r.site, r.location, r.sku, r.epc, str(r.event_id), r.device_id, r.seen_at
        )
        groups.setdefault((r.site, r.location, r.sku), []).append(exit_)
    return groups


def outbound_units(
    conn: sa.Connection, site: str, location: str, sku: str, since: datetime
) -> Decimal:
    """Units sent out of a location since ``since``, less those matched to exits already."""
    m = movements.c
    sent = conn.execute(
        sa.select(sa.func.sum(m.qty)).where(
            m.sku == sku,
            m.location == location,
            m.qty < 0,
            m.type.in_(OUTBOUND_TYPES),
            m.recorded_at >= since,
        )
    ).scalar_one()
    g = gate_exits.c
    used = conn.execute(
        sa.select(sa.func.count()).where(
            g.site == site,
            g.location == location,
            g.sku == sku,
            g.status == "matched",
            g.seen_at >= since,
        )
    ).scalar_one()
    total = -Decimal(str(sent)) if sent is not None else Decimal(0)
    return total - used


def mark_matched(conn: sa.Connection, exit_ids: Iterable[int]) -> None:
    """Exits a movement now covers."""
    ids = list(exit_ids)
    if ids:
        conn.execute(sa.update(gate_exits).where(gate_exits.c.id.in_(ids)).values(status="matched"))


def see_tag(
    conn: sa.Connection, site: str, location: str, sighting: Sighting, event_id: str
) -> None:
    """Record a presence reader's report of a tag (its SKU and when)."""
    c = rfid_presence.c
    where = sa.and_(c.site == site, c.location == location, c.epc == sighting.epc)
    values = {
        "sku": sighting.sku,
        "last_seen_at": sighting.last_seen_at,
        "event_id": UUID(event_id),
    }
    if conn.execute(sa.update(rfid_presence).where(where).values(values)).rowcount == 0:
        keys = {"site": site, "location": location, "epc": sighting.epc}
        conn.execute(sa.insert(rfid_presence).values(**keys, **values))


def sightings(conn: sa.Connection, site: str, location: str) -> list[Sighting]:
    """Every tag a presence reader at the location ever reported, with when it last did."""
    c = rfid_presence.c
    query = sa.select(c.epc, c.sku, c.last_seen_at).where(c.site == site, c.location == location)
    return [Sighting(r.epc, r.sku, r.last_seen_at) for r in conn.execute(query)]


def slots_at(conn: sa.Connection, site: str, location: str) -> list[StockSlot]:
    """The slots of one site and location (every SKU)."""
    c = reconcile_slots.c
    query = sa.select(reconcile_slots).where(c.site == site, c.location == location)
    return [slot_from_row(row) for row in conn.execute(query)]
