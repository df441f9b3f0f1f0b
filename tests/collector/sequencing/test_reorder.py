"""ReorderBuffer: events beyond the next expected seq wait, then go in seq order."""

from __future__ import annotations

from collector.sequencing.reorder import ReorderBuffer, ReorderPolicy
from collector.sequencing.streams import StreamKey

KEY = StreamKey("s1", "pos-1", 7)
OTHER = StreamKey("s1", "pos-2", 7)


def buffer(window_s: float = 2.0, max_held: int = 10) -> ReorderBuffer[str]:
    return ReorderBuffer(ReorderPolicy(window_s=window_s, max_held=max_held))


def test_in_order_events_pass_at_once() -> None:
    buf = buffer()
    assert [x for seq in (1, 2, 3) for x in buf.offer(KEY, seq, f"e{seq}", 0.0)] == [
        "e1",
        "e2",
        "e3",
    ]
    assert buf.held_count() == 0
    assert buf.contiguous(KEY) == 3


def test_reordered_event_waits_and_is_released_with_the_missing_one() -> None:
    buf = buffer()
    assert buf.offer(KEY, 1, "e1", 0.0) == ["e1"]
    assert buf.offer(KEY, 3, "e3", 0.1) == []
    assert buf.offer(KEY, 4, "e4", 0.2) == []
    assert buf.offer(KEY, 2, "e2", 0.3) == ["e2", "e3", "e4"]
    assert buf.gap(KEY) is None
    assert buf.next_deadline_s() is None


def test_first_event_of_an_unknown_stream_must_be_seq_1() -> None:
    buf = buffer()
    assert buf.offer(KEY, 2, "e2", 0.0) == []
    assert buf.offer(KEY, 1, "e1", 0.5) == ["e1", "e2"]


def test_hold_expires_after_the_window_and_leaves_a_gap() -> None:
    buf = buffer(window_s=2.0)
    buf.offer(KEY, 1, "e1", 0.0)
    buf.offer(KEY, 2, "e2", 0.0)
    buf.offer(KEY, 5, "e5", 1.0)
    buf.offer(KEY, 4, "e4", 1.5)
    assert buf.next_deadline_s() == 3.0
    assert buf.expire(2.9) == []
    assert buf.expire(3.0) == [(KEY, ["e4", "e5"])]
    assert buf.gap(KEY) == (3, 3)
    assert buf.contiguous(KEY) == 2


def test_after_a_gap_later_events_pass_without_waiting_again() -> None:
    buf = buffer()
    buf.offer(KEY, 1, "e1", 0.0)
    buf.offer(KEY, 3, "e3", 0.0)
    buf.expire(5.0)
    assert buf.offer(KEY, 4, "e4", 5.1) == ["e4"]
    assert buf.offer(KEY, 2, "e2", 6.0) == ["e2"]  # the resent one closes the gap
    assert buf.gap(KEY) is None
    assert buf.contiguous(KEY) == 4


def test_a_full_stream_releases_its_held_events_in_order() -> None:
    buf = buffer(max_held=2)
    buf.offer(KEY, 1, "e1", 0.0)
    assert buf.offer(KEY, 5, "e5", 0.0) == []
    assert buf.offer(KEY, 3, "e3", 0.0) == []
    assert buf.offer(KEY, 4, "e4", 0.0) == ["e3", "e4", "e5"]
    assert buf.gap(KEY) == (2, 2)


def test_streams_are_independent() -> None:
    buf = buffer()
    buf.offer(KEY, 2, "a2", 0.0)
    assert buf.offer(OTHER, 1, "b1", 0.0) == ["b1"]
    assert buf.offer(StreamKey("s1", "pos-1", 8), 1, "new-epoch", 0.0) == ["new-epoch"]
    assert buf.held_count() == 1


def test_duplicates_below_the_frontier_pass_through() -> None:
    buf = buffer()
    buf.offer(KEY, 1, "e1", 0.0)
    assert buf.offer(KEY, 1, "again", 0.1) == ["again"]


def test_ledger_progress_unblocks_held_events() -> None:
    buf = buffer()
    buf.offer(KEY, 1, "e1", 0.0)
    buf.offer(KEY, 4, "e4", 0.0)
    assert buf.acknowledged(KEY, 3) == ["e4"]  # e.g. 2 and 3 came in another redelivery
    assert buf.contiguous(KEY) == 4


def test_ledger_progress_closes_a_gap() -> None:
    buf = buffer()
    buf.offer(KEY, 1, "e1", 0.0)
    buf.offer(KEY, 3, "e3", 0.0)
    buf.expire(5.0)
    assert buf.acknowledged(KEY, 1) == []
    assert buf.gap(KEY) == (2, 2)
    buf.acknowledged(KEY, 3)
    assert buf.gap(KEY) is None


def test_seed_from_the_ledger_record() -> None:
    buf = buffer()
    buf.seed(KEY, 10, highest=20, gaps=[(11, 12), (15, 15)])
    assert buf.gap(KEY) == (11, 12)
    assert buf.offer(KEY, 21, "e21", 0.0) == ["e21"]  # the ledger already passed the hole
    buf.offer(KEY, 11, "e11", 0.0)
    buf.offer(KEY, 12, "e12", 0.0)
    assert buf.gap(KEY) == (15, 15)


def test_seeded_stream_holds_what_jumps_ahead() -> None:
    buf = buffer()
    buf.seed(KEY, 10, highest=10, gaps=[])
    assert buf.offer(KEY, 12, "e12", 0.0) == []
    assert buf.offer(KEY, 11, "e11", 0.0) == ["e11", "e12"]


def test_a_stream_expecting_a_resend_holds_past_the_window_until_then() -> None:
    buf = buffer(window_s=2.0)
    buf.seed(KEY, 40, highest=40, gaps=[])
    buf.expect(KEY, 10.0)  # the device was asked to resend from 41
    buf.offer(KEY, 45, "e45", 1.0)  # live, ahead of the resend
    assert buf.next_deadline_s() == 10.0
    assert buf.expire(3.0) == []  # the usual window alone would have let it go
    assert buf.expire(10.0) == [(KEY, ["e45"])]


def test_a_stream_that_caught_up_stops_expecting() -> None:
    buf = buffer(window_s=2.0)
    buf.seed(KEY, 40, highest=40, gaps=[])
    buf.expect(KEY, 10.0)
    buf.offer(KEY, 42, "e42", 1.0)
    assert buf.offer(KEY, 41, "e41", 1.5) == ["e41", "e42"]  # the resend arrived
    buf.offer(KEY, 44, "e44", 2.0)  # an ordinary reordering from now on
    assert buf.next_deadline_s() == 4.0


def test_an_ack_while_nothing_is_held_keeps_the_stream_expecting() -> None:
    buf = buffer(window_s=2.0)
    buf.seed(KEY, 40, highest=40, gaps=[])
    buf.expect(KEY, 10.0)
    assert buf.acknowledged(KEY, 40) == []  # the ledger's ack of what came before
    buf.offer(KEY, 45, "e45", 1.0)
    assert buf.next_deadline_s() == 10.0
