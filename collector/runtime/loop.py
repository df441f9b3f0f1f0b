"""The batch loop: deliveries → one ledger commit → broker acks → device acks, in that order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from collector.errors import LedgerError
from collector.ingest.ports import BatchOutcome, DeviceProgress, Ingestor
from collector.runtime.backoff import Backoff
from collector.runtime.batching import (
    BatchSizer,
    collect_batch,
    gather_queued,
    gather_while_committing,
    someone_is_live,
    take_turns,
)
from collector.runtime.fair_queue import FairQueue
from collector.runtime.ports import Clock, Delivery, PipelinedIngestor, StopSignal, Transport
from edge_agent import wire

log = structlog.get_logger("collector.runtime")


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """How deliveries are grouped into commits and how a failing commit is retried."""

    max_messages: int = 500
    max_wait_s: float = 0.02
    idle_poll_s: float = 0.2
    target_commit_s: float | None = None
    """Size batches so a commit lasts about this long (``BatchSizer``); None: always the max."""
    retry: Backoff = field(default_factory=lambda: Backoff(initial_s=0.5, max_s=15.0))


@dataclass(slots=True)
class LoopStats:
    """Running totals, for logs and benchmarks."""

    batches: int = 0
    messages: int = 0
    failed_attempts: int = 0
    by_disposition: dict[str, int] = field(default_factory=dict)


def encode_ack(progress: DeviceProgress) -> bytes:
    """The ``EventAck`` wire payload reporting one device's progress."""
    ack = wire.EventAck(
        device_id=progress.device_id, epoch=progress.epoch, seq=progress.contiguous_seq
    )
    return ack.model_dump_json(by_alias=True).encode()


class BatchLoop:
    """Drains the transport into ledger batches; acknowledges nothing before its commit."""

    def __init__(
        self,
        *,
        transport: Transport,
        ingestor: Ingestor,
        clock: Clock,
        stop: StopSignal,
        policy: BatchPolicy | None = None,
    ) -> None:
        """Wire the loop to its ports; nothing runs until ``run``."""
        self._transport = transport
        self._ingestor = ingestor
        self._clock = clock
        self._stop = stop
        self._policy = policy or BatchPolicy()
        self.stats = LoopStats()
        self._waiting: FairQueue[str, Delivery] = FairQueue()  # taken, not yet in a batch
        self._sizer = BatchSizer(
            max_messages=self._policy.max_messages, target_s=self._policy.target_commit_s
        )

    def run(self) -> None:
        """Process batches until the stop signal is set; the batch in hand is finished first."""
        log.info("loop.started", batch_max=self._policy.max_messages)
        if isinstance(self._ingestor, PipelinedIngestor):
            self._run_pipelined(self._ingestor)
        else:
            while not self._stop.is_set():
                self.run_once()
        log.info("loop.stopped", batches=self.stats.batches, messages=self.stats.messages)

    def _run_pipelined(self, ingestor: PipelinedIngestor) -> None:
        """Gather batch N+1 while batch N commits elsewhere, devices taking turns.

        While N commits, whatever arrives moves into per-device lanes; once N's commit is
        answered, N+1 takes one event per device in turn (up to the batch size), is handed
        over at once, and N is acknowledged while N+1 commits. So batches grow with the
        commit time (a group commit), a device draining its backlog cannot push another's
        live event out of the next batch, acks still follow their own batch's commit (the
        writer commits in order), and the writer never waits for the PUBACKs.
        """
        in_flight: Sequence[Delivery] = []
        submitted_at_s = 0.0
        while True:
            stopping = self._stop.is_set()
            outcome = None
            if in_flight:
                if not stopping:
                    gather_while_committing(
                        self._transport, self._waiting, committing=ingestor.committing
                    )
                outcome = self._timed_commit(in_flight, started_s=submitted_at_s, submitted=True)
                if outcome is None:
                    return  # stopping during an outage: the broker redelivers the rest
            upcoming = [] if stopping else self._next_batch(busy=bool(in_flight))
            committed = in_flight
            submitted_at_s = self._clock.monotonic()
            handed_over = bool(upcoming) and self._submit(ingestor, upcoming)
            in_flight = upcoming if handed_over else []
            if committed:
                self._acknowledge(committed, outcome)
            if upcoming and not handed_over:
                self.handle(upcoming)  # commit it in the foreground, retrying as usual
            if stopping:
                return  # what waits unbatched was never acked: the broker redelivers it

    def _next_batch(self, *, busy: bool) -> list[Delivery]:
        """Right after a commit, the devices' turns; when idle, the first arrival's batch.

        The batch is kept to the commit-time target only while some device is live; when
        every device has a backlog, it fills to the batch maximum.
        """
        policy = self._policy
        gather_queued(self._transport, self._waiting)
        live = someone_is_live(self._waiting, max_messages=policy.max_messages)
        limit = self._sizer.limit() if live else policy.max_messages
        batch = take_turns(self._waiting, max_messages=limit)
        if batch or busy:
            return batch  # never wait here: the committed batch's acks are due
        return collect_batch(
            self._transport,
            self._clock,
            max_messages=self._sizer.limit(),
            max_wait_s=policy.max_wait_s,
            idle_poll_s=policy.idle_poll_s,
        )

    @staticmethod
    def _submit(ingestor: PipelinedIngestor, batch: Sequence[Delivery]) -> bool:
        """Hand a batch over to commit; False (logged) if it could not be."""
        try:
            ingestor.submit([delivery.message for delivery in batch])
        except Exception as err:  # nothing was handed over; the caller commits it itself
            log.warning("ingest.submit_failed", error=repr(err), batch_size=len(batch))
            return False
        return True

    def run_once(self) -> bool:
        """Collect and handle one batch; False when nothing arrived or it could not commit.

        Batches fill to the maximum here: with no per-device lanes this path cannot tell
        whether anyone is live, the one case the commit-time target is for.
        """
        policy = self._policy
        batch = collect_batch(
            self._transport,
            self._clock,
            max_messages=policy.max_messages,
            max_wait_s=policy.max_wait_s,
            idle_poll_s=policy.idle_poll_s,
        )
        return bool(batch) and self.handle(batch)

    def handle(self, batch: Sequence[Delivery]) -> bool:
        """Commit a batch (retrying while the ledger is down), then ack it; False if abandoned."""
        outcome = self._timed_commit(batch, started_s=self._clock.monotonic())
        return self._acknowledge(batch, outcome)

    def _timed_commit(
        self, batch: Sequence[Delivery], *, started_s: float, submitted: bool = False
    ) -> BatchOutcome | None:
        """``_ingest_until_committed``, telling the sizer how long a first-time commit took."""
        failures_before = self.stats.failed_attempts
        outcome = self._ingest_until_committed(batch, submitted=submitted)
        if outcome is not None and self.stats.failed_attempts == failures_before:
            self._sizer.observe(len(batch), self._clock.monotonic() - started_s)
        return outcome

    def _acknowledge(self, batch: Sequence[Delivery], outcome: BatchOutcome | None) -> bool:
        """PUBACK a committed batch, then publish the devices' acks; False if it never committed."""
        if outcome is None:
            return False
        for delivery in batch:
            self._transport.ack(delivery)
        for progress in outcome.progress:
            topic = wire.acks_topic(progress.site, progress.device_id)
            self._transport.publish(topic, encode_ack(progress))
        self._record(batch, outcome)
        return True

    def _ingest_until_committed(
        self, batch: Sequence[Delivery], *, submitted: bool = False
    ) -> BatchOutcome | None:
        """Call the ingestor until it commits; None if asked to stop while it keeps failing.

        ``submitted``: the batch was handed to a pipelined ingestor already; the first
        attempt waits for that commit, retries resubmit it.
        """
        messages = [delivery.message for delivery in batch]
        attempt = 0
        while True:
            try:
                if submitted and attempt == 0 and isinstance(self._ingestor, PipelinedIngestor):
                    return self._ingestor.result()
                return self._ingestor.ingest(messages)
            except LedgerError as err:
                reason = str(err)
            except Exception as err:  # a bug must stall loudly, never drop or ack the batch
                log.exception("ingest.unexpected_error", error=repr(err))
                reason = repr(err)
            delay_s = self._policy.retry.delay_s(attempt)
            attempt += 1
            self.stats.failed_attempts += 1
            log.error(
                "ledger.commit_failed",
                reason=reason,
                attempt=attempt,
                retry_in_s=round(delay_s, 3),
                batch_size=len(batch),
                hint="nothing was acknowledged; the batch is retried and never dropped",
            )
            if self._stop.wait(delay_s):
                log.warning(
                    "batch.abandoned_unacked",
                    batch_size=len(batch),
                    hint="stopping while the ledger fails; the broker redelivers these messages",
                )
                return None

    def _record(self, batch: Sequence[Delivery], outcome: BatchOutcome) -> None:
        """Update stats and log what needs an operator's eye."""
        stats = self.stats
        stats.batches += 1
        stats.messages += len(batch)
        # each dead letter is logged once, by the ledger that stored it (with its SKU)
        for result in outcome.outcomes:
            key = result.disposition.value
            stats.by_disposition[key] = stats.by_disposition.get(key, 0) + 1
        log.debug(
            "batch.committed",
            size=len(batch),
            acks=len(outcome.progress),
            next_limit=self._sizer.limit(),
        )
