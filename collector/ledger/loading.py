"""Load the part of the ledger a batch touches into a ``Book``, through a cache of positions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa

from collector.domain.book import Book
from collector.domain.model import (
    IdSequence,
    ItemPolicy,
    Layer,
    Position,
    PositionKey,
    SaleCost,
    Valuation,
)
from collector.ledger.schema import (
    balances,
    cost_layers,
    items,
    movements,
)

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
    initial_positions: dict[PositionKey, Position] = field(default_factory=dict)
    """Positions as loaded (cached or read): the writer writes only what differs from them."""
    first_new_layer_id: int = 1
    initial_item_costs: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookRequest:
    """Which part of the ledger a batch needs."""

    skus: frozenset[str]
    keys: frozenset[PositionKey]
    named_sales: frozenset[UUID] = frozenset()
    return_owners: frozenset[tuple[str, str]] = frozenset()


@dataclass(slots=True)
class PositionCache:
    """Committed positions (with layers) and latest sale costs kept between batches.

    Valid only while this process is the only writer: ``load_book`` drops it as soon
    as the journal's highest movement id is not the one it last saw, and the
    ingestor drops it when a transaction fails.
    """

    max_positions: int = 100_000
    last_movement_id: int | None = None
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    last_sale_cost: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget everything."""
        self.last_movement_id = None
        self.positions.clear()
        self.last_sale_cost.clear()

    def remember(self, book: Book) -> None:
        """Keep the state a committed batch left (every position in its book is stored)."""
        if len(self.positions) + len(book.positions) > self.max_positions:
            self.positions.clear()
        self.positions.update(book.positions)
        self.last_sale_cost.update(book.last_sale_cost)
        self.last_movement_id = book.ids.next_movement_id - 1


def load_book(
    conn: sa.Connection, request: BookRequest, cache: PositionCache | None = None
) -> LoadedBook:
    """Items, positions with open FIFO layers, sale costs for returns, and the next ids."""
    cache = cache if cache is not None else PositionCache()
    ids = next_ids(conn)
    if cache.last_movement_id != ids.next_movement_id - 1:
        cache.clear()
    loaded = LoadedBook(Book(ids=ids), first_new_layer_id=ids.next_layer_id)
    loaded.book.items.update(_load_items(conn, request.skus))
    loaded.initial_item_costs = {sku: p.last_unit_cost for sku, p in loaded.book.items.items()}
    missing = set()
    for key in request.keys:
        position = cache.positions.get(key)
        if position is None:
            missing.add(key)
            continue
        loaded.book.positions[key] = position
        loaded.initial_positions[key] = position
        loaded.stored_balances.add(key)
    _load_positions(conn, missing, loaded)
    known_sales = request.return_owners & cache.last_sale_cost.keys()
    loaded.book.last_sale_cost.update((k, cache.last_sale_cost[k]) for k in known_sales)
    _load_sale_costs(conn, request.named_sales, request.return_owners - known_sales, loaded.book)
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
            layers_by_key.setdefault(PositionKey(row.sku, row.location, row.owner), []).append(
                _layer_from_row(row)
            )
        for row in conn.execute(sa.select(balances).where(_key_filter(balances, part))):
            key = PositionKey(row.sku, row.location, row.owner)
            loaded.stored_balances.add(key)
            position = Position(
                key, row.qty, row.value, tuple(layers_by_key.get(key, ())), row.last_unit_cost
            )
            loaded.book.positions[key] = loaded.initial_positions[key] = position


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


def _load_sale_costs(
    conn: sa.Connection,
    named_sales: Iterable[UUID],
    return_owners: Iterable[tuple[str, str]],
    book: Book,
) -> None:
    """Unit costs of sales that returns in the batch name, and of the latest sale per sku/owner."""
    sale_cols = (movements.c.event_id, movements.c.sku, movements.c.owner, movements.c.unit_cost)
    is_sale = sa.and_(movements.c.type == "sale", movements.c.reverses_movement_id.is_(None))
    for part in chunks(named_sales):
        query = sa.select(*sale_cols).where(is_sale, movements.c.event_id.in_(part))
        for row in conn.execute(query):
            book.sale_costs[row.event_id] = SaleCost(
                row.event_id, row.sku, row.owner, row.unit_cost
            )
    for part in chunks(sorted(return_owners)):
        latest = (
            sa.select(sa.func.max(movements.c.id))
            .where(is_sale, sa.tuple_(movements.c.sku, movements.c.owner).in_(part))
            .group_by(movements.c.sku, movements.c.owner)
        )
        for row in conn.execute(sa.select(*sale_cols).where(movements.c.id.in_(latest))):
            book.last_sale_cost[(row.sku, row.owner)] = row.unit_cost
