"""The batch loop commits first, then acks, then tells devices; it never drops a batch."""

from __future__ import annotations

from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchLoop, BatchPolicy
from edge_agent import wire

from .conftest import FakeIngestor, FakeStop, FakeTransport, ManualClock, make_delivery

POLICY = BatchPolicy(
    max_messages=10,
    max_wait_s=0.02,
    retry=Backoff(initial_s=0.5, max_s=4.0, random_unit=lambda: 1.0),
)


def make_loop(transport: FakeTransport, ingestor: FakeIngestor, clock: ManualClock, stop: FakeStop):
    return BatchLoop(transport=transport, ingestor=ingestor, clock=clock, stop=stop, policy=POLICY)


def test_acks_follow_the_commit_and_device_acks_follow_the_broker_acks(
    transport, ingestor, clock, stop, journal
) -> None:
    transport.queued.extend(make_delivery(mid) for mid in (7, 8, 9))
    assert make_loop(transport, ingestor, clock, stop).run_once()
    assert [entry[0] for entry in journal] == ["commit", "ack", "ack", "ack", "publish"]
    assert [entry[1] for entry in journal[1:4]] == [7, 8, 9]


def test_device_ack_is_an_event_ack_on_the_device_acks_topic(
    transport, ingestor, clock, stop, journal
) -> None:
    transport.queued.extend(make_delivery(mid) for mid in (1, 2))
    make_loop(transport, ingestor, clock, stop).run_once()
    topic, payload = journal[-1][1]
    assert topic == wire.acks_topic("s1", "pos-1")
    ack = wire.EventAck.model_validate_json(payload)
    assert (ack.device_id, ack.epoch, ack.seq) == ("pos-1", 1, 2)


def test_ledger_outage_retries_the_same_batch_without_acking(
    transport, ingestor, clock, stop, journal
) -> None:
    ingestor.failures_left = 3
    transport.queued.extend(make_delivery(mid) for mid in (1, 2, 3))
    assert make_loop(transport, ingestor, clock, stop).run_once()
    assert [entry[0] for entry in journal[:4]] == ["failed", "failed", "failed", "commit"]
    assert all(call == ingestor.calls[0] for call in ingestor.calls)
    assert stop.waits_s == [0.5, 1.0, 2.0]  # backed off between attempts


def test_stop_during_an_outage_abandons_the_batch_unacked(
    transport, ingestor, clock, stop, journal
) -> None:
    ingestor.failures_left = 100
    stop.stop_after_waits = 2
    transport.queued.extend(make_delivery(mid) for mid in (1, 2))
    assert not make_loop(transport, ingestor, clock, stop).run_once()
    assert not [entry for entry in journal if entry[0] in {"ack", "publish"}]


def test_an_unexpected_ingestor_bug_is_retried_not_acked(transport, clock, stop, journal) -> None:
    class Broken:
        def ingest(self, batch):
            journal.append(("boom", len(batch)))
            raise RuntimeError("bug")

    stop.stop_after_waits = 1
    transport.queued.append(make_delivery(1))
    loop = BatchLoop(transport=transport, ingestor=Broken(), clock=clock, stop=stop, policy=POLICY)
    assert not loop.run_once()
    assert journal == [("boom", 1)]


def test_run_returns_once_stopped_after_finishing_the_batch_in_hand(
    transport, ingestor, clock, stop, journal
) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 26))
    loop = make_loop(transport, ingestor, clock, stop)

    original = ingestor.ingest

    def ingest_then_stop(batch):
        stop.is_stopped = True  # the signal arrives while the first batch is being committed
        return original(batch)

    ingestor.ingest = ingest_then_stop
    loop.run()
    assert loop.stats.batches == 1
    assert loop.stats.messages == 10
    assert len([entry for entry in journal if entry[0] == "ack"]) == 10


def test_stats_count_messages_by_disposition(transport, ingestor, clock, stop) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 4))
    loop = make_loop(transport, ingestor, clock, stop)
    loop.run_once()
    assert loop.stats.by_disposition == {"applied": 3}
