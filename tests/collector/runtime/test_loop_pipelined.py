"""The pipelined batch loop: batch N+1 is gathered and handed over while N commits elsewhere,
and still no message is acknowledged before its own batch committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from collector.errors import LedgerError
from collector.ingest.ports import BatchOutcome, InboundMessage
from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchLoop, BatchPolicy

from .conftest import FakeIngestor, FakeStop, FakeTransport, make_delivery

POLICY = BatchPolicy(
    max_messages=10,
    max_wait_s=0.02,
    retry=Backoff(initial_s=0.5, max_s=4.0, random_unit=lambda: 1.0),
)


@dataclass
class FakeWriter(FakeIngestor):
    """Commits a submitted batch when its result is asked for (as a writer process would)."""

    result_failures: int = 0
    submitted: list[InboundMessage] | None = None

    def submit(self, batch: Sequence[InboundMessage]) -> None:
        self.journal.append(("submit", len(batch)))
        self.submitted = list(batch)

    def committing(self) -> bool:
        return False  # answers at once: the loop only takes what is queued already

    def result(self) -> BatchOutcome:
        batch, self.submitted = self.submitted or [], None
        if self.result_failures:
            self.result_failures -= 1
            self.journal.append(("failed", len(batch)))
            raise LedgerError("database is locked (fake outage)")
        return self.ingest(batch)


@dataclass
class StopWhenDrained(FakeStop):
    """Asks the loop to stop once the transport has nothing left."""

    transport: FakeTransport | None = None

    def is_set(self) -> bool:
        return self.transport is not None and not self.transport.queued


@pytest.fixture
def writer(journal) -> FakeWriter:
    return FakeWriter(journal=journal)


def run_until_drained(transport, writer, clock, mids) -> None:
    transport.queued.extend(make_delivery(mid) for mid in mids)
    stop = StopWhenDrained(clock=clock, transport=transport)
    BatchLoop(transport=transport, ingestor=writer, clock=clock, stop=stop, policy=POLICY).run()


def kinds(journal) -> list[str]:
    return [entry[0] for entry in journal]


def test_the_next_batch_is_handed_over_before_the_committed_one_is_acked(
    transport, writer, clock, journal
) -> None:
    run_until_drained(transport, writer, clock, range(1, 16))
    assert kinds(journal) == [
        "submit", "commit", "submit", *["ack"] * 10, "publish", "commit", *["ack"] * 5, "publish",
    ]  # fmt: skip
    assert [entry[1] for entry in journal if entry[0] == "ack"] == list(range(1, 16))


def test_a_failed_commit_is_retried_and_nothing_is_acked_before_it_succeeds(
    transport, writer, clock, journal
) -> None:
    writer.result_failures = 1
    run_until_drained(transport, writer, clock, range(1, 4))
    assert kinds(journal) == ["submit", "failed", "commit", "ack", "ack", "ack", "publish"]


def test_a_batch_that_cannot_be_handed_over_is_committed_after_the_previous_acks(
    transport, writer, clock, journal
) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 11))
    stop = StopWhenDrained(clock=clock, transport=transport)
    loop = BatchLoop(transport=transport, ingestor=writer, clock=clock, stop=stop, policy=POLICY)
    original = writer.submit

    def fail_second(batch):
        if any(kind == "submit" for kind in kinds(journal)):
            raise LedgerError("writer gone")
        original(batch)

    writer.submit = fail_second  # type: ignore[method-assign]
    transport.queued.extend(make_delivery(mid) for mid in range(11, 13))
    loop.run()
    assert kinds(journal) == [
        "submit", "commit", *["ack"] * 10, "publish", "commit", "ack", "ack", "publish",
    ]  # fmt: skip
