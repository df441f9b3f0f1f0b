"""``SqlIngestor``: a batch of raw MQTT messages into the ledger, in one posting session."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
import structlog

from collector.clock import Clock
from collector.errors import RejectedEventError
from collector.ingest.decode import Decoded, Undecodable, decode
from collector.ingest.ports import BatchOutcome, Disposition, InboundMessage, MessageOutcome
from collector.ledger.gc_pause import gc_paused
from collector.ledger.inbox import event_inbox_row, update_progress
from collector.ledger.loading import PositionCache
from collector.ledger.observers import (
    PostingObserver,
    SensorPlan,
    SensorPostingSource,
    StoredEvent,
)
from collector.ledger.session import PostingSession, SessionOptions, posting_session
from collector.ledger.submission import BUGS, Outcome, submit
from collector.ledger.triage import DeadLetter, Triage, dead_disposition, dead_letter_of, triage
from edge_agent.wire import StockTransactionEvent

log = structlog.get_logger("collector.ledger")


class BatchFence(Protocol):
    """Which messages of a batch this collector may post, decided inside its transaction.

    ``collector run --cluster`` injects ``collector.cluster.fence.LeaseFence``; without a
    fence every message is admitted (one collector owns every device).
    """

    def admit(self, conn: sa.Connection, batch: Sequence[InboundMessage]) -> list[bool]:
        """Per message, True when it may be posted in the transaction on ``conn``."""
        ...


@dataclass(slots=True)
class _Batch:
    """One batch on its way through a session: outcomes by position, counts for the log."""

    session: PostingSession
    outcomes: list[MessageOutcome | None]
    plan: SensorPlan | None = None
    inbox_rows: list[tuple[Any, ...]] = field(default_factory=list)
    dead_lettered: int = 0


class SqlIngestor:
    """Implements ``collector.ingest.ports.Ingestor`` on the SQL ledger (SQLite or PostgreSQL).

    ``sensors`` (reconciliation, with site bindings) turns stored sensor events into
    transactions before the batch posts, so they share its book and are applied directly.
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        clock: Clock,
        observers: Sequence[PostingObserver] = (),
        sensors: SensorPostingSource | None = None,
        options: SessionOptions | None = None,
        fence: BatchFence | None = None,
    ) -> None:
        """Use a migrated engine (``collector.ledger.engine.open_ledger``)."""
        self._engine = engine
        self._fence = fence
        self._clock = clock
        self._observers = tuple(observers)
        self._sensors = sensors
        self._options = options
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
        with posting_session(
            self._engine,
            now=self._clock.now(),
            observers=self._observers,
            cache=self._cache,
            options=self._options,
            what=f"a batch of {len(batch)} messages",
        ) as session:
            admitted = self._admitted(session, batch)
            kept = [item for item, ok in zip(decoded, admitted, strict=True) if ok]
            work = _Batch(session, [None] * len(kept))
            progress = self._apply(work, kept)
            posted = session.finish()
        log.info(
            "ledger.batch_committed",
            messages=len(batch),
            movements=len(posted.movements),
            dead_lettered=work.dead_lettered,  # occurrences, repeats included
            devices=len(progress),
            fenced=len(decoded) - len(kept),
        )
        return BatchOutcome(outcomes=_merged(decoded, admitted, work.outcomes), progress=progress)

    def _admitted(self, session: PostingSession, batch: Sequence[InboundMessage]) -> list[bool]:
        """The fence's verdict per message, in the batch's transaction (all, without one)."""
        if self._fence is None:
            return [True] * len(batch)
        return self._fence.admit(session.conn, batch)

    def _apply(self, work: _Batch, decoded: Sequence[Any]) -> list[Any]:
        session = work.session
        sorted_ = triage(session.conn, decoded)
        for index, item in sorted_.duplicates:
            work.outcomes[index] = _outcome(Disposition.DUPLICATE, item)
            if self._debug:
                self._log.debug("event.duplicate", device=item.event.device_id,
                                event_id=str(item.event.event_id))  # fmt: skip
        for dead in sorted_.dead:
            self._dead_letter(work, dead, sorted_)
        for index, item, reason in sorted_.rejected_scans:
            self._record(work, index, item, Disposition.DEAD_LETTERED, reason)
            self._dead_letter(work, dead_letter_of(index, item, reason), sorted_)
        work.plan = self._plan(session, sorted_)
        transactions = [
            i.event.data for _, i in sorted_.fresh if isinstance(i.event, StockTransactionEvent)
        ]
        if work.plan is not None:
            transactions += [p.tx for p in work.plan.postings.values()]
        session.load_for(transactions)
        for index, item in sorted_.fresh:
            self._post_one(work, index, item)
        _report_unparked(work)
        session.record_many(work.inbox_rows)
        if work.plan is not None:
            session.add_observer(work.plan)
        return update_progress(session.conn, sorted_.streams, sorted_.new_seqs, session.now)

    def _plan(self, session: PostingSession, sorted_: Triage) -> SensorPlan | None:
        """Ask the sensor source what the batch's stored events post (with bindings only).

        Asked for every batch, sensor events or not: its plan also reconciles what the
        batch's own movements changed.
        """
        if self._sensors is None:
            return None
        stored = [_stored(item) for _, item in sorted_.fresh if not _is_transaction(item)]
        return self._sensors.plan(session.conn, stored, now=session.now)

    def _post_one(self, work: _Batch, index: int, item: Decoded) -> None:
        event = item.event
        if isinstance(event, StockTransactionEvent):
            self._post_transaction(work, index, item, event)
            return
        work.session.store(_stored(item))
        sensor = work.plan.postings.get(event.event_id) if work.plan is not None else None
        if sensor is None:
            self._record(work, index, item, Disposition.STORED)
            return
        try:
            work.session.post(event_id=event.event_id, effective_at=sensor.effective_at,
                              tx=sensor.tx)  # fmt: skip
        except (RejectedEventError, *BUGS) as err:  # the reconciliation raises an alert
            work.session.refuse(event.event_id, str(err))
            self._record(work, index, item, Disposition.STORED)
            return
        self._record(work, index, item, Disposition.APPLIED)

    def _post_transaction(
        self, work: _Batch, index: int, item: Decoded, event: StockTransactionEvent
    ) -> None:
        submitted = submit(
            work.session, event_id=event.event_id, effective_at=event.observed_at, tx=event.data
        )
        if submitted.outcome is Outcome.REFUSED:
            self._reject(work, index, item, submitted.reason or "refused")
            return
        if submitted.outcome is Outcome.PARKED:
            self._record(work, index, item, Disposition.PARKED, submitted.reason)
            return
        self._record(work, index, item, Disposition.APPLIED)
        if self._debug:
            self._log.debug("event.applied", device=event.device_id, sku=event.data.sku,
                            event_id=str(event.event_id), type=event.data.type.value)  # fmt: skip

    def _reject(self, work: _Batch, index: int, item: Decoded, reason: str) -> None:
        self._record(work, index, item, Disposition.DEAD_LETTERED, reason)
        work.session.dead_letter(dead_letter_of(index, item, reason).row())
        work.dead_lettered += 1
        log.warning(
            "event.dead_lettered",
            device=item.event.device_id,
            sku=getattr(item.event.data, "sku", None),
            event_id=str(item.event.event_id),
            reason=reason,
        )

    def _dead_letter(self, work: _Batch, dead: DeadLetter, sorted_: Triage) -> None:
        work.session.dead_letter(dead.row())
        work.dead_lettered += 1
        disposition = dead_disposition(dead, sorted_)
        if work.outcomes[dead.index] is None:
            work.outcomes[dead.index] = dead.outcome(disposition)
        if disposition is Disposition.DUPLICATE:  # counted on the stored one: no second warning
            self._log.debug("dead_letter.repeated", topic=dead.topic, event_id=str(dead.event_id))
            return
        log.warning(
            "event.dead_lettered",
            topic=dead.topic,
            device=dead.device_id,
            event_id=str(dead.event_id) if dead.event_id else None,
            reason=dead.reason,
        )

    def _record(
        self,
        work: _Batch,
        index: int,
        item: Decoded,
        disposition: Disposition,
        reason: str | None = None,
    ) -> None:
        event = item.event
        work.inbox_rows.append(
            event_inbox_row(event, item.site, item.message.received_at, disposition, item.text)
        )
        work.outcomes[index] = _outcome(disposition, item, reason)


def _report_unparked(work: _Batch) -> None:
    """An event parked and then posted by stock later in the same batch is reported applied."""
    unparked = work.session.unparked
    if not unparked:
        return
    for index, outcome in enumerate(work.outcomes):
        if outcome is not None and outcome.event_id in unparked:
            work.outcomes[index] = MessageOutcome(
                Disposition.APPLIED, outcome.device_id, outcome.epoch, outcome.seq,
                outcome.event_id,
            )  # fmt: skip


def _merged(
    decoded: Sequence[Decoded | Undecodable],
    admitted: Sequence[bool],
    outcomes: Sequence[MessageOutcome | None],
) -> list[MessageOutcome]:
    """The posted messages' outcomes with the fenced ones put back in input order."""
    posted = iter(outcomes)
    pairs = zip(decoded, admitted, strict=True)
    merged = (next(posted) if ok else _fenced(item) for item, ok in pairs)
    return [outcome for outcome in merged if outcome is not None]


def _fenced(item: Decoded | Undecodable) -> MessageOutcome:
    """A message left to the partition's owner: nothing of it was written here."""
    if isinstance(item, Decoded):
        event = item.event
        return MessageOutcome(Disposition.FENCED, event.device_id, event.epoch, event.seq,
                              event.event_id, "partition lease not held")  # fmt: skip
    return MessageOutcome(Disposition.FENCED, item.device_id, reason="partition lease not held")


def _is_transaction(item: Decoded) -> bool:
    return isinstance(item.event, StockTransactionEvent)


def _stored(item: Decoded) -> StoredEvent:
    return StoredEvent(item.site, item.event.device_id, item.event)


def _outcome(disposition: Disposition, item: Decoded, reason: str | None = None) -> MessageOutcome:
    event = item.event
    # positional: MessageOutcome's field order (disposition, device, epoch, seq, id, reason)
    return MessageOutcome(
        disposition, event.device_id, event.epoch, event.seq, event.event_id, reason
    )
