"""Batches close on size or on the first message's deadline."""

from __future__ import annotations

import pytest

from collector.runtime.batching import collect_batch, collect_while_committing

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


def test_while_committing_it_takes_what_is_queued_and_returns_once_answered(transport) -> None:
    transport.queued.extend(make_delivery(mid) for mid in range(1, 4))
    batch = collect_while_committing(transport, max_messages=10, committing=lambda: False)
    assert [d.mid for d in batch] == [1, 2, 3]


def test_while_committing_it_waits_for_more_until_answered_or_full(transport) -> None:
    answers = iter([True, True, False])
    transport.queued.append(make_delivery(1))
    batch = collect_while_committing(transport, max_messages=10, committing=lambda: next(answers))
    assert [d.mid for d in batch] == [1]
    assert len(transport.queued) == 0
    transport.queued.extend(make_delivery(mid) for mid in range(1, 6))
    full = collect_while_committing(transport, max_messages=2, committing=lambda: True)
    assert [d.mid for d in full] == [1, 2]
