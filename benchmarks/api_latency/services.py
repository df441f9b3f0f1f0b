"""The benchmark's ledger copy and processes: ``collector run``, ``collector api``, a token.

The generated ledger (``benchmarks.ledger_gen``) is shared and cached, and this benchmark
writes into it, so each run gets a private copy: a file copy on SQLite, ``CREATE
DATABASE … TEMPLATE`` on PostgreSQL. Both services are the shipped commands, started as
an operator would (through ``collector_launcher.py``, which reports the checkout).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from benchmarks.ingest_fleet import Setup
from benchmarks.ingest_shipped import collector_command
from benchmarks.ingest_trees import Tree, check_imported
from benchmarks.ledger_gen import GeneratedLedger, ensure_ledger
from collector.ledger.catalog import import_items, parse_items_csv
from collector.ledger.engine import open_ledger

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def this_tree() -> Tree:
    """This checkout, its sources first on PYTHONPATH: right even when the venv installs another."""
    return Tree(ROOT, Path(sys.executable), on_pythonpath=True)


def private_copy(movements: int, db_url: str | None, workdir: Path) -> tuple[str, GeneratedLedger]:
    """The cached ledger of ``movements`` lines (built if missing) and a writable copy's URL."""
    ledger = ensure_ledger(movements, db_url=db_url)
    if ledger.path is not None:
        return ledger.copy_to(workdir / "api-latency.db"), ledger
    source = sa.make_url(ledger.url)
    target = source.set(database=f"{source.database}_api_run")
    _admin(ledger.url, f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    _admin(ledger.url, f'CREATE DATABASE "{target.database}" TEMPLATE "{source.database}"')
    return target.render_as_string(hide_password=False), ledger


def drop_copy(url: str) -> None:
    """Drop a PostgreSQL copy (a SQLite one goes with its directory)."""
    if sa.make_url(url).get_backend_name() == "postgresql":
        _admin(url, f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


def prepare_ledger(url: str, setup: Setup) -> str:
    """Migrate the copy, import the run's catalogue; the generated SKU with most positions."""
    engine = open_ledger(url)
    try:
        import_items(engine, parse_items_csv(setup.catalog.items_csv()), now=datetime.now(UTC))
        with engine.connect() as conn:
            return str(
                conn.exec_driver_sql(
                    "SELECT sku FROM balances GROUP BY sku ORDER BY COUNT(*) DESC, sku LIMIT 1"
                ).scalar_one()
            )
    finally:
        engine.dispose()


def create_token(tree: Tree, url: str) -> str:
    """An ``integration`` token from ``collector tokens create`` (posts sales, reads stock)."""
    done = subprocess.run(
        tree.command("tokens", "create", "--name", "bench-api-latency", "--role", "integration",
                     "--db", url),
        env=tree.env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"collector tokens create failed: {done.stderr[-2000:]}")
    check_imported(done.stderr, tree, "collector tokens create")
    return done.stdout.splitlines()[0].strip()


@dataclass
class Service:
    """A started ``collector`` subprocess and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """Its process id (for its CPU seconds)."""
        return self.process.pid

    def logs(self) -> str:
        """The tail of its log."""
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> int:
        """SIGTERM (as systemd stops it), then its exit status; killed after 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(name: str, command: list[str], tree: Tree, workdir: Path) -> Service:
    """Start ``command`` with its output in ``workdir/NAME.log`` (a pipe could fill and block)."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=tree.env())
    return Service(name, process, log)


def start_collector(setup: Setup, url: str, tree: Tree) -> Service:
    """``collector run`` for the run's site on the benchmark's broker."""
    return start("collector-run", collector_command(setup, url, 500, tree, []), tree, setup.workdir)


def start_api(url: str, tree: Tree, workdir: Path) -> tuple[Service, str]:
    """``collector api`` on a free loopback port, once /api/v1/health answers; its base URL."""
    port = _free_port()
    command = tree.command(
        "api", "--db", url, "--listen", f"127.0.0.1:{port}", "--log-level", "WARNING"
    )
    service = start("collector-api", command, tree, workdir)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if service.process.poll() is not None:
            raise RuntimeError(f"collector api exited at start:\n{service.logs()}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"collector api not ready in {READY_TIMEOUT_S:.0f} s")
        time.sleep(0.2)
    check_imported(service.log.read_text(errors="replace"), tree, "collector api")
    return service, base


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mosquitto_pid() -> int | None:
    """The broker's process id, for its CPU share (None when not found)."""
    done = subprocess.run(["pgrep", "-x", "mosquitto"], capture_output=True, text=True, check=False)
    pids = done.stdout.split()
    return int(pids[0]) if len(pids) == 1 else None
