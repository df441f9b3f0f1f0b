"""A scan its scanner rejects reaches the ledger's dead letters, end to end.

The real edge agent of the demo's receiving station runs on a simulated USB-CDC
scanner (a pseudo-terminal fed the scanner's real byte format), with its real outbox
and MQTT link, through the real Mosquitto into the real collector runtime and ledger.
A GTIN with a wrong check digit must become a dead letter an operator can read, and
the device's outbox must drain past it (the collector acknowledged it as handled).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.demo.floor import RunningAgent, demo_config
from collector.ledger.engine import open_ledger
from collector.ledger.schema import dead_letters, inbox
from edge_agent.runtime.build import build_agent
from tests.e2e.conftest import in_process_collector
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]

CONFIG = Path(__file__).resolve().parents[2] / "firmware_configs" / "demo" / "receiving-1.yaml"
GOOD_GTIN = "09506000134352"
BAD_GTIN = "09506000134353"  # the check digit of 0950600013435 is 2
DEADLINE_S = 30.0


def _station(port: int, tmp_path: Path, site: str, device_id: str) -> RunningAgent:
    config = demo_config(CONFIG, mqtt_url=f"mqtt://127.0.0.1:{port}", var_dir=tmp_path)
    config = config.model_copy(
        update={
            "site": config.site.model_copy(update={"site_id": site}),
            "device": config.device.model_copy(update={"id": device_id}),
        }
    )
    return RunningAgent(build_agent(config, simulate=True))


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {DEADLINE_S} s")


def test_a_scan_with_a_bad_check_digit_is_dead_lettered_and_acknowledged(
    mosquitto, tmp_path
) -> None:
    _, port = mosquitto
    site, device_id = unique_name("scan"), unique_name("recv")
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    with in_process_collector(port, engine, unique_name("collector-scan"), site):
        agent = _station(port, tmp_path, site, device_id)
        try:
            agent.world.scan(BAD_GTIN)
            agent.world.scan(GOOD_GTIN)
            _wait(lambda: _kinds(engine, device_id) == 2, "both scans reached the inbox")
            _wait(lambda: agent.unacked() == 0, "the collector acknowledged both scans")
        finally:
            agent.stop()
    with engine.connect() as conn:
        letter = conn.execute(sa.select(dead_letters)).one()
        rows = conn.execute(
            sa.select(inbox.c.disposition)
            .where(inbox.c.device_id == device_id, inbox.c.kind == "barcode.scanned")
            .order_by(inbox.c.seq)
        ).scalars()
        dispositions = list(rows)
    engine.dispose()
    assert letter.device_id == device_id
    assert letter.reason.startswith(f"scan rejected by {device_id} station inbound-1: ")
    assert "check digit" in letter.reason
    assert BAD_GTIN in letter.reason
    assert dispositions == ["dead_lettered", "stored"]  # the good one: no station bound here


def _kinds(engine: sa.Engine, device_id: str) -> int:
    query = sa.select(sa.func.count()).where(
        inbox.c.device_id == device_id, inbox.c.kind == "barcode.scanned"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
