"""``edge-agent run``: argument and config errors exit 2; SIGTERM stops a running agent cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import structlog
from paho.mqtt.enums import CallbackAPIVersion
from typer.testing import CliRunner

from edge_agent import wire
from edge_agent.cli import app
from tests.edge_agent.runtime.conftest import wait_for, write_config
from tests.support.services import unique_name

runner = CliRunner()


@pytest.fixture(autouse=True)
def _plain_structlog() -> Iterator[None]:
    """``run`` configures logging onto the runner's stderr, which closes after the test."""
    yield
    structlog.reset_defaults()


CLI = [sys.executable, "-c", "from edge_agent.cli import main; main()"]


def test_run_without_config_says_what_to_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "give --config CONFIG" in result.output


def test_unknown_log_level_is_refused() -> None:
    result = runner.invoke(app, ["run", "--simulate", "--log-level", "LOUD"])
    assert result.exit_code == 2
    assert "--log-level 'LOUD' is not one of" in result.output


def test_an_invalid_config_exits_2_listing_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "shelf.yaml"
    bad.write_text("site: {site_id: t, mqtt_url: 'http://x'}\ndevice: {kind: shelf}\n")
    result = runner.invoke(app, ["run", "--config", str(bad)])
    assert result.exit_code == 2
    assert "invalid config" in result.output
    assert "mqtt_url" in result.output


def test_a_lane_without_calibration_exits_2_saying_how_to_calibrate_it(tmp_path: Path) -> None:
    shelf = tmp_path / "shelf.yaml"
    shelf.write_text(
        "site: {site_id: t, mqtt_url: 'mqtt://127.0.0.1'}\n"
        "device: {kind: shelf, id: shelf-t, location: main/t, clock_pin: 5,\n"
        "         lanes: [{lane: lane-1, data_pin: 6, sku: A, unit_grams: 100}]}\n"
    )
    result = runner.invoke(app, ["run", "--config", str(shelf), "--simulate"])
    assert result.exit_code == 2
    assert "device.lanes[0].calibration: lane lane-1 is not calibrated yet" in result.output
    assert f"run `edge-agent calibrate {shelf} --lane lane-1`" in result.output


class _StatusWatch:
    """Keeps the latest retained status of one device."""

    def __init__(self, host: str, port: int, topic: str) -> None:
        self.latest: dict[str, object] | None = None
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("status"))
        self._client.on_message = lambda _c, _u, m: setattr(self, "latest", json.loads(m.payload))
        self._client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self._client.connect(host, port)
        self._client.loop_start()

    def state(self) -> object:
        return (self.latest or {}).get("state")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


@pytest.mark.mqtt
@pytest.mark.slow
def test_sigterm_stops_the_agent_cleanly_and_says_offline(
    tmp_path: Path, site: str, mosquitto: tuple[str, int]
) -> None:
    path = write_config(tmp_path, "receiving-1.yaml", site=site, broker=mosquitto)
    device_id = path.read_text().split("id: ")[1].split()[0]
    watch = _StatusWatch(*mosquitto, wire.status_topic(site, device_id))
    proc = subprocess.Popen(
        [*CLI, "run", "--simulate", "--config", str(path)], stderr=subprocess.PIPE, text=True
    )
    try:
        assert wait_for(lambda: watch.state() == "online", 20), "agent never came online"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        went_offline = wait_for(lambda: watch.state() == "offline", 5)
    finally:
        if proc.poll() is None:
            proc.kill()
        watch.stop()
    assert proc.returncode == 0, stderr
    assert "agent.stop_requested" in stderr
    assert "agent.stopped" in stderr
    assert went_offline  # published before the clean disconnect (which suppresses the will)
    assert (tmp_path / f"{device_id}.outbox.sqlite3").exists()
