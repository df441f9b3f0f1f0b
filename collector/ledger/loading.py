"""Load the part of the ledger a posting session touches into a ``Book``, through a cache.

``load_book`` reads what a batch asked for at once; ``extend_book`` adds what a later
posting of the same session needs and the book does not hold yet (the session holds the
ledger lock, so what it reads cannot change under it, and what it posted wins).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa

from collector.domain.book import Book, LotRef, SaleOwner
from collector.domain.model import (
    IdSequence,
    IssuePolicy,
    ItemPolicy,
    Position,
    PositionKey,
    SaleState,
    Tracking,
    Valuation,
)
from collector.ledger.bulk import chunks
from collector.ledger.loading_rows import (
    latest_sale_ids,
    load_positions,
    load_receipts,
    load_sales,
)
from collector.ledger.lot_loading import extend_lots
from collector.ledger.schema import cost_layers, items, locations, movements, shortfalls
from edge_agent.wire import StockTransaction, TransactionType


@dataclass(frozen=True, slots=True)
class BookRequest:
    """Which part of the ledger some postings need."""

    skus: frozenset[str] = frozenset()
    keys: frozenset[PositionKey] = frozenset()
    named_sales: frozenset[UUID] = frozenset()
    return_owners: frozenset[SaleOwner] = frozenset()
    named_receipts: frozenset[UUID] = frozenset()
    lot_codes: frozenset[LotRef] = frozenset()
    """Lots and serials transactions name, by (sku, code)."""

    def __or__(self, other: BookRequest) -> BookRequest:
        """Both requests in one."""
        return BookRequest(
            self.skus | other.skus,
            self.keys | other.keys,
            self.named_sales | other.named_sales,
            self.return_owners | other.return_owners,
            self.named_receipts | other.named_receipts,
            self.lot_codes | other.lot_codes,
        )


def request_for(transactions: Iterable[StockTransaction]) -> BookRequest:
    """Items, positions, sales and receipts these transactions may touch."""
    skus: set[str] = set()
    keys: set[PositionKey] = set()
    named: set[UUID] = set()
    return_owners: set[SaleOwner] = set()
    receipts: set[UUID] = set()
    codes: set[LotRef] = set()
    for tx in transactions:
        skus.add(tx.sku)
        codes.update((tx.sku, code) for code in (tx.lot, tx.serial) if code is not None)
        keys.add(PositionKey(tx.sku, tx.location, tx.owner))
        if tx.to_location is not None:
            keys.add(PositionKey(tx.sku, tx.to_location, tx.owner))
        if tx.to_owner is not None:
            keys.add(PositionKey(tx.sku, tx.location, tx.to_owner))
        if tx.type is TransactionType.RETURN:
            return_owners.add((tx.sku, tx.owner))
            if tx.returns_event_id is not None:
                named.add(tx.returns_event_id)
        elif tx.type is TransactionType.VENDOR_RETURN and tx.returns_event_id is not None:
            receipts.add(tx.returns_event_id)
    return BookRequest(
        frozenset(skus), frozenset(keys), frozenset(named), frozenset(return_owners),
        frozenset(receipts), frozenset(codes),
    )  # fmt: skip


@dataclass(slots=True)
class LoadedBook:
    """A book plus what the writer must know about the rows it came from."""

    book: Book
    stored_balances: set[PositionKey] = field(default_factory=set)
    initial_positions: dict[PositionKey, Position] = field(default_factory=dict)
    """Positions as loaded (cached or read): the writer writes only what differs from them."""
    first_new_layer_id: int = 1
    initial_item_costs: dict[str, tuple[Decimal | None, str | None]] = field(default_factory=dict)
    """Per item as loaded: its last receipt cost and whose it is (written when they change)."""
    asked: BookRequest = field(default_factory=BookRequest)
    """Everything already read (found or not), so nothing is read twice."""
    master_checked: bool = False
    """Whether this session looked if a location master is in use."""


@dataclass(slots=True)
class PositionCache:
    """Committed positions (with layers) and latest sales kept between sessions.

    Valid only while this process is the only writer: ``load_book`` drops it as soon
    as the journal's highest movement id is not the one it last saw, and the
    ingestor drops it when a transaction fails.
    """

    max_positions: int = 100_000
    last_movement_id: int | None = None
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    last_sales: dict[SaleOwner, SaleState] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget everything."""
        self.last_movement_id = None
        self.positions.clear()
        self.last_sales.clear()

    def remember(self, book: Book) -> None:
        """Keep the state a committed session left (every position in its book is stored)."""
        if len(self.positions) + len(book.positions) > self.max_positions:
            self.positions.clear()
        self.positions.update(book.positions)
        for owner, movement_id in book.last_sales.items():
            self.last_sales[owner] = book.sales[movement_id]
        if book.stale_sales:
            for owner in [
                o for o, s in self.last_sales.items() if s.movement_id in book.stale_sales
            ]:
                del self.last_sales[owner]
        self.last_movement_id = book.ids.next_movement_id - 1


def load_book(
    conn: sa.Connection, request: BookRequest, cache: PositionCache | None = None
) -> LoadedBook:
    """Items, positions with open FIFO layers and shortfalls, sales, receipts, the next ids."""
    cache = cache if cache is not None else PositionCache()
    ids = next_ids(conn)
    if cache.last_movement_id != ids.next_movement_id - 1:
        cache.clear()
    loaded = LoadedBook(Book(ids=ids), first_new_layer_id=ids.next_layer_id)
    extend_book(conn, loaded, request, cache)
    return loaded


def extend_book(
    conn: sa.Connection,
    loaded: LoadedBook,
    request: BookRequest,
    cache: PositionCache | None = None,
) -> None:
    """Read what ``request`` names and the book was never asked for; the book's state wins."""
    asked = loaded.asked
    book = loaded.book
    skus = request.skus - asked.skus
    if skus:
        found = _load_items(conn, skus)
        book.items.update(found)
        loaded.initial_item_costs.update(
            (s, (p.last_unit_cost, p.last_cost_owner)) for s, p in found.items()
        )
    _extend_positions(conn, loaded, request.keys - asked.keys, cache)
    extend_lots(book, conn, request.keys - asked.keys, request.lot_codes - asked.lot_codes)
    owners = request.return_owners - asked.return_owners
    _extend_sales(conn, book, request.named_sales - asked.named_sales, owners, cache)
    receipts = request.named_receipts - asked.named_receipts
    for receipt in load_receipts(conn, receipts):
        book.receipts.setdefault(receipt.event_id, receipt)
    _extend_locations(conn, loaded, {key.location for key in request.keys - asked.keys})
    loaded.asked = asked | request


def _extend_locations(conn: sa.Connection, loaded: LoadedBook, paths: set[str]) -> None:
    """With a location master in use, which of these locations it has."""
    book = loaded.book
    if loaded.master_checked is False:
        loaded.master_checked = True
        in_use = conn.execute(
            sa.select(locations.c.path).where(locations.c.kind.is_not(None)).limit(1)
        ).first()
        book.known_locations = set() if in_use is not None else None
    if book.known_locations is None or not paths:
        return
    for part in chunks(sorted(paths - book.known_locations)):
        book.known_locations.update(
            conn.execute(sa.select(locations.c.path).where(locations.c.path.in_(part))).scalars()
        )


def _extend_positions(
    conn: sa.Connection,
    loaded: LoadedBook,
    keys: frozenset[PositionKey],
    cache: PositionCache | None,
) -> None:
    book = loaded.book
    missing = set()
    for key in keys:
        if key in book.positions:
            continue
        position = cache.positions.get(key) if cache is not None else None
        if position is None:
            missing.add(key)
            continue
        book.positions[key] = loaded.initial_positions[key] = position
        loaded.stored_balances.add(key)
    for position in load_positions(conn, missing):
        book.positions[position.key] = loaded.initial_positions[position.key] = position
        loaded.stored_balances.add(position.key)


def _extend_sales(
    conn: sa.Connection,
    book: Book,
    named: frozenset[UUID],
    owners: frozenset[SaleOwner],
    cache: PositionCache | None,
) -> None:
    """Sales returns name, and the latest sale per (sku, owner), unless the book has them."""
    cached = cache.last_sales if cache is not None else {}
    for owner in owners & cached.keys():
        if owner not in book.last_sales:
            _hold(book, cached[owner], latest=True)
    to_read = {o for o in owners - cached.keys() if o not in book.last_sales}
    latest = latest_sale_ids(conn, to_read)
    wanted_named = {e for e in named if e not in book.sale_ids}
    for sale in load_sales(conn, event_ids=wanted_named, movement_ids=set(latest.values())):
        _hold(book, sale, latest=(sale.sku, sale.owner) in to_read)


def _hold(book: Book, sale: SaleState, *, latest: bool) -> None:
    """Hold a stored sale, unless this session already holds (and maybe changed) it."""
    if sale.movement_id not in book.sales:
        book.add_sale(sale, latest=latest)
    elif latest:
        book.last_sales.setdefault((sale.sku, sale.owner), sale.movement_id)


def next_ids(conn: sa.Connection) -> IdSequence:
    """The ids the next movement, layer and shortfall get (the caller holds the ledger lock)."""
    top_movement = conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one()
    top_layer = conn.execute(sa.select(sa.func.max(cost_layers.c.id))).scalar_one()
    top_shortfall = conn.execute(sa.select(sa.func.max(shortfalls.c.id))).scalar_one()
    return IdSequence((top_movement or 0) + 1, (top_layer or 0) + 1, (top_shortfall or 0) + 1)


def _load_items(conn: sa.Connection, skus: Iterable[str]) -> dict[str, ItemPolicy]:
    found: dict[str, ItemPolicy] = {}
    cols = (
        items.c.sku, items.c.valuation, items.c.allow_negative, items.c.last_unit_cost,
        items.c.tracking, items.c.issue_policy, items.c.sell_expired, items.c.owner,
        items.c.last_cost_owner,
    )  # fmt: skip
    for part in chunks(sorted(skus)):
        for row in conn.execute(sa.select(*cols).where(items.c.sku.in_(part))):
            found[row.sku] = ItemPolicy(
                row.sku,
                Valuation(row.valuation),
                bool(row.allow_negative),
                row.last_unit_cost,
                Tracking(row.tracking),
                IssuePolicy(row.issue_policy),
                bool(row.sell_expired),
                row.owner,
                row.last_cost_owner,
            )
    return found
