"""The cluster system test's rig: a private broker, a PostgreSQL ledger, members and a fleet."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from collector.cluster.partitions import partition_of
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import fresh_postgres_database
from tests.system.fleet_stream import sku_of
from tests.system.ledger_probe import LedgerProbe, assert_exactly_once
from tests.system.processes import COLLECTOR, Child, CollectorProcess, wait_for
from tests.system.rig import import_items
from tests.system.stream import StreamSpec, seq_of_reference

LOCATION = "main/cluster-test/shelf-1"
PARTITIONS = 32
TAKEOVER_BOUND_S = 10.0
"""A dead or cut-off member's partitions have a new owner within this (issue: 10 s)."""
SKU_PREFIX = "CL"
LIVE_LEASES = sa.text(
    "SELECT partition, owner FROM cluster_leases "
    "WHERE owner IS NOT NULL AND lease_until > clock_timestamp()"
)


class ClusterCollector(CollectorProcess):
    """``collector run --cluster`` with its own client id (its member id and MQTT session)."""

    def __init__(self, *, port: int, db_url: str, site: str, member: str, log_dir: Path,
                 name: str) -> None:  # fmt: skip
        super().__init__(port=port, db_url=db_url, site=site, client_id=member, log_dir=log_dir,
                         name=name)  # fmt: skip
        self.member = member

    def extra_env(self) -> dict[str, str]:
        return {**super().extra_env(), "COLLECTOR_CLUSTER": "true",
                "COLLECTOR_CLUSTER_PARTITIONS": str(PARTITIONS)}  # fmt: skip


class FleetProcess(Child):
    """``tests.system.fleet_stream``: the devices' real outboxes and links in one process."""

    def __init__(self, *, port: int, site: str, devices: list[str], total: int, rate: float,
                 hold_at: int, workdir: Path) -> None:  # fmt: skip
        self.release_file = workdir / "fleet.release"
        self.workdir = workdir
        command = [sys.executable, "-m", "tests.system.fleet_stream", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--site", site, "--workdir", str(workdir)]
        command += ["--devices", ",".join(devices), "--sku-prefix", SKU_PREFIX]
        command += ["--location", LOCATION, "--total", str(total), "--rate", str(rate)]
        command += ["--hold-at", str(hold_at), "--release-file", str(self.release_file)]
        super().__init__("fleet", command, workdir)

    def release(self) -> None:
        """Let the devices go on past their hold point."""
        self.release_file.touch()

    def wait_drained(self, timeout_s: float, context: Callable[[], str]) -> None:
        """Wait for the fleet to exit 0 (everything acknowledged); fail with what was left."""
        try:
            code = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            code = None
        if code != 0:
            outboxes = sorted(self.workdir.glob("*.outbox.sqlite3"))
            left = {path.name.split(".")[0]: _unsent(path) for path in outboxes}
            pytest.fail(f"fleet did not drain (exit {code}); unsent {left}\n{context()}")


@dataclass
class ClusterRig:
    """One PostgreSQL ledger, one broker, the members and the fleet started so far."""

    broker: PrivateMosquitto
    workdir: Path
    site: str
    db_url: str
    probe: LedgerProbe
    devices: list[str]
    children: list[Child] = field(default_factory=list)
    starts: int = 0

    def spec(self, device_id: str, total: int) -> StreamSpec:
        return StreamSpec(self.site, device_id, sku_of(SKU_PREFIX, device_id), LOCATION, total)

    def member(self, member: str, db_url: str | None = None) -> ClusterCollector:
        """Start a member (not waiting for its subscription); ``db_url``: another way in."""
        self.starts += 1
        process = ClusterCollector(
            port=self.broker.port, db_url=db_url or self.db_url, site=self.site, member=member,
            log_dir=self.workdir, name=f"{member}-run{self.starts}",
        )  # fmt: skip
        self.children.append(process)
        return process

    def fleet(self, total: int, rate: float, hold_at: int = 0) -> FleetProcess:
        """Start the fleet; with ``hold_at`` it waits there for ``FleetProcess.release``."""
        process = FleetProcess(port=self.broker.port, site=self.site, devices=self.devices,
                               total=total, rate=rate, hold_at=hold_at,
                               workdir=self.workdir)  # fmt: skip
        self.children.append(process)
        return process

    def owners(self) -> dict[int, str]:
        """Partition → member of every live lease."""
        with self.probe.engine.connect() as conn:
            return {int(p): str(o) for p, o in conn.execute(LIVE_LEASES).all()}

    def holding(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for owner in self.owners().values():
            counts[owner] = counts.get(owner, 0) + 1
        return counts

    def devices_of(self, partitions: set[int]) -> list[str]:
        return [d for d in self.devices if partition_of(d, PARTITIONS) in partitions]

    def applied(self, devices: list[str] | None = None) -> int:
        query = "SELECT count(*) FROM inbox WHERE disposition = 'applied'"
        params: dict[str, Any] = {}
        if devices is not None:
            query += " AND device_id = ANY(:devices)"
            params["devices"] = devices
        with self.probe.engine.connect() as conn:
            return int(conn.execute(sa.text(query), params).scalar_one())

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COLLECTOR, *args, "--db", self.db_url], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip

    def measure_takeover(
        self,
        orphaned: set[int],
        *,
        since_s: float,
        applied_before: int,
        new_owner: Callable[[str | None], bool],
    ) -> tuple[float, float]:
        """Seconds from ``since_s`` until ``orphaned`` all have a ``new_owner``, and until
        their devices' events are applied again; asserted within the takeover bound."""
        devices = self.devices_of(orphaned)
        taken = lambda: all(new_owner(self.owners().get(p)) for p in orphaned)  # noqa: E731
        wait_for(taken, 30, f"partitions {sorted(orphaned)} taken over", self.context)
        takeover_s = time.monotonic() - since_s
        resumed = lambda: self.applied(devices) > applied_before  # noqa: E731
        wait_for(resumed, 30, "the orphaned devices applied again", self.context)
        resumed_s = time.monotonic() - since_s
        print(f"takeover {takeover_s:.1f} s, {len(devices)} devices applied again "
              f"{resumed_s:.1f} s after the fault")  # fmt: skip
        assert takeover_s < TAKEOVER_BOUND_S, f"takeover took {takeover_s:.1f} s\n{self.context()}"
        assert resumed_s < TAKEOVER_BOUND_S + 2, f"devices resumed after {resumed_s:.1f} s"
        return takeover_s, resumed_s

    def assert_every_stream_exact(self, per_device: int) -> None:
        """Every device's receipts in the ledger exactly once, nothing else, in seq order."""
        for device in self.devices:
            spec = self.spec(device, per_device)
            assert_exactly_once(self.probe, spec)
            found = [seq_of_reference(row["reason"]) for row in self.probe.movements(spec.sku)]
            seqs = [seq for seq in found if seq is not None]
            assert seqs == found, f"{device}: a line of its SKU that no seq of the stream made"
            assert seqs == sorted(seqs), f"{device}'s receipts were applied out of seq order"

    def context(self) -> str:
        logs = [child.logs() for child in self.children]
        return "\n".join([*logs, f"--- broker ---\n{self.broker.log_text()[-2000:]}"])


def _unsent(outbox: Path) -> int:
    """Events still in a device's outbox file (not acknowledged by the collectors).

    Read only and by hand, not through ``Outbox``: the fleet may still hold the file.
    """
    with closing(sqlite3.connect(f"file:{outbox}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def cluster_rig(tmp_path: Path, site: str) -> Iterator[ClusterRig]:
    """Broker with room for every device's window in each session; a fresh PostgreSQL ledger."""
    broker = PrivateMosquitto(tmp_path / "broker", global_lines=("max_queued_messages 100000",))
    broker.start()
    devices = [f"dev-{n:02d}" for n in range(20)]
    rig: ClusterRig | None = None
    try:
        with fresh_postgres_database() as db_url:
            csv_path = tmp_path / "items.csv"
            header = "sku,name,gtin,unit_weight_g,valuation,allow_negative"
            lines = [f"{sku_of(SKU_PREFIX, d)},Cluster test item,,,fifo,true" for d in devices]
            csv_path.write_text("\n".join([header, *lines]) + "\n")
            import_items(db_url, csv_path)
            rig = ClusterRig(broker, tmp_path, site, db_url, LedgerProbe(url=db_url), devices)
            try:
                yield rig
            finally:
                for child in rig.children:
                    child.cleanup()
                rig.probe.close()
    finally:
        broker.kill()
