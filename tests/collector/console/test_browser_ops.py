"""The devices, counts, dead letters and reports pages in a real headless Chromium.

The served app, the browser tab and the axe check are ``test_browser``'s. A device's last
will goes through the real broker to ``collector run``'s status watcher, and on to the
open devices page; a keyboard-wedge scanner is a keyboard typing the barcode and Enter.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from paho.mqtt import publish

from collector.clock import SystemClock
from collector.devices.store import record_heartbeat, record_status
from collector.devices.watcher import StatusWatcher
from collector.ledger.schema import items
from collector.mqtt.address import BrokerAddress
from edge_agent import wire
from tests.collector.console import test_browser as base
from tests.collector.console.test_browser import LIVE_BOUND_S, Served, log_in, serious_violations
from tests.support.services import (
    MOSQUITTO_HOST,
    MOSQUITTO_PORT,
    is_listening,
    require,
    unique_name,
)

pytestmark = [pytest.mark.timeout(120)]
_chromium = base._chromium
served = base.served
page = base.page
GTIN = "4006381333931"


def add_device(served: Served, site: str, device_id: str) -> None:
    now = datetime.now(UTC)
    with served.context.engine.begin() as conn:
        birth = wire.DeviceStatus(device_id=device_id, state=wire.DeviceState.ONLINE, epoch=1)
        record_status(conn, site, birth, received_at=now)
        beat = wire.DeviceHeartbeat(uptime_s=5, software_version="1.0", outbox_depth=3,
                                    sensors=[wire.SensorHealth(sensor="lane-1")])  # fmt: skip
        record_heartbeat(conn, site, device_id, beat, observed_at=now)


def refuse_a_receipt(served: Served) -> None:
    body = {"type": "receipt", "sku": "LATE", "qty": "3", "location": "main/a1",
            "unit_cost": "1.50"}  # fmt: skip
    headers = {"Authorization": f"Bearer {served.token}", "Idempotency-Key": str(uuid.uuid4())}
    assert httpx.post(f"{served.url}/api/v1/transactions", json=body,
                      headers=headers).status_code == 422  # fmt: skip


def test_each_page_of_this_slice_passes_axe_without_console_errors(
    served: Served, page: tuple[Any, list[str]]
) -> None:
    tab, errors = page
    add_device(served, "shop-1", "pi-1")
    refuse_a_receipt(served)
    log_in(tab, served)
    tab.goto(f"{served.url}/counts")
    tab.fill("#count-location", "main")
    tab.click("text=Start a count")
    tab.wait_for_url(f"{served.url}/counts/1")
    for path in ("/devices", "/counts", "/counts/1", "/dead-letters", "/reports",
                 "/reports?kind=turnover&by=location"):  # fmt: skip
        tab.goto(f"{served.url}{path}")
        assert serious_violations(tab) == [], path
    assert errors == []


def test_a_keyboard_wedge_scan_sequence_is_counted_and_the_close_posts_it(
    served: Served, page: tuple[Any, list[str]]
) -> None:
    tab, errors = page
    with served.context.engine.begin() as conn:
        conn.execute(sa.update(items).where(items.c.sku == "SKU-1").values(gtin=GTIN))
    log_in(tab, served)
    tab.goto(f"{served.url}/counts")
    tab.fill("#count-location", "main")
    tab.press("#count-location", "Enter")
    tab.wait_for_url(f"{served.url}/counts/1")
    assert tab.evaluate("document.activeElement.id") == "scan-code"
    for code in ("SKU-1", GTIN, GTIN, "SKU-1"):  # as fast as a scanner types
        tab.keyboard.type(code + "\n", delay=5)
    tab.wait_for_function("window.scansPending === 0")
    counted = "#count-lines tr[data-sku='SKU-1'] td.counted"
    tab.wait_for_function(f"document.querySelector(\"{counted}\").textContent === '4'")
    assert tab.inner_text("#count-lines tr[data-sku='SKU-1'] td.variance") == "-6"
    assert tab.evaluate("[document.activeElement.id, document.activeElement.value]") == [
        "scan-code", ""
    ]  # fmt: skip
    tab.fill("#scan-qty", "2")
    tab.fill("#scan-code", "SKU-1")
    tab.press("#scan-code", "Enter")
    tab.wait_for_function(f"document.querySelector(\"{counted}\").textContent === '6'")
    tab.keyboard.type("NOPE\n")
    tab.wait_for_function("document.getElementById('scan-outcome').textContent.includes('NOPE')")
    assert serious_violations(tab) == []
    tab.click("text=Close the count and post the variances")
    tab.wait_for_selector("#step-result")
    assert "On hand after: SKU-1 at main/a1 6" in tab.inner_text("#step-result")
    assert errors == []


@pytest.fixture
def status_watcher(served: Served) -> Any:
    """``collector run``'s status watcher on the real broker, for a site of this test alone."""
    require(is_listening(MOSQUITTO_HOST, MOSQUITTO_PORT), "Mosquitto")
    site = unique_name("site")
    watcher = StatusWatcher(address=BrokerAddress(MOSQUITTO_HOST, MOSQUITTO_PORT),
                            client_id=unique_name("status"), site=site,
                            engine=served.context.engine, clock=SystemClock())  # fmt: skip
    watcher.start()
    yield site
    watcher.stop()
    publish.single(wire.status_topic(site, "pi-9"), b"", qos=1, retain=True,
                   hostname=MOSQUITTO_HOST, port=MOSQUITTO_PORT)  # fmt: skip


def announce(site: str, state: wire.DeviceState) -> None:
    status = wire.DeviceStatus(device_id="pi-9", state=state)
    publish.single(wire.status_topic(site, "pi-9"), status.model_dump_json(by_alias=True),
                   qos=1, retain=True, hostname=MOSQUITTO_HOST, port=MOSQUITTO_PORT)  # fmt: skip


def test_a_device_going_offline_appears_on_the_open_page_without_reload(
    served: Served, page: tuple[Any, list[str]], status_watcher: str
) -> None:
    tab, errors = page
    announce(status_watcher, wire.DeviceState.ONLINE)
    log_in(tab, served)
    tab.goto(f"{served.url}/devices")
    tab.wait_for_function("window.sseOpens >= 1")
    tab.wait_for_selector("#device-pi-9[data-state='online']", timeout=5_000)
    tab.evaluate("window.notReloaded = true")
    announce(status_watcher, wire.DeviceState.OFFLINE)  # what the broker sends as its will
    sent = time.monotonic()
    tab.wait_for_selector("#device-pi-9[data-state='offline']", timeout=5_000)
    elapsed_s = time.monotonic() - sent
    print(f"device offline on the open page {elapsed_s * 1000:.0f} ms after the will was sent")
    assert elapsed_s < LIVE_BOUND_S
    assert tab.evaluate("window.notReloaded") is True
    assert errors == []
