"""End to end: a shelf agent's birth and last will through ``collector run`` to ``collector api``.

Real processes on the real Mosquitto: the edge agent's own link and command handler on a
live shelf pipeline (``tests/e2e/device_process.py``), ``collector run`` recording its
status, and ``collector api`` reading it and sending a tare that the device answers.
Its heartbeat goes the events' way (outbox, ``collector run``'s inbox) into the same row.
Killing the agent drops its connection, and the broker's last will shows it offline.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from paho.mqtt import publish

from collector.api.access import Role
from collector.api.tokens import create_token
from collector.ledger.engine import open_ledger
from edge_agent import wire
from tests.e2e.test_pos_api import ApiProcess
from tests.support.services import MOSQUITTO_HOST, MOSQUITTO_PORT, unique_name
from tests.system.processes import Child, CollectorProcess, wait_for

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]
STATE_TIMEOUT_S = 20.0


class DeviceProcess(Child):
    """The simulated shelf agent (``tests.e2e.device_process``)."""

    def __init__(self, *, site: str, device_id: str, outbox: Path, log_dir: Path) -> None:
        command = [sys.executable, "-m", "tests.e2e.device_process", MOSQUITTO_HOST,
                   str(MOSQUITTO_PORT), site, device_id, str(outbox)]  # fmt: skip
        super().__init__("device", command, log_dir)


def _ops_token(db_url: str) -> str:
    engine = open_ledger(db_url)
    try:
        with engine.begin() as conn:
            return create_token(conn, name=unique_name("ops"), role=Role.OPS, owners=[],
                                now=datetime.now(UTC))  # fmt: skip
    finally:
        engine.dispose()


def test_a_device_is_online_answers_a_tare_and_goes_offline_by_its_last_will(
    tmp_path: Path,
) -> None:
    site, device_id = unique_name("dev-site"), unique_name("shelf")
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    collector = CollectorProcess(
        port=MOSQUITTO_PORT, db_url=db_url, site=site, log_dir=tmp_path,
        client_id=unique_name("collector-dev"), name="collector",
    )  # fmt: skip
    children: list[Child] = [collector]
    try:
        collector.wait_subscribed()
        api = ApiProcess(db_url=db_url, log_dir=tmp_path)
        children.append(api)
        api.wait_ready()
        http = httpx.Client(base_url=api.base_url, timeout=30,
                            headers={"Authorization": f"Bearer {_ops_token(db_url)}"})  # fmt: skip
        device = DeviceProcess(site=site, device_id=device_id, outbox=tmp_path / "outbox.db",
                               log_dir=tmp_path)  # fmt: skip
        children.append(device)
        url = f"/api/v1/devices/{device_id}"

        def state() -> str | None:
            found = http.get(url)
            return found.json()["state"] if found.status_code == 200 else None

        logs = lambda: "\n".join(c.logs() for c in children)  # noqa: E731
        wait_for(lambda: state() == "online", STATE_TIMEOUT_S, "the device online", logs)
        shown = http.get(url).json()
        assert (shown["site"], shown["software_version"]) == (site, "e2e")
        heartbeat = lambda: http.get(url).json()["last_heartbeat_at"] is not None  # noqa: E731
        wait_for(heartbeat, STATE_TIMEOUT_S, "the heartbeat through the ledger's inbox", logs)
        assert http.get(url).json()["sensors"][0]["sensor"] == "lane-1"

        reply = http.post(f"{url}/commands/tare", json={"lane": "lane-1", "timeout_s": 10})
        assert reply.status_code == 200, reply.text + logs()
        body = reply.json()
        assert body["ok"] is True, body
        assert body["result"]["removed_grams"] == pytest.approx(50, abs=0.5)
        assert body["result"]["calibration_id"].startswith("tare-")

        device.sigkill()  # no clean disconnect: the broker publishes the last will
        wait_for(lambda: state() == "offline", STATE_TIMEOUT_S, "the device offline", logs)
        refused = http.post(f"{url}/commands/tare", json={"lane": "lane-1"})
        assert refused.status_code == 409
        assert device_id in refused.json()["detail"]
    finally:
        for child in reversed(children):
            child.cleanup()
        publish.single(wire.status_topic(site, device_id), b"", qos=1, retain=True,
                       hostname=MOSQUITTO_HOST, port=MOSQUITTO_PORT,
                       client_id=unique_name("cleanup"))  # fmt: skip
