"""Rows of every posted event, as the posting session's writer would leave them, in chunks.

Rows are plain tuples in the writer's column order (``collector.ledger.writing``), with
the values both loaders take as they are: decimals as integer micro-units, UUIDs as hex,
instants as UTC text (``payloads.db_instant``), flags as bool.

The journal, inbox rows and consumption links are final when posted and stream out in
chunks. A cost layer's row is final only once it is used up, so it leaves then (with
nothing remaining); those still open, the balances, shortfalls, item costs and device
progress are taken from the book at the end (``final_rows``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from benchmarks.ledger_gen.payloads import db_instant, event_json, transaction_json
from collector.domain.book import Book
from collector.domain.model import PositionKey, Posting
from collector.ingest.ports import Disposition
from collector.ledger.adjustments import ADJUSTMENT_KIND
from collector.ledger.writing import location_rows
from edge_agent.wire import EventKind, StockTransaction

Row = tuple[Any, ...]
_MICRO = 1_000_000
_APPLIED = Disposition.APPLIED.value
_TX_KIND = EventKind.STOCK_TRANSACTION.value
EPOCH = 1
"""Every generated device is in its first epoch (its outbox was never recreated)."""
COUNTER = "ledger-gen counter"
"""The principal of cycle-count adjustments (a device event's row names none)."""


def micro(amount: Decimal) -> int:
    """Integer micro-units of an amount with at most 6 decimals (more fails: never rounded)."""
    scaled = amount * _MICRO
    units = int(scaled)
    if units != scaled:
        raise ValueError(f"{amount} has more than 6 decimals")
    return units


def micro_or_none(amount: Decimal | None) -> int | None:
    """``micro`` of an optional amount."""
    return None if amount is None else micro(amount)


@dataclass(frozen=True, slots=True)
class Source:
    """Who reported an event: a device of a site, or a person (no device; a cycle count
    posted through ``post_adjustment`` names no site either)."""

    site: str | None
    device_id: str | None = None


@dataclass(slots=True)
class Chunk:
    """Rows of consecutive events, ready to load."""

    inbox: list[Row] = field(default_factory=list)
    movements: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    layers: list[Row] = field(default_factory=list)
    """Layers used up by now: their final state."""


@dataclass(slots=True)
class FinalRows:
    """What the book holds at the end: small tables and the state of open positions."""

    owners: list[Row]
    locations: list[Row]
    items: list[Row]
    balances: list[Row]
    shortfalls: list[Row]
    layers: list[Row]
    device_progress: list[Row]


@dataclass(slots=True)
class Sample:
    """A few events with their payloads, kept to check them against the wire models."""

    rows: list[tuple[str, str, StockTransaction]] = field(default_factory=list)
    every: int = 997


class Recorder:
    """Collects the rows of each posting and hands them on in chunks of ``chunk_lines``."""

    def __init__(self, emit: Callable[[Chunk], None], *, chunk_lines: int = 100_000) -> None:
        """``emit`` receives each full chunk (and the last, partial one at ``flush``)."""
        self._emit = emit
        self._chunk_lines = chunk_lines
        self._chunk = Chunk()
        self.lines = 0
        self.events = 0
        self.open_layers: dict[int, list[Any]] = {}
        self.last_line: dict[PositionKey, int] = {}
        self.seqs: dict[str, int] = {}
        self.device_sites: dict[str, str | None] = {}
        self.device_seen: dict[str, str] = {}
        self.first_at: datetime | None = None
        self.sample = Sample()

    def record(
        self,
        *,
        event_id: UUID,
        tx: StockTransaction,
        posting: Posting,
        source: Source,
        observed_at: datetime,
        received_at: datetime,
    ) -> None:
        """The inbox row, journal lines, links and finished layers of one posted event."""
        if self.first_at is None:
            self.first_at = observed_at
        observed, received = db_instant(observed_at), db_instant(received_at)
        payload, kind = self._inbox(
            event_id, tx, source, observed_at=observed_at, observed=observed, received=received
        )
        if self.events % self.sample.every == 0:
            self.sample.rows.append((payload, kind, tx))
        self.events += 1
        self._journal(event_id.hex, posting, observed, received)
        if posting.layer_ids:
            self._layers_born(posting)
        if posting.links:
            self._consumed(posting)
        if len(self._chunk.movements) >= self._chunk_lines:
            self.flush()

    def flush(self) -> None:
        """Hand on what is collected (nothing when empty)."""
        if self._chunk.movements or self._chunk.inbox or self._chunk.layers:
            chunk, self._chunk = self._chunk, Chunk()
            self._emit(chunk)

    def _inbox(
        self,
        event_id: UUID,
        tx: StockTransaction,
        source: Source,
        *,
        observed_at: datetime,
        observed: str,
        received: str,
    ) -> tuple[str, str]:
        data = transaction_json(tx)
        device = source.device_id
        if device is None:  # posted by a person: kind ops.adjustment, no device, bare tx
            self._chunk.inbox.append(
                (event_id.hex, None, None, None, source.site, ADJUSTMENT_KIND,
                 observed, received, _APPLIED, data, COUNTER)
            )  # fmt: skip
            return data, ADJUSTMENT_KIND
        seq = self.seqs.get(device, 0) + 1
        self.seqs[device] = seq
        self.device_sites[device] = source.site
        self.device_seen[device] = received
        payload = event_json(
            event_id=event_id, device_id=device, epoch=EPOCH, seq=seq,
            observed_at=observed_at, data=data,
        )  # fmt: skip
        self._chunk.inbox.append(
            (event_id.hex, device, EPOCH, seq, source.site, _TX_KIND, observed, received,
             _APPLIED, payload, None)
        )  # fmt: skip
        return payload, _TX_KIND

    def _journal(self, event_hex: str, posting: Posting, effective: str, recorded: str) -> None:
        """Journal lines; every line of a posting is effective when its event was observed."""
        rows = self._chunk.movements
        last_line = self.last_line
        for line in posting.lines:
            key = line.key
            rows.append(
                (line.movement_id, event_hex, line.type.value, key.sku, key.location, key.owner,
                 micro(line.qty), micro(line.unit_cost), micro(line.value),
                 micro_or_none(line.cogs), micro_or_none(line.revenue), effective, recorded,
                 line.reverses_movement_id, line.reason, line.provisional,
                 line.applies_to_movement_id)
            )  # fmt: skip
            last_line[key] = line.movement_id
        self.lines += len(posting.lines)

    def _layers_born(self, posting: Posting) -> None:
        """Note the layers a posting created, as they came in."""
        born = posting.layer_ids
        found = 0
        for position in posting.positions:
            key = position.key
            for layer in position.layers:
                if layer.layer_id in born and layer.layer_id not in self.open_layers:
                    qty_in, value_in = micro(layer.qty_in), micro(layer.value_in)
                    self.open_layers[layer.layer_id] = [
                        layer.layer_id, layer.movement_id, key.sku, key.location, key.owner,
                        layer.order_key, micro(layer.unit_cost), qty_in, value_in, qty_in,
                        value_in,
                    ]  # fmt: skip
                    found += 1
        if found != len(born):
            raise AssertionError(f"posting created layers {born} but its positions show {found}")

    def _consumed(self, posting: Posting) -> None:
        """Consumption links; a layer they use up leaves with its final (empty) state."""
        links = self._chunk.links
        for link in posting.links:
            qty, value = micro(link.qty), micro(link.value)
            links.append((link.movement_id, link.layer_id, qty, value))
            layer = self.open_layers[link.layer_id]
            layer[9] -= qty
            layer[10] -= value
            if layer[9] == 0:
                if layer[10] != 0:
                    raise AssertionError(f"layer {link.layer_id} used up keeps value {layer[10]}")
                self._chunk.layers.append(tuple(layer))
                del self.open_layers[link.layer_id]

    # ------------------------------------------------------------------ the end

    def final_rows(self, book: Book, items: Iterable[Row], owners: Iterable[str]) -> FinalRows:
        """Balances, shortfalls, open layers, item costs, places and device progress.

        Also checks that the open layers followed link by link are exactly the book's.
        """
        self.flush()
        if self.first_at is None:
            raise AssertionError("nothing was posted")
        created = db_instant(self.first_at)
        balances, shortfalls, layers = [], [], []
        for key, position in sorted(book.positions.items()):
            balances.append(
                (micro(position.qty), micro(position.value),
                 micro_or_none(position.last_unit_cost), self.last_line[key], *key)
            )  # fmt: skip
            for owed in position.shortfalls:
                shortfalls.append(
                    (owed.shortfall_id, owed.movement_id, *key, micro(owed.qty),
                     micro(owed.value), micro(owed.qty_short))
                )  # fmt: skip
            for layer in position.layers:
                row = self.open_layers.pop(layer.layer_id)
                if (row[9], row[10]) != (micro(layer.qty), micro(layer.value)):
                    raise AssertionError(f"layer {layer.layer_id}: links leave {row[9:]}")
                layers.append(tuple(row))
        if self.open_layers:
            raise AssertionError(f"{len(self.open_layers)} layers open but in no position")
        costs = {sku: micro_or_none(policy.last_unit_cost) for sku, policy in book.items.items()}
        used_owners = {key.owner for key in book.positions}
        return FinalRows(
            owners=[(owner, created) for owner in owners if owner in used_owners],
            locations=[
                (r["path"], r["parent_path"], r["name"], r["depth"], created)
                for r in location_rows({key.location for key in book.positions}, self.first_at)
            ],
            items=[(*row, costs.get(row[0])) for row in items],
            balances=balances,
            shortfalls=shortfalls,
            layers=layers,
            device_progress=[
                (device, EPOCH, site, seq, seq, json.dumps([]), self.device_seen[device])
                for device, seq in sorted(self.seqs.items())
                for site in (self.device_sites[device],)
            ],
        )
