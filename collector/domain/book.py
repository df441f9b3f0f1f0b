"""The in-memory state a batch of postings works on, and the draft one posting builds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from collector.domain.model import (
    ConsumptionLink,
    IdSequence,
    ItemPolicy,
    LotInfo,
    LotMove,
    MovementLine,
    MovementType,
    Piece,
    Position,
    PositionKey,
    Posting,
    ReceiptRef,
    SaleState,
    Shortfall,
    totals,
)
from collector.domain.money import MAX_AMOUNT, ZERO, unit_cost_of
from collector.domain.valuation import Settlement
from collector.errors import RejectedEventError

SaleOwner = tuple[str, str]
"""(sku, owner): whose latest sale an unnamed return comes back at."""
LotRef = tuple[str, str]
"""(sku, code): one lot, or one serial, of an item."""


@dataclass(slots=True)
class Book:
    """Everything postings read and change: items, positions, sales, receipts and the ids.

    The storage loads the part a batch touches; postings update it in memory.
    """

    items: dict[str, ItemPolicy] = field(default_factory=dict)
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    sales: dict[int, SaleState] = field(default_factory=dict)
    """Sales returns may name or fall back to, by their sale line's movement id."""
    sale_ids: dict[UUID, int] = field(default_factory=dict)
    """A sale event's id → its sale line."""
    last_sales: dict[SaleOwner, int] = field(default_factory=dict)
    """The latest sale line per (sku, owner)."""
    receipts: dict[UUID, ReceiptRef] = field(default_factory=dict)
    """Receipts that vendor returns name, by the receipt event's id."""
    stale_sales: set[int] = field(default_factory=set)
    """Sale lines something changed (true-up, return reversed) while not in ``sales``:
    a cache of sales must forget them."""
    known_locations: set[str] | None = None
    """The location master's locations the book was asked about; None: no master in use,
    any location goes (and is created on first use)."""
    ids: IdSequence = field(default_factory=IdSequence)
    lots: dict[LotRef, LotInfo] = field(default_factory=dict)
    """Lots and serials the book was asked about (found ones), by (sku, code)."""
    lot_stock: dict[PositionKey, dict[str, Decimal]] = field(default_factory=dict)
    """Units per lot (or serial) at positions of tracked items; never changed in place."""

    def check_location(self, path: str) -> None:
        """Refuse a location the master does not have (a typo must not create a place)."""
        if self.known_locations is not None and path not in self.known_locations:
            raise RejectedEventError(
                f"location {path!r} is not in the location master: add it (POST "
                "/api/v1/locations) or correct the location"
            )

    def position(self, key: PositionKey) -> Position:
        """The position's current state (empty when never used)."""
        found = self.positions.get(key)
        return found if found is not None else Position(key)

    def sale_named(self, event_id: UUID) -> SaleState | None:
        """The sale of that event, if the book holds it."""
        movement_id = self.sale_ids.get(event_id)
        return self.sales.get(movement_id) if movement_id is not None else None

    def latest_sale(self, sku: str, owner: str) -> SaleState | None:
        """The latest sale of this SKU for this owner, if the book holds it."""
        movement_id = self.last_sales.get((sku, owner))
        return self.sales.get(movement_id) if movement_id is not None else None

    def add_sale(self, sale: SaleState, *, latest: bool = False) -> None:
        """Hold a sale (loaded or posted); ``latest`` makes it its (sku, owner)'s latest."""
        self.sales[sale.movement_id] = sale
        self.sale_ids[sale.event_id] = sale.movement_id
        if latest:
            self.last_sales[(sale.sku, sale.owner)] = sale.movement_id

    def item(self, sku: str) -> ItemPolicy:
        """The item's policy; rejects an unknown SKU."""
        policy = self.items.get(sku)
        if policy is None:
            raise RejectedEventError(
                f"unknown SKU {sku!r}: add it with `collector items import` "
                "(the event stays in dead-letters)"
            )
        return policy


@dataclass(slots=True)
class Draft:
    """One posting under construction; nothing reaches the book until ``commit``."""

    book: Book
    event_id: UUID
    effective_at: datetime
    ids: IdSequence
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    lines: list[MovementLine] = field(default_factory=list)
    links: list[ConsumptionLink] = field(default_factory=list)
    items: dict[str, ItemPolicy] = field(default_factory=dict)
    sales: dict[int, SaleState] = field(default_factory=dict)
    """Sales this draft posted or changed (returned, trued up, reversed)."""
    new_sales: list[SaleState] = field(default_factory=list)
    stale_sales: set[int] = field(default_factory=set)
    receipts: dict[UUID, ReceiptRef] = field(default_factory=dict)
    """Receipts this draft posted."""
    lot_stock: dict[PositionKey, dict[str, Decimal]] = field(default_factory=dict)
    lot_moves: list[LotMove] = field(default_factory=list)
    new_lots: dict[LotRef, LotInfo] = field(default_factory=dict)

    @classmethod
    def start(cls, book: Book, event_id: UUID, effective_at: datetime) -> Draft:
        """A draft drawing ids from a copy of the book's sequence."""
        return cls(book, event_id, effective_at, book.ids.copy())

    def position(self, key: PositionKey) -> Position:
        """The position as this draft has left it so far."""
        return self.positions.get(key) or self.book.position(key)

    def item(self, sku: str) -> ItemPolicy:
        """The item's policy as this draft has left it so far."""
        return self.items.get(sku) or self.book.item(sku)

    def lots_at(self, key: PositionKey) -> dict[str, Decimal]:
        """Units per lot at a position as this draft has left it (a copy the draft owns)."""
        if key not in self.lot_stock:
            self.lot_stock[key] = dict(self.book.lot_stock.get(key, {}))
        return self.lot_stock[key]

    def lot(self, sku: str, code: str) -> LotInfo | None:
        """A lot (or serial) this draft received first, or one the book holds."""
        return self.new_lots.get((sku, code)) or self.book.lots.get((sku, code))

    def receipt(self, event_id: UUID) -> ReceiptRef | None:
        """A receipt this draft posted, or one the book holds."""
        return self.receipts.get(event_id) or self.book.receipts.get(event_id)

    def sale(self, movement_id: int) -> SaleState | None:
        """A sale as this draft has left it so far (None when the book does not hold it)."""
        return self.sales.get(movement_id) or self.book.sales.get(movement_id)

    def change_sale(
        self, movement_id: int | None, change: Callable[[SaleState], SaleState]
    ) -> bool:
        """Apply ``change`` to a held sale; a sale not held is marked stale for caches.

        Returns whether the sale was held.
        """
        if movement_id is None:
            return False
        sale = self.sale(movement_id)
        if sale is None:
            self.stale_sales.add(movement_id)
            return False
        self.sales[movement_id] = change(sale)
        return True

    def add_line(
        self,
        movement_type: MovementType,
        key: PositionKey,
        *,
        qty: Decimal,
        value: Decimal,
        unit_cost: Decimal | None = None,
        movement_id: int | None = None,
        cogs: Decimal | None = None,
        revenue: Decimal | None = None,
        reverses_movement_id: int | None = None,
        reason: str | None = None,
        provisional: bool = False,
        applies_to_movement_id: int | None = None,
    ) -> MovementLine:
        """Append a journal line (a fresh id unless given) and return it."""
        line = MovementLine(
            movement_id=movement_id if movement_id is not None else self.ids.movement(),
            event_id=self.event_id,
            type=movement_type,
            key=key,
            qty=qty,
            unit_cost=unit_cost if unit_cost is not None else unit_cost_of(value, qty),
            value=value,
            effective_at=self.effective_at,
            cogs=cogs,
            revenue=revenue,
            reverses_movement_id=reverses_movement_id,
            reason=reason,
            provisional=provisional,
            applies_to_movement_id=applies_to_movement_id,
        )
        _check_range(line)
        self.lines.append(line)
        return line

    def add_outbound(
        self,
        movement_type: MovementType,
        key: PositionKey,
        pieces: Sequence[Piece],
        *,
        is_cogs: bool = False,
        revenue: Decimal | None = None,
        reverses_movement_id: int | None = None,
        reason: str | None = None,
        applies_to_movement_id: int | None = None,
    ) -> MovementLine:
        """A line taking the pieces out (negative qty and value) with their layer links;
        what it took beyond stock becomes a shortfall of the position."""
        qty, value = totals(pieces)
        line = self.add_line(
            movement_type,
            key,
            qty=-qty,
            value=-value,
            cogs=value if is_cogs else None,
            revenue=revenue,
            reverses_movement_id=reverses_movement_id,
            reason=reason,
            provisional=any(p.provisional for p in pieces),
            applies_to_movement_id=applies_to_movement_id,
        )
        self.links.extend(
            ConsumptionLink(line.movement_id, p.layer_id, p.qty, p.value)
            for p in pieces
            if p.layer_id is not None
        )
        if line.provisional:
            self._owe(key, line.movement_id, [p for p in pieces if p.provisional])
        return line

    def _owe(self, key: PositionKey, movement_id: int, short: Sequence[Piece]) -> None:
        """Record what a line took beyond stock as the position's newest shortfall."""
        qty, value = totals(short)
        position = self.position(key)
        owed = Shortfall(self.ids.shortfall(), movement_id, qty, value, qty)
        self.positions[key] = replace(position, shortfalls=(*position.shortfalls, owed))

    def add_true_ups(self, key: PositionKey, settlements: Sequence[Settlement]) -> None:
        """Settle provisional cost, one line per shortfall: value −true_up, +true_up of COGS.

        A settled sale's final cost moves by its true-up, so returns of it come back at it.
        """
        for settled in settlements:
            true_up = settled.true_up
            if true_up == 0:
                continue
            self.add_line(
                MovementType.TRUE_UP,
                key,
                qty=ZERO,
                unit_cost=ZERO,
                value=-true_up,
                cogs=true_up,
                applies_to_movement_id=settled.movement_id,
            )
            self.change_sale(settled.movement_id, _costs_more(true_up))

    def commit(self) -> Posting:
        """Install the draft in the book and return what it posted."""
        book = self.book
        book.positions.update(self.positions)
        if self.items:
            book.items.update(self.items)
        if self.sales:
            book.sales.update(self.sales)
        for sale in self.new_sales:
            book.add_sale(sale, latest=True)
        if self.stale_sales:
            book.stale_sales.update(self.stale_sales)
        if self.receipts:
            book.receipts.update(self.receipts)
        if self.lot_stock:
            book.lot_stock.update(self.lot_stock)
            book.lots.update(self.new_lots)
        layer_ids = range(book.ids.next_layer_id, self.ids.next_layer_id)
        book.ids.next_movement_id = self.ids.next_movement_id
        book.ids.next_layer_id = self.ids.next_layer_id
        book.ids.next_shortfall_id = self.ids.next_shortfall_id
        return Posting(
            tuple(self.lines),
            tuple(self.links),
            tuple(self.positions.values()),
            layer_ids,
            tuple(self.lot_moves),
            tuple(self.new_lots.values()),
        )


def _costs_more(true_up: Decimal) -> Callable[[SaleState], SaleState]:
    """A sale whose cost a true-up moves by ``true_up``."""

    def change(sale: SaleState) -> SaleState:
        return replace(sale, value=sale.value + true_up)

    return change


def _check_range(line: MovementLine) -> None:
    """Reject amounts the ledger cannot store exactly (cogs is ±value or a true-up of it)."""
    low, high = -MAX_AMOUNT, MAX_AMOUNT
    if (
        low <= line.qty <= high
        and low <= line.value <= high
        and low <= line.unit_cost <= high
        and (line.revenue is None or line.revenue <= high)
    ):
        return  # every line passes here: the loop below only names the culprit
    for name, amount in (("qty", line.qty), ("value", line.value), ("unit_cost", line.unit_cost)):
        if -MAX_AMOUNT <= amount <= MAX_AMOUNT:
            continue
        _out_of_range(line, name, amount)
    if line.revenue is not None and line.revenue > MAX_AMOUNT:
        _out_of_range(line, "revenue", line.revenue)


def _out_of_range(line: MovementLine, name: str, amount: Decimal) -> None:
    raise RejectedEventError(
        f"{line.type.value} of {line.key.label()}: {name} {amount:f} is beyond the "
        f"ledger's range of ±{MAX_AMOUNT:f}"
    )


def fmt(amount: Decimal) -> str:
    """A decimal as people write it: ``5`` not ``5.000000``."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
