"""Queued alert changes reach MQTT and a real loopback webhook; a failing webhook is retried."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collector.alerts import store
from collector.alerts.message import AlertMessage
from collector.alerts.notify import HttpxWebhook, NotificationPump
from collector.ledger.engine import open_ledger
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from edge_agent import wire
from tests.support.services import unique_name


class Receiver(ThreadingHTTPServer):
    """Answers 500 to the first ``failures`` POSTs, then 204; keeps the bodies it accepted."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        server: Receiver = self.server  # type: ignore[assignment]
        if server.failures > 0:
            server.failures -= 1
            self.send_response(500)
        else:
            server.bodies.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def publish(self, topic: str, payload: bytes) -> None:
        self.sent.append((topic, payload))


@pytest.fixture
def engine(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield engine
    engine.dispose()


def raise_alert(engine, clock, site: str) -> int:
    finding = Finding(
        AlertKey(site, AlertType.SHRINKAGE, "main/a1", "TEA"),
        "gone",
        Severity.MINOR,
        expected=Decimal(10),
        observed=Decimal(8),
    )
    with engine.begin() as conn:
        return store.apply_verdicts(conn, [finding], now=clock.now())[0]


def test_mqtt_gets_the_alert_json_on_the_site_topic(engine, clock) -> None:
    site = unique_name("site")
    alert_id = raise_alert(engine, clock, site)
    recorder = Recorder()
    pump = NotificationPump(engine, publisher=recorder)
    assert pump.drain(clock.now()).published == 1
    ((topic, payload),) = recorder.sent
    message = AlertMessage.model_validate_json(payload)
    assert topic == wire.alerts_topic(site)
    assert (message.alert_id, message.change.value, message.observed) == (alert_id, "opened", 8)
    assert pump.pending() == 0


def test_failing_webhook_is_retried_with_backoff_until_it_takes_it(engine, clock, receiver) -> None:
    raise_alert(engine, clock, unique_name("site"))
    recorder = Recorder()
    pump = NotificationPump(engine, publisher=recorder, webhook=HttpxWebhook(receiver.url))
    first = pump.drain(clock.now())
    assert (first.published, first.failed, pump.pending()) == (1, 1, 1)
    assert pump.drain(clock.now()).failed == 0  # not due yet: backoff of 1 s
    assert pump.drain(clock.advance(1)).failed == 1
    assert pump.drain(clock.advance(1)).failed == 0  # 2 s backoff not over
    assert pump.drain(clock.advance(1)).posted == 1
    assert len(recorder.sent) == 1, "MQTT was published once, not on every retry"
    assert AlertMessage.model_validate_json(receiver.bodies[0]).type == "shrinkage"
    assert pump.pending() == 0


def test_undelivered_notifications_survive_a_restart(engine, clock, receiver) -> None:
    raise_alert(engine, clock, unique_name("site"))
    NotificationPump(engine, webhook=HttpxWebhook(receiver.url)).drain(clock.now())
    fresh = NotificationPump(engine, webhook=HttpxWebhook(receiver.url))  # a new process
    assert fresh.pending() == 1
    fresh.drain(clock.advance(10))
    fresh.drain(clock.advance(10))
    assert fresh.pending() == 0
    assert len(receiver.bodies) == 1


class BrokerAway:
    def publish(self, topic: str, payload: bytes) -> None:
        raise OSError("broker away")


def _fields(line: str) -> dict[str, str]:
    """The field set of a line-protocol line, by name."""
    return dict(part.split("=", 1) for part in line.split(" ")[1].split(","))


def outbox_lines(engine) -> list[str]:
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.timeseries.outbox import outbox_table  # noqa: PLC0415

    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.lines).order_by(outbox_table.c.id)).scalars()
        return [line for text in rows for line in text.split("\n")]


def test_every_alert_change_is_charted_once_as_a_discrepancy_point(engine, clock) -> None:
    from collector.timeseries.discrepancies import chart  # noqa: PLC0415

    site = unique_name("site")
    alert_id = raise_alert(engine, clock, site)
    with engine.begin() as conn:
        store.dismiss(conn, alert_id, by="ops", reason="test shelf", now=clock.advance(5))
    pump = NotificationPump(engine, publisher=BrokerAway(), charter=chart)
    pump.drain(clock.now())
    pump.drain(clock.now())  # MQTT still failing: the change is retried, not charted again
    opened, dismissed = outbox_lines(engine)
    assert opened.startswith(f"discrepancy,location=main/a1,site={site},sku=TEA,type=shrinkage ")
    first, last = _fields(opened), _fields(dismissed)
    assert (first["open"], first["opened"], first["resolved"]) == ("1i", "1i", "0i")
    assert (float(first["expected_count"]), float(first["observed_count"])) == (10, 8)
    assert (last["open"], last["opened"], last["resolved"]) == ("0i", "0i", "1i")
    assert pump.pending() == 2  # still owed to MQTT
    NotificationPump(engine, charter=chart).drain(clock.now())
    assert len(outbox_lines(engine)) == 2
