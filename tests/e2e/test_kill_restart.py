"""``collector run`` killed with SIGKILL mid-stream and restarted: the ledger is still exact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collector.ledger.engine import open_ledger
from tests.e2e import ledger_view
from tests.e2e.conftest import (
    EVENTS,
    MALFORMED,
    RUN_TIMEOUT_S,
    Fleet,
    prepared_ledger,
    run_fleet,
    seed_plan,
)
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.slow, pytest.mark.timeout(240)]

COLLECTOR = str(Path(sys.executable).with_name("collector"))
READY_TIMEOUT_S = 20.0


def start_collector(
    db_url: str, client_id: str, port: int, site: str, log_path: Path
) -> subprocess.Popen:
    """``collector run`` in its own process, logging to a file; returns once it subscribed."""
    log = log_path.open("ab")
    command = [COLLECTOR, "run", "--mqtt", f"mqtt://127.0.0.1:{port}", "--db", db_url]
    command += ["--client-id", client_id, "--site", site, "--batch-max", "200"]
    # a short session expiry: the shared broker forgets this test's session soon after
    env = {
        **os.environ,
        "COLLECTOR_MQTT_RECONNECT_MIN_S": "0.2",
        "COLLECTOR_MQTT_SESSION_EXPIRY_S": "120",
    }
    process = subprocess.Popen(command, stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while b"mqtt.subscribed" not in log_path.read_bytes().split(b"collector-start")[-1]:
        assert process.poll() is None, f"collector exited: {log_path.read_text()[-2000:]}"
        assert time.monotonic() < deadline, "collector did not subscribe in time"
        time.sleep(0.05)
    return process


def mark_start(log_path: Path) -> None:
    """Separate the log of each collector process."""
    with log_path.open("ab") as handle:
        handle.write(b"\n--- collector-start ---\n")


def kill_once_a_quarter_is_acked(process: subprocess.Popen, fleet: Fleet) -> None:
    """SIGKILL the collector mid-stream: a quarter of the events acked, the rest in flight."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while fleet.acked_total() < EVENTS // 4:
        assert time.monotonic() < deadline, "the stream never got going"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert fleet.acked_total() < EVENTS, "killed too late to prove anything"


def test_sigkill_mid_stream_then_restart_keeps_the_ledger_exact(
    mosquitto, site, stream, tmp_path
) -> None:
    _, port = mosquitto
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    prepared_ledger(db_url, stream, tmp_path).dispose()
    client_id = unique_name("collector-kill")
    log_path = tmp_path / "collector.log"

    mark_start(log_path)
    first = start_collector(db_url, client_id, port, site, log_path)
    run_fleet(port, site, seed_plan(stream), timeout_s=RUN_TIMEOUT_S)
    fleet = Fleet(port, site, stream.plans, max_outstanding=100)
    fleet.start(timeout_s=RUN_TIMEOUT_S * 2)
    kill_once_a_quarter_is_acked(first, fleet)

    mark_start(log_path)
    second = start_collector(db_url, client_id, port, site, log_path)
    devices = fleet.join()
    all_devices = [*stream.per_device, stream.seed_device]
    with_ledger = open_ledger(db_url)
    ledger_view.wait_until_applied(with_ledger, all_devices, EVENTS + len(stream.seed))
    with_ledger.dispose()
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=20) == 0, log_path.read_text()[-2000:]

    engine = open_ledger(db_url)
    skus = stream.catalog.unit_costs
    assert {d: dev.acked_seq for d, dev in devices.items()} == {
        d: len(txs) for d, txs in stream.per_device.items()
    }
    assert ledger_view.positions(engine, skus) == stream.expected_on_hand()
    assert ledger_view.values(engine, skus) == stream.expected_value()
    assert ledger_view.applied_events(engine, all_devices) == EVENTS + len(stream.seed)
    assert ledger_view.movement_event_count(engine, skus) == EVENTS + len(stream.seed)
    # garbage has no event id: a batch committed but not acked when the process died comes
    # back, and is recognised by (topic, payload digest); it raises times_seen instead
    assert ledger_view.dead_letter_count(engine, site) == MALFORMED
    assert ledger_view.dead_letter_deliveries(engine, site) >= MALFORMED
    engine.dispose()
