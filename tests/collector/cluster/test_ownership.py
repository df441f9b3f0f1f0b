"""``OwnedConnection``: only held partitions' events reach the loop; a takeover asks again."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence

from collector.cluster.leases import StreamSeed
from collector.cluster.ownership import Grant, OwnedConnection, Ownership
from collector.cluster.partitions import partition_of
from collector.runtime.ports import Delivery
from collector.sequencing.streams import StreamKey
from collector.sequencing.transport import StreamRecord
from edge_agent import wire
from tests.collector.ledger.messages import SITE, tx_message
from tests.support.clock import ManualClock

N = 4
MINE = next(f"pi-{n}" for n in range(100) if partition_of(f"pi-{n}", N) == 1)
THEIRS = next(f"pi-{n}" for n in range(100) if partition_of(f"pi-{n}", N) == 2)


class FakeBroker:
    """Deliveries queued by the test; acks and publishes recorded."""

    def __init__(self) -> None:
        self.queue: deque[Delivery] = deque()
        self.acked: list[int] = []
        self.published: list[tuple[str, bytes]] = []
        self.sent = 0

    def deliver(self, device: str, seq: int, *, epoch: int = 1) -> None:
        message = tx_message(seq, device=device, epoch=epoch)
        self.sent += 1
        self.queue.append(Delivery(mid=self.sent, qos=1, message=message))

    def receive(self, timeout_s: float) -> Delivery | None:
        return self.queue.popleft() if self.queue else None

    def ack(self, delivery: Delivery) -> None:
        self.acked.append(delivery.mid)

    def publish(self, topic: str, payload: bytes) -> None:
        self.published.append((topic, payload))

    def start(self) -> None: ...

    def stop(self, flush_timeout_s: float = 5.0) -> None: ...


class Seeds:
    """The sequencer's side of a takeover: which devices restarted, from which record."""

    def __init__(self) -> None:
        self.seeded: list[tuple[StreamKey, int]] = []
        self.restarted: list[str] = []
        self.forgotten: list[str] = []

    def restart(self, belongs: Callable[[str], bool], record: Sequence[StreamRecord]) -> None:
        self.restarted = [d for d in (MINE, THEIRS) if belongs(d)]
        self.seeded = [(key, contiguous) for key, contiguous, _high, _gaps in record]

    def forget(self, belongs: Callable[[str], bool]) -> None:
        self.forgotten += [d for d in (MINE, THEIRS) if belongs(d)]


def connection() -> tuple[OwnedConnection, Ownership, FakeBroker, Seeds, ManualClock]:
    ownership, broker, seeds, clock = Ownership(), FakeBroker(), Seeds(), ManualClock()
    owned = OwnedConnection(broker, ownership=ownership, partitions=N, clock=clock)
    owned.seeder = seeds
    return owned, ownership, broker, seeds, clock


def resends(broker: FakeBroker) -> list[tuple[str, int, int]]:
    found = []
    for topic, payload in broker.published:
        command = json.loads(payload)
        found.append((wire.parse_topic(topic).device_id, command["epoch"], command["from_seq"]))
    return found


def test_events_of_partitions_not_held_are_acked_and_never_handed_over() -> None:
    owned, ownership, broker, _seeds, _clock = connection()
    ownership.grant(Grant(1, token=5))
    broker.deliver(THEIRS, 1)
    broker.deliver(MINE, 1)
    delivery = owned.receive(0)
    assert delivery is not None
    assert delivery.message.lease == 5
    assert wire.parse_topic(delivery.message.topic).device_id == MINE
    assert broker.acked == [1]  # the other device's, at once; ours only after its commit
    assert owned.receive(0) is None


def test_a_takeover_seeds_the_streams_and_asks_every_known_device_to_resend() -> None:
    owned, ownership, broker, seeds, _clock = connection()
    broker.deliver(MINE, 9, epoch=3)  # seen while someone else held the partition
    assert owned.receive(0) is None
    stream = StreamSeed(SITE, MINE, 2, contiguous_seq=40, highest_seq=40, gaps=())
    ownership.grant(Grant(1, token=2, streams=(stream,)))
    assert owned.receive(0) is None
    assert seeds.seeded == [(StreamKey(SITE, MINE, 2), 40)]
    assert seeds.restarted == [MINE]  # only the partition's devices start over
    assert resends(broker) == [(MINE, 3, 1)]  # the newest epoch seen, from its start


def test_a_takeover_resends_from_the_ledger_s_contiguous_seq() -> None:
    owned, ownership, broker, _seeds, _clock = connection()
    owned.seeder = None  # no sequencer above: the takeover is the only one to ask
    stream = StreamSeed(SITE, MINE, 1, contiguous_seq=40, highest_seq=44, gaps=((41, 42),))
    ownership.grant(Grant(1, token=2, streams=(stream,)))
    owned.receive(0)
    assert resends(broker) == [(MINE, 1, 41)]


def test_a_takeover_leaves_a_stream_with_a_gap_to_the_sequencer_s_resend() -> None:
    owned, ownership, broker, seeds, _clock = connection()
    gapped = StreamSeed(SITE, MINE, 1, contiguous_seq=40, highest_seq=44, gaps=((41, 42),))
    ownership.grant(Grant(1, token=2, streams=(gapped,)))
    owned.receive(0)
    assert seeds.seeded == [(StreamKey(SITE, MINE, 1), 40)]  # the sequencer asks for 41 on
    assert resends(broker) == []  # ... so the device is not made to rewind twice


def test_a_newer_epoch_seen_is_asked_for_even_when_the_ledger_s_stream_has_a_gap() -> None:
    owned, ownership, broker, _seeds, _clock = connection()
    broker.deliver(MINE, 3, epoch=2)
    assert owned.receive(0) is None
    gapped = StreamSeed(SITE, MINE, 1, contiguous_seq=40, highest_seq=44, gaps=((41, 42),))
    ownership.grant(Grant(1, token=2, streams=(gapped,)))
    owned.receive(0)
    assert resends(broker) == [(MINE, 2, 1)]


def test_a_revoked_partition_stops_being_handed_over_at_once() -> None:
    owned, ownership, broker, _seeds, _clock = connection()
    ownership.grant(Grant(1, token=1))
    broker.deliver(MINE, 1)
    assert owned.receive(0) is not None
    ownership.revoke(1)
    broker.deliver(MINE, 2)
    assert owned.receive(0) is None
    assert broker.acked == [2]


def test_lag_counts_what_was_handed_over_and_not_yet_acked() -> None:
    owned, ownership, broker, _seeds, clock = connection()
    ownership.grant(Grant(1, token=1))
    broker.deliver(MINE, 1)
    broker.deliver(MINE, 2)
    first, second = owned.receive(0), owned.receive(0)
    assert first is not None
    assert second is not None
    clock.t_s += 1.5
    owned.ack(first)
    lag = owned.lag()
    assert (lag[1].events, lag[1].oldest_s) == (1, 1.5)
    owned.ack(second)
    assert owned.lag() == {}


def test_a_partition_let_go_has_its_streams_forgotten_by_the_sequencer() -> None:
    owned, ownership, _broker, seeds, _clock = connection()
    ownership.grant(Grant(1, token=3))
    ownership.grant(Grant(2, token=4))
    owned.receive(0)
    assert seeds.forgotten == []
    ownership.revoke(1)  # released to another member, or lost
    owned.receive(0)
    assert seeds.forgotten == [MINE]  # no more holds or resends for its devices here
    owned.receive(0)
    assert seeds.forgotten == [MINE]  # once
