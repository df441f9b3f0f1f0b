"""Seq order end to end: reordered events applied in order; a gap gets a resend, then an alert.

The real ``collector run`` composition (``serve``: MQTT consumer wrapped in the
``SequencedConnection``, the ledger writer process, the alerts thread from a bindings
file) against the system Mosquitto and a SQLite ledger. A paho client plays the
device: it publishes raw events and listens on its ``acks`` and ``commands`` topics,
and an operator client listens on the site's alerts topic.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion

from collector.alerts.message import AlertAction, AlertMessage
from collector.cli.run_command import serve
from collector.demo import traffic
from collector.ledger import schema
from collector.ledger.engine import open_ledger
from collector.settings import load_settings
from edge_agent import wire
from tests.e2e.ledger_view import import_items, positions
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]

EPOCH = 4242
REORDER_WINDOW_S = 0.5
GAP_ALERT_AFTER_S = 2.0
WAIT_S = 20.0
LOCATION = "main/aisle-1"


@dataclass
class Inbox:
    """Messages one client received, by topic, with their arrival (monotonic) time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list[tuple[float, str, bytes]] = field(default_factory=list)

    def add(self, topic: str, payload: bytes) -> None:
        with self.lock:
            self.messages.append((time.monotonic(), topic, payload))

    def on(self, topic: str) -> list[tuple[float, bytes]]:
        with self.lock:
            return [(at, payload) for at, t, payload in self.messages if t == topic]


@contextmanager
def listener(port: int, topics: list[str]) -> Iterator[tuple[paho.Client, Inbox]]:
    """A connected client subscribed to ``topics``; what arrives lands in the inbox."""
    inbox = Inbox()
    subscribed = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("seq-dev"))
    client.on_message = lambda _c, _u, msg: inbox.add(msg.topic, bytes(msg.payload))
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe([(topic, 1) for topic in topics])
    assert subscribed.wait(10), "test client did not subscribe"
    try:
        yield client, inbox
    finally:
        client.disconnect()
        client.loop_stop()


def wait_for(predicate: Callable[[], Any], timeout_s: float = WAIT_S) -> Any:
    """Poll until ``predicate`` returns something truthy; that value, or None on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


@dataclass
class Rig:
    """One site, one device, one SKU of this run, a ledger and a running collector."""

    port: int
    engine: sa.Engine
    site: str
    device: str = field(default_factory=lambda: unique_name("seqdev"))
    sku: str = field(default_factory=lambda: f"SEQ-{uuid.uuid4().hex[:8].upper()}")

    def payload(self, seq: int, kind: str, qty: int) -> bytes:
        fields: dict[str, object] = {"type": kind, "sku": self.sku, "qty": qty}
        fields |= (
            {"location": LOCATION, "unit_cost": "2.50"}
            if kind == "receipt"
            else {"location": LOCATION}
        )
        data = wire.StockTransaction.model_validate(fields)
        return traffic.make_payload(self.device, seq, data, epoch=EPOCH)

    def acked_seq(self, inbox: Inbox) -> int:
        acks = [wire.EventAck.model_validate_json(p) for _, p in inbox.on(self.acks_topic)]
        return max((a.seq for a in acks if a.epoch == EPOCH), default=0)

    def resends(self, inbox: Inbox) -> list[tuple[float, wire.ResendCommand]]:
        topic = wire.commands_topic(self.site, self.device)
        found = [(at, wire.COMMAND_ADAPTER.validate_json(p)) for at, p in inbox.on(topic)]
        return [(at, c) for at, c in found if isinstance(c, wire.ResendCommand)]

    def alerts(self, inbox: Inbox) -> list[tuple[float, AlertMessage]]:
        topic = wire.alerts_topic(self.site)
        return [(at, AlertMessage.model_validate_json(p)) for at, p in inbox.on(topic)]

    @property
    def acks_topic(self) -> str:
        return wire.acks_topic(self.site, self.device)

    def applied_in_posting_order(self) -> list[int]:
        """Seqs of the device's events in the order the ledger posted their movements."""
        inbox, movements = schema.inbox, schema.movements
        query = (
            sa.select(inbox.c.seq)
            .join(movements, movements.c.event_id == inbox.c.event_id)
            .where(inbox.c.device_id == self.device)
            .order_by(movements.c.id)
        )
        with self.engine.connect() as conn:
            return [int(seq) for (seq,) in conn.execute(query)]

    def inbox_rows(self) -> list[tuple[int, str]]:
        query = sa.select(schema.inbox.c.seq, schema.inbox.c.disposition).where(
            schema.inbox.c.device_id == self.device
        )
        with self.engine.connect() as conn:
            return sorted((int(seq), disposition) for seq, disposition in conn.execute(query))

    def dead_letters(self) -> int:
        query = sa.select(sa.func.count()).where(schema.dead_letters.c.device_id == self.device)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def on_hand(self) -> Decimal:
        return positions(self.engine, [self.sku]).get((self.sku, LOCATION), Decimal(0))


@pytest.fixture
def rig(mosquitto: tuple[str, int], site: str, tmp_path: Path) -> Iterator[Rig]:
    """A ledger with the rig's item, and ``collector run``'s ``serve`` on a thread."""
    _host, port = mosquitto
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(db_url)
    rig = Rig(port=port, engine=engine, site=site)
    items = tmp_path / "items.csv"
    items.write_text(
        f"sku,name,gtin,unit_weight_g,valuation,allow_negative\n{rig.sku},Tea,,100,fifo,false\n"
    )
    import_items(engine, items)
    bindings = tmp_path / "bindings.yaml"
    bindings.write_text(
        json.dumps({"site_id": site, "rules": {"gap_alert_after_s": GAP_ALERT_AFTER_S}})
    )
    settings = load_settings(
        mqtt_url=f"mqtt://127.0.0.1:{port}",
        db_url=db_url,
        mqtt_client_id=unique_name("seq-col"),
        mqtt_site=site,
        mqtt_session_expiry_s=60,
        bindings_files=[str(bindings)],
        reorder_window_ms=int(REORDER_WINDOW_S * 1000),
    )
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(settings,), kwargs={"stop": stop})
    thread.start()
    try:
        yield rig
    finally:
        stop.set()
        thread.join(timeout=30)
        engine.dispose()
        assert not thread.is_alive(), "collector did not stop"


def publish(client: paho.Client, rig: Rig, payloads: list[bytes]) -> None:
    topic = wire.events_topic(rig.site, rig.device)
    for payload in payloads:
        client.publish(topic, payload, qos=1).wait_for_publish(10)


def collector_is_up(client: paho.Client, rig: Rig) -> None:
    """Wait for the collector's subscription: an event published before it would be lost.

    Seq 1 is re-published until it is in this test's ledger (the copies are duplicates).
    Acks are no proof: other tests' collectors on the shared broker may subscribe to
    every site and acknowledge (dead-letter) this device's events in their own ledgers.
    """
    first = rig.payload(1, "receipt", 5)
    deadline = time.monotonic() + 60
    while not rig.inbox_rows():
        assert time.monotonic() < deadline, "the collector never applied seq 1"
        publish(client, rig, [first])
        wait_for(rig.inbox_rows, timeout_s=1.0)


def test_reordered_events_are_applied_in_seq_order_without_resend(rig: Rig) -> None:
    topics = [rig.acks_topic, wire.commands_topic(rig.site, rig.device)]
    with listener(rig.port, topics) as (client, inbox):
        collector_is_up(client, rig)  # seq 1: receipt of 5
        receipt, sale = rig.payload(2, "receipt", 3), rig.payload(3, "sale", 8)
        publish(client, rig, [sale, receipt])  # the sale of all 8 overtakes the receipt of 3
        assert wait_for(lambda: len(rig.inbox_rows()) == 3), "seqs 2-3 never reached the ledger"
        assert wait_for(lambda: rig.acked_seq(inbox) == 3), "seqs 1-3 were not acknowledged"
        time.sleep(REORDER_WINDOW_S + 1.0)  # room for a resend, if one were (wrongly) sent
        assert rig.resends(inbox) == []
    assert rig.applied_in_posting_order() == [1, 2, 3]
    assert rig.inbox_rows() == [(1, "applied"), (2, "applied"), (3, "applied")]
    assert rig.dead_letters() == 0  # applied in arrival order, the sale would be refused
    assert rig.on_hand() == Decimal(0)


def test_a_gap_gets_a_resend_then_an_alert_and_closes_when_the_event_comes(rig: Rig) -> None:
    topics = [
        rig.acks_topic,
        wire.commands_topic(rig.site, rig.device),
        wire.alerts_topic(rig.site),
    ]
    with listener(rig.port, topics) as (client, inbox):
        collector_is_up(client, rig)  # seq 1: receipt of 5
        gap_opened_at = time.monotonic()
        publish(client, rig, [rig.payload(seq, "receipt", 1) for seq in (2, 4, 5)])

        resends = wait_for(lambda: rig.resends(inbox))
        assert resends, "no ResendCommand on the device's commands topic"
        resent_at, command = resends[0]
        assert (command.epoch, command.from_seq) == (EPOCH, 3)
        assert resent_at - gap_opened_at >= REORDER_WINDOW_S

        def gap_alert() -> AlertMessage | None:
            found = [a for _, a in rig.alerts(inbox) if a.type == "sequence_gap"]
            return found[0] if found else None

        alert = wait_for(gap_alert)
        assert alert is not None, "no sequence_gap alert"
        alerted_at = next(at for at, a in rig.alerts(inbox) if a.type == "sequence_gap")
        assert alerted_at - gap_opened_at >= REORDER_WINDOW_S + GAP_ALERT_AFTER_S
        assert alert.device_id == rig.device
        assert f"device {rig.device} epoch {EPOCH}: 1 event(s) missing (seq 3)" in alert.message
        assert [seq for seq, _ in rig.inbox_rows()] == [1, 2, 4, 5]  # applied past the hole
        assert rig.acked_seq(inbox) == 2  # ... but acknowledged only up to it
        assert len(rig.resends(inbox)) >= 2, "the resend was not repeated while the gap stayed"

        publish(client, rig, [rig.payload(3, "receipt", 1)])  # the device answers the resend
        assert wait_for(lambda: len(rig.inbox_rows()) == 5), "seq 3 never reached the ledger"
        assert wait_for(lambda: rig.acked_seq(inbox) == 5), "seq 3 did not close the gap"
        cleared = wait_for(
            lambda: [a for _, a in rig.alerts(inbox) if a.change is AlertAction.CLEARED]
        )
        assert cleared, "the sequence_gap alert did not clear"
        sent = len(rig.resends(inbox))
        time.sleep(3.0)
        assert len(rig.resends(inbox)) == sent, "resends went on after the gap closed"
    assert rig.inbox_rows() == [(seq, "applied") for seq in range(1, 6)]
    assert rig.dead_letters() == 0
    assert rig.on_hand() == Decimal(9)
