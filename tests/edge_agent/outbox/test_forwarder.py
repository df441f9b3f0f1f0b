"""The forwarder between the outbox and the link: window, acks, rewinds, resend, reconnect."""

from __future__ import annotations

import threading

from edge_agent import wire
from edge_agent.outbox.forwarder import Forwarder
from edge_agent.outbox.store import Outbox
from tests.edge_agent.outbox.conftest import (
    DEVICE,
    T0,
    FakeClock,
    RecordingPublisher,
    weight_change,
)


def fill(outbox: Outbox, n: int) -> None:
    outbox.append_many([(weight_change(i), T0) for i in range(n)])


def make(outbox: Outbox, publisher: RecordingPublisher, clock: FakeClock) -> Forwarder:
    return Forwarder(outbox=outbox, publisher=publisher, monotonic=clock, window=5,
                     ack_timeout_s=10)  # fmt: skip


def ack(outbox: Outbox, seq: int) -> wire.EventAck:
    return wire.EventAck(device_id=DEVICE, epoch=outbox.epoch, seq=seq)


def test_publishes_one_window_of_stored_events(outbox, publisher, clock) -> None:
    fill(outbox, 12)
    fwd = make(outbox, publisher, clock)
    assert fwd.step() == 5
    assert fwd.step() == 0
    assert publisher.seqs() == [1, 2, 3, 4, 5]


def test_collector_ack_deletes_and_slides(outbox, publisher, clock) -> None:
    fill(outbox, 12)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    fwd.on_ack(ack(outbox, 3))
    fwd.step()
    assert outbox.acked_through() == 3
    assert publisher.seqs() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_without_ack_nothing_leaves_the_outbox(outbox, publisher, clock) -> None:
    fill(outbox, 3)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    assert len(publisher.payloads) == 3  # the broker may well have PUBACKed all three
    assert outbox.unsent_count() == 3


def test_silence_resends_from_the_last_ack(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    fwd.on_ack(ack(outbox, 2))
    fwd.step()
    clock.advance(10)
    fwd.step()
    assert publisher.seqs() == [1, 2, 3, 4, 5, 3, 4, 5]


def test_resend_command_sends_again_from_the_seq(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    assert fwd.resend_from(outbox.epoch, 4)
    fwd.step()
    assert publisher.seqs()[5:] == [4, 5]


def test_resend_for_another_epoch_is_refused(outbox, publisher, clock) -> None:
    fwd = make(outbox, publisher, clock)
    assert not fwd.resend_from(outbox.epoch + 1, 1)


def test_nothing_is_published_while_disconnected(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    publisher.is_connected = False
    fwd = make(outbox, publisher, clock)
    assert fwd.step() == 0


def test_reconnect_resends_what_was_in_flight(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    fwd.on_ack(ack(outbox, 1))
    fwd.on_connection_change(False)
    fwd.on_connection_change(True)
    fwd.step()
    assert publisher.seqs()[5:] == [2, 3, 4, 5]


def test_failed_publish_is_retried_not_skipped(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    publisher.refuse_after = 2
    fwd = make(outbox, publisher, clock)
    fwd.step()
    publisher.refuse_after = None
    fwd.step()
    assert publisher.seqs() == [1, 2, 3, 4, 5]


def test_acks_are_coalesced_and_other_epochs_ignored(outbox, publisher, clock) -> None:
    fill(outbox, 5)
    fwd = make(outbox, publisher, clock)
    fwd.step()
    for seq in (1, 3, 2):
        fwd.on_ack(ack(outbox, seq))
    fwd.on_ack(wire.EventAck(device_id=DEVICE, epoch=outbox.epoch + 1, seq=5))
    fwd.step()
    assert outbox.acked_through() == 3
    assert fwd.stats().acked_seq == 3


def test_restart_resumes_after_the_deleted_events(outbox_path, publisher, clock) -> None:
    box = Outbox(outbox_path, device_id=DEVICE, max_bytes=2**22)
    fill(box, 8)
    box.acknowledge(box.epoch, 6)
    fwd = make(box, publisher, clock)
    fwd.step()
    assert publisher.seqs() == [7, 8]


def test_run_loop_delivers_until_stopped(outbox, publisher, clock) -> None:
    fwd = make(outbox, publisher, clock)
    stop = threading.Event()
    thread = threading.Thread(target=fwd.run, args=(stop,), kwargs={"idle_wait_s": 0.01})
    thread.start()
    fill(outbox, 3)
    fwd.wake()
    for _ in range(200):
        if len(publisher.payloads) == 3:
            break
        stop.wait(0.01)
    stop.set()
    thread.join(2)
    assert publisher.seqs() == [1, 2, 3]
    assert not thread.is_alive()
