"""The SQLite outbox: numbering, durability across reopen, acknowledgement and the disk cap."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from edge_agent import wire
from edge_agent.errors import EventDataError, OutboxError, OutboxFullError
from edge_agent.outbox.store import MIN_CAP_BYTES, Outbox
from tests.edge_agent.outbox.conftest import DEVICE, T0, weight_change


def test_append_numbers_events_from_one(outbox: Outbox) -> None:
    events = [outbox.append(weight_change(i), T0) for i in range(3)]
    assert [e.seq for e in events] == [1, 2, 3]
    assert {e.epoch for e in events} == {outbox.epoch}
    assert outbox.last_seq == 3


def test_event_ids_are_time_ordered_uuidv7(outbox: Outbox) -> None:
    ids = [outbox.append(weight_change(i), T0).event_id for i in range(50)]
    assert {i.version for i in ids} == {7}
    assert ids == sorted(ids)  # the collector's event-id indexes grow at one end


def test_stored_payload_is_the_wire_envelope(outbox: Outbox) -> None:
    event = outbox.append(weight_change(), T0)
    [stored] = outbox.next_to_send(0, 10)
    assert wire.parse_event(stored.payload) == event
    assert event.device_id == DEVICE


def test_reopen_continues_the_same_epoch_and_seq(outbox_path: Path) -> None:
    first = Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES * 4)
    first.append(weight_change(), T0)
    first.append(weight_change(), T0)
    first.close()
    again = Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES * 4)
    assert again.epoch == first.epoch
    assert again.append(weight_change(), T0).seq == 3


def test_new_file_starts_a_new_epoch(tmp_path: Path) -> None:
    epochs = iter([11, 22])
    a = Outbox(tmp_path / "a.db", device_id=DEVICE, max_bytes=MIN_CAP_BYTES,
               new_epoch=lambda: next(epochs))  # fmt: skip
    b = Outbox(tmp_path / "b.db", device_id=DEVICE, max_bytes=MIN_CAP_BYTES,
               new_epoch=lambda: next(epochs))  # fmt: skip
    assert (a.epoch, b.epoch) == (11, 22)


def test_random_epochs_fit_the_wire_range(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "x.db", device_id=DEVICE, max_bytes=MIN_CAP_BYTES)
    assert 1 <= box.epoch < 2**31


def test_acknowledge_deletes_only_up_to_seq(outbox: Outbox) -> None:
    for i in range(5):
        outbox.append(weight_change(i), T0)
    assert outbox.acknowledge(outbox.epoch, 3) == 3
    assert [e.seq for e in outbox.next_to_send(0, 10)] == [4, 5]
    assert outbox.unsent_count() == 2


def test_acknowledge_of_another_epoch_deletes_nothing(outbox: Outbox) -> None:
    outbox.append(weight_change(), T0)
    assert outbox.acknowledge(outbox.epoch + 1, 1) == 0
    assert outbox.unsent_count() == 1


def test_ack_past_last_seq_does_not_swallow_future_seqs(outbox: Outbox) -> None:
    outbox.append(weight_change(), T0)
    outbox.acknowledge(outbox.epoch, 50)
    assert outbox.append(weight_change(), T0).seq == 2
    assert [e.seq for e in outbox.next_to_send(0, 10)] == [2]


def test_next_to_send_pages_by_seq(outbox: Outbox) -> None:
    outbox.append_many([(weight_change(i), T0) for i in range(10)])
    assert [e.seq for e in outbox.next_to_send(4, 3)] == [5, 6, 7]


def test_acked_through_is_just_below_the_oldest_waiting_event(outbox: Outbox) -> None:
    outbox.append_many([(weight_change(i), T0) for i in range(6)])
    outbox.acknowledge(outbox.epoch, 4)
    assert outbox.acked_through() == 4
    outbox.acknowledge(outbox.epoch, 6)
    assert outbox.acked_through() == 6


def test_oldest_unsent_age_counts_from_its_observation(outbox: Outbox) -> None:
    assert outbox.oldest_unsent_age_s(T0) is None
    outbox.append(weight_change(), T0)
    outbox.append(weight_change(), T0 + timedelta(seconds=30))
    assert outbox.oldest_unsent_age_s(T0 + timedelta(seconds=90)) == pytest.approx(90)


def test_size_bytes_is_the_file_on_disk(outbox: Outbox, outbox_path: Path) -> None:
    outbox.append_many([(weight_change(i), T0) for i in range(200)])
    assert outbox.size_bytes() >= outbox_path.stat().st_size > 0


def test_nearing_the_cap_raises_the_warning_flag(outbox_path: Path) -> None:
    box = Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES)
    assert not box.is_near_cap
    while not box.is_near_cap:
        box.append_many([(weight_change(i), T0) for i in range(20)])
    assert box.used_bytes() <= box.max_bytes


def test_full_outbox_refuses_new_events_and_keeps_every_unsent_one(outbox_path: Path) -> None:
    box = Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES)
    with pytest.raises(OutboxFullError, match="not stored"):  # noqa: PT012 - fill, then overflow
        while True:
            box.append(weight_change(), T0)
    stored = box.last_seq
    assert box.unsent_count() == stored
    assert [e.seq for e in box.next_to_send(0, stored)] == list(range(1, stored + 1))


def test_refused_event_consumes_no_seq(outbox_path: Path) -> None:
    box = Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES)
    with pytest.raises(OutboxFullError):  # noqa: PT012
        while True:
            box.append(weight_change(), T0)
    last = box.last_seq
    box.acknowledge(box.epoch, last)  # the collector catches up, pages are free again
    assert box.append(weight_change(), T0).seq == last + 1


def test_outbox_of_another_device_is_refused(outbox_path: Path) -> None:
    Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES).close()
    with pytest.raises(OutboxError, match="belongs to device"):
        Outbox(outbox_path, device_id="other-pi", max_bytes=MIN_CAP_BYTES)


def test_corrupt_file_is_a_clear_outbox_error(outbox_path: Path) -> None:
    outbox_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OutboxError, match="move it aside"):
        Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES)


def test_tiny_cap_is_rejected(outbox_path: Path) -> None:
    with pytest.raises(OutboxError, match="below the minimum"):
        Outbox(outbox_path, device_id=DEVICE, max_bytes=1000)


def test_file_is_in_wal_mode_with_full_sync(outbox: Outbox, outbox_path: Path) -> None:
    outbox.append(weight_change(), T0)
    conn = sqlite3.connect(outbox_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_unknown_payload_codec_is_refused_with_advice(outbox_path: Path) -> None:
    Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES).close()
    conn = sqlite3.connect(outbox_path)
    conn.execute("UPDATE meta SET value = 'deflate-dict-99' WHERE key = 'codec'")
    conn.commit()
    conn.close()
    with pytest.raises(OutboxError, match="upgrade the edge agent"):
        Outbox(outbox_path, device_id=DEVICE, max_bytes=MIN_CAP_BYTES)


@pytest.mark.parametrize(
    ("data", "observed_at"),
    [
        (wire.EventAck(device_id=DEVICE, epoch=1, seq=1), T0),  # not an event body
        (weight_change(), T0.replace(tzinfo=None)),  # naive time
    ],
    ids=["not-an-event-body", "naive-time"],
)
def test_unwrappable_event_data_is_refused_without_using_a_seq(
    outbox: Outbox, data: object, observed_at: object
) -> None:
    with pytest.raises(EventDataError, match="cannot store"):
        outbox.append(data, observed_at)  # type: ignore[arg-type]
    assert outbox.append(weight_change(), T0).seq == 1


def test_appends_stay_fully_synced_after_an_acknowledge(outbox: Outbox) -> None:
    outbox.append(weight_change(), T0)
    outbox.acknowledge(outbox.epoch, 1)
    assert outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
