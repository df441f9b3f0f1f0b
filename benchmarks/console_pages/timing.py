"""Log in as each user and time every console page through the app's ``Server-Timing``."""

from __future__ import annotations

import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from benchmarks.api_latency.services import drop_copy, private_copy
from benchmarks.console_pages.pages import Page, console_pages
from benchmarks.console_pages.seed import seed
from collector.api.access import Role
from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier
from collector.clock import SystemClock
from collector.console.users import add_user
from collector.ledger.engine import open_ledger

TARGET_MS = 100.0
PASSWORD = "bench console pages"
BASELINE = "/api/v1/health"
_TIMING = re.compile(r"app;dur=([0-9.]+)")


@dataclass(frozen=True, slots=True)
class Row:
    """One page as one user saw it (``p95_ms`` None: not shown to that user, or no sample)."""

    route: str
    user: str
    status: int | None
    p50_ms: float | None
    p95_ms: float | None


@dataclass
class Run:
    """Everything one run measured."""

    backend: str
    movements: int
    requests: int
    baseline_p50_ms: float
    baseline_p95_ms: float
    target_ms: float = TARGET_MS
    rows: list[Row] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def measure(movements: int, db_url: str | None, workdir: Path, *, requests: int) -> Run:
    """Copy the generated ledger, add the users, time every page for each."""
    url, _ledger = private_copy(movements, db_url, workdir)
    engine = open_ledger(url)
    try:
        owner = _add_users(engine)
        context = ApiContext(engine=engine, clock=SystemClock(), verifier=TokenVerifier(),
                             idempotency=IdempotencyStore())  # fmt: skip
        with TestClient(create_app(context)) as client:
            seed(client, engine)
            base50, base95 = _percentiles(_times(client, BASELINE, requests * 2))
            run = Run(engine.dialect.name, movements, requests, base50, base95)
            with engine.connect() as conn:
                pages = console_pages(client.app.state.console, conn)  # type: ignore[attr-defined]
            for user in ("bench-admin", "bench-client"):
                _log_in(client, user)
                label = f"{user} ({owner})" if user == "bench-client" else user
                run.rows.extend(_page_row(client, page, label, requests) for page in pages)
                client.cookies.clear()
        return run
    finally:
        engine.dispose()
        drop_copy(url)


def _add_users(engine: sa.Engine) -> str:
    """An admin and a client of the owner with most positions; that owner."""
    with engine.begin() as conn:
        owner = str(conn.exec_driver_sql(
            "SELECT owner FROM balances GROUP BY owner ORDER BY COUNT(*) DESC LIMIT 1"
        ).scalar_one())  # fmt: skip
        now = datetime.now(UTC)
        add_user(conn, name="bench-admin", role=Role.ADMIN, owners=[], password=PASSWORD, now=now)
        add_user(conn, name="bench-client", role=Role.CLIENT, owners=[owner], password=PASSWORD,
                 now=now)  # fmt: skip
    return owner


def _log_in(client: TestClient, user: str) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("the log-in page has no CSRF field")
    form_data = {"username": user, "password": PASSWORD, "csrf": token.group(1)}
    answer = client.post("/login", data=form_data, follow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"log-in of {user} failed: {answer.status_code} {answer.text[:300]}")


def _page_row(client: TestClient, page: Page, user: str, requests: int) -> Row:
    if page.url is None:
        return Row(page.route, user, None, None, None)
    first = client.get(page.url, follow_redirects=False)
    if first.status_code != 200:  # not this user's page (refused, or sent elsewhere)
        return Row(page.route, user, first.status_code, None, None)
    started_s = time.perf_counter()
    p50, p95 = _percentiles(_times(client, page.url, requests))
    print(f"console-pages: {user:<28} {page.url[:60]:<60} p95 {p95:7.1f} ms "
          f"({time.perf_counter() - started_s:.1f} s)", file=sys.stderr)  # fmt: skip
    return Row(page.route, user, 200, p50, p95)


def _times(client: TestClient, url: str, requests: int) -> list[float]:
    found: list[float] = []
    for _ in range(requests):
        response = client.get(url, follow_redirects=False)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} during the timed requests")
        timing = _TIMING.search(response.headers.get("server-timing", ""))
        if timing is None:
            raise RuntimeError(f"{url}: no Server-Timing header")
        found.append(float(timing.group(1)))
    return found


def _percentiles(times_ms: list[float]) -> tuple[float, float]:
    """Median and p95 (inclusive method: a p95 of 40 values is not the single worst)."""
    cuts = statistics.quantiles(times_ms, n=20, method="inclusive")
    return statistics.median(times_ms), cuts[18]
