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
from tests.support.clock import ManualClock

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
    """Asks the loop to stop once ``expected`` messages were committed."""

    journal: list[tuple[str, object]] | None = None
    expected: int = 0

    def is_set(self) -> bool:
        commits = [n for kind, n in self.journal or [] if kind == "commit"]
        return sum(commits) >= self.expected  # type: ignore[arg-type]


@pytest.fixture
def writer(journal) -> FakeWriter:
    return FakeWriter(journal=journal)


def run_until_drained(transport, writer, clock, mids) -> None:
    transport.queued.extend(make_delivery(mid) for mid in mids)
    stop = StopWhenDrained(clock=clock, journal=writer.journal, expected=len(transport.queued))
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
    stop = StopWhenDrained(clock=clock, journal=journal, expected=12)
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


@dataclass
class LiveDuringFirstCommit(FakeWriter):
    """While the first batch commits, a live device's event arrives."""

    transport: FakeTransport | None = None
    arrived: bool = False

    def committing(self) -> bool:
        if self.transport is None or self.arrived:
            return False
        self.arrived = True
        self.transport.queued.append(make_delivery(1, device="live-1"))
        return True


def test_an_event_arriving_during_a_commit_goes_into_the_next_batch_ahead_of_a_backlog(
    transport, clock, journal
) -> None:
    backlog = [make_delivery(mid, device="backlog-1") for mid in range(1, 31)]
    transport.queued.extend(backlog)  # three batches' worth from a device draining its outbox
    writer = LiveDuringFirstCommit(journal=journal, transport=transport)
    stop = StopWhenDrained(clock=clock, journal=journal, expected=31)
    BatchLoop(transport=transport, ingestor=writer, clock=clock, stop=stop, policy=POLICY).run()
    devices = [[m.topic.split("/")[3] for m in batch] for batch in writer.calls]
    assert devices[0] == ["backlog-1"] * 10
    assert "live-1" in devices[1]  # not behind the 20 backlog events queued before it
    applied = [m.payload for batch in writer.calls for m in batch if "backlog" in m.topic]
    assert applied == [d.message.payload for d in backlog]  # the backlog's own order kept


@dataclass
class SlowCommits(FakeWriter):
    """Each commit takes 10 ms plus 1 ms per message; a live device may send one per commit."""

    clock: ManualClock | None = None
    transport: FakeTransport | None = None
    live_sent: int = 0

    def result(self) -> BatchOutcome:
        if self.clock is not None:
            self.clock.t_s += 0.010 + 0.001 * len(self.submitted or [])
        if self.transport is not None:
            self.live_sent += 1
            self.transport.queued.append(make_delivery(self.live_sent, device="live-1"))
        return super().result()


SLOW_POLICY = BatchPolicy(max_messages=100, max_wait_s=0.02, target_commit_s=0.05)


def test_beside_a_live_device_batches_shrink_until_a_commit_takes_the_target_time(
    transport, clock, journal
) -> None:
    transport.queued.extend(make_delivery(mid, device="backlog-1") for mid in range(1, 401))
    writer = SlowCommits(journal=journal, clock=clock, transport=transport)
    stop = StopWhenDrained(clock=clock, journal=journal, expected=400)
    BatchLoop(
        transport=transport, ingestor=writer, clock=clock, stop=stop, policy=SLOW_POLICY
    ).run()
    sizes = [len(batch) for batch in writer.calls]
    assert sizes[0] == 100  # nothing measured yet: a full batch (110 ms to commit)
    assert 39 <= sizes[7] <= 41  # 10 ms + 40 x 1 ms = the 50 ms target
    assert sizes[1:8] == sorted(sizes[1:8], reverse=True)  # closing in from above


def test_when_every_device_has_a_backlog_batches_stay_full(transport, clock, journal) -> None:
    transport.queued.extend(make_delivery(mid, device=f"till-{mid % 2}") for mid in range(1, 801))
    writer = SlowCommits(journal=journal, clock=clock)
    stop = StopWhenDrained(clock=clock, journal=journal, expected=800)
    BatchLoop(
        transport=transport, ingestor=writer, clock=clock, stop=stop, policy=SLOW_POLICY
    ).run()
    sizes = [len(batch) for batch in writer.calls]
    assert sizes[:6] == [100] * 6  # 110 ms commits, but nobody is waiting on a short queue
