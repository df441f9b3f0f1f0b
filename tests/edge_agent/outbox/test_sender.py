"""The sender's window: what to publish next, how acks slide it and silence rewinds it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.outbox.sender import MAX_ACK_TIMEOUT_S, Sender, SendRange

EPOCH = 7


def sender(**kw: object) -> Sender:
    args: dict[str, object] = {"epoch": EPOCH, "acked_seq": 0, "window": 10,
                               "ack_timeout_s": 5.0, "now_s": 0.0}  # fmt: skip
    args.update(kw)
    return Sender(**args)  # type: ignore[arg-type]


def test_sends_at_most_a_window_beyond_the_last_ack() -> None:
    s = sender()
    assert s.next_range(last_stored_seq=100, now_s=0) == SendRange(1, 10)


def test_sends_only_what_is_stored() -> None:
    assert sender().next_range(last_stored_seq=3, now_s=0) == SendRange(1, 3)
    assert sender().next_range(last_stored_seq=0, now_s=0) is None


def test_full_window_waits_for_acks() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    assert s.next_range(last_stored_seq=100, now_s=1) is None


def test_ack_slides_the_window() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    assert s.on_ack(EPOCH, 4, now_s=1)
    assert s.next_range(last_stored_seq=100, now_s=1) == SendRange(11, 14)


def test_stale_or_foreign_acks_change_nothing() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    s.on_ack(EPOCH, 6, now_s=1)
    assert not s.on_ack(EPOCH, 5, now_s=2)
    assert not s.on_ack(EPOCH + 1, 10, now_s=2)
    assert s.acked_seq == 6


def test_no_ack_progress_for_the_timeout_resends_from_the_last_ack() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    s.on_ack(EPOCH, 3, now_s=1)
    assert s.next_range(last_stored_seq=10, now_s=5.9) is None
    assert s.next_range(last_stored_seq=10, now_s=6.0) == SendRange(4, 10)
    assert s.stats().rewinds == 1


def test_repeated_timeouts_back_off_until_progress() -> None:
    s = sender(ack_timeout_s=5.0)
    now = 0.0
    waits = []
    for _ in range(8):
        s.mark_sent(10, now_s=now)
        start = now
        while s.next_range(last_stored_seq=10, now_s=now) is None:
            now += 0.5
        waits.append(now - start)
    assert waits[:3] == [5.0, 10.0, 20.0]
    assert max(waits) == MAX_ACK_TIMEOUT_S
    s.on_ack(EPOCH, 1, now_s=now)
    s.mark_sent(10, now_s=now)
    assert s.next_range(last_stored_seq=10, now_s=now + 5.0) == SendRange(2, 10)


def test_resend_from_rewinds_to_the_requested_seq() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    s.on_ack(EPOCH, 2, now_s=0)
    assert s.resend_from(EPOCH, 6)
    assert s.next_range(last_stored_seq=10, now_s=0) == SendRange(6, 10)


def test_resend_never_goes_below_what_is_acknowledged() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    s.on_ack(EPOCH, 5, now_s=0)
    s.resend_from(EPOCH, 1)
    assert s.next_range(last_stored_seq=10, now_s=0) == SendRange(6, 10)


def test_resend_for_another_epoch_is_refused() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    assert not s.resend_from(EPOCH + 1, 1)
    assert s.sent_seq == 10


def test_disconnect_makes_the_in_flight_events_go_again() -> None:
    s = sender()
    s.mark_sent(10, now_s=0)
    s.on_ack(EPOCH, 4, now_s=0)
    s.on_disconnected()
    assert s.next_range(last_stored_seq=10, now_s=0) == SendRange(5, 10)


def test_resumes_after_what_the_outbox_had_acknowledged() -> None:
    s = sender(acked_seq=500)
    assert s.next_range(last_stored_seq=505, now_s=0) == SendRange(501, 505)


def test_ack_beyond_what_was_sent_counts_as_sent() -> None:
    s = sender()
    s.on_ack(EPOCH, 8, now_s=0)  # acked before a restart, say
    assert s.next_range(last_stored_seq=30, now_s=0) == SendRange(9, 18)


@pytest.mark.parametrize(("window", "timeout"), [(0, 1.0), (5, 0.0)])
def test_rejects_nonsense_settings(window: int, timeout: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        sender(window=window, ack_timeout_s=timeout)


@given(st.lists(st.tuples(st.sampled_from(["send", "ack", "tick", "drop"]), st.integers(0, 50))))
def test_in_flight_never_exceeds_the_window(ops: list[tuple[str, int]]) -> None:
    s = sender(window=10)
    now, stored = 0.0, 200
    for op, n in ops:
        if op == "send" and (span := s.next_range(last_stored_seq=stored, now_s=now)):
            s.mark_sent(span.last, now_s=now)
        elif op == "ack":
            s.on_ack(EPOCH, min(s.sent_seq, s.acked_seq + n), now_s=now)
        elif op == "tick":
            now += n
        elif op == "drop":
            s.on_disconnected()
        assert 0 <= s.sent_seq - s.acked_seq <= 10
