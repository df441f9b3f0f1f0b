"""A week of sales over MQTT to a real ``collector run`` sells a shelf down to its reorder
point; the run's own replenishment sweep suggests once, with why; approved over the API it
becomes an order; at the receiving station the order's barcode is scanned, then its goods
(through the edge's station state machine), and that receipt over MQTT closes it; no second
suggestion meanwhile.

Demand rule at ``shop`` (7 days of history, lead time 2 days, packs of 12, MOQ 12, min 5):
100 units came in 8 days ago, then 11 were sold on each of the last 7 days, so on hand is
23, d̄ = 11/day, σ = 0, forecast over the lead time 22, projected 1 ≤ reorder point 5:
order up to the point plus 7 days' cover, 5 + 77 = 82, ⌈81 / 12⌉ = 7 packs → 84. Before
the 7th day's sale projected is 34 − 2 · 66/7 ≈ 15.1 > 5, so the sweep can only suggest
once the whole week is in.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa

from collector.alerts.schema import alert_events, alerts
from collector.api.access import Role
from collector.api.tokens import create_token
from collector.clock import SystemClock
from collector.ledger import schema
from collector.ledger.engine import open_ledger
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from collector.purchasing import approval, orders
from edge_agent import wire
from edge_agent.sensing.barcode.station import Station, StationRules
from tests.e2e.test_pos_api import ApiProcess
from tests.support.ledger import add_item
from tests.support.services import unique_name
from tests.system.processes import CollectorProcess

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(90)]

SWEEP_S = 0.5
WAIT_S = 20.0
SHELF = "shop/shelf-1"
GTIN = "09506000134352"
T = TypeVar("T")


class SweepingCollector(CollectorProcess):
    """``collector run`` sweeping the rules every ``SWEEP_S``."""

    def extra_env(self) -> dict[str, str]:
        return {**super().extra_env(), "COLLECTOR_REPLENISH_INTERVAL_S": str(SWEEP_S)}


class QuietApi(ApiProcess):
    """``collector api`` without a sweep of its own: suggestions come from ``collector run``."""

    def extra_env(self) -> dict[str, str]:
        return {"COLLECTOR_REPLENISH_INTERVAL_S": "0"}


def wait_for(found: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + WAIT_S
    while (value := found()) is None or value == []:
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.1)
    return value


def _setup(url: str) -> tuple[str, str, str]:
    """The item, its supplier's terms, an admin token: (sku, supplier code, token)."""
    engine = open_ledger(url)
    sku = add_item(engine)
    with engine.begin() as conn:  # the station's scans name it by GTIN
        conn.execute(sa.update(schema.items).where(schema.items.c.sku == sku).values(gtin=GTIN))
    now = datetime.now(UTC)
    code = unique_name("sup")[:60]
    with engine.begin() as conn:
        supplier = orders.create_supplier(conn, code=code, name="Acme", now=now)
        orders.set_supplier_item(
            conn, supplier, sku, lead_time_days=2, order_multiple=Decimal(12),
            min_order_qty=Decimal(12), last_price=Decimal("2.50"), now=now,
        )  # fmt: skip
        token = create_token(conn, name="buyer", role=Role.ADMIN, owners=[], now=now)
    engine.dispose()
    return sku, code, token


def _rule(client: httpx.Client, sku: str, supplier: str) -> int:
    """The demand rule, made over the API once the shelf is stocked."""
    body = {"sku": sku, "location": "shop", "supplier": supplier, "method": "demand",
            "min_qty": "5", "max_qty": "5", "service_level": "0.95", "demand_days": 7,
            "cover_days": 7, "margin_qty": "2"}  # fmt: skip
    made = client.post("/api/v1/reorder-rules", json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _message(device: str, seq: int, at: datetime, **data: Any) -> PlannedMessage:
    event = wire.make_event(
        event_id=uuid.uuid4(), device_id=device, epoch=1, seq=seq, observed_at=at,
        data=wire.StockTransaction.model_validate({"location": SHELF, **data}),
    )  # fmt: skip
    return PlannedMessage(seq, wire.dump_event(event))


def _scanned_receipt(device: str, po_number: str) -> PlannedMessage:
    """What the station sends for ``PO:<number>``, ``QTY:84`` and the item's EAN-13."""
    scanner = Station(StationRules(station="inbound-1"))
    lines = [f"]C0PO:{po_number}".encode(), b"]C0QTY:84", f"]E0{GTIN[1:]}".encode()]
    (scan,) = [out.data for line in lines for out in scanner.scan(1.0, line)]
    assert isinstance(scan, wire.BarcodeScanned)
    assert scan.po_reference == po_number
    event = wire.make_event(event_id=uuid.uuid4(), device_id=device, epoch=1, seq=9,
                            observed_at=datetime.now(UTC), data=scan)  # fmt: skip
    return PlannedMessage(9, wire.dump_event(event))


def _week(device: str, sku: str, now: datetime) -> tuple[PlannedMessage, list[PlannedMessage]]:
    """The opening receipt 8 days ago; a sale of 11 at noon on each of the last 7 days."""
    today = now.date()
    noon = [
        datetime.combine(today - timedelta(days=k), clock_time(12), UTC) for k in range(8, 0, -1)
    ]
    opening = _message(device, 1, noon[0], type="receipt", sku=sku, qty="100", unit_cost="2.50")
    sales = [
        _message(device, seq, at, type="sale", sku=sku, qty="11", unit_price="4.00")
        for seq, at in enumerate(noon[1:], start=2)
    ]
    return opening, sales


def _low_stock(url: str, sku: str) -> tuple[list[str], list[str]]:
    """(statuses of the SKU's low_stock alerts, their history's actions in order)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            mine = alerts.c.sku == sku
            found = sa.select(alerts.c.status).where(mine, alerts.c.type == "low_stock")
            history = (
                sa.select(alert_events.c.action)
                .join(alerts, alerts.c.id == alert_events.c.alert_id)
                .where(mine, alerts.c.type == "low_stock")
                .order_by(alert_events.c.id)
            )
            return list(conn.execute(found).scalars()), list(conn.execute(history).scalars())
    finally:
        engine.dispose()


def _suggestions(url: str, rule_id: int) -> list[sa.Row[Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = approval.list_suggestions(conn, status=None)
    finally:
        engine.dispose()
    return [row for row in rows if row.rule_id == rule_id]


def test_a_week_of_sales_orders_once_and_the_receipt_closes_it(mosquitto, tmp_path: Path) -> None:
    host, port = mosquitto
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    sku, supplier, token = _setup(url)
    site, device = unique_name("repl"), unique_name("station")
    bindings = tmp_path / "bindings.yaml"
    bindings.write_text(
        f"site_id: {site}\ndefault_policy: observe\nstations:\n"
        f"  - {{device_id: {device}, station: inbound-1, location: {SHELF}}}\n"
    )
    collector = SweepingCollector(
        port=port, db_url=url, site=site, client_id=unique_name("collector-repl"),
        log_dir=tmp_path, name="collector", extra_args=["--bindings", str(bindings)],
    )  # fmt: skip
    api = QuietApi(db_url=url, log_dir=tmp_path)
    station = SimulatedDevice(host=host, port=port, site=site, device_id=device,
                              clock=SystemClock())  # fmt: skip
    try:
        collector.wait_subscribed()
        api.wait_ready()
        station.connect()
        opening, sales = _week(device, sku, datetime.now(UTC))
        station.run([opening], timeout_s=WAIT_S)
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=api.base_url, headers=auth, timeout=20) as client:
            rule_id = _rule(client, sku, supplier)
            time.sleep(3 * SWEEP_S)  # sweeps over the stocked shelf: 100 > 5, nothing
            assert _suggestions(url, rule_id) == []
            station.run(sales, timeout_s=WAIT_S)
            _order_and_receive(client, station, url, sku, rule_id)
        station.close()
        assert collector.terminate() == 0, collector.logs()
        assert api.terminate() == 0, api.logs()
    finally:
        collector.cleanup()
        api.cleanup()


def _order_and_receive(
    client: httpx.Client, station: SimulatedDevice, url: str, sku: str, rule_id: int
) -> None:
    def open_ones() -> list[dict[str, Any]]:
        answer = client.get("/api/v1/suggestions")
        assert answer.status_code == 200, answer.text
        return [s for s in answer.json() if s["rule_id"] == rule_id]

    (suggestion,) = wait_for(open_ones, "suggestion from the sweep")
    figures = ("on_hand", "forecast_qty", "projected", "reorder_point", "order_up_to", "qty")
    assert [Decimal(suggestion[k]) for k in figures] == [23, 22, 1, 5, 82, 84]
    assert "projected 1 = on hand 23 + on order 0 + in draft orders 0" in suggestion["reason"]
    assert "→ 84" in suggestion["reason"]
    assert wait_for(lambda: _low_stock(url, sku)[0] or None, "low_stock alert") == ["open"]

    approved = client.post(
        "/api/v1/suggestions/approve", json={"suggestion_ids": [suggestion["id"]]}
    )
    assert approved.status_code == 200, approved.text
    (po,) = approved.json()["orders"]
    sent = client.post(f"/api/v1/purchase-orders/{po['id']}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent"

    # at the receiving station: the order's barcode, then its 84 units; the scan names it
    station.run([_scanned_receipt(station.device_id, po["number"])], timeout_s=WAIT_S)

    def received() -> dict[str, Any] | None:
        order = client.get(f"/api/v1/purchase-orders/{po['id']}").json()
        return order if order["status"] == "received" else None

    order = wait_for(received, "received order")
    (line,) = order["lines"]
    assert (Decimal(line["qty_received"]), [m["flag"] for m in line["matches"]]) == (
        84, ["complete"],
    )  # fmt: skip
    assert line["matches"][0]["reference"] == f"PO:{po['number']} scan inbound-1 receive"
    statuses = wait_for(
        lambda: s if (s := _low_stock(url, sku)[0]) == ["resolved"] else None,
        "low_stock alert cleared",
    )
    assert statuses == ["resolved"]
    time.sleep(4 * SWEEP_S)  # more sweeps over the full shelf: nothing new
    assert _low_stock(url, sku)[1] == ["opened", "cleared"]  # never reopened
    assert open_ones() == []
    (only,) = _suggestions(url, rule_id)
    assert (only.id, only.status) == (suggestion["id"], "ordered")
