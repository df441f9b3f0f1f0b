"""Write a batch's postings in bulk: places, journal lines, layers, links, balances, item costs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any

import sqlalchemy as sa

from collector.domain.model import Layer, MovementLine, PositionKey, Posting, Shortfall
from collector.domain.money import ZERO
from collector.ledger.bulk import chunks, fast_execute, fast_insert
from collector.ledger.loading import LoadedBook
from collector.ledger.lot_writing import write_lots
from collector.ledger.schema import (
    balances,
    cost_layers,
    items,
    layer_consumptions,
    locations,
    movements,
    owners,
    shortfalls,
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
    "applies_to_movement_id",
)  # fmt: skip
TRACKED_MOVEMENT_COLUMNS = (*MOVEMENT_COLUMNS, "lot", "serial")
"""With the lot and serial (batches that moved tracked items; docs/lots.md)."""
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
        line.applies_to_movement_id,
    )  # fmt: skip


def write_postings(
    conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting], recorded_at: datetime
) -> None:
    """Journal lines, layers, consumption links, balances and item costs, in FK order."""
    lines = [line for posting in postings for line in posting.lines]
    if not lines:
        return
    if any(ln.lot is not None or ln.serial is not None for ln in lines):
        rows = [(*movement_row(ln, recorded_at), ln.lot, ln.serial) for ln in lines]
        fast_insert(conn, movements, TRACKED_MOVEMENT_COLUMNS, rows)
    else:
        rows = [movement_row(ln, recorded_at) for ln in lines]
        fast_insert(conn, movements, MOVEMENT_COLUMNS, rows)
    write_lots(conn, loaded.book, postings)
    _write_layers(conn, loaded, postings)
    links = [link for posting in postings for link in posting.links]
    fast_insert(
        conn,
        layer_consumptions,
        LINK_COLUMNS,
        [(k.movement_id, k.layer_id, k.qty, k.value) for k in links],
    )
    _write_balances(conn, loaded, lines)
    _write_shortfalls(conn, loaded)
    _write_item_costs(conn, loaded)


def _layer_row(layer: Layer, key: PositionKey) -> tuple[Any, ...]:
    return (
        layer.layer_id, layer.movement_id, key.sku, key.location, key.owner, layer.order_key,
        layer.unit_cost, layer.qty_in, layer.value_in, layer.qty, layer.value,
    )  # fmt: skip


def _write_layers(conn: sa.Connection, loaded: LoadedBook, postings: Sequence[Posting]) -> None:
    """Insert layers born in the batch, update stored ones that changed, at their final state.

    Only positions whose layers differ from how they were loaded are compared, and layers
    are immutable: one the batch left alone is the very object loaded, so identity
    settles it. The work follows what the batch changed, not how many layers are open.
    """
    changes = _LayerChanges(born_from=loaded.first_new_layer_id)
    for key, after in loaded.book.positions.items():
        before = loaded.initial_positions.get(key)
        before_layers = before.layers if before is not None else ()
        if after.layers is not before_layers:
            changes.compare(key, before_layers, after.layers)
    # layers born and consumed within the batch are in no position: their first state
    born_ids = range(loaded.first_new_layer_id, loaded.book.ids.next_layer_id)
    gone = set(born_ids) - changes.inserted
    for layer, key in (_first_states(postings, gone) if gone else {}).values():
        changes.inserts.append(_layer_row(_emptied(layer), key))
    changes.inserts.sort(key=itemgetter(0))
    fast_insert(conn, cost_layers, LAYER_COLUMNS, changes.inserts)
    fast_execute(conn, _LAYER_UPDATE, _LAYER_UPDATE_PARAMS, changes.updates)


@dataclass(slots=True)
class _LayerChanges:
    """Rows to insert (layers born in the batch) and updates (stored layers it changed)."""

    born_from: int
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    inserted: set[int] = field(default_factory=set)
    updates: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)

    def compare(
        self, key: PositionKey, before: tuple[Layer, ...], after: tuple[Layer, ...]
    ) -> None:
        """Note what differs between a position's loaded and final layers."""
        if not self._compare_fifo_ends(key, before, after):
            self._compare_all(key, before, after)

    def _compare_fifo_ends(
        self, key: PositionKey, before: tuple[Layer, ...], after: tuple[Layer, ...]
    ) -> bool:
        """The usual change, in time proportional to it; False when the middle changed too.

        Usually the oldest layers were consumed (the first of the rest maybe in part) and
        new ones appended. The untouched run in between is checked in one C-level tuple
        comparison (identical objects compare at once), not layer by layer in Python.
        """
        end = len(after)
        while end and after[end - 1].layer_id >= self.born_from:
            end -= 1
        gone = 0
        if end:  # the first layer left must be one loaded: the ones before it were consumed
            first_id = after[0].layer_id
            while gone < len(before) and before[gone].layer_id != first_id:
                gone += 1
            if gone == len(before):
                return False
        else:
            gone = len(before)
        partly = end > 0 and after[0] is not before[gone]
        if after[int(partly) : end] != before[gone + int(partly) :]:
            return False
        self.updates.extend((layer.layer_id, ZERO, ZERO) for layer in before[:gone])
        if partly:
            self.updates.append((after[0].layer_id, after[0].qty, after[0].value))
        for layer in after[end:]:
            self.inserts.append(_layer_row(layer, key))
            self.inserted.add(layer.layer_id)
        return True

    def _compare_all(
        self, key: PositionKey, before: tuple[Layer, ...], after: tuple[Layer, ...]
    ) -> None:
        """Any change (layers inserted by age, taken back by a reversal): by identity."""
        unchanged = set(map(id, before))
        for layer in [layer for layer in after if id(layer) not in unchanged]:
            if layer.layer_id >= self.born_from:
                self.inserts.append(_layer_row(layer, key))
                self.inserted.add(layer.layer_id)
            else:  # a stored layer partly consumed
                self.updates.append((layer.layer_id, layer.qty, layer.value))
        # stored layers no longer in the position were consumed to zero (or taken back)
        emptied = set(map(_LAYER_ID, before)) - set(map(_LAYER_ID, after))
        self.updates.extend((layer_id, ZERO, ZERO) for layer_id in sorted(emptied))


_LAYER_ID = attrgetter("layer_id")


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
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for key, movement_id in last_line.items():
        position = loaded.book.position(key)
        row = (position.qty, position.value, position.last_unit_cost, movement_id, *key)
        (updates if key in loaded.stored_balances else inserts).append(row)
    fast_execute(conn, _BALANCE_UPDATE, _BALANCE_PARAMS, updates)
    fast_insert(conn, balances, BALANCE_COLUMNS, inserts)
    loaded.stored_balances.update(last_line.keys())


SHORTFALL_COLUMNS = ("id", "movement_id", "sku", "location", "owner", "qty", "value", "qty_short")
_SHORTFALL_UPDATE = (
    shortfalls.update()
    .where(shortfalls.c.id == sa.bindparam("b_id"))
    .values(qty=sa.bindparam("b_qty"), value=sa.bindparam("b_value"))
)
_SHORTFALL_UPDATE_PARAMS = (("b_id", sa.BigInteger()), ("b_qty", Micro()), ("b_value", Micro()))


def _write_shortfalls(conn: sa.Connection, loaded: LoadedBook) -> None:
    """Shortfalls opened, partly settled or gone, for positions whose shortfalls changed.

    Rare (only items that allow negative stock go short), so compared by id, not cleverly.
    """
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[int, Decimal, Decimal]] = []
    gone: list[int] = []
    for key, after in loaded.book.positions.items():
        before = loaded.initial_positions.get(key)
        before_owed: tuple[Shortfall, ...] = before.shortfalls if before is not None else ()
        if after.shortfalls is before_owed:
            continue
        stored = {s.shortfall_id: s for s in before_owed}
        for owed in after.shortfalls:
            old = stored.pop(owed.shortfall_id, None)
            if old is None:
                inserts.append(
                    (
                        owed.shortfall_id,
                        owed.movement_id,
                        *key,
                        owed.qty,
                        owed.value,
                        owed.qty_short,
                    )
                )
            elif old != owed:
                updates.append((owed.shortfall_id, owed.qty, owed.value))
        gone.extend(stored)
    fast_insert(conn, shortfalls, SHORTFALL_COLUMNS, inserts)
    fast_execute(conn, _SHORTFALL_UPDATE, _SHORTFALL_UPDATE_PARAMS, updates)
    for part in chunks(sorted(gone)):
        conn.execute(shortfalls.delete().where(shortfalls.c.id.in_(part)))


def _write_item_costs(conn: sa.Connection, loaded: LoadedBook) -> None:
    changed = [
        {"b_sku": policy.sku, "b_cost": policy.last_unit_cost, "b_owner": policy.last_cost_owner}
        for policy in loaded.book.items.values()
        if (policy.last_unit_cost, policy.last_cost_owner)
        != loaded.initial_item_costs.get(policy.sku, (None, None))
    ]
    if changed:
        conn.execute(
            items.update()
            .where(items.c.sku == sa.bindparam("b_sku"))
            .values(
                last_unit_cost=sa.bindparam("b_cost", type_=Micro()),
                last_cost_owner=sa.bindparam("b_owner"),
            ),
            changed,
        )
