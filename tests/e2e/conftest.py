"""End-to-end support: the real collector runtime and SqlIngestor against the real Mosquitto."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.clock import SystemClock
from collector.demo import traffic
from collector.ingest.ports import Ingestor
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchPolicy
from collector.runtime.service import run_service
from edge_agent import wire
from tests.e2e.ledger_view import import_items
from tests.support.services import unique_name

DEVICES = 5
EVENTS = 2000
MALFORMED = 20  # 1 % of the events
RUN_TIMEOUT_S = 60.0


@dataclass
class Stream:
    """What the fleet will send, and what the ledger must show afterwards."""

    catalog: traffic.Catalog
    seed: list[wire.StockTransaction]
    per_device: dict[str, list[wire.StockTransaction]]
    plans: dict[str, list[PlannedMessage]]
    seed_device: str

    def expected_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """Units per (sku, location), summed here from the transactions themselves."""
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        everything = [*self.seed, *(tx for txs in self.per_device.values() for tx in txs)]
        for tx in everything:
            kind = tx.type.value
            if kind in {"receipt", "return", "adjustment"}:
                totals[(tx.sku, tx.location)] += tx.qty
            else:  # sale, transfer: out of location
                totals[(tx.sku, tx.location)] -= tx.qty
            if tx.to_location is not None:
                totals[(tx.sku, tx.to_location)] += tx.qty
        return dict(totals)

    def expected_value(self) -> dict[tuple[str, str], Decimal]:
        """Every SKU has one cost, so the value is units times that cost."""
        costs = self.catalog.unit_costs
        return {key: qty * costs[key[0]] for key, qty in self.expected_on_hand().items()}


def make_stream(seed: int = 7) -> Stream:
    """2,000 events over 5 devices, +10 % duplicates, window shuffles, 1 % malformed."""
    rng = random.Random(seed)
    token = unique_name("e2e").split("-")[1][:6]  # device ids and SKUs of this run only
    catalog = traffic.Catalog.make(8, rng, prefix=token.upper())
    count = EVENTS // DEVICES
    per_device = {
        f"dev{n}-{token}": [traffic.random_transaction(catalog, rng) for _ in range(count)]
        for n in range(DEVICES)
    }
    plans = {
        device_id: traffic.device_plan(
            device_id,
            txs,
            rng,
            duplicate_ratio=0.10,
            malformed=MALFORMED // DEVICES,
            shuffle_window=50,
        )
        for device_id, txs in per_device.items()
    }
    return Stream(catalog, traffic.seed_transactions(catalog), per_device, plans, f"seed-{token}")


@contextmanager
def in_process_collector(
    mqtt_port: int,
    engine: sa.Engine,
    client_id: str,
    site: str,
    wrap: Callable[[Ingestor], Ingestor] = lambda ingestor: ingestor,
) -> Iterator[None]:
    """The real consumer + batch loop + SqlIngestor on a thread; stopped gracefully on exit."""
    clock = SystemClock()
    consumer = MqttConsumer(
        address=parse_broker_url(f"mqtt://127.0.0.1:{mqtt_port}"),
        client_id=client_id,
        clock=clock,
        reconnect=Backoff(initial_s=0.2, max_s=2.0),
        session_expiry_s=60,
        subscription=wire.events_topic(site, "+"),  # the shared broker carries others' tests
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=run_service,
        kwargs={
            "connection": consumer,
            "ingestor": wrap(SqlIngestor(engine, clock=clock)),
            "clock": clock,
            "stop": stop,
            "policy": BatchPolicy(
                max_messages=500, max_wait_s=0.02, retry=Backoff(initial_s=0.1, max_s=0.5)
            ),
        },
    )
    thread.start()
    try:
        assert consumer.wait_connected(10), "collector did not subscribe"
        yield
    finally:
        stop.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "collector did not stop"


class Fleet:
    """Simulated devices publishing their plans concurrently, each waiting for its acks."""

    def __init__(
        self,
        port: int,
        site: str,
        plans: dict[str, list[PlannedMessage]],
        *,
        max_outstanding: int = 200,
    ) -> None:
        clock = SystemClock()
        self.plans = plans
        self.devices = {
            device_id: SimulatedDevice(
                host="127.0.0.1",
                port=port,
                site=site,
                device_id=device_id,
                clock=clock,
                max_outstanding=max_outstanding,
            )
            for device_id in plans
        }
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def start(self, timeout_s: float) -> None:
        for device in self.devices.values():
            device.connect()
        for device_id in self.plans:
            thread = threading.Thread(target=self._play, args=(device_id, timeout_s))
            thread.start()
            self._threads.append(thread)

    def acked_total(self) -> int:
        return sum(device.acked_seq for device in self.devices.values())

    def join(self) -> dict[str, SimulatedDevice]:
        for thread in self._threads:
            thread.join()
        for device in self.devices.values():
            device.close()
        if self.errors:
            raise self.errors[0]
        return self.devices

    def _play(self, device_id: str, timeout_s: float) -> None:
        try:
            self.devices[device_id].run(self.plans[device_id], timeout_s=timeout_s)
        except BaseException as err:
            self.errors.append(err)


def run_fleet(
    port: int, site: str, plans: dict[str, list[PlannedMessage]], *, timeout_s: float
) -> dict[str, SimulatedDevice]:
    """Run a fleet to completion."""
    fleet = Fleet(port, site, plans)
    fleet.start(timeout_s)
    return fleet.join()


def seed_plan(stream: Stream) -> dict[str, list[PlannedMessage]]:
    """The opening receipts, from their own device, so sales never meet an empty shelf."""
    device_id = stream.seed_device
    return {
        device_id: [
            PlannedMessage(seq, traffic.make_payload(device_id, seq, tx))
            for seq, tx in enumerate(stream.seed, start=1)
        ]
    }


@pytest.fixture
def stream() -> Stream:
    return make_stream()


def prepared_ledger(url: str, stream: Stream, tmp_path: Path) -> sa.Engine:
    """Migrate the ledger and import the stream's catalog."""
    engine = open_ledger(url)
    csv_path = tmp_path / "items.csv"
    csv_path.write_text(stream.catalog.items_csv())
    import_items(engine, csv_path)
    return engine


__all__: Sequence[str] = (
    "Fleet",
    "Stream",
    "in_process_collector",
    "prepared_ledger",
    "run_fleet",
    "seed_plan",
)
