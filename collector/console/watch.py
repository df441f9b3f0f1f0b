"""One poller per process for each thing the open event streams follow, shared by them all.

While a stream waits, a task reads the watched head every ``POLL_S`` (one small query,
whatever the number of open pages) and wakes the waiting streams when it changed; with no
stream waiting, the task ends. The heads: the journal's highest id (ids only grow: writers
allocate them in commit order under the ledger lock, so "changed" is "something was
committed"), the alert history's highest id (``alert_stream.alert_head``), and the
devices' state (``device_status_head``: a status or heartbeat changes it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from collector.devices.schema import device_status
from collector.ledger.schema import movements

POLL_S = 0.25
H = TypeVar("H", bound=Hashable)
DeviceHead = tuple[object, ...]


def journal_head(conn: sa.Connection) -> int:
    """The highest journal id (0 for an empty journal)."""
    return int(conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one() or 0)


def device_status_head(conn: sa.Connection) -> DeviceHead:
    """What changes whenever a device's row does: rows, online ones, latest change and update.

    A last will sets the state and its time; with the time standing still (a test's clock)
    the count of online devices still moves.
    """
    t = device_status.c
    online = sa.func.sum(sa.case((t.state == "online", 1), else_=0))
    query = sa.select(
        sa.func.count(), online, sa.func.max(t.state_changed_at), sa.func.max(t.updated_at)
    )
    return tuple(conn.execute(query).one())


class HeadWatch(Generic[H]):
    """Wakes waiters when the head that ``read`` returns is past the one they have seen."""

    def __init__(
        self,
        engine: sa.Engine,
        read: Callable[[sa.Connection], H],
        *,
        poll_s: float = POLL_S,
        is_past: Callable[[H, H], bool] = lambda head, seen: head != seen,
    ) -> None:
        """Read ``engine``'s head with ``read`` every ``poll_s`` seconds while someone waits;
        ``is_past(head, seen)`` says whether a head is news to a waiter."""
        self._engine = engine
        self._read = read
        self._poll_s = poll_s
        self._is_past = is_past
        self._head: H | None = None
        self._grew = asyncio.Event()
        self._waiters = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def close(self) -> None:
        """Wake every waiter with None, now and from now on: the server is stopping."""
        self._closed = True
        self._grew.set()

    def read_head(self) -> H:
        """The head now, read from the database (blocking)."""
        with self._engine.connect() as conn:
            return self._read(conn)

    async def wait_past(self, seen: H, *, timeout_s: float) -> H | None:
        """The head once it is past ``seen``; ``seen`` when ``timeout_s`` went by first;
        None once the watch is closed."""
        self._waiters += 1
        try:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._poll())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_s
            while not self._closed and (self._head is None or not self._is_past(self._head, seen)):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return seen
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._grew.wait(), remaining)
            return None if self._closed else self._head
        finally:
            self._waiters -= 1

    async def _poll(self) -> None:
        try:
            while self._waiters > 0 and not self._closed:
                head = await run_in_threadpool(self.read_head)
                if head != self._head:
                    self._head = head
                    grew, self._grew = self._grew, asyncio.Event()
                    grew.set()
                await asyncio.sleep(self._poll_s)
        finally:
            self._head = None  # unwatched, it goes stale: the next waiter starts afresh


class JournalWatch(HeadWatch[int]):
    """Wakes waiters when the journal's head (or another growing id) passes the one they
    have seen."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        poll_s: float = POLL_S,
        head: Callable[[sa.Connection], int] = journal_head,
    ) -> None:
        """Watch ``engine``'s journal every ``poll_s`` seconds while someone waits (``head``:
        another table's highest id to watch instead, such as the alert history's)."""
        super().__init__(engine, head, poll_s=poll_s, is_past=lambda h, s: h > s)


class DeviceWatch(HeadWatch[DeviceHead]):
    """Wakes waiters when any device's state, heartbeat or outbox changed."""

    def __init__(self, engine: sa.Engine, *, poll_s: float = POLL_S) -> None:
        """Watch ``engine``'s ``device_status`` every ``poll_s`` seconds while someone waits."""
        super().__init__(engine, device_status_head, poll_s=poll_s)
