"""The in-memory state a batch of postings works on, and the draft one posting builds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from collector.domain.model import (
    ConsumptionLink,
    IdSequence,
    ItemPolicy,
    MovementLine,
    MovementType,
    Piece,
    Position,
    PositionKey,
    Posting,
    SaleCost,
    totals,
)
from collector.domain.money import MAX_AMOUNT, ZERO, unit_cost_of
from collector.errors import RejectedEventError


@dataclass(slots=True)
class Book:
    """Everything postings read and change: items, positions, sale costs and the id sequence.

    The storage loads the part a batch touches; postings update it in memory.
    """

    items: dict[str, ItemPolicy] = field(default_factory=dict)
    positions: dict[PositionKey, Position] = field(default_factory=dict)
    sale_costs: dict[UUID, SaleCost] = field(default_factory=dict)
    last_sale_cost: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    ids: IdSequence = field(default_factory=IdSequence)

    def position(self, key: PositionKey) -> Position:
        """The position's current state (empty when never used)."""
        found = self.positions.get(key)
        return found if found is not None else Position(key)

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
    sales: list[SaleCost] = field(default_factory=list)

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
    ) -> MovementLine:
        """A line taking the pieces out (negative qty and value) with their layer links."""
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
        )
        self.links.extend(
            ConsumptionLink(line.movement_id, p.layer_id, p.qty, p.value)
            for p in pieces
            if p.layer_id is not None
        )
        return line

    def add_true_up(self, key: PositionKey, true_up: Decimal) -> None:
        """Settle provisional cost: value −true_up on the position, +true_up cost of goods sold."""
        if true_up != 0:
            self.add_line(
                MovementType.TRUE_UP, key, qty=ZERO, unit_cost=ZERO, value=-true_up, cogs=true_up
            )

    def commit(self) -> Posting:
        """Install the draft in the book and return what it posted."""
        book = self.book
        book.positions.update(self.positions)
        if self.items:
            book.items.update(self.items)
        for sale in self.sales:
            book.sale_costs[sale.event_id] = sale
            book.last_sale_cost[(sale.sku, sale.owner)] = sale.unit_cost
        layer_ids = range(book.ids.next_layer_id, self.ids.next_layer_id)
        book.ids.next_movement_id = self.ids.next_movement_id
        book.ids.next_layer_id = self.ids.next_layer_id
        return Posting(
            tuple(self.lines), tuple(self.links), tuple(self.positions.values()), layer_ids
        )


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
