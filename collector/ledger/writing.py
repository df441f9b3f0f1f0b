"""Write a batch's postings in bulk: places, journal lines, layers, links, balances, item costs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.model import Layer, MovementLine, PositionKey, Posting
from collector.ledger.bulk import fast_execute, fast_insert
from collector.ledger.loading import LoadedBook, chunks
from collector.ledger.schema import (
    balances,
    cost_layers,
    items,
    layer_consumptions,
    locations,
    movements,
    owners,
)
from collector.ledger.types import Micro

# --------------------------------------------------------------------------- places


def location_rows(paths: Iterable[str], now: datetime) -> list[dict[str, Any]]:
    """Rows for each path and all its ancestors, parents first."""
    every: set[str] = set()
    for path in paths:
        parts = path.split("/")
        every.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    rows = []
    for path in sorted(every, key=lambda p: (p.count("/"), p)):
        parent, _, name = path.rpartition("/")
        rows.append(
            {
                "path": path,
                "parent_path": parent or None,
                "name": name,
                "depth": path.count("/"),
                "created_at": now,
            }
        )
    return rows


def ensure_places(
    conn: sa.Connection, *, owner_ids: set[str], paths: set[str], now: datetime
) -> None:
    """Create owners and locations (with their ancestors) that do not exist yet."""
    if owner_ids:
        known = _existing(conn, owners.c.owner, owner_ids)
        missing = sorted(owner_ids - known)
        if missing:
            conn.execute(owners.insert(), [{"owner": o, "created_at": now} for o in missing])
    if paths:
        rows = location_rows(paths, now)
        known = _existing(conn, locations.c.path, {r["path"] for r in rows})
        fresh = [r for r in rows if r["path"] not in known]
        if fresh:
            conn.execute(locations.insert(), fresh)


def _existing(conn: sa.Connection, column: sa.Column[str], values: set[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(values)):
        found.update(conn.execute(sa.select(column).where(column.in_(part))).scalars())
    return found


# --------------------------------------------------------------------------- writing


MOVEMENT_COLUMNS = (
    "id", "event_id", "type", "sku", "location", "owner", "qty", "unit_cost", "value", "cogs",
    "revenue", "effective_at", "recorded_at", "reverses_movement_id", "reason", "provisional",
)  # fmt: skip
LAYER_COLUMNS = (
    "id", "movement_id", "sku", "location", "owner", "order_key", "unit_cost", "qty_in",
    "value_in", "qty_remaining", "value_remaining",
)  # fmt: skip
LINK_COLUMNS = ("movement_id", "layer_id", "qty", "value")


_LAYER_UPDATE = (
    cost_layers.update()
    .where(cost_layers.c.id == sa.bindparam("b_id"))
    .values(qty_remaining=sa.bindparam("b_qty"), value_remaining=sa.bindparam("b_value"))
)
_LAYER_UPDATE_PARAMS = (("b_id", sa.BigInteger()), ("b_qty", Micro()), ("b_value", Micro()))
BALANCE_COLUMNS = ("qty", "value", "last_unit_cost", "last_movement_id", "sku", "location", "owner")
_BALANCE_UPDATE = (
    balances.update()
    .where(
        balances.c.sku == sa.bindparam("b_sku"),
        balances.c.location == sa.bindparam("b_location"),
        balances.c.owner == sa.bindparam("b_owner"),
    )
    .values(
        qty=sa.bindparam("b_qty"),
        value=sa.bindparam("b_value"),
        last_unit_cost=sa.bindparam("b_cost"),
        last_movement_id=sa.bindparam("b_last"),
    )
)
_BALANCE_PARAMS = (
    ("b_qty", Micro()),
    ("b_value", Micro()),
    ("b_cost", Micro()),
    ("b_last", sa.BigInteger()),
    ("b_sku", sa.String()),
    ("b_location", sa.String()),
    ("b_owner", sa.String()),
)


def movement_row(line: MovementLine, recorded_at: datetime) -> tuple[Any, ...]:
    """A journal row in ``MOVEMENT_COLUMNS`` order."""
    key = line.key
    return (
        line.movement_id, line.event_id, line.type.value, key.sku, key.location, key.owner,
        line.qty, line.unit_cost, line.value, line.cogs, line.revenue, line.effective_at,
        recorded_at, line.reverses_movement_id, line.reason, line.provisional,
    )  # fmt: skip


def write_postings(
    conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting], recorded_at: datetime
) -> None:
    """Journal lines, layers, consumption links, balances and item costs, in FK order."""
    lines = [line for posting in postings for line in posting.lines]
    if not lines:
        return
    fast_insert(conn, movements, MOVEMENT_COLUMNS, [movement_row(ln, recorded_at) for ln in lines])
    _write_layers(conn, loaded, postings)
    links = [link for posting in postings for link in posting.links]
    fast_insert(
        conn,
        layer_consumptions,
        LINK_COLUMNS,
        [(k.movement_id, k.layer_id, k.qty, k.value) for k in links],
    )
    _write_balances(conn, loaded, lines)
    _write_item_costs(conn, loaded)


def _layer_row(layer: Layer, key: PositionKey) -> tuple[Any, ...]:
    return (
        layer.layer_id, layer.movement_id, key.sku, key.location, key.owner, layer.order_key,
        layer.unit_cost, layer.qty_in, layer.value_in, layer.qty, layer.value,
    )  # fmt: skip


def _write_layers(conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting]) -> None:
    """Insert layers born in the batch, update stored ones that changed, at their final state."""
    final: dict[int, tuple[Layer, PositionKey]] = {}
    # every position the batch loaded or posted to, including those whose events were
    # rejected: a stored layer missing from all of them was consumed to zero
    for key, position in loaded.book.positions.items():
        for layer in position.layers:
            final[layer.layer_id] = (layer, key)
    # the batch's layers have the ids handed out since loading (rejected postings give
    # theirs back); only those consumed within the batch need a look into the postings
    born_ids = range(loaded.first_new_layer_id, loaded.book.ids.next_layer_id)
    gone = {layer_id for layer_id in born_ids if layer_id not in final}
    first_states = _first_states(postings, gone) if gone else {}
    inserts = []
    for layer_id in born_ids:
        if layer_id in final:
            inserts.append(_layer_row(*final[layer_id]))
        elif layer_id in first_states:
            first, key = first_states[layer_id]
            inserts.append(_layer_row(_emptied(first), key))
    fast_insert(conn, cost_layers, LAYER_COLUMNS, inserts)
    fast_execute(conn, _LAYER_UPDATE, _LAYER_UPDATE_PARAMS, _layer_updates(loaded, final))


def _first_states(
    postings: Sequence[Posting], wanted: set[int]
) -> dict[int, tuple[Layer, PositionKey]]:
    """The first state the postings show of each wanted layer, with its position.

    A layer first shows in the posting that created it, so only those postings are
    read: positions can hold hundreds of layers, and reading every posting's was
    quadratic in the batch. Postings that do not list their layer ids are all read.
    """
    creators = [posting for posting in postings if not wanted.isdisjoint(posting.layer_ids)]
    found = _layers_shown(creators, wanted)
    if len(found) < len(wanted):
        found = _layers_shown(postings, wanted)
    return found


def _layers_shown(
    postings: Sequence[Posting], wanted: set[int]
) -> dict[int, tuple[Layer, PositionKey]]:
    found: dict[int, tuple[Layer, PositionKey]] = {}
    for posting in postings:
        for position in posting.positions:
            for layer in position.layers:
                if layer.layer_id in wanted:
                    found.setdefault(layer.layer_id, (layer, position.key))
    return found


def _layer_updates(
    loaded: LoadedBook, final: dict[int, tuple[Layer, PositionKey]]
) -> list[tuple[int, Decimal, Decimal]]:
    """(id, qty, value) of stored layers whose remainder the batch changed (gone = emptied).

    Most stored layers are untouched: the very object loaded is still in the book, so
    an identity check settles them without comparing fields.
    """
    zero = Decimal(0)
    updates = []
    for layer_id, before in loaded.stored_layers.items():
        entry = final.get(layer_id)
        if entry is None:
            if before.qty or before.value:
                updates.append((layer_id, zero, zero))
            continue
        now = entry[0]
        if now is not before and (now.qty != before.qty or now.value != before.value):
            updates.append((layer_id, now.qty, now.value))
    return updates


def _emptied(layer: Layer) -> Layer:
    zero = Decimal(0)
    return Layer(
        layer.layer_id, layer.movement_id, layer.order_key, layer.unit_cost,
        layer.qty_in, layer.value_in, zero, zero,
    )  # fmt: skip


def _write_balances(conn: sa.Connection, loaded: LoadedBook, lines: Sequence[MovementLine]) -> None:
    """Insert new positions, update known ones: (qty, value, last unit cost, last movement)."""
    last_line: dict[PositionKey, int] = {}
    for line in lines:
        last_line[line.key] = line.movement_id
    inserts, updates = [], []
    for key, movement_id in last_line.items():
        position = loaded.book.position(key)
        row = (position.qty, position.value, position.last_unit_cost, movement_id, *key)
        (updates if key in loaded.stored_balances else inserts).append(row)
    fast_execute(conn, _BALANCE_UPDATE, _BALANCE_PARAMS, updates)
    fast_insert(conn, balances, BALANCE_COLUMNS, inserts)
    loaded.stored_balances.update(last_line.keys())


def _write_item_costs(conn: sa.Connection, loaded: LoadedBook) -> None:
    changed = [
        {"b_sku": policy.sku, "b_cost": policy.last_unit_cost}
        for policy in loaded.book.items.values()
        if policy.last_unit_cost != loaded.initial_item_costs.get(policy.sku)
    ]
    if changed:
        conn.execute(
            items.update()
            .where(items.c.sku == sa.bindparam("b_sku"))
            .values(last_unit_cost=sa.bindparam("b_cost", type_=Micro())),
            changed,
        )
