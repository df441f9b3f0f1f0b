"""Read lot and serial stock into a book: units per lot at tracked positions, lot expiries."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from collector.domain.book import Book, LotRef
from collector.domain.model import LotInfo, PositionKey, Tracking
from collector.ledger.bulk import chunks
from collector.ledger.schema import lot_stock, lots


def extend_lots(
    book: Book, conn: sa.Connection, keys: Iterable[PositionKey], named: Iterable[LotRef]
) -> None:
    """Lot stock of the tracked positions among ``keys``, and the lots they hold or are named."""
    tracked = [
        key
        for key in keys
        if key not in book.lot_stock
        and (item := book.items.get(key.sku)) is not None
        and item.tracking is not Tracking.NONE
    ]
    wanted: set[LotRef] = {ref for ref in named if ref not in book.lots}
    for key in tracked:
        book.lot_stock[key] = {}
    for part in chunks(sorted(tracked)):
        condition = sa.tuple_(lot_stock.c.sku, lot_stock.c.location, lot_stock.c.owner).in_(part)
        for row in conn.execute(sa.select(lot_stock).where(condition)):
            key = PositionKey(row.sku, row.location, row.owner)
            book.lot_stock[key][row.code] = row.qty
            if (row.sku, row.code) not in book.lots:
                wanted.add((row.sku, row.code))
    for refs in chunks(sorted(wanted)):
        condition = sa.tuple_(lots.c.sku, lots.c.code).in_(refs)
        for row in conn.execute(sa.select(lots).where(condition)):
            book.lots[(row.sku, row.code)] = LotInfo(row.sku, row.code, row.expiry, row.movement_id)
