"""One poller per process for the journal's head (or the alert history's), shared by every
open event stream.

While a stream waits, a task reads the journal's highest id every ``POLL_S`` (one
primary-key read, whatever the number of open pages) and wakes the waiting streams when it
grew; with no stream waiting, the task ends. Journal ids only grow (writers allocate them
in commit order under the ledger lock), so "grew" is "something was committed".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from collector.ledger.schema import movements

POLL_S = 0.25


def journal_head(conn: sa.Connection) -> int:
    """The highest journal id (0 for an empty journal)."""
    return int(conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one() or 0)


class JournalWatch:
    """Wakes waiters when the journal's head passes the id they have seen."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        poll_s: float = POLL_S,
        head: Callable[[sa.Connection], int] = journal_head,
    ) -> None:
        """Watch ``engine``'s journal every ``poll_s`` seconds while someone waits (``head``:
        another table's highest id to watch instead, such as the alert history's)."""
        self._engine = engine
        self._head_of = head
        self._poll_s = poll_s
        self._head = 0
        self._grew = asyncio.Event()
        self._waiters = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def close(self) -> None:
        """Wake every waiter with None, now and from now on: the server is stopping."""
        self._closed = True
        self._grew.set()

    def read_head(self) -> int:
        """The head now, read from the database (blocking)."""
        with self._engine.connect() as conn:
            return self._head_of(conn)

    async def wait_past(self, seen: int, *, timeout_s: float) -> int | None:
        """The head once it is past ``seen``; ``seen`` when ``timeout_s`` went by first;
        None once the watch is closed."""
        self._waiters += 1
        try:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._poll())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_s
            while self._head <= seen and not self._closed:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return seen
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._grew.wait(), remaining)
            return None if self._closed else self._head
        finally:
            self._waiters -= 1

    async def _poll(self) -> None:
        while self._waiters > 0 and not self._closed:
            head = await run_in_threadpool(self.read_head)
            if head > self._head:
                self._head = head
                grew, self._grew = self._grew, asyncio.Event()
                grew.set()
            await asyncio.sleep(self._poll_s)
