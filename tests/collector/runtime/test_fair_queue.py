"""The consumer's queue takes senders in turns and keeps each sender's order."""

from __future__ import annotations

import threading

from collector.runtime.fair_queue import FairQueue


def drain(queue: FairQueue[str, str]) -> list[str]:
    taken = []
    while (item := queue.get(0)) is not None:
        taken.append(item)
    return taken


def test_senders_take_turns_one_item_each() -> None:
    queue: FairQueue[str, str] = FairQueue()
    for n in range(1, 5):
        queue.put("backlog", f"b{n}")
    queue.put("live", "l1")
    queue.put("other", "o1")
    assert drain(queue) == ["b1", "l1", "o1", "b2", "b3", "b4"]


def test_each_senders_own_order_is_kept() -> None:
    queue: FairQueue[str, str] = FairQueue()
    for n in range(50):
        queue.put(f"dev-{n % 3}", f"{n % 3}:{n}")
    taken = drain(queue)
    for device in "012":
        mine = [int(item.split(":")[1]) for item in taken if item.startswith(device)]
        assert mine == sorted(mine)
    assert len(taken) == 50


def test_a_sender_that_ran_dry_and_comes_back_queues_behind_the_others() -> None:
    queue: FairQueue[str, str] = FairQueue()
    queue.put("a", "a1")
    queue.put("b", "b1")
    queue.put("b", "b2")
    assert queue.get(0) == "a1"
    queue.put("a", "a2")  # a's lane was emptied: it joins after b
    assert drain(queue) == ["b1", "a2", "b2"]


def test_get_returns_none_when_nothing_arrives_in_time() -> None:
    queue: FairQueue[str, str] = FairQueue()
    assert queue.get(0) is None
    assert queue.get(0.01) is None
    assert len(queue) == 0


def test_get_wakes_when_another_thread_puts() -> None:
    queue: FairQueue[str, str] = FairQueue()
    timer = threading.Timer(0.05, queue.put, args=("dev", "late"))
    timer.start()
    try:
        assert queue.get(5.0) == "late"
    finally:
        timer.cancel()


def test_len_senders_and_shortest_lane_count_what_is_queued() -> None:
    queue: FairQueue[str, str] = FairQueue()
    queue.put("a", "1")
    queue.put("a", "2")
    queue.put("b", "3")
    assert (len(queue), queue.senders(), queue.shortest_lane()) == (3, 2, 1)
    queue.get(0)
    queue.get(0)
    assert (len(queue), queue.senders(), queue.shortest_lane()) == (1, 1, 1)
    queue.get(0)
    assert (len(queue), queue.senders(), queue.shortest_lane()) == (0, 0, 0)
