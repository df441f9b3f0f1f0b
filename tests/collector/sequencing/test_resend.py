"""ResendScheduler: a request at once, then again with backoff while the gap stays open."""

from __future__ import annotations

from collector.runtime.backoff import Backoff
from collector.sequencing.resend import ResendScheduler
from collector.sequencing.streams import StreamKey

KEY = StreamKey("s1", "pos-1", 7)


def scheduler(max_attempts: int = 12) -> ResendScheduler:
    backoff = Backoff(initial_s=2.0, max_s=8.0, random_unit=lambda: 1.0)  # no jitter
    return ResendScheduler(backoff, max_attempts=max_attempts)


def test_first_request_is_due_at_once_then_backs_off() -> None:
    sched = scheduler()
    sched.open(KEY, 3, now_s=100.0)
    times: list[tuple[float, int, int]] = []
    now_s = 100.0
    while len(times) < 5:
        for due in sched.due(now_s):
            times.append((now_s, due.from_seq, due.attempt))
        now_s += 0.5
    assert times == [(100.0, 3, 1), (102.0, 3, 2), (106.0, 3, 3), (114.0, 3, 4), (122.0, 3, 5)]


def test_nothing_is_due_before_its_time() -> None:
    sched = scheduler()
    sched.open(KEY, 3, now_s=0.0)
    assert len(sched.due(0.0)) == 1
    assert sched.due(1.9) == []
    assert sched.next_due_s() == 2.0


def test_closed_gap_is_not_asked_again() -> None:
    sched = scheduler()
    sched.open(KEY, 3, now_s=0.0)
    sched.due(0.0)
    assert sched.close(KEY)
    assert sched.due(100.0) == []
    assert sched.next_due_s() is None
    assert not sched.close(KEY)


def test_reopening_with_the_same_seq_keeps_the_backoff() -> None:
    sched = scheduler()
    sched.open(KEY, 3, now_s=0.0)
    sched.due(0.0)
    sched.open(KEY, 3, now_s=0.5)
    assert sched.due(0.5) == []


def test_progress_to_a_later_from_seq_waits_the_first_delay() -> None:
    sched = scheduler()
    sched.open(KEY, 3, now_s=0.0)
    sched.due(0.0)
    sched.open(KEY, 9, now_s=0.5)
    assert sched.due(0.5) == []
    [due] = sched.due(2.5)
    assert (due.from_seq, due.attempt) == (9, 1)


def test_a_gap_filling_one_event_at_a_time_is_asked_for_once() -> None:
    """A resend arriving event by event must not draw one more resend per event."""
    sched = scheduler()
    asked = []
    for step in range(200):  # seqs 3, 4, 5 … arrive 10 ms apart
        now_s = step * 0.01
        sched.open(KEY, 3 + step, now_s)
        asked += [due.from_seq for due in sched.due(now_s)]
    assert asked == [3]


def test_a_gap_that_moves_back_is_asked_for_at_once() -> None:
    sched = scheduler()
    sched.open(KEY, 9, now_s=0.0)
    sched.due(0.0)
    sched.open(KEY, 4, now_s=0.5)
    [due] = sched.due(0.5)
    assert (due.from_seq, due.attempt) == (4, 1)


def test_gives_up_after_max_attempts() -> None:
    sched = scheduler(max_attempts=2)
    sched.open(KEY, 3, now_s=0.0)
    first = sched.due(0.0)
    second = sched.due(50.0)
    assert [d.last for d in first + second] == [False, True]
    assert sched.due(1000.0) == []
    assert sched.next_due_s() is None
    assert sched.open_keys() == [KEY]
