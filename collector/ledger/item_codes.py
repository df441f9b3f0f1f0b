"""Items per owner in the ledger: create one, and resolve an owner's code or GTIN to its SKU.

The tables are ``items.owner`` and ``item_codes``; the rules are in
``collector.domain.item_codes`` (docs/owner-items.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from collector.domain.item_codes import CodeKind, CodeMatches, choose, owner_sku, padded_gtin
from collector.errors import RejectedEventError
from collector.ledger.bulk import chunks
from collector.ledger.catalog import (
    CatalogError,
    CatalogProblem,
    ItemConflictError,
    ItemRow,
    item_values,
)
from collector.ledger.engine import lock_ledger
from collector.ledger.schema import item_codes, items
from edge_agent.wire import StockTransaction

_c = item_codes.c


def codes_in_use(conn: sa.Connection) -> bool:
    """Whether any owner has items of its own (if none, every code is a shared SKU)."""
    return conn.execute(sa.select(_c.sku).limit(1)).first() is not None


def resolve(conn: sa.Connection, owner: str, kind: CodeKind, code: str) -> str | None:
    """The SKU ``owner``'s ``code`` names: its own item, else a shared one; None: unknown.

    ``RejectedEventError`` when only other owners use the code (``choose``).
    """
    if kind is CodeKind.GTIN:
        code = padded_gtin(code)
    rows = conn.execute(
        sa.select(_c.owner, _c.sku).where(_c.kind == kind.value, _c.code == code)
    ).all()
    own = next((r.sku for r in rows if r.owner == owner), None)
    others = sorted({r.owner for r in rows if r.owner != owner})
    shared = None if own is not None else _shared(conn, kind, code)
    return choose(kind, code, owner, CodeMatches(own, shared, others))


def resolve_skus(
    conn: sa.Connection, asked: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str | RejectedEventError]:
    """``resolve`` of many (owner, SKU code) pairs in two queries per 500 codes: each pair's
    SKU (the code itself when unknown), or the refusal of an ambiguous one."""
    pairs = set(asked)
    codes = sorted({code for _, code in pairs})
    users: dict[str, dict[str, str]] = {}
    shared: set[str] = set()
    for part in chunks(codes):
        query = sa.select(_c.owner, _c.code, _c.sku).where(_c.kind == "sku", _c.code.in_(part))
        for row in conn.execute(query):
            users.setdefault(row.code, {})[row.owner] = row.sku
        shared.update(conn.execute(sa.select(items.c.sku).where(items.c.sku.in_(part))).scalars())
    found: dict[tuple[str, str], str | RejectedEventError] = {}
    for owner, code in pairs:
        by_owner = users.get(code, {})
        others = sorted(o for o in by_owner if o != owner)
        matches = CodeMatches(by_owner.get(owner), code if code in shared else None, others)
        try:
            found[(owner, code)] = choose(CodeKind.SKU, code, owner, matches) or code
        except RejectedEventError as err:
            found[(owner, code)] = err
    return found


class SessionCodes:
    """A posting session's resolutions: (owner, code) → the SKU it names, or why it names
    none; asked once per session (it holds the ledger lock, so they cannot change)."""

    def __init__(self, conn: sa.Connection) -> None:
        """Nothing is read until something is asked."""
        self._conn = conn
        self._in_use: bool | None = None
        self._skus: dict[tuple[str, str], str | RejectedEventError] = {}

    def prepare(self, asked: Sequence[tuple[str, str]]) -> None:
        """Resolve these (owner, code) pairs in bulk (none at all while no owner has items)."""
        if self._in_use is None:
            self._in_use = codes_in_use(self._conn)
        missing = [pair for pair in asked if pair not in self._skus]
        if not self._in_use:
            self._skus.update((pair, pair[1]) for pair in missing)
        elif missing:
            self._skus.update(resolve_skus(self._conn, missing))

    def resolved(self, tx: StockTransaction) -> StockTransaction:
        """``tx`` with its owner's code replaced by the SKU; ``RejectedEventError`` if ambiguous."""
        asked = (tx.owner, tx.sku)
        sku = self._skus.get(asked)
        if sku is None:
            self.prepare([asked])
            sku = self._skus[asked]
        if isinstance(sku, RejectedEventError):
            raise sku
        return tx if sku == tx.sku else tx.model_copy(update={"sku": sku})


def _shared(conn: sa.Connection, kind: CodeKind, code: str) -> str | None:
    """A shared item with this SKU (any item, named by its internal SKU), or this GTIN."""
    if kind is CodeKind.SKU:
        found = conn.execute(sa.select(items.c.sku).where(items.c.sku == code)).first()
        return found.sku if found is not None else None
    candidates = sorted({code, code.lstrip("0").zfill(13), code.lstrip("0").zfill(12),
                         code.lstrip("0").zfill(8)})  # fmt: skip
    query = (
        sa.select(items.c.sku)
        .where(items.c.gtin.in_(candidates), items.c.owner.is_(None))
        .order_by(items.c.sku)
        .limit(1)
    )
    found = conn.execute(query).first()
    return found.sku if found is not None else None


def create_owner_item(engine: sa.Engine, owner: str, row: ItemRow, *, now: datetime) -> str:
    """Add ``row`` to ``owner``'s catalogue (``row.sku`` is the owner's code); its SKU.

    ``ItemConflictError`` when the owner has that code or GTIN already, or the SKU exists.
    """
    try:
        sku = owner_sku(owner, row.sku)
    except ValueError as err:
        raise CatalogError([CatalogProblem(None, str(err))]) from err
    with engine.begin() as conn:
        lock_ledger(conn)
        _refuse_taken(conn, owner, row, sku)
        conn.execute(items.insert().values({**item_values(row, now), "sku": sku, "owner": owner}))
        codes = [{"owner": owner, "kind": "sku", "code": row.sku, "sku": sku}]
        if row.gtin is not None:
            gtin = padded_gtin(row.gtin)
            codes.append({"owner": owner, "kind": "gtin", "code": gtin, "sku": sku})
        conn.execute(item_codes.insert(), codes)
    return sku


def _refuse_taken(conn: sa.Connection, owner: str, row: ItemRow, sku: str) -> None:
    problems: list[str] = []
    if conn.execute(sa.select(items.c.sku).where(items.c.sku == sku)).first() is not None:
        problems.append(f"item {sku} exists already: change it with PATCH /api/v1/items/{sku}")
    if row.gtin is not None:
        taken = conn.execute(
            sa.select(_c.sku).where(
                _c.owner == owner, _c.kind == "gtin", _c.code == padded_gtin(row.gtin)
            )
        ).first()
        if taken is not None:
            problems.append(f"owner {owner}'s GTIN {row.gtin} is item {taken.sku} already")
    if problems:
        raise ItemConflictError([CatalogProblem(None, p) for p in problems])


def client_codes(conn: sa.Connection, skus: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Of these SKUs, the owner items': SKU → (owner, the owner's own code)."""
    found: dict[str, tuple[str, str]] = {}
    for part in chunks(sorted(set(skus))):
        query = sa.select(_c.sku, _c.owner, _c.code).where(_c.kind == "sku", _c.sku.in_(part))
        found.update((r.sku, (r.owner, r.code)) for r in conn.execute(query))
    return found
