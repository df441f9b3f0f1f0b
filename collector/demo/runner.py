"""Run the whole demo: broker, collector, devices, then show and check the ledger."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from collector.demo import feed
from collector.demo.broker import EmbeddedBroker
from collector.demo.playback import Playback
from collector.ledger.catalog import import_items, parse_items_csv
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.queries import StockRow, cogs_report, stock
from collector.mqtt.address import parse_broker_url
from collector.mqtt.factory import consumer_from_settings
from collector.runtime.clock import SystemClock
from collector.runtime.service import policy_from_settings, run_service
from collector.settings import CollectorSettings, load_settings

DEVICES = ("dock-1", "pos-1", "pos-2")
CONNECT_TIMEOUT_S = 10.0
REPORT_FROM = datetime(2000, 1, 1, tzinfo=UTC)
REPORT_TO = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass
class DemoOutcome:
    """The ledger after the script, and every way it differs from the hand-worked figures."""

    rows: list[StockRow]
    cogs: Decimal
    purchases: Decimal = Decimal(0)
    ending_value: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)


def items_csv() -> Path:
    """The demo catalogue shipped in this package."""
    return Path(str(resources.files("collector.demo").joinpath("items.csv")))


def fresh_database(var_dir: Path) -> str:
    """A new SQLite file under ``var_dir`` (the previous run's is removed)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "demo-ledger.db"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def demo_settings(mqtt_url: str, db_url: str, *, embedded: bool) -> CollectorSettings:
    """Collector settings for one demo run: its own client id; MQTT 3.1.1 for amqtt."""
    return load_settings(
        mqtt_url=mqtt_url,
        db_url=db_url,
        mqtt_client_id=f"demo-collector-{uuid.uuid4().hex[:8]}",
        mqtt_site=feed.SITE,  # on a shared broker, ignore everybody else's events
        mqtt_protocol="3.1.1" if embedded else "5",
        mqtt_session_expiry_s=60,  # a one-off client id: let the broker forget it soon
        batch_max_wait_ms=10,
    )


def check(rows: list[StockRow], cogs: Decimal) -> list[str]:
    """Differences between the ledger and the hand-worked results."""
    on_hand = {(row.sku, row.location): row.qty for row in rows if row.qty}
    problems = [
        f"{sku} at {location}: ledger has {on_hand.get((sku, location), 0)}, expected {qty}"
        for (sku, location), qty in feed.EXPECTED_ON_HAND.items()
        if on_hand.get((sku, location)) != qty
    ]
    problems += [f"unexpected stock: {key} = {qty}" for key, qty in on_hand.items()
                 if key not in feed.EXPECTED_ON_HAND]  # fmt: skip
    value = sum((row.value for row in rows), Decimal(0))
    if value != feed.EXPECTED_STOCK_VALUE:
        problems.append(f"stock value {value}, expected {feed.EXPECTED_STOCK_VALUE}")
    if cogs != feed.EXPECTED_COGS:
        problems.append(f"COGS {cogs}, expected {feed.EXPECTED_COGS}")
    return problems


def run_demo(*, mqtt_url: str | None, var_dir: Path, console: Console) -> DemoOutcome:
    """Play the scripted day through MQTT into a fresh ledger and check the result."""
    broker = None if mqtt_url else EmbeddedBroker()
    if broker is not None:
        broker.start()
        console.print(f"[dim]embedded MQTT broker (amqtt) on {broker.url}[/dim]")
    try:
        url = broker.url if broker is not None else str(mqtt_url)
        settings = demo_settings(url, fresh_database(var_dir), embedded=broker is not None)
        engine = open_ledger(settings.db_url)
        try:
            return _play_and_summarise(settings, engine, console)
        finally:
            engine.dispose()
    finally:
        if broker is not None:
            broker.stop()


def _play_and_summarise(
    settings: CollectorSettings, engine: sa.Engine, console: Console
) -> DemoOutcome:
    """Import items, run collector and devices, then read the ledger back."""
    clock = SystemClock()
    rows = parse_items_csv(items_csv().read_text())
    imported = import_items(engine, rows, now=clock.now())
    console.print(f"[dim]ledger {settings.db_url}: {imported.created} items imported[/dim]")
    consumer = consumer_from_settings(settings, clock=clock)
    stop = threading.Event()
    service = threading.Thread(
        target=run_service,
        kwargs={
            "connection": consumer,
            "ingestor": SqlIngestor(engine, clock=clock),
            "clock": clock,
            "stop": stop,
            "policy": policy_from_settings(settings),
        },
        name="collector",
    )
    service.start()
    try:
        if not consumer.wait_connected(CONNECT_TIMEOUT_S):
            raise TimeoutError(f"collector could not subscribe at {settings.mqtt_url}")
        _play_script(settings, console)
    finally:
        stop.set()
        service.join(timeout=CONNECT_TIMEOUT_S)
    with engine.connect() as conn:
        positions = stock(conn)
        total = cogs_report(conn, start=REPORT_FROM, end=REPORT_TO)[-1]
    return DemoOutcome(
        rows=positions,
        cogs=total.cogs,
        purchases=total.purchases,
        ending_value=total.ending_value,
        problems=check(positions, total.cogs),
    )


def _play_script(settings: CollectorSettings, console: Console) -> None:
    """Each phase of the day, waiting for the collector's acks before the next."""
    address = parse_broker_url(settings.mqtt_url)
    with Playback(address=address, clock=SystemClock(), device_ids=DEVICES) as playback:
        for phase in feed.script():
            playback.play(phase)
            devices = sorted({event.device_id for event in phase.events})
            count = len(phase.events)
            console.print(
                f"  {phase.title}: {count} event{'s' if count > 1 else ''}"
                f" from {', '.join(devices)}, all acknowledged"
            )


def stock_table(outcome: DemoOutcome) -> Table:
    """The stock table as ``collector stock`` would show it."""
    table = Table(title="Stock on hand (perpetual ledger)")
    for header in ("SKU", "Location", "Owner"):
        table.add_column(header, no_wrap=True)
    for header in ("On hand", "Value", "Avg cost"):
        table.add_column(header, justify="right")
    for row in outcome.rows:
        average = row.avg_unit_cost
        table.add_row(
            row.sku,
            row.location,
            row.owner,
            f"{row.qty.normalize():f}",
            f"{row.value:.2f}",
            "-" if average is None else f"{average:.4f}",
        )
    return table
