"""Small builders for domain tests: items, transactions and postings without IO."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from collector.domain.book import Book
from collector.domain.model import ItemPolicy, Position, PositionKey, Posting, Valuation
from collector.domain.posting import post_transaction
from edge_agent.wire import StockTransaction

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FIFO = Valuation.FIFO
AVG = Valuation.MOVING_AVERAGE


def make_book(*policies: ItemPolicy) -> Book:
    """A book knowing these items."""
    return Book(items={p.sku: p for p in policies})


def item(sku: str = "SKU-1", valuation: Valuation = FIFO, **kw: Any) -> ItemPolicy:
    """An item policy."""
    return ItemPolicy(sku, valuation, **kw)


def tx(
    kind: str, qty: str | int, sku: str = "SKU-1", location: str = "main/a1", **kw: Any
) -> StockTransaction:
    """A validated wire transaction."""
    return StockTransaction.model_validate(
        {"type": kind, "sku": sku, "qty": Decimal(str(qty)), "location": location, **kw}
    )


def post(book: Book, transaction: StockTransaction, event_id: uuid.UUID | None = None) -> Posting:
    """Post with a fresh event id."""
    return post_transaction(
        book, event_id=event_id or uuid.uuid4(), effective_at=T0, tx=transaction
    )


def pos(book: Book, location: str = "main/a1", sku: str = "SKU-1", owner: str = "own") -> Position:
    """A position of the book."""
    return book.position(PositionKey(sku, location, owner))


def d(text: str) -> Decimal:
    """Decimal at the ledger's scale, for comparisons."""
    return Decimal(text).quantize(Decimal("0.000001"))
