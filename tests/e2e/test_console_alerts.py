"""The ops console's alerts end to end: a theft through the real broker into a real
``collector run``, seen live in the open inbox in a real Chromium, resolved with a count.

The recorded theft trace (tests/fixtures/reconcile/theft.jsonl: ten units received, then
the shelf's weighing of two taken, no sale) plays through Mosquitto into ``collector run``
(its own process, reconciling the trace's site from a bindings file, the alerts thread
ticking every second). The console is served by uvicorn over the same ledger; Playwright
drives Debian's /usr/bin/chromium. The alert's commit time is its history's ``opened``
timestamp (taken just before the commit, so the figure is an upper bound); the browser
stamps the moment its row appeared in the live table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from collector.alerts.schema import alert_events
from collector.api.access import Role
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier
from collector.clock import SystemClock
from collector.console import users
from collector.ledger.engine import open_ledger
from tests.collector.console.test_browser import (
    CHROMIUM,
    PASSWORD,
    free_port,
    serious_violations,
    start,
    stop,
    sync_api,
)
from tests.e2e.test_reconciliation import Scenario, add_items, play
from tests.support.services import require, unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]

COLLECTOR = str(Path(sys.executable).with_name("collector"))
GRACE_S = 1.0
LIVE_BOUND_S = 3.0
"""The issue asks for 1 s; the assertion is generous (2 cores, other tests running)."""
SEEN_SCRIPT = """
window.seenAt = {};
document.addEventListener('htmx:sseOpen', () => { window.sseOpens = (window.sseOpens || 0) + 1 });
document.addEventListener('htmx:afterSwap', () => {
  for (const row of document.querySelectorAll('tr[data-alert-id]')) {
    window.seenAt[row.dataset.alertId] ??= Date.now();
  }
});
"""


def start_collector(db_url: str, port: int, scenario: Scenario, tmp_path: Path) -> Any:
    """``collector run`` reconciling the scenario's site; returns once it subscribed."""
    bindings = scenario.bindings().model_dump(mode="json", exclude_none=True)
    bindings["rules"]["grace_s"] = GRACE_S
    path = tmp_path / "bindings.yaml"
    path.write_text(yaml.safe_dump(bindings))
    log_path = tmp_path / "collector.log"
    command = [COLLECTOR, "run", "--mqtt", f"mqtt://127.0.0.1:{port}", "--db", db_url,
               "--bindings", str(path), "--site", scenario.site,
               "--client-id", unique_name("collector-console")]  # fmt: skip
    env = {**os.environ, "COLLECTOR_MQTT_RECONNECT_MIN_S": "0.2",
           "COLLECTOR_MQTT_SESSION_EXPIRY_S": "60"}  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 30
    while b"mqtt.subscribed" not in log_path.read_bytes():
        assert process.poll() is None, f"collector exited: {log_path.read_text()[-2000:]}"
        assert time.monotonic() < deadline, "collector did not subscribe in time"
        time.sleep(0.05)
    return process


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[str, sa.Engine, str]]:
    """The ledger's URL and engine, and an ops user of this test (the PostgreSQL database
    is the session's, shared with other tests: every name here is this test's own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = open_ledger(url)
    user = unique_name("ops")
    with engine.begin() as conn:
        users.add_user(conn, name=user, role=Role.OPS, owners=[], password=PASSWORD,
                       now=SystemClock().now())  # fmt: skip
    yield url, engine, user
    engine.dispose()


@pytest.fixture
def console_url(ledger: tuple[str, sa.Engine, str]) -> Iterator[str]:
    context = ApiContext(engine=ledger[1], clock=SystemClock(), verifier=TokenVerifier(),
                         idempotency=IdempotencyStore())  # fmt: skip
    port = free_port()
    server, thread = start(context, port)
    yield f"http://127.0.0.1:{port}"
    stop(server, thread)


@pytest.fixture
def browser_tab() -> Iterator[tuple[Any, list[str]]]:
    require(Path(CHROMIUM).exists(), "Debian's chromium (`make services` installs it)")
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        tab.set_default_timeout(10_000)
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.add_init_script(SEEN_SCRIPT)
        yield tab, errors
        browser.close()


def opened_at(engine: sa.Engine, alert_id: int) -> datetime:
    e = alert_events.c
    query = sa.select(e.at).where(e.alert_id == alert_id, e.action == "opened")
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_a_theft_appears_live_in_the_inbox_and_is_resolved_with_a_count(
    mosquitto, ledger, console_url, browser_tab, tmp_path
) -> None:
    url, engine, user = ledger
    tab, errors = browser_tab
    port = mosquitto[1]
    theft = Scenario("theft")
    add_items(engine, [theft])
    collector = start_collector(url, port, theft, tmp_path)
    try:
        tab.goto(f"{console_url}/login")
        tab.fill("#username", user)
        tab.fill("#password", PASSWORD)
        tab.press("#password", "Enter")
        tab.wait_for_url(f"{console_url}/")
        tab.click("nav >> text=Alerts")
        tab.fill("#f-site", theft.site)  # the PostgreSQL ledger holds other tests' alerts
        tab.press("#f-site", "Enter")
        tab.wait_for_url(f"{console_url}/alerts?*")
        tab.wait_for_function("window.sseOpens >= 1")
        assert serious_violations(tab) == []
        tab.evaluate("window.notReloaded = true")
        play(port, theft)
        row = tab.wait_for_selector("tr[data-alert-id]", timeout=30_000)
        alert_id = int(row.get_attribute("data-alert-id"))
        seen_ms = tab.evaluate(f"window.seenAt['{alert_id}']")
        delay_s = seen_ms / 1000 - opened_at(engine, alert_id).timestamp()
        print(f"theft alert in the open inbox {delay_s * 1000:.0f} ms after its commit")
        assert delay_s < LIVE_BOUND_S
        assert tab.evaluate("window.notReloaded") is True
        assert "shrinkage" in row.inner_text()
        resolve_in_the_browser(tab, console_url, alert_id, theft)
    finally:
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=20)
    assert errors == []


def resolve_in_the_browser(tab: Any, console_url: str, alert_id: int, theft: Scenario) -> None:
    """Open the alert, check its book, shelf and trace, resolve with 8, see the stock after."""
    tab.click(f"a[href='/alerts/{alert_id}']")
    tab.wait_for_url(f"{console_url}/alerts/{alert_id}")
    assert (tab.inner_text("#book"), tab.inner_text("#shelf")) == ("10", "8")
    assert tab.locator("svg.chart circle").count() == 1  # the theft's weighing, marked
    assert serious_violations(tab) == []
    tab.fill("#counted", "8")
    tab.press("#counted", "Enter")
    tab.wait_for_selector("#ledger-after")
    assert tab.inner_text("#alert-status") == "resolved (adjusted)"
    assert tab.locator("[data-on-hand='8']").count() == 1
    assert serious_violations(tab) == []
    tab.goto(f"{console_url}/stock/items/{theft.sku}")
    assert tab.inner_text("#total-qty") == "8"
