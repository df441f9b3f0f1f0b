"""The location tree with subtree totals of quantity and value, as a reader may see it.

An open scope sees every location. A restricted one (a 3PL client) sees only the places
where its owners hold or held stock and their ancestors, and its totals count only its
owners' stock: another owner's bin is not there, its stock is in no total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from collector.domain.money import ZERO
from collector.ledger.schema import balances, locations
from collector.views.books import books_scope
from collector.views.paths import ancestors_and_self, in_subtree
from collector.views.scope import Scope


@dataclass(slots=True)
class LocationNode:
    """A location, the totals of it and everything below it, and its children by path."""

    path: str
    name: str
    kind: str | None
    """None for a place a posting created before the location master was in use."""
    parent_path: str | None
    depth: int
    qty: Decimal = ZERO
    value: Decimal = ZERO
    """Over every owner: of the stock on the warehouse's books only (``books_scope``)."""
    positions: int = 0
    """Positions with stock or value in the subtree."""
    children: list[LocationNode] = field(default_factory=list)


def location_tree(
    conn: sa.Connection, scope: Scope, *, root: str | None = None
) -> list[LocationNode]:
    """The visible trees (``root``: only that location's, a list of one or none)."""
    nodes = {row.path: _node(row) for row in conn.execute(_rows(root))}
    held = _held(conn, scope, root)
    if scope.is_restricted:
        shown = {a for path in held for a in ancestors_and_self(path)}
        nodes = {p: n for p, n in nodes.items() if p in shown}
    for path, (qty, value, count) in held.items():
        for above in ancestors_and_self(path):
            node = nodes.get(above)
            if node is not None:
                node.qty += qty
                node.value += value
                node.positions += count
    return _link(nodes.values())


def get_location(conn: sa.Connection, scope: Scope, path: str) -> LocationNode | None:
    """The location with its subtree, or None when there is none or ``scope`` may not see it."""
    found = location_tree(conn, scope, root=path)
    return found[0] if found else None


def _rows(root: str | None) -> sa.Select[tuple[str, str, str | None, str | None, int]]:
    c = locations.c
    query = sa.select(c.path, c.name, c.kind, c.parent_path, c.depth).order_by(c.path)
    return query.where(in_subtree(c.path, root)) if root is not None else query


def _node(row: sa.Row[tuple[str, str, str | None, str | None, int]]) -> LocationNode:
    return LocationNode(row.path, row.name, row.kind, row.parent_path, row.depth)


def _held(
    conn: sa.Connection, scope: Scope, root: str | None
) -> dict[str, tuple[Decimal, Decimal, int]]:
    """Per location where the scope's owners have a position (zero ones too): qty, value (of
    the owners ``books_scope`` values) and how many positions have stock or value."""
    b = balances.c
    with_stock = sa.case((sa.or_(b.qty != 0, b.value != 0), 1), else_=0)
    valued = books_scope(conn, scope)
    value = sa.func.sum(
        b.value if valued is scope else sa.case((valued.where(b.owner), b.value), else_=0)
    )
    query = (
        sa.select(b.location, sa.func.sum(b.qty), value, sa.func.sum(with_stock))
        .where(scope.where(b.owner))
        .group_by(b.location)
    )
    if root is not None:
        query = query.where(in_subtree(b.location, root))
    return {loc: (qty, value, int(count)) for loc, qty, value, count in conn.execute(query)}


def _link(nodes: Iterable[LocationNode]) -> list[LocationNode]:
    """Hang each node under its parent; return those whose parent is not among them."""
    by_path = {n.path: n for n in nodes}
    tops: list[LocationNode] = []
    for node in sorted(by_path.values(), key=lambda n: n.path):
        parent = by_path.get(node.parent_path) if node.parent_path is not None else None
        (parent.children if parent is not None else tops).append(node)
    return tops
