"""Lots end to end: GS1 scans with lot and expiry at a receiving station put the lots in
stock, a pick scan without a lot takes the soonest-expiring one (FEFO), a trace finds it.

The real edge agent of the demo's receiving station (simulated USB-CDC scanner, real
outbox and MQTT link) publishes through the real Mosquitto to ``collector run`` in its
own process, with site bindings that make the station post; the items come in through
``collector items import`` and the trace is read with ``collector trace lot --json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from collector.cli import app as cli
from collector.ledger import schema
from collector.ledger.engine import open_ledger
from tests.e2e.test_kill_restart import COLLECTOR, READY_TIMEOUT_S
from tests.e2e.test_rejected_scans import _station, _wait
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]

GTIN = "09506000134352"  # TEA-100 in the demo station's sku_by_gtin
GS = "\x1d"
SOON, LATE = "LOT-SOON", "LOT-LATE"


def _bindings(tmp_path: Path, site: str, device_id: str) -> Path:
    path = tmp_path / "bindings.yaml"
    path.write_text(
        f"site_id: {site}\n"
        "default_policy: observe\n"
        f"stations:\n  - {{device_id: {device_id}, station: inbound-1, location: main/goods-in}}\n"
    )
    return path


def _items(db_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "items.csv"
    csv.write_text(
        "sku,name,gtin,unit_weight_g,valuation,allow_negative,tracking,issue_policy,"
        "sell_expired,expiry_warning_days\n"
        f"TEA-100,Tea,{GTIN},,fifo,no,lot,fefo,no,30\n"
    )
    result = CliRunner().invoke(cli, ["items", "import", str(csv), "--db", db_url])
    assert result.exit_code == 0, result.output
    engine = open_ledger(db_url)
    with engine.begin() as conn:  # a scanned receipt is costed at the item's last unit cost
        conn.execute(sa.update(schema.items).values(last_unit_cost=Decimal("2.50")))
    engine.dispose()


def _collector(
    db_url: str, port: int, site: str, log_path: Path, bindings: Path
) -> subprocess.Popen[bytes]:
    """``collector run`` with the station's bindings, in its own process, once subscribed."""
    command = [COLLECTOR, "run", "--mqtt", f"mqtt://127.0.0.1:{port}", "--db", db_url,
               "--client-id", unique_name("collector-lots"), "--site", site,
               "--bindings", str(bindings)]  # fmt: skip
    env = {**os.environ, "COLLECTOR_MQTT_SESSION_EXPIRY_S": "120"}
    log = log_path.open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while b"mqtt.subscribed" not in log_path.read_bytes():
        assert process.poll() is None, f"collector exited: {log_path.read_text()[-2000:]}"
        assert time.monotonic() < deadline, "collector did not subscribe in time"
        time.sleep(0.05)
    return process


def _lot_stock(engine: sa.Engine) -> dict[str, Decimal]:
    query = sa.select(schema.lot_stock.c.code, schema.lot_stock.c.qty)
    with engine.connect() as conn:
        return {row.code: row.qty for row in conn.execute(query)}


def test_gs1_lots_received_by_scan_are_picked_fefo_and_traced(mosquitto, tmp_path) -> None:
    _, port = mosquitto
    site, device_id = unique_name("lots"), unique_name("recv")
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    _items(db_url, tmp_path)
    process = _collector(db_url, port, site, tmp_path / "collector.log",
                         _bindings(tmp_path, site, device_id))  # fmt: skip
    engine = open_ledger(db_url)
    agent = None
    try:
        agent = _station(port, tmp_path, site, device_id)
        world = agent.world
        world.scan("MODE:RECEIVE", symbology="]C0")
        world.scan("QTY:3", symbology="]C0")
        world.scan(f"01{GTIN}17271231{GS}10{LATE}", symbology="]C1")  # received first
        world.scan("QTY:2", symbology="]C0")
        world.scan(f"01{GTIN}17270331{GS}10{SOON}", symbology="]C1")  # expires sooner
        _wait(lambda: _lot_stock(engine) == {LATE: 3, SOON: 2}, "both lots are in stock")
        world.scan("MODE:PICK", symbology="]C0")
        world.scan(GTIN, symbology="]E0")  # a pick names no lot: FEFO
        _wait(lambda: _lot_stock(engine) == {LATE: 3, SOON: 1}, "the pick took the soon lot")
        _wait(lambda: agent is not None and agent.unacked() == 0, "every scan acknowledged")
    finally:
        if agent is not None:
            agent.stop()
        process.terminate()
        process.wait(timeout=15)
        engine.dispose()
    traced = CliRunner().invoke(cli, ["trace", "lot", "TEA-100", SOON, "--db", db_url, "--json"])
    assert traced.exit_code == 0, traced.output
    [trace] = json.loads(traced.stdout)
    assert trace["expiry"] == "2027-03-31"
    kinds = [(line["type"], line["qty"], line["device_id"]) for line in trace["lines"]]
    assert kinds == [("receipt", "2.000000", device_id), ("sale", "-1.000000", device_id)]
    assert [(s["location"], s["qty"]) for s in trace["on_hand"]] == [("main/goods-in", "1.000000")]
