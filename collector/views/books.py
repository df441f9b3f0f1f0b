"""Whose stock is on the warehouse's books: the one place every warehouse-level figure asks.

A 3PL client's goods (an owner with ``on_books`` false) are tracked in quantity and, at
the cost the client gives, in value, but they are no part of the warehouse's inventory
value, purchases or COGS. A figure is the warehouse's when it covers every owner (an open
scope, no owner named); it then counts only the owners on the books. A client's figures
(its restricted scope) and one named owner's are that owner's own, on the books or not.
"""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.schema import owners
from collector.views.scope import Scope


def owners_by_books(conn: sa.Connection) -> tuple[frozenset[str], frozenset[str]]:
    """The owners on the warehouse's books and those off them (3PL clients' goods)."""
    on: set[str] = set()
    off: set[str] = set()
    for owner, on_books in conn.execute(sa.select(owners.c.owner, owners.c.on_books)):
        (on if on_books else off).add(owner)
    return frozenset(on), frozenset(off)


def on_book_owners(conn: sa.Connection) -> frozenset[str]:
    """The owners whose stock is the warehouse's."""
    return owners_by_books(conn)[0]


def books_scope(conn: sa.Connection, scope: Scope, *, owner: str | None = None) -> Scope:
    """The owners a figure counts value for: for a warehouse-level figure (``scope`` open,
    no ``owner`` named) only those on the books; else ``scope`` itself (a client's own).

    Unchanged (open) while every owner is on the books, so the reads stay as they were.
    """
    if scope.is_restricted or owner is not None:
        return scope
    on, off = owners_by_books(conn)
    return Scope(on) if off else scope


def is_on_books(conn: sa.Connection, owner: str) -> bool | None:
    """Whether ``owner``'s stock is the warehouse's; None for an owner the ledger lacks."""
    query = sa.select(owners.c.on_books).where(owners.c.owner == owner)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else bool(found)
