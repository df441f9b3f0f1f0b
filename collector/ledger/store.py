"""Load the part of the ledger a batch touches into a ``Book``; write postings back in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa

from collector.domain.book import Book
from collector.domain.model import (
    IdSequence,
    ItemPolicy,
    Layer,
    MovementLine,
    Position,
    PositionKey,
    Posting,
    SaleCost,
    Valuation,
)
from collector.ledger.schema import (
    balances,
    cost_layers,
    items,
    layer_consumptions,
    locations,
    movements,
    owners,
)
from collector.ledger.types import Micro

CHUNK = 500
"""Rows per IN (…) list: far below SQLite's and PostgreSQL's bound-parameter limits."""
_T = TypeVar("_T")


def chunks(values: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """Split values into lists of at most ``size``."""
    batch: list[_T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(slots=True)
class LoadedBook:
    """A book plus what the writer must know about the rows it came from."""

    book: Book
    stored_balances: set[PositionKey] = field(default_factory=set)
    stored_layers: dict[int, Layer] = field(default_factory=dict)
    first_new_layer_id: int = 1
    initial_item_costs: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookRequest:
    """Which part of the ledger a batch needs."""

    skus: frozenset[str]
    keys: frozenset[PositionKey]
    named_sales: frozenset[UUID] = frozenset()
    return_owners: frozenset[tuple[str, str]] = frozenset()


def load_book(conn: sa.Connection, request: BookRequest) -> LoadedBook:
    """Items, positions with open FIFO layers, sale costs for returns, and the next ids."""
    ids = next_ids(conn)
    loaded = LoadedBook(Book(ids=ids), first_new_layer_id=ids.next_layer_id)
    loaded.book.items.update(_load_items(conn, request.skus))
    loaded.initial_item_costs = {sku: p.last_unit_cost for sku, p in loaded.book.items.items()}
    _load_positions(conn, request.keys, loaded)
    _load_sale_costs(conn, request, loaded.book)
    return loaded


def next_ids(conn: sa.Connection) -> IdSequence:
    """The ids the next movement and layer get (the caller holds the ledger lock)."""
    top_movement = conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one()
    top_layer = conn.execute(sa.select(sa.func.max(cost_layers.c.id))).scalar_one()
    return IdSequence((top_movement or 0) + 1, (top_layer or 0) + 1)


def _load_items(conn: sa.Connection, skus: Iterable[str]) -> dict[str, ItemPolicy]:
    found: dict[str, ItemPolicy] = {}
    cols = (items.c.sku, items.c.valuation, items.c.allow_negative, items.c.last_unit_cost)
    for part in chunks(sorted(skus)):
        for row in conn.execute(sa.select(*cols).where(items.c.sku.in_(part))):
            found[row.sku] = ItemPolicy(
                row.sku, Valuation(row.valuation), bool(row.allow_negative), row.last_unit_cost
            )
    return found


def _key_filter(table: sa.Table, keys: Sequence[PositionKey]) -> sa.ColumnElement[bool]:
    return sa.tuple_(table.c.sku, table.c.location, table.c.owner).in_(
        [(k.sku, k.location, k.owner) for k in keys]
    )


def _load_positions(conn: sa.Connection, keys: Iterable[PositionKey], loaded: LoadedBook) -> None:
    layers_by_key: dict[PositionKey, list[Layer]] = {}
    for part in chunks(sorted(keys)):
        layer_query = (
            sa.select(cost_layers)
            .where(_key_filter(cost_layers, part), cost_layers.c.qty_remaining > 0)
            .order_by(cost_layers.c.order_key, cost_layers.c.id)
        )
        for row in conn.execute(layer_query):
            layer = _layer_from_row(row)
            loaded.stored_layers[layer.layer_id] = layer
            layers_by_key.setdefault(PositionKey(row.sku, row.location, row.owner), []).append(
                layer
            )
        for row in conn.execute(sa.select(balances).where(_key_filter(balances, part))):
            key = PositionKey(row.sku, row.location, row.owner)
            loaded.stored_balances.add(key)
            loaded.book.positions[key] = Position(
                key, row.qty, row.value, tuple(layers_by_key.get(key, ())), row.last_unit_cost
            )


def _layer_from_row(row: sa.Row[Any]) -> Layer:
    return Layer(
        layer_id=row.id,
        movement_id=row.movement_id,
        order_key=row.order_key,
        unit_cost=row.unit_cost,
        qty_in=row.qty_in,
        value_in=row.value_in,
        qty=row.qty_remaining,
        value=row.value_remaining,
    )


def _load_sale_costs(conn: sa.Connection, request: BookRequest, book: Book) -> None:
    """Unit costs of sales that returns in the batch name, and of the latest sale per sku/owner."""
    sale_cols = (movements.c.event_id, movements.c.sku, movements.c.owner, movements.c.unit_cost)
    is_sale = sa.and_(movements.c.type == "sale", movements.c.reverses_movement_id.is_(None))
    for part in chunks(request.named_sales):
        query = sa.select(*sale_cols).where(is_sale, movements.c.event_id.in_(part))
        for row in conn.execute(query):
            book.sale_costs[row.event_id] = SaleCost(
                row.event_id, row.sku, row.owner, row.unit_cost
            )
    for part in chunks(sorted(request.return_owners)):
        latest = (
            sa.select(sa.func.max(movements.c.id))
            .where(is_sale, sa.tuple_(movements.c.sku, movements.c.owner).in_(part))
            .group_by(movements.c.sku, movements.c.owner)
        )
        for row in conn.execute(sa.select(*sale_cols).where(movements.c.id.in_(latest))):
            book.last_sale_cost[(row.sku, row.owner)] = row.unit_cost


# --------------------------------------------------------------------------- places


def location_rows(paths: Iterable[str], now: datetime) -> list[dict[str, Any]]:
    """Rows for each path and all its ancestors, parents first."""
    every: set[str] = set()
    for path in paths:
        parts = path.split("/")
        every.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    rows = []
    for path in sorted(every, key=lambda p: (p.count("/"), p)):
        parent, _, name = path.rpartition("/")
        rows.append(
            {
                "path": path,
                "parent_path": parent or None,
                "name": name,
                "depth": path.count("/"),
                "created_at": now,
            }
        )
    return rows


def ensure_places(
    conn: sa.Connection, *, owner_ids: set[str], paths: set[str], now: datetime
) -> None:
    """Create owners and locations (with their ancestors) that do not exist yet."""
    if owner_ids:
        known = _existing(conn, owners.c.owner, owner_ids)
        missing = sorted(owner_ids - known)
        if missing:
            conn.execute(owners.insert(), [{"owner": o, "created_at": now} for o in missing])
    if paths:
        rows = location_rows(paths, now)
        known = _existing(conn, locations.c.path, {r["path"] for r in rows})
        fresh = [r for r in rows if r["path"] not in known]
        if fresh:
            conn.execute(locations.insert(), fresh)


def _existing(conn: sa.Connection, column: sa.Column[str], values: set[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(values)):
        found.update(conn.execute(sa.select(column).where(column.in_(part))).scalars())
    return found


# --------------------------------------------------------------------------- writing


def movement_row(line: MovementLine, recorded_at: datetime) -> dict[str, Any]:
    """A journal row."""
    return {
        "id": line.movement_id,
        "event_id": line.event_id,
        "type": line.type.value,
        "sku": line.key.sku,
        "location": line.key.location,
        "owner": line.key.owner,
        "qty": line.qty,
        "unit_cost": line.unit_cost,
        "value": line.value,
        "cogs": line.cogs,
        "revenue": line.revenue,
        "effective_at": line.effective_at,
        "recorded_at": recorded_at,
        "reverses_movement_id": line.reverses_movement_id,
        "reason": line.reason,
        "provisional": line.provisional,
    }


def write_postings(
    conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting], recorded_at: datetime
) -> None:
    """Journal lines, layers, consumption links, balances and item costs, in FK order."""
    lines = [line for posting in postings for line in posting.lines]
    if not lines:
        return
    conn.execute(movements.insert(), [movement_row(line, recorded_at) for line in lines])
    _write_layers(conn, loaded, postings)
    links = [link for posting in postings for link in posting.links]
    if links:
        conn.execute(
            layer_consumptions.insert(),
            [
                {
                    "movement_id": k.movement_id,
                    "layer_id": k.layer_id,
                    "qty": k.qty,
                    "value": k.value,
                }
                for k in links
            ],
        )
    _write_balances(conn, loaded, lines)
    _write_item_costs(conn, loaded)


def _layer_row(layer: Layer, key: PositionKey) -> dict[str, Any]:
    return {
        "id": layer.layer_id,
        "movement_id": layer.movement_id,
        "sku": key.sku,
        "location": key.location,
        "owner": key.owner,
        "order_key": layer.order_key,
        "unit_cost": layer.unit_cost,
        "qty_in": layer.qty_in,
        "value_in": layer.value_in,
        "qty_remaining": layer.qty,
        "value_remaining": layer.value,
    }


def _write_layers(conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting]) -> None:
    """Insert layers born in the batch, update stored ones that changed, at their final state."""
    final: dict[int, tuple[Layer, PositionKey]] = {}
    born: dict[int, tuple[Layer, PositionKey]] = {}
    touched_keys = {p.key for posting in postings for p in posting.positions}
    for key in touched_keys:
        for layer in loaded.book.position(key).layers:
            final[layer.layer_id] = (layer, key)
    for posting in postings:
        for position in posting.positions:
            for layer in position.layers:
                if layer.layer_id >= loaded.first_new_layer_id:
                    born.setdefault(layer.layer_id, (layer, position.key))
    inserts = []
    for layer_id, (first, key) in sorted(born.items()):
        last = final.get(layer_id, (_emptied(first), key))[0]
        inserts.append(_layer_row(last, key))
    if inserts:
        conn.execute(cost_layers.insert(), inserts)
    updates = [
        {"b_id": layer_id, "b_qty": now.qty, "b_value": now.value}
        for layer_id, before in loaded.stored_layers.items()
        for now in [final.get(layer_id, (_emptied(before), None))[0]]
        if now != before
    ]
    if updates:
        conn.execute(
            cost_layers.update()
            .where(cost_layers.c.id == sa.bindparam("b_id"))
            .values(
                qty_remaining=sa.bindparam("b_qty", type_=Micro()),
                value_remaining=sa.bindparam("b_value", type_=Micro()),
            ),
            updates,
        )


def _emptied(layer: Layer) -> Layer:
    zero = Decimal(0)
    return Layer(
        layer.layer_id, layer.movement_id, layer.order_key, layer.unit_cost,
        layer.qty_in, layer.value_in, zero, zero,
    )  # fmt: skip


def _write_balances(conn: sa.Connection, loaded: LoadedBook, lines: Sequence[MovementLine]) -> None:
    last_line: dict[PositionKey, int] = {}
    for line in lines:
        last_line[line.key] = line.movement_id
    inserts, updates = [], []
    for key, movement_id in last_line.items():
        position = loaded.book.position(key)
        row = {
            "b_sku": key.sku,
            "b_location": key.location,
            "b_owner": key.owner,
            "b_qty": position.qty,
            "b_value": position.value,
            "b_cost": position.last_unit_cost,
            "b_last": movement_id,
        }
        (updates if key in loaded.stored_balances else inserts).append(row)
    values = {
        "qty": sa.bindparam("b_qty", type_=Micro()),
        "value": sa.bindparam("b_value", type_=Micro()),
        "last_unit_cost": sa.bindparam("b_cost", type_=Micro()),
        "last_movement_id": sa.bindparam("b_last"),
    }
    if inserts:
        conn.execute(
            balances.insert().values(
                sku=sa.bindparam("b_sku"),
                location=sa.bindparam("b_location"),
                owner=sa.bindparam("b_owner"),
                **values,
            ),
            inserts,
        )
        loaded.stored_balances.update(last_line.keys())
    if updates:
        conn.execute(
            balances.update()
            .where(
                balances.c.sku == sa.bindparam("b_sku"),
                balances.c.location == sa.bindparam("b_location"),
                balances.c.owner == sa.bindparam("b_owner"),
            )
            .values(**values),
            updates,
        )


def _write_item_costs(conn: sa.Connection, loaded: LoadedBook) -> None:
    changed = [
        {"b_sku": policy.sku, "b_cost": policy.last_unit_cost}
        for policy in loaded.book.items.values()
        if policy.last_unit_cost != loaded.initial_item_costs.get(policy.sku)
    ]
    if changed:
        conn.execute(
            items.update()
            .where(items.c.sku == sa.bindparam("b_sku"))
            .values(last_unit_cost=sa.bindparam("b_cost", type_=Micro())),
            changed,
        )
