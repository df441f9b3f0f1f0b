"""The simulated business's state: the domain's book, what is on order, what is due later.

Every transaction goes through ``World.post``, which calls the project's own
``collector.domain.posting.post_transaction`` on the book, exactly as a posting session
does, and hands the posting to the ``Recorder``. Nothing here computes a cost.

The book is kept small: sales stay in it only while a return may still name them (or
while they are the latest of their SKU and owner, which unnamed returns use), and
receipts only while a vendor return may name them. The ledger would load exactly those
from its journal, so the postings are the same as on a book loaded from the database.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from benchmarks.ledger_gen.catalog import Catalog, Item, Stocking
from benchmarks.ledger_gen.params import GenParams
from benchmarks.ledger_gen.rows import Recorder, Source
from collector.domain.book import Book
from collector.domain.model import ItemPolicy, PositionKey, Posting
from collector.domain.money import ZERO
from collector.domain.posting import post_transaction
from collector.errors import RejectedEventError
from edge_agent.wire import StockTransaction, TransactionType

_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x2 << 62)
"""Version 4, RFC 4122 variant: what ``uuid.uuid4`` makes, drawn from the seeded stream."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A lot of a purchase order, due at the stocking's receiving bin."""

    stocking: Stocking
    qty: Decimal
    unit_cost: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class DueReturn:
    """A customer return scheduled when the sale was made."""

    stocking: Stocking
    sale_event_id: UUID
    sale_line_id: int
    qty: Decimal
    named: bool


@dataclass(frozen=True, slots=True)
class DueVendorReturn:
    """Part of a receipt going back to the supplier (damaged or wrong goods)."""

    stocking: Stocking
    key: PositionKey
    receipt_event_id: UUID
    receipt_line_id: int
    qty: Decimal


class World:
    """The book and everything planned; ``post`` is the one way anything changes stock."""

    def __init__(
        self, params: GenParams, catalog: Catalog, recorder: Recorder, rng: random.Random
    ) -> None:
        """An empty business: items known, no stock anywhere."""
        self.params = params
        self.catalog = catalog
        self.recorder = recorder
        self.rng = rng
        self._ids = random.Random(f"{params.seed}/event-ids")
        self.book = Book(items={item.sku: _policy(item) for item in catalog.items})
        self.arrivals: defaultdict[int, list[Arrival]] = defaultdict(list)
        self.returns_due: defaultdict[int, list[DueReturn]] = defaultdict(list)
        self.vendor_due: defaultdict[int, list[DueVendorReturn]] = defaultdict(list)
        self.keep_sales: set[int] = set()
        """Sale lines a scheduled return will name: kept in the book until then."""
        self.to_check: set[Stocking] = set()
        """Stockings whose stock went down since the last purchasing run."""
        self.to_replenish: set[Stocking] = set()
        """Stockings whose pick shelf went down, or reserve up, since the last wave."""
        self.stats: Counter[str] = Counter()
        self.last_at: datetime | None = None
        self.done = False
        self.counters = {"po": 0, "till": 0, "rma": 0, "count": 0}

    # ------------------------------------------------------------------ posting

    def post(self, tx: StockTransaction, source: Source, at: datetime) -> Posting | None:
        """Post ``tx`` effective ``at`` (never before the previous event); None if refused.

        A refusal leaves the book unchanged (the domain's draft is discarded); the
        simulation avoids them, so they are only counted.
        """
        if self.last_at is not None and at < self.last_at:
            at = self.last_at  # journal ids then follow effective time, as in a live ledger
        self.last_at = at
        event_id = self.event_id()
        try:
            posting = post_transaction(self.book, event_id=event_id, effective_at=at, tx=tx)
        except RejectedEventError:
            self.stats[f"refused {tx.type.value}"] += 1
            return None
        latency_us = 0 if source.device_id is None else self.rng.randint(20_000, 900_000)
        self.recorder.record(
            event_id=event_id,
            tx=tx,
            posting=posting,
            source=source,
            observed_at=at,
            received_at=at + timedelta(microseconds=latency_us),
        )
        self.stats[tx.type.value] += 1
        self.stats["true_up lines"] += len(posting.lines) - (2 if tx.to_location else 1)
        if self.recorder.lines >= self.params.movements:
            self.done = True
        return posting

    def event_id(self) -> UUID:
        """A version-4 UUID from the seeded stream (so a seed gives the same ledger)."""
        return UUID(int=(self._ids.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)

    # ------------------------------------------------------------------ reading the book

    def qty(self, key: PositionKey) -> Decimal:
        """On-hand quantity of a position (0 when never used)."""
        position = self.book.positions.get(key)
        return position.qty if position is not None else ZERO

    # ------------------------------------------------------------------ keeping it small

    def sale_posted(self, sku: str, owner: str, previous_latest: int | None) -> None:
        """Drop the sale this one replaced as latest, unless a return will name it."""
        if previous_latest is not None and previous_latest not in self.keep_sales:
            self.forget_sale(previous_latest)

    def return_posted(self, due: DueReturn) -> None:
        """The named sale is no longer needed, unless it is still the latest."""
        self.keep_sales.discard(due.sale_line_id)
        item = due.stocking.item
        if self.book.last_sales.get((item.sku, item.owner)) != due.sale_line_id:
            self.forget_sale(due.sale_line_id)

    def forget_sale(self, line_id: int) -> None:
        """Remove a sale from the book (the journal still has it)."""
        sale = self.book.sales.pop(line_id, None)
        if sale is not None:
            self.book.sale_ids.pop(sale.event_id, None)

    def forget_receipt(self, event_id: UUID) -> None:
        """Remove a receipt from the book (the journal still has it)."""
        self.book.receipts.pop(event_id, None)

    def end_of_day(self) -> None:
        """Forget what only caches of the book need (sales changed while not held)."""
        self.book.stale_sales.clear()


def tx(
    kind: TransactionType,
    key: PositionKey,
    qty: Decimal,
    *,
    to_location: str | None = None,
    unit_cost: Decimal | None = None,
    unit_price: Decimal | None = None,
    reference: str | None = None,
    returns_event_id: UUID | None = None,
) -> StockTransaction:
    """A transaction without pydantic's validation (10× faster); the checks validate a sample."""
    return StockTransaction.model_construct(
        type=kind,
        sku=key.sku,
        qty=qty,
        location=key.location,
        to_location=to_location,
        owner=key.owner,
        unit_cost=unit_cost,
        unit_price=unit_price,
        reference=reference,
        returns_event_id=returns_event_id,
    )


def _policy(item: Item) -> ItemPolicy:
    return ItemPolicy(item.sku, item.valuation, item.allow_negative)
