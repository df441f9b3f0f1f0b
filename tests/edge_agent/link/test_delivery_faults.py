"""Delivery under faults, through real Mosquitto: broker restarts, a 20k backlog, edge SIGKILL.

Each test has a ground truth of seq-numbered events and passes only when the fake
collector applied exactly seqs 1..N of one epoch, each once, with no seq reused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent import wire
from tests.edge_agent.link.conftest import clear_retained, rfid, wait_for
from tests.support.mosquitto_private import PrivateMosquitto

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]
WINDOW = 200
COLLECTOR_APPLY_S = 0.0003


def _produce(delivery, total: int, rate_per_s: float, stop: threading.Event) -> None:
    period_s = 1 / rate_per_s
    for n in range(total):
        if stop.is_set():
            return
        delivery.append(rfid(n), datetime.now(UTC))
        time.sleep(period_s)


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_broker_restart_mid_stream_loses_nothing(
    how, *, private_broker: PrivateMosquitto, site, device_id, fake_collector, delivery_factory
) -> None:
    host, port = private_broker.host, private_broker.port
    collector = fake_collector(host, port, site=site)
    delivery = delivery_factory(host, port, site=site, device_id=device_id, ack_timeout_s=2.0)
    delivery.start()
    total = 3000
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(delivery, total, 1000, stop))
    producer.start()
    epoch = delivery.outbox.epoch
    try:
        assert wait_for(lambda: collector.acked(device_id, epoch) >= 800, 20)
        getattr(private_broker, how)()  # stop = SIGTERM (saves sessions), kill = SIGKILL
        time.sleep(1.0)  # the producer keeps appending while the broker is away
        private_broker.start()
        producer.join(30)
        assert wait_for(lambda: collector.acked(device_id, epoch) == total, 60), (
            f"acked {collector.acked(device_id, epoch)} of {total}; {delivery.stats()}"
        )
    finally:
        stop.set()
        producer.join(5)
    assert collector.applied(device_id, epoch) == list(range(1, total + 1))
    assert collector.conflicts == []
    assert wait_for(lambda: delivery.outbox.unsent_count() == 0, 10)


def test_backlog_of_20k_drains_after_reconnect_without_overflowing_the_broker(
    private_broker: PrivateMosquitto, site, device_id, fake_collector, delivery_factory
) -> None:
    host, port = private_broker.host, private_broker.port
    # a collector slower than the edge, as a real one committing to PostgreSQL is
    collector = fake_collector(host, port, site=site, apply_s=COLLECTOR_APPLY_S)
    delivery = delivery_factory(
        host, port, site=site, device_id=device_id, ack_timeout_s=5.0, window=WINDOW
    )
    delivery.start()
    assert wait_for(lambda: delivery.link.is_connected, 10)
    private_broker.stop()
    assert wait_for(lambda: not delivery.link.is_connected, 10)
    total = 20_000
    now = datetime.now(UTC)
    for start in range(0, total, 1000):  # the network is down; the shelf keeps producing
        delivery.outbox.append_many([(rfid(n), now) for n in range(start, start + 1000)])
    private_broker.start()
    started = time.monotonic()
    epoch = delivery.outbox.epoch
    assert wait_for(lambda: collector.acked(device_id, epoch) == total, 180), (
        f"acked {collector.acked(device_id, epoch)} of {total}; {delivery.stats()}"
    )
    drain_s = time.monotonic() - started
    assert collector.applied(device_id, epoch) == list(range(1, total + 1))
    assert collector.conflicts == []
    # the window keeps the broker's per-client queue (1000) from overflowing: no resends needed
    assert delivery.stats().rewinds == 0, delivery.stats()
    assert wait_for(lambda: delivery.outbox.unsent_count() == 0, 10)
    print(f"\n20k backlog drained in {drain_s:.1f} s ({total / drain_s:.0f} events/s)")


def _edge_process(
    broker: tuple[str, int], *, site: str, device_id: str, outbox: Path, total: int, rate: int
) -> subprocess.Popen[bytes]:
    host, port = broker
    args = [host, str(port), site, device_id, str(outbox), str(total), str(rate)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.edge_agent.link.edge_process", *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_edge_killed_mid_stream_resumes_on_the_same_outbox(
    mosquitto: tuple[str, int], tmp_path: Path, site, device_id, fake_collector
) -> None:
    host, port = mosquitto
    collector = fake_collector(host, port, site=site)
    outbox = tmp_path / "outbox.sqlite3"
    total = 3000
    first = _edge_process(
        mosquitto, site=site, device_id=device_id, outbox=outbox, total=total, rate=800
    )
    assert wait_for(lambda: collector.received >= 600, 30), first.stderr
    first.send_signal(signal.SIGKILL)  # power loss
    first.wait(10)
    assert first.stderr is not None
    first.stderr.close()
    [epoch] = collector.epochs(device_id)
    cut_at = max(collector.applied(device_id, epoch))
    assert cut_at < total, "the stream finished before the kill; lower the rate"
    second = _edge_process(
        mosquitto, site=site, device_id=device_id, outbox=outbox, total=total, rate=800
    )
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode(errors="replace")[-2000:]
    assert collector.epochs(device_id) == [epoch], "a restart must not start a new epoch"
    assert collector.applied(device_id, epoch) == list(range(1, total + 1))
    assert collector.conflicts == [], "a seq was reused for a different event"
    assert collector.acked(device_id, epoch) == total
    clear_retained(*mosquitto, wire.status_topic(site, device_id))


def test_last_will_marks_a_killed_edge_offline(
    mosquitto: tuple[str, int], tmp_path: Path, site, device_id
) -> None:
    from tests.edge_agent.link.test_delivery_flow import _retained  # noqa: PLC0415

    proc = _edge_process(
        mosquitto, site=site, device_id=device_id, outbox=tmp_path / "o.db", total=10**6, rate=10
    )
    topic = wire.status_topic(site, device_id)

    def state() -> wire.DeviceState | None:
        payload = _retained(*mosquitto, topic, timeout_s=0.5)
        return wire.DeviceStatus.model_validate_json(payload).state if payload else None

    assert wait_for(lambda: state() is wire.DeviceState.ONLINE, 15)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.stderr is not None
    proc.stderr.close()
    assert wait_for(lambda: state() is wire.DeviceState.OFFLINE, 15)
    clear_retained(*mosquitto, topic)
