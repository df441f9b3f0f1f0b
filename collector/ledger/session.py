"""``PostingSession``: the one way movements, cost layers and balances are written.

Every change of stock, whatever its source (device events over MQTT, sensor postings,
alert resolutions, cycle counts, reversals, dead-letter replays, the HTTP API), goes
through one session inside one database transaction:

1. it takes the ledger lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory lock);
2. loads the book once, for what its postings will touch (``load``), and whatever a
   later posting needs on top (each ``post`` asks for what it is missing);
3. posts domain transactions and reversals on that book in memory; a sale short of
   stock may ``park`` until stock arrives, and parked ones are retried as it does;
4. writes inbox rows, dead letters, places, journal, layers, shortfalls, balances and
   parked events in bulk (``flush``, also done by ``finish``);
5. tells the posting observers (time-series outbox, reconciliation) what it posted,
   inside the same transaction (``finish``).

No other module writes those tables; ``tests/collector/ledger/test_one_write_path.py``
checks it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.domain.book import Book
from collector.domain.model import MovementLine, Position, PositionKey, Posting
from collector.domain.posting import post_transaction
from collector.errors import InsufficientStockError, LedgerError, RejectedEventError
from collector.ingest.ports import Disposition
from collector.ledger.days import write_days
from collector.ledger.dead_letters import record_dead_letters
from collector.ledger.engine import WRITER_IDLE_TIMEOUT_S, lock_ledger
from collector.ledger.inbox import set_dispositions, write_inbox
from collector.ledger.item_codes import SessionCodes
from collector.ledger.loading import (
    BookRequest,
    LoadedBook,
    PositionCache,
    extend_book,
    load_book,
    request_for,
)
from collector.ledger.observers import BalanceAfter, Posted, PostingObserver, Refusal, StoredEvent
from collector.ledger.parking import DEFAULT_PARK_TIMEOUT_S, ParkedEvent, ParkingLot
from collector.ledger.writing import ensure_places, write_postings
from edge_agent.wire import StockTransaction, TransactionType

log = structlog.get_logger("collector.ledger")


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How a session treats transactions that outrun their stock, and the books' days."""

    park_timeout_s: float = DEFAULT_PARK_TIMEOUT_S
    """How long they wait for it; 0: they are refused (dead-lettered) at once."""
    books_tz: tzinfo = UTC
    """Where the books' days begin and end (``position_days``)."""

    @property
    def parks(self) -> bool:
        """Whether a transaction short of stock waits for it at all."""
        return self.park_timeout_s > 0


class PostingSession:
    """One ledger transaction's postings; build it on a connection inside ``engine.begin()``."""

    def __init__(
        self,
        conn: sa.Connection,
        *,
        now: datetime,
        observers: Sequence[PostingObserver] = (),
        cache: PositionCache | None = None,
        options: SessionOptions | None = None,
    ) -> None:
        """Take the ledger lock; nothing is read until something needs it."""
        lock_ledger(conn, idle_timeout_s=WRITER_IDLE_TIMEOUT_S)
        self.conn = conn
        self.now = now
        self._observers = tuple(observers)
        self._cache = cache
        self.options = options or SessionOptions()
        self._loaded: LoadedBook | None = None
        self._pending: list[Posting] = []
        self._lines: list[MovementLine] = []
        self._inbox: list[tuple[Any, ...]] = []
        self._dispositions: dict[UUID, Disposition] = {}
        self._dead: list[dict[str, Any]] = []
        self._stored: list[StoredEvent] = []
        self._refusals: list[Refusal] = []
        self._parking = ParkingLot()
        self._finished = False
        self._codes = SessionCodes(conn)
        self.unparked: set[UUID] = set()
        """Parked events this session posted."""

    # ------------------------------------------------------------------ the book

    @property
    def loaded(self) -> LoadedBook:
        """The book and what it was loaded from (an empty request loads only the ids)."""
        if self._loaded is None:
            self._loaded = load_book(self.conn, BookRequest(), self._cache)
        return self._loaded

    @property
    def book(self) -> Book:
        """The session's book: stored state plus everything posted in it so far."""
        return self.loaded.book

    def load(self, request: BookRequest) -> None:
        """Read, in bulk, what postings to come will touch (later ones add what is missing)."""
        if self._loaded is None:
            self._loaded = load_book(self.conn, request, self._cache)
        else:
            extend_book(self.conn, self._loaded, request, self._cache)
        self._parking.load(self.conn, request.keys)

    def load_for(self, transactions: Sequence[StockTransaction]) -> None:
        """``load`` what these transactions touch, their owners' codes resolved first (one
        that cannot be resolved is loaded as it is: posting it says why)."""
        self._codes.prepare([(tx.owner, tx.sku) for tx in transactions])
        found = []
        for tx in transactions:
            try:
                found.append(self.resolved(tx))
            except RejectedEventError:
                found.append(tx)
        self.load(request_for(found))

    def position(self, key: PositionKey) -> Position:
        """A position as this session has it (stored state plus what it posted)."""
        self.load(BookRequest(skus=frozenset({key.sku}), keys=frozenset({key})))
        return self.book.position(key)

    def resolved(self, tx: StockTransaction) -> StockTransaction:
        """``tx`` naming its item by internal SKU: the owner's own code resolved (its
        catalogue first, then the shared one; ``RejectedEventError`` when ambiguous)."""
        return self._codes.resolved(tx)

    # ------------------------------------------------------------------ posting

    def post(self, *, event_id: UUID, effective_at: datetime, tx: StockTransaction) -> Posting:
        """Post one transaction (``RejectedEventError`` leaves the book unchanged).

        Stock it brings in is offered at once to what waits for it at that position.
        The event's inbox row is the caller's to record.
        """
        tx = self.resolved(tx)
        if self._loaded is None or not _was_asked(self._loaded.asked, tx):
            self.load(request_for([tx]))
        posting = post_transaction(self.book, event_id=event_id, effective_at=effective_at, tx=tx)
        self.accept(posting)
        if self._parking.waiting:
            self._offer_stock(posting)
        return posting

    def accept(self, posting: Posting) -> None:
        """Take a posting made on this session's book (a reversal) for writing."""
        self._pending.append(posting)
        self._lines.extend(posting.lines)

    def park(
        self, *, event_id: UUID, effective_at: datetime, tx: StockTransaction, reason: str
    ) -> ParkedEvent:
        """Let a transaction short of stock wait for it; its inbox row says ``parked``."""
        tx = self.resolved(tx)
        key = PositionKey(tx.sku, tx.location, tx.owner)
        expires_at = self.now + timedelta(seconds=self.options.park_timeout_s)
        parked = ParkedEvent(event_id, key, effective_at, self.now, expires_at, reason, tx)
        self._parking.park(parked)
        log.info(
            "event.parked",
            sku=tx.sku,
            location=tx.location,
            event_id=str(event_id),
            until=expires_at.isoformat(),
            reason=reason,
        )
        return parked

    def unpark(self, parked: ParkedEvent) -> None:
        """Stop waiting for it (it was dead-lettered by the sweep)."""
        self._parking.unpark(parked)

    def _offer_stock(self, posting: Posting) -> None:
        """Retry what waits where this posting brought stock, in effective-time order."""
        queue = [line.key for line in posting.lines if line.qty > 0]
        while queue:
            key = queue.pop(0)
            for parked in self._parking.at(key):
                retried = self.retry_parked(parked)
                if retried is not None:
                    queue.extend(line.key for line in retried.lines if line.qty > 0)

    def retry_parked(self, parked: ParkedEvent) -> Posting | None:
        """Try a parked transaction again: posted (its inbox row says applied), or still waiting."""
        try:
            self.load(request_for([parked.tx]))
            posting = post_transaction(
                self.book, event_id=parked.event_id, effective_at=parked.effective_at, tx=parked.tx
            )
        except InsufficientStockError as err:
            self._parking.still_waiting(parked, str(err))
            return None
        except RejectedEventError as err:  # e.g. the item was changed meanwhile: the sweep ends it
            self._parking.still_waiting(parked, str(err))
            return None
        self.accept(posting)
        self._parking.unpark(parked)
        self.unparked.add(parked.event_id)
        self.set_disposition(parked.event_id, Disposition.APPLIED)
        log.info("event.unparked", sku=parked.tx.sku, event_id=str(parked.event_id))
        return posting

    # ------------------------------------------------------------------ records

    def add_observer(self, observer: PostingObserver) -> None:
        """One more observer for this session (a batch's sensor plan), told first."""
        self._observers = (observer, *self._observers)

    def record(self, row: tuple[Any, ...]) -> None:
        """An inbox row (``collector.ledger.inbox.inbox_row`` order) to write with the batch."""
        self._inbox.append(row)

    def record_many(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Inbox rows to write with the batch."""
        self._inbox.extend(rows)

    def set_disposition(self, event_id: UUID, disposition: Disposition) -> None:
        """A stored inbox row's new disposition (a parked or dead-lettered event applied)."""
        self._dispositions[event_id] = disposition

    def dead_letter(self, row: dict[str, Any]) -> None:
        """A dead-letter occurrence (``collector.ledger.dead_letters`` columns)."""
        self._dead.append(row)

    def store(self, stored: StoredEvent) -> None:
        """A non-transaction event the observers should see."""
        self._stored.append(stored)

    def refuse(self, event_id: UUID, reason: str) -> None:
        """A posting the ledger refused, for the observers (sensor postings become alerts)."""
        self._refusals.append(Refusal(event_id, reason))

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        """Write everything recorded and posted so far; the session may go on posting."""
        conn, loaded = self.conn, self.loaded
        write_inbox(conn, self._inbox)
        set_dispositions(conn, self._dispositions)
        record_dead_letters(conn, self._dead)
        keys = {line.key for posting in self._pending for line in posting.lines}
        ensure_places(
            conn,
            owner_ids={key.owner for key in keys},
            paths={key.location for key in keys},
            now=self.now,
        )
        write_postings(conn, loaded, self._pending, self.now)
        write_days(conn, (line for p in self._pending for line in p.lines), self.options.books_tz)
        self._parking.write(conn)
        self._inbox, self._dispositions, self._dead, self._pending = [], {}, [], []
        loaded.initial_positions = dict(loaded.book.positions)
        loaded.first_new_layer_id = loaded.book.ids.next_layer_id
        loaded.initial_item_costs = {
            s: (p.last_unit_cost, p.last_cost_owner) for s, p in loaded.book.items.items()
        }

    def finish(self) -> Posted:
        """Write the rest and tell the observers, inside the transaction; once only."""
        if self._finished:
            raise LedgerError("this posting session has finished already")
        self.flush()
        posted = self.posted()
        for observer in self._observers:
            observer.on_posted(self.conn, posted)
        self._finished = True
        return posted

    def posted(self) -> Posted:
        """What the session posted so far: every line, touched balances, stored events."""
        book = self.book
        touched = sorted({line.key for line in self._lines})
        balances = tuple(
            BalanceAfter(key, book.position(key).qty, book.position(key).value) for key in touched
        )
        return Posted(
            movements=tuple(self._lines),
            balances=balances,
            stored_events=tuple(self._stored),
            refusals=tuple(self._refusals),
        )

    @property
    def is_finished(self) -> bool:
        """True once ``finish`` ran."""
        return self._finished


def _was_asked(asked: BookRequest, tx: StockTransaction) -> bool:
    """Whether the book was loaded for everything ``tx`` touches (per posting: no sets built)."""
    if tx.sku not in asked.skus or (tx.sku, tx.location, tx.owner) not in asked.keys:
        return False
    if not _other_side_asked(asked, tx):
        return False
    if tx.type is TransactionType.RETURN and (tx.sku, tx.owner) not in asked.return_owners:
        return False
    if (tx.lot is not None or tx.serial is not None) and not _lots_asked(asked, tx):
        return False
    named = tx.returns_event_id
    if named is None:
        return True
    return named in (
        asked.named_sales if tx.type is TransactionType.RETURN else asked.named_receipts
    )


def _other_side_asked(asked: BookRequest, tx: StockTransaction) -> bool:
    """Whether a transfer's destination, or an ownership change's buyer, was read."""
    if tx.to_location is not None and (tx.sku, tx.to_location, tx.owner) not in asked.keys:
        return False
    return tx.to_owner is None or (tx.sku, tx.location, tx.to_owner) in asked.keys


def _lots_asked(asked: BookRequest, tx: StockTransaction) -> bool:
    """Whether the lots and serials ``tx`` names were read (tracked items, docs/lots.md)."""
    codes = asked.lot_codes
    return (tx.lot is None or (tx.sku, tx.lot) in codes) and (
        tx.serial is None or (tx.sku, tx.serial) in codes
    )


@contextlib.contextmanager
def posting_session(
    engine: sa.Engine,
    *,
    now: datetime,
    observers: Sequence[PostingObserver] = (),
    cache: PositionCache | None = None,
    options: SessionOptions | None = None,
    what: str = "posting",
) -> Iterator[PostingSession]:
    """A session in its own transaction: finished and committed when the block ends.

    An exception rolls everything back (``LedgerError`` when the database failed);
    ``cache``, if given, keeps the committed state for the next session.
    """
    try:
        with engine.begin() as conn:
            session = PostingSession(
                conn, now=now, observers=observers, cache=cache, options=options
            )
            yield session
            if not session.is_finished:
                session.finish()
    except sa.exc.SQLAlchemyError as err:
        if cache is not None:
            cache.clear()
        raise LedgerError(
            f"ledger transaction ({what}) failed and was rolled back: "
            f"{err.__class__.__name__}: {err}"
        ) from err
    except BaseException:
        if cache is not None:
            cache.clear()
        raise
    if cache is not None:
        cache.remember(session.book)
