"""The demo's server side: a fresh var dir, demo bindings, the catalogue, the collector thread.

The collector is the real one (``collector run``'s ``serve``): SQLite ledger,
reconciliation and alerts from the demo bindings, and the InfluxDB writer only
when ``INFLUX_URL`` is set.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from collector.cli.run_command import serve
from collector.demo.catalog import items_csv
from collector.errors import CollectorError
from collector.ledger.catalog import import_items, parse_items_csv
from collector.ledger.engine import open_ledger
from collector.runtime.ports import Clock
from collector.settings import CollectorSettings, load_settings

SITE = "demo"
GRACE_S = 6
"""Grace window of the demo's shelves: a day compressed to a minute cannot wait 60 s."""
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class DemoPaths:
    """Where one demo run keeps its files (all under ``var_dir``, recreated each run)."""

    var_dir: Path

    @property
    def ledger(self) -> Path:
        """The SQLite ledger."""
        return self.var_dir / "ledger.db"

    @property
    def log(self) -> Path:
        """The structured log of the collector and the agents."""
        return self.var_dir / "demo.log"

    @property
    def bindings(self) -> Path:
        """The demo bindings with the demo's short grace windows."""
        return self.var_dir / "bindings.yaml"

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL of the ledger."""
        return f"sqlite:///{self.ledger}"


def fresh_var_dir(var_dir: Path) -> DemoPaths:
    """Remove the previous run's files and recreate the folder."""
    if var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    return DemoPaths(var_dir)


def demo_bindings(source: Path, *, grace_s: int = GRACE_S) -> dict[str, Any]:
    """The shipped demo bindings with every grace window shortened to ``grace_s``."""
    raw: dict[str, Any] = yaml.safe_load(source.read_text())
    raw.setdefault("rules", {})["grace_s"] = grace_s
    for policy in raw.get("policies", []):
        if "grace_s" in policy:
            policy["grace_s"] = grace_s
    return raw


def write_bindings(paths: DemoPaths, config_dir: Path) -> Path:
    """Write the demo run's bindings file; its path."""
    paths.bindings.write_text(yaml.safe_dump(demo_bindings(config_dir / "bindings.yaml")))
    return paths.bindings


def demo_settings(
    paths: DemoPaths, *, mqtt_url: str, embedded: bool, influx_url: str | None
) -> CollectorSettings:
    """Collector settings of one run: own client id, MQTT 3.1.1 on the embedded amqtt."""
    return load_settings(
        mqtt_url=mqtt_url,
        db_url=paths.db_url,
        mqtt_client_id=f"demo-collector-{uuid.uuid4().hex[:8]}",
        mqtt_site=SITE,  # on a shared broker, ignore everybody else's events
        mqtt_protocol="3.1.1" if embedded else "5",
        mqtt_session_expiry_s=60,  # a one-off client id: let the broker forget it soon
        # amqtt sends every client, on connect, the retained messages of everybody's
        # subscriptions: with the status watch on, the ledger's session would get statuses
        mqtt_watch_status=not embedded,
        bindings_files=[str(paths.bindings)],
        batch_max_wait_ms=10,
        influx_url=influx_url,
    )


def import_catalogue(db_url: str, clock: Clock) -> int:
    """Create the ledger and import the demo items; how many were created."""
    engine = open_ledger(db_url)
    try:
        return import_items(engine, parse_items_csv(items_csv()), now=clock.now()).created
    finally:
        engine.dispose()


class CollectorThread:
    """``collector run`` on a thread of this process until ``stop``."""

    def __init__(self, settings: CollectorSettings) -> None:
        """Start serving."""
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, args=(settings,), name="collector")
        self._thread.start()

    def _serve(self, settings: CollectorSettings) -> None:
        try:
            serve(settings, stop=self._stop)
        except Exception as err:  # reported by the runner's checks
            self.error = err

    def check_running(self) -> None:
        """``CollectorError`` if the collector has stopped (with the reason it stopped)."""
        if not self._thread.is_alive():
            raise CollectorError(f"the demo's collector stopped: {self.error or 'no error given'}")

    def stop(self) -> None:
        """Stop the batch loop and the side services."""
        self._stop.set()
        self._thread.join(STOP_TIMEOUT_S)
