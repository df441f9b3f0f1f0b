"""The journal as a reader may see it: filtered, in posting order either way, a page at a time.

Pages follow the journal's ``id``, which writers allocate in commit order under the ledger
lock: reading oldest first from a cursor never misses a line committed later, so a
client can follow the journal. Each line says who made it: the inbox's principal (a
token, a person, a process) or ``device:<device_id>`` for a device's event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from collector.ledger.schema import inbox, movements
from collector.views.paths import in_subtree
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class MovementFilter:
    """Which lines: SKU, location subtree, owner, types, event, effective time in [from, to)."""

    sku: str | None = None
    location: str | None = None
    owner: str | None = None
    types: frozenset[str] | None = None
    event_id: UUID | None = None
    effective_from: datetime | None = None
    effective_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class MovementView:
    """One journal line, with the events of the lines it reverses or applies to."""

    id: int
    event_id: UUID
    type: str
    sku: str
    location: str
    owner: str
    qty: Decimal
    unit_cost: Decimal
    value: Decimal
    cogs: Decimal | None
    revenue: Decimal | None
    effective_at: datetime
    recorded_at: datetime
    reason: str | None
    provisional: bool
    principal: str | None
    reverses_movement_id: int | None
    reverses_event_id: UUID | None
    applies_to_movement_id: int | None
    applies_to_event_id: UUID | None


_reversed = movements.alias("reversed")
_applied = movements.alias("applied")
_m = movements.c
_PRINCIPAL = sa.case(
    (inbox.c.principal.is_not(None), inbox.c.principal),
    (inbox.c.device_id.is_not(None), sa.literal("device:") + inbox.c.device_id),
    else_=sa.null(),
)


def movement_page(
    conn: sa.Connection,
    scope: Scope,
    flt: MovementFilter,
    *,
    limit: int,
    newest_first: bool = True,
    after_id: int | None = None,
) -> list[MovementView]:
    """Up to ``limit`` lines by id (descending when ``newest_first``), past line ``after_id``."""
    order = _m.id.desc() if newest_first else _m.id.asc()
    query = _select().where(*_conditions(scope, flt)).order_by(order).limit(limit)
    if after_id is not None:
        query = query.where(_m.id < after_id if newest_first else _m.id > after_id)
    return [MovementView(**row._mapping) for row in conn.execute(query)]


_COLUMNS = (
    _m.id, _m.event_id, _m.type, _m.sku, _m.location, _m.owner, _m.qty, _m.unit_cost, _m.value,
    _m.cogs, _m.revenue, _m.effective_at, _m.recorded_at, _m.reason, _m.provisional,
    _PRINCIPAL.label("principal"),
    _m.reverses_movement_id, _reversed.c.event_id.label("reverses_event_id"),
    _m.applies_to_movement_id, _applied.c.event_id.label("applies_to_event_id"),
)  # fmt: skip


def _select() -> sa.Select[Any]:
    # The lines a line names belong to the same position (hence owner); the owner test in
    # the joins keeps another owner's event id out even if that ever changed.
    return (
        sa.select(*_COLUMNS)
        .select_from(movements)
        .outerjoin(inbox, inbox.c.event_id == _m.event_id)
        .outerjoin(
            _reversed,
            sa.and_(_reversed.c.id == _m.reverses_movement_id, _reversed.c.owner == _m.owner),
        )
        .outerjoin(
            _applied,
            sa.and_(_applied.c.id == _m.applies_to_movement_id, _applied.c.owner == _m.owner),
        )
    )


def _conditions(scope: Scope, flt: MovementFilter) -> list[sa.ColumnElement[bool]]:
    found = [scope.where(_m.owner)]
    if flt.sku is not None:
        found.append(_m.sku == flt.sku)
    if flt.location is not None:
        found.append(in_subtree(_m.location, flt.location))
    if flt.owner is not None:
        found.append(_m.owner == flt.owner)
    if flt.types:
        found.append(_m.type.in_(sorted(flt.types)))
    if flt.event_id is not None:
        found.append(_m.event_id == flt.event_id)
    if flt.effective_from is not None:
        found.append(_m.effective_at >= flt.effective_from)
    if flt.effective_to is not None:
        found.append(_m.effective_at < flt.effective_to)
    return found
