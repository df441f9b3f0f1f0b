"""Write what postings did to lots: new lots, each line's units per lot, stock per lot."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa

from collector.domain.book import Book
from collector.domain.model import PositionKey, Posting
from collector.ledger.bulk import chunks, fast_insert
from collector.ledger.schema import lot_movements, lot_stock, lots


def write_lots(conn: sa.Connection, book: Book, postings: Sequence[Posting]) -> None:
    """Lots first received, lot movements, and the final units of every lot touched."""
    new_lots = [info for posting in postings for info in posting.new_lots]
    if new_lots:  # rare (a lot's first receipt): Core converts the dates for each dialect
        conn.execute(
            lots.insert(),
            [
                {"sku": i.sku, "code": i.code, "expiry": i.expiry, "movement_id": i.movement_id}
                for i in new_lots
            ],
        )
    per_line: dict[tuple[int, str], Decimal] = {}
    touched: set[tuple[PositionKey, str]] = set()
    for posting in postings:
        for move in posting.lot_moves:
            slot = (move.movement_id, move.code)
            per_line[slot] = per_line.get(slot, Decimal(0)) + move.qty
            touched.add((move.key, move.code))
    if not touched:
        return
    fast_insert(
        conn, lot_movements, ("movement_id", "code", "qty"), [(*k, q) for k, q in per_line.items()]
    )
    _replace_stock(conn, book, touched)


def _replace_stock(conn: sa.Connection, book: Book, touched: set[tuple[PositionKey, str]]) -> None:
    """Delete the touched rows and insert those still holding units (a lot run out has none)."""
    columns = (lot_stock.c.sku, lot_stock.c.location, lot_stock.c.owner, lot_stock.c.code)
    ordered = sorted(touched)
    for part in chunks(ordered, 200):
        rows = [(*key, code) for key, code in part]
        conn.execute(lot_stock.delete().where(sa.tuple_(*columns).in_(rows)))
    fresh = [
        (*key, code, qty)
        for key, code in ordered
        if (qty := book.lot_stock.get(key, {}).get(code, Decimal(0))) != 0
    ]
    fast_insert(conn, lot_stock, ("sku", "location", "owner", "code", "qty"), fresh)
