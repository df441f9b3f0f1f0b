"""The location master: places created on purpose, each with a kind, top down.

Once any location has a kind, the posting session refuses postings to a location the
``locations`` table lacks (``Book.check_location``), so a typo no longer creates a place.
The rules here keep the master a tree made on purpose:

- a location's parent must be in the master already (a root needs none); ancestors are
  not created on the way, or a typo in a parent would create a branch;
- kinds go down the tree (site, zone, aisle, shelf, lane, bin): a child's kind comes after
  its parent's; levels may be skipped;
- a place a posting created before the master was in use (no kind) joins it when it is
  created again with a kind ("adopted"): its stock and journal stay where they are;
- a location can be deleted only while nothing stands or stood there: no children, no
  position (balances keep every position ever posted), nothing parked for it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum, StrEnum

import sqlalchemy as sa

from collector.errors import CollectorError
from collector.ledger.engine import lock_ledger
from collector.ledger.schema import balances, locations, parked_events


class LocationKind(StrEnum):
    """What a location is, from the top of the tree down."""

    SITE = "site"
    ZONE = "zone"
    AISLE = "aisle"
    SHELF = "shelf"
    LANE = "lane"
    BIN = "bin"


_RANK = {kind: rank for rank, kind in enumerate(LocationKind)}


class Made(Enum):
    """What ``create_location`` did."""

    CREATED = "created"
    ADOPTED = "adopted"
    """The place existed without a kind (a posting made it); now it is in the master."""


class LocationError(CollectorError, ValueError):
    """The location cannot be created or deleted as asked; ``field`` says which input."""

    def __init__(self, message: str, *, field: str = "path", conflict: bool = False) -> None:
        """``conflict``: the location exists or is in use (else the request is invalid)."""
        super().__init__(message)
        self.field = field
        self.conflict = conflict


def create_location(
    engine: sa.Engine, path: str, kind: LocationKind, *, name: str | None, now: datetime
) -> Made:
    """Add ``path`` to the master (under a parent that is in it), or adopt a kindless place."""
    parent_path, _, last = path.rpartition("/")
    with engine.begin() as conn:
        lock_ledger(conn)
        if parent_path:
            _check_parent(conn, parent_path, kind)
        existing = conn.execute(sa.select(locations.c.kind).where(locations.c.path == path)).first()
        if existing is not None and existing.kind is not None:
            raise LocationError(
                f"location {path!r} exists already (kind {existing.kind})", conflict=True
            )
        values = {"kind": kind.value, "name": name or last}
        if existing is not None:
            conn.execute(locations.update().where(locations.c.path == path).values(**values))
            return Made.ADOPTED
        conn.execute(
            locations.insert().values(
                path=path, parent_path=parent_path or None, depth=path.count("/"),
                created_at=now, **values,
            )
        )  # fmt: skip
    return Made.CREATED


def _check_parent(conn: sa.Connection, parent_path: str, kind: LocationKind) -> None:
    parent = conn.execute(
        sa.select(locations.c.kind).where(locations.c.path == parent_path)
    ).first()
    if parent is None or parent.kind is None:
        raise LocationError(
            f"parent {parent_path!r} is not in the location master: create it first "
            "(ancestors are not created on the way, so a typo cannot make a branch)"
        )
    above = LocationKind(parent.kind)
    if _RANK[kind] <= _RANK[above]:
        below = ", ".join(k.value for k in LocationKind if _RANK[k] > _RANK[above]) or "nothing"
        raise LocationError(
            f"a {kind.value} cannot be inside a {above.value} ({parent_path!r}); "
            f"a {above.value} holds: {below}",
            field="kind",
        )


def delete_location(engine: sa.Engine, path: str) -> bool:
    """Remove a location nothing stands or stood at; False when there is none."""
    with engine.begin() as conn:
        lock_ledger(conn)
        if (
            conn.execute(sa.select(locations.c.path).where(locations.c.path == path)).first()
            is None
        ):
            return False
        uses = {
            "locations below it": sa.select(locations.c.path).where(
                locations.c.parent_path == path
            ),
            "stock positions (it has a journal)": sa.select(balances.c.sku).where(
                balances.c.location == path
            ),
            "transactions waiting for stock": sa.select(parked_events.c.event_id).where(
                parked_events.c.location == path
            ),
        }
        for what, query in uses.items():
            if conn.execute(query.limit(1)).first() is not None:
                raise LocationError(f"location {path!r} is in use: it has {what}", conflict=True)
        conn.execute(locations.delete().where(locations.c.path == path))
    return True


def master_in_use(conn: sa.Connection) -> bool:
    """Whether any location has a kind, so postings to unknown locations are refused."""
    query = sa.select(locations.c.path).where(locations.c.kind.is_not(None)).limit(1)
    return conn.execute(query).first() is not None
