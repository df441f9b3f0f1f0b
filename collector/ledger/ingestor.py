"""``SqlIngestor``: a batch of raw MQTT messages into the ledger, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa
import structlog

from collector.domain.model import PositionKey, Posting
from collector.domain.posting import post_transaction
from collector.errors import LedgerError, RejectedEventError
from collector.ingest.decode import Decoded, Undecodable, decode
from collector.ingest.ports import (
    BatchOutcome,
    Disposition,
    InboundMessage,
    MessageOutcome,
)
from collector.ledger.dead_letters import (
    DeadLetterKey,
    dead_letter_key,
    find_stored,
    record_dead_letters,
)
from collector.ledger.engine import lock_ledger
from collector.ledger.gc_pause import gc_paused
from collector.ledger.inbox import (
    SeqKey,
    StreamKey,
    applied_among,
    event_inbox_row,
    find_seen,
    update_progress,
    write_inbox,
)
from collector.ledger.loading import BookRequest, LoadedBook, PositionCache, load_book
from collector.ledger.observers import BalanceAfter, Posted, PostingObserver, StoredEvent
from collector.ledger.writing import ensure_places, write_postings
from edge_agent.wire import MAX_PAYLOAD_BYTES, StockTransactionEvent

log = structlog.get_logger("collector.ledger")


class WallClock(Protocol):
    """Where the ingestor reads the time it records (``collector.runtime`` clocks fit)."""

    def now(self) -> datetime:
        """Current time, timezone-aware."""
        ...


@dataclass(slots=True)
class _BatchWork:
    """What one batch is writing, gathered while walking its messages in order."""

    now: datetime
    outcomes: list[MessageOutcome | None]
    inbox_rows: list[tuple[Any, ...]] = field(default_factory=list)
    dead_rows: list[dict[str, Any]] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    stored: list[StoredEvent] = field(default_factory=list)
    streams: dict[StreamKey, str] = field(default_factory=dict)
    new_seqs: dict[StreamKey, set[int]] = field(default_factory=dict)
    dead_keys: set[DeadLetterKey] = field(default_factory=set)
    """Dead letters already stored, or first seen earlier in this batch."""
    loaded: LoadedBook | None = None


class SqlIngestor:
    """Implements ``collector.ingest.ports.Ingestor`` on the SQL ledger (SQLite or PostgreSQL)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        clock: WallClock,
        observers: Sequence[PostingObserver] = (),
    ) -> None:
        """Use a migrated engine (``collector.ledger.engine.open_ledger``)."""
        self._engine = engine
        self._clock = clock
        self._observers = tuple(observers)
        self._cache = PositionCache()
        # Resolved once: per-event debug lines then cost nothing when debug is filtered out,
        # and their fields are not even built.
        self._log = log.bind()
        enabled = getattr(self._log, "is_enabled_for", None)
        self._debug = enabled(logging.DEBUG) if enabled is not None else True

    def ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        """Decode, de-duplicate, post and commit a batch; ``LedgerError`` if the database fails."""
        with gc_paused():
            return self._ingest(batch)

    def _ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        decoded = [decode(message) for message in batch]
        try:
            with self._engine.begin() as conn:
                lock_ledger(conn)
                result, work = self._apply(conn, decoded)
        except sa.exc.SQLAlchemyError as err:
            self._cache.clear()
            raise LedgerError(
                f"ledger transaction for a batch of {len(batch)} messages failed and was rolled "
                f"back: {err.__class__.__name__}: {err}"
            ) from err
        except BaseException:
            self._cache.clear()
            raise
        if work.loaded is not None:
            self._cache.remember(work.loaded.book)
        log.info(
            "ledger.batch_committed",
            messages=len(batch),
            movements=sum(len(p.lines) for p in work.postings),
            dead_lettered=len(work.dead_rows),  # occurrences, repeats included
            devices=len(work.streams),
        )
        return result

    def _apply(
        self, conn: sa.Connection, decoded: Sequence[Decoded | Undecodable]
    ) -> tuple[BatchOutcome, _BatchWork]:
        work = _BatchWork(now=self._clock.now(), outcomes=[None] * len(decoded))
        fresh = self._classify(conn, decoded, work)
        loaded = load_book(conn, _book_request(item for _, item in fresh), self._cache)
        work.loaded = loaded
        for index, item in fresh:
            self._post_one(index, item, loaded, work)
        self._write(conn, loaded, work)
        progress = update_progress(conn, work.streams, work.new_seqs, work.now)
        posted = _posted(loaded, work)
        for observer in self._observers:
            observer.on_posted(conn, posted)
        if work.stored and self._observers:
            _report_observer_postings(conn, work)
        outcomes = [outcome for outcome in work.outcomes if outcome is not None]
        return BatchOutcome(outcomes=outcomes, progress=progress), work

    def _classify(
        self, conn: sa.Connection, decoded: Sequence[Decoded | Undecodable], work: _BatchWork
    ) -> list[tuple[int, Decoded]]:
        """Dead-letter the undecodable, mark duplicates; return the new events in order."""
        valid = [d for d in decoded if isinstance(d, Decoded)]
        seen = find_seen(conn, [(d.event.event_id, _seq_key(d)) for d in valid])
        undecodable = [d.message for d in decoded if isinstance(d, Undecodable)]
        if undecodable:
            keys = {dead_letter_key(m.topic, m.payload) for m in undecodable}
            work.dead_keys = find_stored(conn, keys)
        batch_ids: set[UUID] = set()
        batch_seqs: set[SeqKey] = set()
        fresh: list[tuple[int, Decoded]] = []
        for index, item in enumerate(decoded):
            if isinstance(item, Undecodable):
                self._dead_letter_undecodable(index, item, work)
                continue
            event, seq = item.event, _seq_key(item)
            work.streams[seq[:2]] = item.site
            if seen.has(event.event_id, seq) or event.event_id in batch_ids or seq in batch_seqs:
                work.outcomes[index] = _outcome(Disposition.DUPLICATE, item)
                if self._debug:
                    self._log.debug(
                        "event.duplicate", device=event.device_id, event_id=str(event.event_id)
                    )
                continue
            batch_ids.add(event.event_id)
            batch_seqs.add(seq)
            fresh.append((index, item))
        return fresh

    def _dead_letter_undecodable(self, index: int, item: Undecodable, work: _BatchWork) -> None:
        message = item.message
        key = dead_letter_key(message.topic, message.payload)
        work.dead_rows.append(
            {
                "received_at": message.received_at,
                "topic": key[0],
                "site": item.site,
                "device_id": item.device_id,
                "epoch": item.epoch,
                "seq": item.seq,
                "event_id": item.event_id,
                "reason": item.reason,
                # an oversized payload is kept up to the limit: the table must not balloon
                "payload": message.payload[:MAX_PAYLOAD_BYTES],
                "payload_sha256": key[1],
            }
        )
        if item.device_id and item.site and item.epoch is not None and item.seq is not None:
            work.streams[(item.device_id, item.epoch)] = item.site
            work.new_seqs.setdefault((item.device_id, item.epoch), set()).add(item.seq)
        repeat = key in work.dead_keys
        work.dead_keys.add(key)
        work.outcomes[index] = MessageOutcome(
            Disposition.DUPLICATE if repeat else Disposition.DEAD_LETTERED,
            device_id=item.device_id,
            epoch=item.epoch,
            seq=item.seq,
            event_id=item.event_id,
            reason=item.reason,
        )
        if repeat:  # stored once already: its counter goes up, nobody needs a second warning
            self._log.debug("dead_letter.repeated", topic=message.topic, sha256=key[1])
            return
        log.warning(
            "event.dead_lettered",
            topic=message.topic,
            device=item.device_id,
            event_id=str(item.event_id) if item.event_id else None,
            reason=item.reason,
        )

    def _post_one(self, index: int, item: Decoded, loaded: LoadedBook, work: _BatchWork) -> None:
        event = item.event
        if not isinstance(event, StockTransactionEvent):
            work.stored.append(StoredEvent(item.site, event.device_id, event))
            self._record(index, item, Disposition.STORED, work)
            if self._debug:
                self._log.debug(
                    "event.stored",
                    device=event.device_id,
                    event_id=str(event.event_id),
                    kind=event.kind.value,
                    note="stored; its ledger handling comes with later work",
                )
            return
        try:
            posting = post_transaction(
                loaded.book,
                event_id=event.event_id,
                effective_at=event.observed_at,
                tx=event.data,
            )
        except RejectedEventError as err:
            self._reject(index, item, str(err), work)
            return
        except (ArithmeticError, ValueError, TypeError, LookupError) as err:
            # A bug, not bad input; but one event must not block every batch after it.
            # The posting's draft never reached the book, so the ledger is unchanged.
            self._log.exception("event.posting_failed", event_id=str(event.event_id))
            reason = (
                f"could not be posted because of an internal error ({err.__class__.__name__}: "
                f"{err}); the ledger is unchanged, please report this event"
            )
            self._reject(index, item, reason, work)
            return
        work.postings.append(posting)
        self._record(index, item, Disposition.APPLIED, work)
        if self._debug:
            self._log.debug(
                "event.applied",
                device=event.device_id,
                sku=event.data.sku,
                event_id=str(event.event_id),
                type=event.data.type.value,
            )

    def _reject(self, index: int, item: Decoded, reason: str, work: _BatchWork) -> None:
        event, message = item.event, item.message
        self._record(index, item, Disposition.DEAD_LETTERED, work, reason=reason)
        topic, digest = dead_letter_key(message.topic, message.payload)
        work.dead_rows.append(
            {
                "received_at": message.received_at,
                "topic": topic,
                "site": item.site,
                "device_id": event.device_id,
                "epoch": event.epoch,
                "seq": event.seq,
                "event_id": event.event_id,
                "reason": reason,
                "payload": message.payload,
                "payload_sha256": digest,
            }
        )
        log.warning(
            "event.dead_lettered",
            device=event.device_id,
            sku=getattr(event.data, "sku", None),
            event_id=str(event.event_id),
            reason=reason,
        )

    def _record(
        self,
        index: int,
        item: Decoded,
        disposition: Disposition,
        work: _BatchWork,
        *,
        reason: str | None = None,
    ) -> None:
        event = item.event
        stream = (event.device_id, event.epoch)
        seqs = work.new_seqs.get(stream)
        if seqs is None:
            seqs = work.new_seqs[stream] = set()
        seqs.add(event.seq)
        work.inbox_rows.append(
            event_inbox_row(event, item.site, item.message.received_at, disposition, item.text)
        )
        work.outcomes[index] = _outcome(disposition, item, reason)

    def _write(self, conn: sa.Connection, loaded: LoadedBook, work: _BatchWork) -> None:
        keys = {line.key for posting in work.postings for line in posting.lines}
        ensure_places(
            conn,
            owner_ids={key.owner for key in keys},
            paths={key.location for key in keys},
            now=work.now,
        )
        write_inbox(conn, work.inbox_rows)
        record_dead_letters(conn, work.dead_rows)
        write_postings(conn, loaded, work.postings, work.now)


def _report_observer_postings(conn: sa.Connection, work: _BatchWork) -> None:
    """Stored events an observer posted movements from (reconciliation) are reported applied.

    The inbox is the record: an observer marks such rows ``applied`` in this transaction.
    """
    stored_ids = {stored.event.event_id for stored in work.stored}
    posted = applied_among(conn, stored_ids)
    if not posted:
        return
    for index, outcome in enumerate(work.outcomes):
        if outcome is not None and outcome.event_id in posted:
            work.outcomes[index] = replace(outcome, disposition=Disposition.APPLIED)


def _seq_key(item: Decoded) -> SeqKey:
    return (item.event.device_id, item.event.epoch, item.event.seq)


def _outcome(disposition: Disposition, item: Decoded, reason: str | None = None) -> MessageOutcome:
    event = item.event
    # positional: MessageOutcome's field order (disposition, device, epoch, seq, id, reason)
    return MessageOutcome(
        disposition, event.device_id, event.epoch, event.seq, event.event_id, reason
    )


def _book_request(items: Any) -> BookRequest:
    """Items, positions and sale costs the batch's stock transactions may touch."""
    skus: set[str] = set()
    keys: set[PositionKey] = set()
    named: set[UUID] = set()
    return_owners: set[tuple[str, str]] = set()
    for item in items:
        event = item.event
        if not isinstance(event, StockTransactionEvent):
            continue
        tx = event.data
        skus.add(tx.sku)
        keys.add(PositionKey(tx.sku, tx.location, tx.owner))
        if tx.to_location is not None:
            keys.add(PositionKey(tx.sku, tx.to_location, tx.owner))
        if tx.returns_event_id is not None:
            named.add(tx.returns_event_id)
        if tx.type.value == "return":
            return_owners.add((tx.sku, tx.owner))
    return BookRequest(frozenset(skus), frozenset(keys), frozenset(named), frozenset(return_owners))


def _posted(loaded: LoadedBook, work: _BatchWork) -> Posted:
    lines = tuple(line for posting in work.postings for line in posting.lines)
    touched = sorted({line.key for line in lines})
    balances = tuple(
        BalanceAfter(key, loaded.book.position(key).qty, loaded.book.position(key).value)
        for key in touched
    )
    return Posted(movements=lines, balances=balances, stored_events=tuple(work.stored))
