"""Batches close on size or on the first message's deadline."""

from __future__ import annotations

import pytest

from collector.runtime.batching import (
    BatchSizer,
    collect_batch,
    gather_queued,
    gather_while_committing,
    someone_is_live,
    take_turns,
)
from collector.runtime.fair_queue import FairQueue
from collector.runtime.ports import Delivery

from .conftest import FakeTransport, ManualClock, make_delivery


def test_nothing_queued_returns_an_empty_batch_after_the_idle_poll(
    transport: FakeTransport, clock: ManualClock
) -> None:
    start = clock.t_s
    batch = collect_batch(transport, clock, max_messages=10, max_wait_s=0.02, idle_poll_s=0.2)
    assert batch == []
    assert clock.t_s - start == pytest.approx(0.2)


def test_batch_closes_at_max_messages(transport: FakeTransport, clock: ManualClock) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 8))
    batch = collect_batch(transport, clock, max_messages=5, max_wait_s=1.0, idle_poll_s=0.2)
    assert [d.mid for d in batch] == [1, 2, 3, 4, 5]
    assert len(transport.queued) == 2


def test_batch_closes_when_the_first_message_waited_long_enough(
    transport: FakeTransport, clock: ManualClock
) -> None:
    transport.arrival_gap_s = 0.01  # one message every 10 ms, deadline 25 ms
    transport.queued.extend(make_delivery(mid) for mid in range(1, 20))
    batch = collect_batch(transport, clock, max_messages=100, max_wait_s=0.025, idle_poll_s=0.2)
    # first at t+10ms, deadline t+35ms: the 2nd and 3rd arrive before it; the 4th already
    # queued joins without waiting, after which the queue keeps draining without blocking
    assert len(batch) == 19
    assert transport.queued == type(transport.queued)()


def test_a_trickle_closes_the_batch_at_the_deadline(
    transport: FakeTransport, clock: ManualClock
) -> None:
    transport.queued.extend([make_delivery(1), make_delivery(2)])
    batch = collect_batch(transport, clock, max_messages=100, max_wait_s=0.05, idle_poll_s=0.2)
    assert [d.mid for d in batch] == [1, 2]
    assert clock.t_s == pytest.approx(1000.05)  # waited out the deadline for a third, then closed


def lanes(*deliveries: Delivery) -> FairQueue[str, Delivery]:
    waiting: FairQueue[str, Delivery] = FairQueue()
    for delivery in deliveries:
        waiting.put(delivery.message.topic, delivery)
    return waiting


def test_while_committing_everything_that_arrives_waits_in_lanes(transport) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 4))
    answers = iter([True, True, False])
    waiting = lanes()
    gather_while_committing(transport, waiting, committing=lambda: next(answers))
    assert len(waiting) == 3
    assert not transport.queued


def test_a_batch_takes_devices_in_turn_and_keeps_each_devices_order(transport) -> None:
    waiting = lanes(*(make_delivery(mid, device="backlog") for mid in range(1, 6)))
    transport.queued.append(make_delivery(100, device="live"))  # queued after the backlog
    gather_queued(transport, waiting)
    batch = take_turns(waiting, max_messages=3)
    assert [(d.message.topic.split("/")[3], d.mid) for d in batch] == [
        ("backlog", 1), ("live", 100), ("backlog", 2),
    ]  # fmt: skip
    assert len(waiting) == 3  # the rest waits for the next batch, still in order
    assert [d.mid for d in take_turns(waiting, max_messages=10)] == [3, 4, 5]


def test_taking_turns_with_nothing_waiting_returns_at_once(transport, clock) -> None:
    start = clock.t_s
    gather_queued(transport, lanes())
    assert take_turns(lanes(), max_messages=10) == []
    assert clock.t_s == start


def test_a_device_with_a_few_events_beside_a_backlog_is_live() -> None:
    backlog = [make_delivery(mid, device="backlog") for mid in range(1, 1001)]
    live = [make_delivery(mid, device="live") for mid in range(1, 9)]
    assert someone_is_live(lanes(*backlog, *live), max_messages=500)


def test_when_every_device_has_more_than_its_share_nobody_is_live() -> None:
    deep = [make_delivery(mid, device=f"till-{mid % 20}") for mid in range(1, 4001)]
    assert not someone_is_live(lanes(*deep), max_messages=500)  # 200 each, share 25
    assert not someone_is_live(lanes(), max_messages=500)


def test_the_sizer_allows_a_full_batch_before_any_commit_was_seen() -> None:
    assert BatchSizer(max_messages=500, target_s=0.15).limit() == 500


def test_the_sizer_settles_where_a_commit_takes_the_target() -> None:
    sizer = BatchSizer(max_messages=500, target_s=0.15)
    fixed_s, per_message_s = 0.026, 0.00039  # a slow ledger: 500 events take 221 ms
    for _ in range(30):
        size = sizer.limit()
        sizer.observe(size, fixed_s + per_message_s * size)
    assert fixed_s + per_message_s * sizer.limit() == pytest.approx(0.15, abs=0.002)


def test_on_a_fast_ledger_the_sizer_never_caps_the_batch() -> None:
    sizer = BatchSizer(max_messages=500, target_s=0.15)
    sizer.observe(500, 0.07)
    assert sizer.limit() == 500


def test_the_sizer_never_goes_below_its_floor_nor_caps_without_a_target() -> None:
    slow = BatchSizer(max_messages=500, target_s=0.15, min_messages=20)
    slow.observe(10, 5.0)  # half a second per message
    assert slow.limit() == 20
    uncapped = BatchSizer(max_messages=500, target_s=None)
    uncapped.observe(10, 5.0)
    assert uncapped.limit() == 500


def test_a_steady_stream_does_not_hide_that_the_commit_was_answered(transport) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 1001))  # never runs dry
    waiting = lanes()
    asked: list[int] = []

    def committing() -> bool:  # asked, and not answered yet
        asked.append(1)
        return False

    gather_while_committing(transport, waiting, committing=committing)
    assert len(waiting) == 32  # it asked after 32 deliveries, not after all 1,000
    assert len(asked) == 1
