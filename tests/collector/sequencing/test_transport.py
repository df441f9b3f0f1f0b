"""SequencedConnection: the batch loop receives each device's events in seq order."""

from __future__ import annotations

import uuid

from collector.runtime.backoff import Backoff
from collector.runtime.ports import Delivery
from collector.sequencing.reorder import ReorderBuffer, ReorderPolicy
from collector.sequencing.resend import ResendScheduler
from collector.sequencing.streams import StreamKey
from collector.sequencing.transport import SequencedConnection
from edge_agent import wire
from tests.collector.sequencing.conftest import (
    DEVICE,
    EPOCH,
    SITE,
    FakeConnection,
    ManualClock,
    ack_payload,
    event_delivery,
)


def sequenced(inner: FakeConnection, clock: ManualClock) -> SequencedConnection:
    buffer: ReorderBuffer[Delivery] = ReorderBuffer(ReorderPolicy(window_s=2.0, max_held=50))
    resends = ResendScheduler(Backoff(initial_s=1.0, max_s=4.0, random_unit=lambda: 1.0))
    return SequencedConnection(inner, clock=clock, buffer=buffer, resends=resends)


def drain(conn: SequencedConnection) -> list[int]:
    """Everything the loop gets without waiting."""
    seqs = []
    while (delivery := conn.receive(0)) is not None:
        seqs.append(delivery.mid)
    return seqs


def take(conn: SequencedConnection, count: int, timeout_s: float) -> list[int]:
    """The next ``count`` deliveries, each waited for up to ``timeout_s``."""
    seqs = []
    for _ in range(count):
        delivery = conn.receive(timeout_s)
        assert delivery is not None
        seqs.append(delivery.mid)
    return seqs


def test_reordered_events_reach_the_loop_in_seq_order(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3, 2, 5, 4))
    conn = sequenced(inner, clock)
    assert drain(conn) == [1, 2, 3, 4, 5]
    assert inner.commands() == []


def test_held_event_is_not_given_to_the_loop_so_never_acked(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3))
    conn = sequenced(inner, clock)
    assert drain(conn) == [1]
    assert inner.acked == []


def test_a_wait_returns_the_held_event_when_its_window_expires(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3))
    conn = sequenced(inner, clock)
    assert conn.receive(0) is not None
    start_s = clock.t_s
    delivery = conn.receive(10.0)
    assert delivery is not None
    assert delivery.mid == 3
    assert clock.t_s - start_s == 2.0  # woke at the window's end, not the caller's timeout


def test_gap_after_the_window_gets_a_resend_command(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 2, 4, 5))
    conn = sequenced(inner, clock)
    assert take(conn, 4, timeout_s=3.0) == [1, 2, 4, 5]
    [command] = inner.commands()
    assert (command.name, command.epoch, command.from_seq) == (wire.CommandName.RESEND, EPOCH, 3)


def test_resend_repeats_with_backoff_until_the_gap_closes(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3))
    conn = sequenced(inner, clock)
    assert take(conn, 2, timeout_s=2.0) == [1, 3]  # 3 after the window; first request
    assert conn.receive(1.0) is None  # second request, after 1 s
    assert conn.receive(2.0) is None  # third, after 2 s more
    assert [c.from_seq for c in inner.commands()] == [2, 2, 2]
    inner.queued.append(event_delivery(2))
    assert drain(conn) == [2]
    conn.receive(10.0)
    assert len(inner.commands()) == 3


def test_a_gap_being_filled_event_by_event_draws_no_further_resend(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, *range(21, 31)))
    conn = sequenced(inner, clock)
    assert take(conn, 11, timeout_s=3.0)[-1] == 30  # the hold expired: gap 2-20, one request
    for seq in range(2, 21):  # the device's resend arrives, one event at a time
        inner.queued.append(event_delivery(seq))
        assert take(conn, 1, timeout_s=0.05) == [seq]
    assert [c.from_seq for c in inner.commands()] == [2]


def test_ledger_ack_closes_the_gap(inner: FakeConnection, clock: ManualClock) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3))
    conn = sequenced(inner, clock)
    assert take(conn, 2, timeout_s=2.0) == [1, 3]
    conn.publish(wire.acks_topic(SITE, DEVICE), ack_payload(3))  # 2 came another way
    conn.receive(10.0)
    assert len(inner.commands()) == 1
    assert inner.published[-1][0] == wire.acks_topic(SITE, DEVICE)


def test_messages_without_a_readable_seq_pass_straight_through(
    inner: FakeConnection, clock: ManualClock
) -> None:
    bad = event_delivery(5)
    garbage = Delivery(
        mid=99,
        qos=1,
        message=type(bad.message)(bad.message.topic, b"{nope", bad.message.received_at),
    )
    inner.queued.extend([event_delivery(4), garbage])
    conn = sequenced(inner, clock)
    assert drain(conn) == [99]  # 4 waits for 1..3; the garbage goes on to be dead-lettered


def test_commands_get_fresh_ids(inner: FakeConnection, clock: ManualClock) -> None:
    inner.queued.extend(event_delivery(seq) for seq in (1, 3))
    conn = sequenced(inner, clock)
    take(conn, 2, timeout_s=2.0)
    conn.receive(5.0)
    ids = {c.command_id for c in inner.commands()}
    assert len(ids) == len(inner.commands()) >= 2
    assert all(isinstance(i, uuid.UUID) for i in ids)


def test_lifecycle_is_delegated(inner: FakeConnection, clock: ManualClock) -> None:
    conn = sequenced(inner, clock)
    conn.start()
    conn.stop()
    assert inner.started
    assert inner.stopped


def test_a_restart_forgets_what_was_released_beyond_the_ledger(
    inner: FakeConnection, clock: ManualClock
) -> None:
    """A device taken back after its lease was lost: the ledger stands at 2, not at 4."""
    inner.queued.extend(event_delivery(seq) for seq in (1, 2, 3, 4))
    conn = sequenced(inner, clock)
    assert drain(conn) == [1, 2, 3, 4]  # 3 and 4 were then fenced: never committed
    key = StreamKey(SITE, DEVICE, EPOCH)
    conn.restart(lambda device: device == DEVICE, [(key, 2, 2, ())])
    inner.queued.append(event_delivery(5))  # live, ahead of the resent 3 and 4
    assert drain(conn) == []
    inner.queued.extend(event_delivery(seq) for seq in (3, 4))
    assert drain(conn) == [3, 4, 5]


def test_a_restart_drops_what_the_stream_held_and_leaves_other_devices_alone(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend([event_delivery(1), event_delivery(3), event_delivery(1, device="other")])
    conn = sequenced(inner, clock)
    assert drain(conn) == [1, 1]  # 3 is held
    conn.restart(lambda device: device == DEVICE, [])
    assert drain(conn) == []  # not posted: acked to the broker and dropped
    assert 3 in inner.acked  # (the device still has it and sends it again)
    inner.queued.append(event_delivery(2, device="other"))
    assert drain(conn) == [2]  # the other device's stream was kept


def test_after_a_restart_live_events_wait_for_the_resend_beyond_the_reorder_window(
    inner: FakeConnection, clock: ManualClock
) -> None:
    """A device just taken over is asked to resend from 3; under load that takes a while."""
    conn = sequenced(inner, clock)
    conn.restart(lambda device: device == DEVICE, [(StreamKey(SITE, DEVICE, EPOCH), 2, 2, ())])
    inner.queued.append(event_delivery(7))  # live, overtaking the resend of 3..6
    assert drain(conn) == []
    clock.t_s += 5.0  # past the 2 s window
    assert drain(conn) == []
    inner.queued.extend(event_delivery(seq) for seq in (3, 4, 5, 6))
    assert drain(conn) == [3, 4, 5, 6, 7]


def test_a_forgotten_stream_drops_what_it_held_and_asks_for_nothing_more(
    inner: FakeConnection, clock: ManualClock
) -> None:
    inner.queued.extend([event_delivery(1), event_delivery(3)])
    conn = sequenced(inner, clock)
    assert drain(conn) == [1]  # 3 is held
    conn.forget(lambda device: device == DEVICE)  # its partition went to another member
    assert drain(conn) == []  # never posted: the fence may still admit it
    assert inner.acked == [3]  # acked to the broker (the device sends it again)
    clock.t_s += 60.0  # long past the window and every resend's backoff
    assert drain(conn) == []
    assert inner.commands() == []
