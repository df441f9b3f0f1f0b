"""The console in a real headless Chromium (Debian's): log in, pages, live stock, axe, errors.

A real ``uvicorn`` serves the app on a free loopback port; Playwright drives Debian's
/usr/bin/chromium (no browser is downloaded). Skips only when Chromium or Playwright is
absent; ``make test`` installs both (scripts/ensure-services.sh, the dev extra).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from collector.api.access import Role
from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.serve import server_config
from collector.api.tokens import TokenVerifier, create_token
from collector.clock import SystemClock
from collector.console import users
from collector.console.render import HERE
from collector.ledger.engine import open_ledger
from tests.collector.ledger.messages import add_items
from tests.support.services import require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _chromium() -> None:
    """Debian's chromium: a skip on a developer machine without it, a failure under CI."""
    require(Path(CHROMIUM).exists(), "Debian's chromium (`make services` installs it)")


AXE = HERE / "static" / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery"
LIVE_BOUND_S = 3.0
"""The issue asks for 1 s; the assertion is generous (2 cores, other tests running)."""


@dataclass
class Served:
    """The console on a free port, and an integration token to post stock."""

    url: str
    token: str
    port: int
    context: ApiContext
    server: uvicorn.Server
    thread: threading.Thread

    def restart(self) -> None:
        """Stop the server (its streams cut) and start a new one on the same port."""
        stop(self.server, self.thread)
        self.server, self.thread = start(self.context, self.port)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(context: ApiContext, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = server_config(create_app(context), "127.0.0.1", port)  # as `collector api` serves
    config.timeout_graceful_shutdown = 1
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn did not stop"


def receive(served: Served, qty: str, owner: str = "own") -> None:
    body = {"type": "receipt", "sku": "SKU-1", "qty": qty, "location": "main/a1",
            "owner": owner, "unit_cost": "2.50"}  # fmt: skip
    headers = {"Authorization": f"Bearer {served.token}", "Idempotency-Key": str(uuid.uuid4())}
    response = httpx.post(f"{served.url}/api/v1/transactions", json=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_items(engine)
    clock = SystemClock()
    with engine.begin() as conn:
        users.add_user(conn, name="alice", role=Role.OPS, owners=[], password=PASSWORD,
                       now=clock.now())  # fmt: skip
        token = create_token(conn, name="pos", role=Role.INTEGRATION, owners=[], now=clock.now())
    context = ApiContext(
        engine=engine, clock=clock, verifier=TokenVerifier(), idempotency=IdempotencyStore()
    )
    port = free_port()
    server, thread = start(context, port)
    found = Served(f"http://127.0.0.1:{port}", token, port, context, server, thread)
    receive(found, "10")
    yield found
    stop(found.server, found.thread)
    engine.dispose()


@pytest.fixture
def page(served: Served) -> Iterator[tuple[Any, list[str]]]:
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        tab.set_default_timeout(10_000)
        tab.on(
            "console",
            lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
        )
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.add_init_script(
            "document.addEventListener('htmx:sseOpen', () => { window.sseOpens = "
            "(window.sseOpens || 0) + 1 })"
        )
        yield tab, errors
        browser.close()


def serious_violations(tab: Any) -> list[str]:
    """What axe-core finds of impact serious or critical on the page."""
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate(
        "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))"
    )
    return [f"{v['id']} ({v['impact']})" for v in found if v["impact"] in ("serious", "critical")]


def log_in(tab: Any, served: Served) -> None:
    tab.goto(f"{served.url}/login")
    assert serious_violations(tab) == []
    tab.fill("#username", "alice")
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{served.url}/")


def test_log_in_and_every_page_passes_axe_without_console_errors(served: Served, page) -> None:
    tab, errors = page
    log_in(tab, served)
    assert tab.inner_text("h1") == "Overview"
    assert "25.00" in tab.inner_text("main")
    for path in ("/", "/stock", "/stock?q=widget", "/stock/items/SKU-1"):
        tab.goto(f"{served.url}{path}")
        assert serious_violations(tab) == [], path
    assert errors == []


def test_a_stock_change_appears_on_the_open_page_without_reload(served: Served, page) -> None:
    tab, errors = page
    log_in(tab, served)
    tab.goto(f"{served.url}/stock/items/SKU-1")
    tab.wait_for_function("window.sseOpens >= 1")
    tab.evaluate("window.notReloaded = true")
    receive(served, "5")
    committed = time.monotonic()
    tab.wait_for_function("document.getElementById('total-qty').textContent.trim() === '15'")
    elapsed_s = time.monotonic() - committed
    print(f"stock change on the open page {elapsed_s * 1000:.0f} ms after its commit")
    assert elapsed_s < LIVE_BOUND_S
    assert tab.evaluate("window.notReloaded") is True
    assert errors == []


def test_the_open_page_reconnects_after_a_server_restart(served: Served, page) -> None:
    tab, _ = page
    log_in(tab, served)
    tab.goto(f"{served.url}/stock/items/SKU-1")
    tab.wait_for_function("window.sseOpens >= 1")
    served.restart()
    receive(served, "2")
    tab.wait_for_function(
        "document.getElementById('total-qty').textContent.trim() === '12'", timeout=15_000
    )
    assert tab.evaluate("window.sseOpens") >= 2


def test_the_stock_pages_tree_follows_a_change_without_reload(served: Served, page) -> None:
    tab, errors = page
    log_in(tab, served)
    tab.goto(f"{served.url}/stock")
    tab.wait_for_function("window.sseOpens >= 1")
    receive(served, "7")
    tab.wait_for_function(
        "document.getElementById('loc-main').textContent.includes('17 units')", timeout=5_000
    )
    assert errors == []
