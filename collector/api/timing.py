"""``Server-Timing: app;dur=…`` on every response: the time the server took to start it.

Browser developer tools show it per request, and the console pages benchmark reads it, so
"server time" means one thing everywhere: from the request reaching the application to the
response's headers leaving it (a page is rendered whole before its headers go out; for an
event stream it is the time to open it).
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    """ASGI middleware adding the ``Server-Timing`` header (milliseconds, 0.1 ms steps)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time an HTTP request to its response start; pass anything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_s = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                took_ms = (time.perf_counter() - started_s) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"app;dur={took_ms:.1f}")
            await send(message)

        await self.app(scope, receive, timed_send)
