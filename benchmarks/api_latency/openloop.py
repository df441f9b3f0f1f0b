"""Open-loop HTTP load: requests leave on a fixed schedule, latency counts from that schedule.

A closed-loop client waits for an answer before sending the next request, so a slow
server slows the client and hides its own slowness (coordinated omission). Here the
``n``-th request is due at ``start + n / rate`` whatever came back before, and its
latency is measured from that due time: a server (or client) that falls behind shows
it as latency, not as fewer requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Request:
    """One request to send: method, path, JSON body and headers."""

    method: str
    path: str
    body: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """What one open-loop phase sent and got back, timed on CLOCK_MONOTONIC."""

    name: str
    rate_per_s: float
    started_s: float
    ended_s: float
    latencies_ms: list[float]
    """Due time to answer, of every request answered with the expected status."""
    lateness_ms: list[float]
    """Due time to the moment the client really sent it (the client's own lag)."""
    sent: int
    errors: dict[str, int]
    last_sent_s: float
    """When the last request really left (send rate = sent over first due → last sent)."""

    @property
    def answered(self) -> int:
        """Requests answered with the expected status."""
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        """Requests that failed (transport error, timeout or another status)."""
        return sum(self.errors.values())


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def _one(
    client: httpx.AsyncClient, request: Request, due_s: float, expect: int, out: _Tally
) -> None:
    sent_s = time.monotonic()
    out.lateness_ms.append((sent_s - due_s) * 1000)
    out.last_sent_s = max(out.last_sent_s, sent_s)
    try:
        response = await client.request(
            request.method, request.path, json=request.body, headers=request.headers
        )
    except httpx.HTTPError as err:
        out.error(type(err).__name__)
        return
    if response.status_code != expect:
        out.error(f"HTTP {response.status_code}")
        return
    out.latencies_ms.append((time.monotonic() - due_s) * 1000)


@dataclass
class _Tally:
    latencies_ms: list[float] = field(default_factory=list)
    lateness_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    last_sent_s: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def open_loop(
    client: httpx.AsyncClient,
    name: str,
    make: Callable[[int], Request],
    *,
    rate_per_s: float,
    seconds: float,
    expect: int,
) -> PhaseResult:
    """Send ``make(n)`` at ``start + n / rate_per_s`` for ``seconds``; wait for every answer."""
    count = int(rate_per_s * seconds)
    tally = _Tally()
    start_s = time.monotonic() + 0.05
    tasks = []
    for n in range(count):
        due_s = start_s + n / rate_per_s
        delay_s = due_s - time.monotonic()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        tasks.append(asyncio.create_task(_one(client, make(n), due_s, expect, tally)))
    await asyncio.gather(*tasks)
    return PhaseResult(
        name=name,
        rate_per_s=rate_per_s,
        started_s=start_s,
        ended_s=time.monotonic(),
        latencies_ms=tally.latencies_ms,
        lateness_ms=tally.lateness_ms,
        sent=count,
        errors=tally.errors,
        last_sent_s=tally.last_sent_s or start_s,
    )


async def settle(client: httpx.AsyncClient, path: str, *, quick_ms: float, limit_s: float) -> float:
    """Wait until ``path`` answers within ``quick_ms`` (an earlier overload has drained), at
    most ``limit_s``; the seconds it took."""
    start_s = time.monotonic()
    while time.monotonic() - start_s < limit_s:
        sent_s = time.monotonic()
        try:
            await client.get(path)
        except httpx.HTTPError:
            continue
        if (time.monotonic() - sent_s) * 1000 < quick_ms:
            break
        await asyncio.sleep(0.2)
    return time.monotonic() - start_s


def client_for(base_url: str, token: str) -> httpx.AsyncClient:
    """An async client with enough connections that no request waits for one."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=512),
    )
