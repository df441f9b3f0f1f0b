"""The owners of stock and whether each one's is on the warehouse's books (docs/books.md).

An owner comes into being with its first posting (on the books); ``set_on_books`` may
also name one before it has any stock, so a 3PL client is off the books from its first
receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from collector.ledger.schema import movements, owners


@dataclass(frozen=True, slots=True)
class OwnerView:
    """One owner: whether its stock is the warehouse's, and how many journal lines it has."""

    owner: str
    on_books: bool
    created_at: datetime
    movements: int


def list_owners(conn: sa.Connection, owner: str | None = None) -> list[OwnerView]:
    """Every owner (or only ``owner``), by name."""
    count = (
        sa.select(sa.func.count())
        .where(movements.c.owner == owners.c.owner)
        .scalar_subquery()
        .label("movements")
    )
    query = sa.select(owners.c.owner, owners.c.on_books, owners.c.created_at, count)
    if owner is not None:
        query = query.where(owners.c.owner == owner)
    return [
        OwnerView(r.owner, bool(r.on_books), r.created_at, int(r.movements))
        for r in conn.execute(query.order_by(owners.c.owner))
    ]


def set_on_books(conn: sa.Connection, owner: str, *, on_books: bool, now: datetime) -> OwnerView:
    """Say whether ``owner``'s stock is on the warehouse's books (creating the owner).

    The reports read the setting when they run, so it holds for the owner's whole
    history: a period already reported changes with it.
    """
    found = conn.execute(sa.update(owners).where(owners.c.owner == owner).values(on_books=on_books))
    if found.rowcount == 0:
        conn.execute(owners.insert().values(owner=owner, created_at=now, on_books=on_books))
    (view,) = list_owners(conn, owner)
    return view
