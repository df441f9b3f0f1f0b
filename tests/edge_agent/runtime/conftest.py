"""Fixtures for running agents: demo configs in a temp dir, an agent thread, a topic recorder."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent import wire
from edge_agent.config.loader import load_config
from edge_agent.runtime.build import BuiltAgent, build_agent
from tests.support.services import unique_name

DEMO = Path(__file__).parents[3] / "firmware_configs" / "demo"


def write_config(
    folder: Path, demo_file: str, *, site: str, broker: tuple[str, int], **device: Any
) -> Path:
    """A demo device file with its own device id and a site.yaml for the test broker."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load((DEMO / demo_file).read_text())
    raw["device"].update({"id": unique_name(raw["device"]["id"]), **device})
    site_yaml = {
        "site_id": site,
        "mqtt_url": f"mqtt://{broker[0]}:{broker[1]}",
        "outbox_path": str(folder / "{device_id}.outbox.sqlite3"),
        "outbox_max_bytes": 16 * 2**20,
        "heartbeat_interval_s": 5,
    }
    (folder / "site.yaml").write_text(yaml.safe_dump(site_yaml))
    path = folder / demo_file
    path.write_text(yaml.safe_dump(raw))
    return path


class TopicRecorder:
    """Records every message under a site (events parsed), with a retained-status view."""

    def __init__(self, host: str, port: int, *, site: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("rec"))

        def on_connect(client: mqtt.Client, *_: object) -> None:
            client.subscribe(f"{wire.TOPIC_ROOT}/{site}/#", qos=1)
            self._ready.set()

        self._client.on_connect = on_connect
        self._client.on_message = self._on_message
        self._client.connect(host, port)
        self._client.loop_start()
        assert self._ready.wait(10), "recorder could not connect"
        time.sleep(0.2)  # the SUBACK

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((msg.topic, bytes(msg.payload)))

    def publish(self, topic: str, payload: bytes) -> None:
        self._client.publish(topic, payload, qos=1).wait_for_publish(5)

    def events(self, device_id: str) -> list[wire.Event]:
        """Distinct events of a device (a resent copy counted once), in seq order."""
        with self._lock:
            raw = [p for t, p in self.messages if t.endswith(f"/{device_id}/events")]
        unique = {e.seq: e for e in map(wire.parse_event, raw)}
        return [unique[s] for s in sorted(unique)]

    def replies(self, device_id: str) -> dict[str, wire.CommandReply]:
        """Replies by command id (``None`` for unparseable commands)."""
        with self._lock:
            raw = [p for t, p in self.messages if t.endswith(f"/{device_id}/replies")]
        replies = [wire.CommandReply.model_validate_json(p) for p in raw]
        return {str(r.command_id): r for r in replies}

    def statuses(self, device_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(p) for t, p in self.messages if t.endswith(f"/{device_id}/status")]

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class RunningAgent:
    """A built agent running in a thread until ``stop``."""

    def __init__(self, built: BuiltAgent) -> None:
        self.built = built
        self._stop = threading.Event()
        self._thread = threading.Thread(target=built.agent.run, args=(self._stop,), daemon=True)
        self._thread.start()
        assert built.agent.started.wait(10), "agent did not start"

    def wait_settled(self, timeout_s: float = 15) -> None:
        """Wait until every shelf lane found its first plateau (changes before it go unseen)."""
        shelf = self.built.shelf
        assert shelf is not None
        assert wait_for(shelf.has_settled, timeout_s), "lanes did not settle"

    @property
    def device_id(self) -> str:
        return self.built.agent.device_id

    def stop(self) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join(15)
            assert not self._thread.is_alive(), "agent did not stop within 15 s"


@pytest.fixture
def recorder(mosquitto: tuple[str, int], site: str) -> Iterator[TopicRecorder]:
    rec = TopicRecorder(*mosquitto, site=site)
    yield rec
    rec.stop()


@pytest.fixture
def config_for(tmp_path: Path, site: str, mosquitto: tuple[str, int]) -> Callable[..., Path]:
    """Factory: a demo device's config for this test's site and broker, in its own folder."""

    def make(demo_file: str, **device: Any) -> Path:
        folder = tmp_path / demo_file.removesuffix(".yaml")
        return write_config(folder, demo_file, site=site, broker=mosquitto, **device)

    return make


@pytest.fixture
def start_agent() -> Iterator[Callable[..., RunningAgent]]:
    """Factory: load a config, build the simulated agent, run it; all stopped at teardown."""
    running: list[RunningAgent] = []

    def start(path: Path, **options: Any) -> RunningAgent:
        agent = RunningAgent(build_agent(load_config(path), simulate=True, **options))
        running.append(agent)
        return agent

    yield start
    for agent in running:
        agent.stop()


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll until ``condition`` holds or the time is up; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
