"""The journal watch: waiters wake when a line is committed, and not before."""

from __future__ import annotations

import asyncio
import time

from collector.console.watch import JournalWatch
from tests.collector.console.conftest import Console, receive


def test_a_waiter_wakes_soon_after_a_commit(console: Console) -> None:
    watch = JournalWatch(console.engine, poll_s=0.05)
    seen = watch.read_head()

    async def scenario() -> tuple[int | None, float]:
        waiting = asyncio.create_task(watch.wait_past(seen, timeout_s=10))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(receive, console.client, console.token,
                                ("SKU-1", "main/a1", "client-a", "1"))  # fmt: skip
        committed = time.monotonic()
        head = await waiting
        return head, time.monotonic() - committed

    head, elapsed_s = asyncio.run(scenario())
    assert head == seen + 1
    assert elapsed_s < 1.0


def test_a_waiter_gets_its_own_head_back_when_nothing_is_committed(console: Console) -> None:
    watch = JournalWatch(console.engine, poll_s=0.05)
    seen = watch.read_head()
    assert asyncio.run(watch.wait_past(seen, timeout_s=0.3)) == seen


def test_closing_the_watch_wakes_waiters_with_none(console: Console) -> None:
    watch = JournalWatch(console.engine, poll_s=0.05)
    seen = watch.read_head()

    async def scenario() -> tuple[int | None, float]:
        waiting = asyncio.create_task(watch.wait_past(seen, timeout_s=10))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        watch.close()
        return await waiting, time.monotonic() - started

    found, elapsed_s = asyncio.run(scenario())
    assert found is None
    assert elapsed_s < 1.0
