"""Reconciliation end to end: recorded shelf traces and transactions through Mosquitto into
the ledger, the reconciler and its alerts on MQTT; then an alert resolved with a count.

Each recorded trace (tests/fixtures/reconcile/*.jsonl, made by the real edge weight
pipeline) plays on its own site, devices, SKU and location, all at once, through
one in-process collector: the real consumer, batch loop, SqlIngestor with the
ReconcileObserver, and the alerts thread ticking every 0.5 s with a 3 s grace.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion
from typer.testing import CliRunner

from collector.alerts.message import AlertMessage
from collector.alerts.runner import start_alerts
from collector.cli import app as cli
from collector.clock import SystemClock
from collector.ledger import schema
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.reconcile.runtime.ticker import ReconcileTicker
from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchPolicy
from collector.runtime.service import run_service
from collector.sites.bindings import SiteBindings
from edge_agent import wire
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(180)]

TRACES = Path(__file__).resolve().parents[1] / "fixtures" / "reconcile"
GRACE_S = 3.0
ALERT_DEADLINE_S = GRACE_S + 10
SPEED = 0.5
"""Traces play at twice their recorded pace: gaps only shrink, so the grace still holds."""
SCENARIOS = ("theft", "pick_then_sale", "sale_without_pick", "drifting_cell", "unknown_gtin")


@dataclass
class Scenario:
    """One trace on a site of its own, with the names rewritten to be unique to this run."""

    name: str
    site: str = field(default_factory=lambda: unique_name("rec"))
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    published_at: dict[str, float] = field(default_factory=dict)

    @property
    def sku(self) -> str:
        return f"TEA-{self.token}"

    @property
    def location(self) -> str:
        return f"e2e-{self.token}/aisle-1/shelf-1"

    def device(self, device_id: str) -> str:
        return f"{device_id}-{self.token}"

    def lines(self) -> list[dict[str, Any]]:
        """The recorded lines, renamed; every one validates with the real wire model."""
        lines = []
        for raw in (TRACES / f"{self.name}.jsonl").read_text().splitlines():
            item = json.loads(raw)
            data = item["data"]
            data.update(
                {
                    k: v
                    for k, v in (("sku", self.sku), ("location", self.location))
                    if k in data and data.get(k) == _RECORDED[k]
                }
            )
            item["device_id"] = self.device(item["device_id"])
            lines.append(item)
        return lines

    def bindings(self) -> SiteBindings:
        return SiteBindings.model_validate(
            {
                "site_id": self.site,
                "heartbeat_interval_s": 3600,
                "rules": {"grace_s": GRACE_S, "unresolved_for_fault": 3},
                "lanes": [
                    {
                        "device_id": self.device("shelf-1"),
                        "lane": "lane-1",
                        "location": self.location,
                        "sku": self.sku,
                    }
                ],
                "stations": [
                    {
                        "device_id": self.device("receiving-1"),
                        "station": "inbound-1",
                        "location": f"e2e-{self.token}/goods-in",
                    }
                ],
            }
        )


_RECORDED = {"sku": "TEA-100", "location": "demo/aisle-1/shelf-1"}
_DATA_MODELS: dict[
    str, type[wire.StockTransaction | wire.ShelfWeightChanged | wire.BarcodeScanned]
] = {
    "stock.transaction": wire.StockTransaction,
    "shelf.weight_changed": wire.ShelfWeightChanged,
    "barcode.scanned": wire.BarcodeScanned,
}


class AlertListener:
    """Collects alert JSON from ``inventory/v1/+/alerts`` with the arrival time."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[float, AlertMessage]] = []
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("alerts"))
        self._client.on_message = self._on_message
        self._subscribed = threading.Event()
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.connect("127.0.0.1", port)
        self._client.subscribe(f"{wire.TOPIC_ROOT}/+/alerts", qos=1)
        self._client.loop_start()
        assert self._subscribed.wait(10)

    def _on_message(self, _client: Any, _userdata: Any, msg: paho.MQTTMessage) -> None:
        with suppress(ValueError):
            self.received.append((time.monotonic(), AlertMessage.model_validate_json(msg.payload)))

    def of(self, site: str) -> list[tuple[float, AlertMessage]]:
        return [(at, m) for at, m in self.received if m.site == site]

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


@contextmanager
def collector(port: int, engine: sa.Engine, bindings: dict[str, SiteBindings]) -> Iterator[None]:
    """Consumer, batch loop and ingestor with the observer; the alerts thread beside them."""
    clock = SystemClock()
    consumer = MqttConsumer(
        address=parse_broker_url(f"mqtt://127.0.0.1:{port}"),
        client_id=unique_name("collector-rec"),
        clock=clock,
        reconnect=Backoff(initial_s=0.2, max_s=2.0),
        session_expiry_s=600,
    )
    ingestor = SqlIngestor(engine, clock=clock, sensors=ReconcileObserver(bindings))
    stop = threading.Event()
    loop = threading.Thread(
        target=run_service,
        kwargs={
            "connection": consumer,
            "ingestor": ingestor,
            "clock": clock,
            "stop": stop,
            "policy": BatchPolicy(max_messages=100, max_wait_s=0.02),
        },
    )
    loop.start()
    ticker = ReconcileTicker(engine, bindings=bindings)
    alerts = start_alerts(
        engine, ticker=ticker, publisher=consumer, clock=clock, stop=stop, tick_s=0.5
    )
    try:
        assert consumer.wait_connected(10), "collector did not subscribe"
        yield
    finally:
        stop.set()
        loop.join(timeout=15)
        alerts.join(timeout=15)
        assert not loop.is_alive()
        assert not alerts.is_alive()


def play(port: int, scenario: Scenario) -> None:
    """Publish the trace at its recorded times (scaled), each event acked before the next."""
    clock = SystemClock()
    devices: dict[str, SimulatedDevice] = {}
    seqs: dict[str, int] = {}
    start = time.monotonic()
    for item in scenario.lines():
        device_id = item["device_id"]
        if device_id not in devices:
            devices[device_id] = SimulatedDevice(
                host="127.0.0.1", port=port, site=scenario.site, device_id=device_id, clock=clock
            )
            devices[device_id].connect()
        seqs[device_id] = seqs.get(device_id, 0) + 1
        data = _DATA_MODELS[item["kind"]].model_validate(item["data"])
        event = wire.make_event(
            event_id=uuid.uuid4(),
            device_id=device_id,
            epoch=1,
            seq=seqs[device_id],
            observed_at=datetime.now(UTC),
            data=data,
        )
        time.sleep(max(0.0, start + item["t_s"] * SPEED - time.monotonic()))
        scenario.published_at.setdefault(item["kind"], time.monotonic())
        scenario.published_at[f"last:{item['kind']}"] = time.monotonic()
        devices[device_id].run(
            [PlannedMessage(seqs[device_id], wire.dump_event(event))], timeout_s=15
        )
    for device in devices.values():
        device.close()


def add_items(engine: sa.Engine, scenarios: list[Scenario]) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.items),
            [
                {
                    "sku": s.sku,
                    "name": s.name,
                    "gtin": None,
                    "valuation": "fifo",
                    "allow_negative": False,
                    "updated_at": datetime.now(UTC),
                }
                for s in scenarios
            ],
        )


def on_hand(engine: sa.Engine, scenario: Scenario) -> Decimal:
    b = schema.balances.c
    query = sa.select(b.qty).where(b.sku == scenario.sku, b.location == scenario.location)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def wait_for(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def types_of(listener: AlertListener, scenario: Scenario) -> set[str]:
    return {m.type for _, m in listener.of(scenario.site)}


def run_scenarios(db_url: str, port: int) -> None:
    engine = open_ledger(db_url)
    scenarios = {name: Scenario(name) for name in SCENARIOS}
    add_items(engine, list(scenarios.values()))
    bindings = {s.site: s.bindings() for s in scenarios.values()}
    listener = AlertListener(port)
    try:
        with collector(port, engine, bindings):
            players = [threading.Thread(target=play, args=(port, s)) for s in scenarios.values()]
            for player in players:
                player.start()
            for player in players:
                player.join(timeout=60)
            time.sleep(ALERT_DEADLINE_S)
            check_alerts(listener, scenarios)
            resolve_theft(db_url, engine, listener, scenarios["theft"])
    finally:
        listener.close()
        engine.dispose()


def check_alerts(listener: AlertListener, scenarios: dict[str, Scenario]) -> None:
    theft = scenarios["theft"]
    shrinkage = [(at, m) for at, m in listener.of(theft.site) if m.type == "shrinkage"]
    assert shrinkage, f"no shrinkage alert for the theft; got {types_of(listener, theft)}"
    at, first = shrinkage[0]
    delay_s = at - theft.published_at["shelf.weight_changed"]
    assert delay_s >= GRACE_S - 0.5, f"raised {delay_s:.2f} s after the theft, inside the grace"
    assert delay_s <= ALERT_DEADLINE_S, f"raised {delay_s:.2f} s after the theft"
    print(f"theft alert on MQTT {delay_s:.2f} s after the shelf event (grace {GRACE_S} s)")
    assert (first.expected, first.observed, first.status.value) == (10, 8, "open")
    assert types_of(listener, theft) == {"shrinkage"}
    assert types_of(listener, scenarios["pick_then_sale"]) == set()
    assert types_of(listener, scenarios["sale_without_pick"]) == {"unmatched_issue"}
    assert types_of(listener, scenarios["drifting_cell"]) == {"sensor_fault"}
    assert types_of(listener, scenarios["unknown_gtin"]) == {"unknown_code"}


def resolve_theft(db_url: str, engine: sa.Engine, listener: AlertListener, theft: Scenario) -> None:
    """Count 8 on the shelf, resolve with it: the ledger posts −2 and agrees with the shelf."""
    alert_id = next(m.alert_id for _, m in listener.of(theft.site) if m.type == "shrinkage")
    result = CliRunner().invoke(
        cli,
        ["alerts", "resolve", str(alert_id), "--by", "ops-e2e", "--counted", "8", "--db", db_url],
    )
    assert result.exit_code == 0, result.output
    assert on_hand(engine, theft) == Decimal(8)
    assert wait_for(
        lambda: any(m.change.value == "adjusted" for _, m in listener.of(theft.site)), 5
    )
    time.sleep(GRACE_S + 1.5)  # book and shelf agree now: nothing new may be raised
    changes = [m.change.value for _, m in listener.of(theft.site)]
    assert changes[-1] == "adjusted", changes
    assert changes.count("opened") == 1, changes


def test_reconciliation_on_sqlite(mosquitto, tmp_path) -> None:
    run_scenarios(f"sqlite:///{tmp_path / 'ledger.db'}", mosquitto[1])


@pytest.mark.postgres
def test_reconciliation_on_postgresql(mosquitto, postgres_url) -> None:
    run_scenarios(postgres_url, mosquitto[1])
