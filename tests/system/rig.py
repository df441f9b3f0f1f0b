"""The system rig: a private Mosquitto, a SQLite ledger with the test item, real processes."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from edge_agent.outbox.store import Outbox
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name
from tests.system.edge_stream import OUTBOX_CAP_BYTES
from tests.system.ledger_probe import LedgerProbe
from tests.system.processes import COLLECTOR, Child, CollectorProcess, EdgeProcess
from tests.system.stream import StreamSpec

LOCATION = "main/system-test/shelf-1"
IMPORT_TIMEOUT_S = 60


@dataclass
class Rig:
    """What one system test runs against, and the processes it started."""

    broker: PrivateMosquitto
    workdir: Path
    site: str
    sku: str
    db_url: str
    probe: LedgerProbe
    collector_client_id: str = field(default_factory=lambda: unique_name("collector"))
    children: list[Child] = field(default_factory=list)

    def spec(self, total: int) -> StreamSpec:
        """A stream of ``total`` receipts from a device of its own."""
        return StreamSpec(self.site, unique_name("edge"), self.sku, LOCATION, total)

    def collector(self) -> CollectorProcess:
        """Start ``collector run`` (always the same client id: one persistent session)."""
        name = f"collector-{sum(isinstance(c, CollectorProcess) for c in self.children) + 1}"
        process = CollectorProcess(
            port=self.broker.port, db_url=self.db_url, site=self.site,
            client_id=self.collector_client_id, log_dir=self.workdir, name=name,
        )  # fmt: skip
        self.children.append(process)
        process.wait_subscribed()
        return process

    def edge(self, spec: StreamSpec, *, rate: float | None = None,
             drain_timeout_s: float = 120.0) -> EdgeProcess:  # fmt: skip
        """Start an edge process on the device's outbox file (``--burst`` without a rate)."""
        name = f"edge-{sum(isinstance(c, EdgeProcess) for c in self.children) + 1}"
        process = EdgeProcess(
            spec, port=self.broker.port, outbox=self.outbox_path(spec), log_dir=self.workdir,
            name=name, rate=rate, drain_timeout_s=drain_timeout_s,
        )  # fmt: skip
        self.children.append(process)
        return process

    def wait_edge_done(self, edge: EdgeProcess, timeout_s: float) -> int:
        """The edge's exit code once it ended by itself; fails at once if a collector died."""
        deadline = time.monotonic() + timeout_s
        while (code := edge.process.poll()) is None:
            for dead in (c for c in self.collectors() if not c.ended_on_purpose and not c.alive()):
                raise AssertionError(
                    f"{dead.name} (collector run) exited with code {dead.process.returncode} "
                    f"while {edge.name} was still delivering\n{self.context()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{edge.name} did not deliver everything within {timeout_s} s "
                    f"(ledger: {self.probe.applied(edge.spec.device_id)} applied)\n{self.context()}"
                )
            time.sleep(0.1)
        return code

    def collectors(self) -> list[CollectorProcess]:
        """The collector processes started so far."""
        return [c for c in self.children if isinstance(c, CollectorProcess)]

    def outbox_path(self, spec: StreamSpec) -> Path:
        return self.workdir / f"{spec.device_id}.outbox.sqlite3"

    def context(self) -> str:
        """Every process's log tail and the broker's log, for failure messages."""
        logs = [child.logs() for child in self.children]
        return "\n".join([*logs, f"--- broker ---\n{self.broker.log_text()[-2000:]}"])

    def assert_outbox_empty(self, spec: StreamSpec) -> None:
        """The device's outbox file handed out seqs 1..total and holds nothing unsent."""
        outbox = Outbox(self.outbox_path(spec), device_id=spec.device_id,
                        max_bytes=OUTBOX_CAP_BYTES)  # fmt: skip
        try:
            assert (outbox.last_seq, outbox.unsent_count()) == (spec.total, 0), (
                f"outbox last seq {outbox.last_seq} (want {spec.total}), "
                f"{outbox.unsent_count()} unsent (want 0)"
            )
        finally:
            outbox.close()


def import_items(db_url: str, csv_path: Path) -> None:
    """``collector items import`` (which also creates and migrates the ledger)."""
    done = subprocess.run(
        [COLLECTOR, "items", "import", str(csv_path), "--db", db_url],
        capture_output=True, text=True, timeout=IMPORT_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"items import failed: {done.stdout}{done.stderr}"
