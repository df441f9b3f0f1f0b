"""The server-sent-event stream every live page shares: retry, catch-up, wait, keep-alive.

A stream first tells the browser how soon to reconnect (``retry``), then sends what its
page shows now (so a page that lost the server catches up by itself), then waits on the
process's watch of a head (the journal's, the alert history's, the devices'): when the head
moved it sends the page's news, every ``HEARTBEAT_S`` a comment keeps proxies from cutting
an idle line, and after ``STREAM_S`` it ends so that no connection lives forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from collector.console.watch import HeadWatch

H = TypeVar("H", bound=Hashable)
HEARTBEAT_S = 15.0
STREAM_S = 30 * 60
"""A stream ends after this long and the browser reconnects: no connection lives forever."""
RETRY_MS = 1000
Opening = Callable[[], Awaitable[list[str]]]
"""The messages a (re)connected page gets first."""


def sse_message(event: str, data: str) -> str:
    """One event in the text/event-stream format (each line of ``data`` its own field)."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def event_stream(
    request: Request,
    watch: HeadWatch[H],
    *,
    opening: Opening,
    on_change: Callable[[H, H], Awaitable[list[str]]],
) -> StreamingResponse:
    """The response of a live page's stream: ``on_change(seen, head)`` says what is news."""
    stream = _follow(request, watch, opening, on_change)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _follow(
    request: Request,
    watch: HeadWatch[H],
    opening: Opening,
    on_change: Callable[[H, H], Awaitable[list[str]]],
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    yield f"retry: {RETRY_MS}\n\n"
    head = await run_in_threadpool(watch.read_head)
    for message in await opening():
        yield message
    started = loop.time()
    while loop.time() - started < STREAM_S and not await request.is_disconnected():
        new_head = await watch.wait_past(head, timeout_s=HEARTBEAT_S)
        if new_head is None:  # the server is stopping: end the stream, the browser comes back
            return
        if new_head == head:
            yield ": keep-alive\n\n"
            continue
        messages = await on_change(head, new_head)
        head = new_head
        for message in messages:
            yield message
