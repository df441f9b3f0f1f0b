"""An edge agent's outbox backlog drained into the real ``collector run``, beside a live device.

Used by ``benchmarks.outbox_delivery``.  The broker runs with the queue sizing a
deployment installs (``deploy/mosquitto/conf.d``); the collector is the shipped
command line (``benchmarks.ingest_shipped.collector_command``) on a fresh SQLite
ledger.  The backlog device is a real ``Outbox`` + ``Delivery`` (forwarder, window,
MQTT link) in this process; the live device publishes paced stock transactions
from a child process (``ingest_fleet.play``) and measures publish → ack.  After
the run the ledger must hold every event of both devices exactly once.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks.ingest_fleet import (
    QUEUES_CONF,
    Broker,
    FleetResult,
    Setup,
    ack_latencies_ms,
    percentile,
    play,
    prepare,
    seed_stock,
    tree_cpu_s,
)
from benchmarks.ingest_shipped import applied_counts, collector_command, stop_collector
from benchmarks.ingest_trees import current_tree
from collector.demo import traffic
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.store import Outbox
from tests.support.mosquitto_private import PrivateMosquitto

APPEND_CHUNK = 2_000
DRAIN_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class DrainResult:
    """One backlog drain: its rate, the live device's latencies, what the delivery saw."""

    backlog: int
    drain_s: float
    live_p50_ms: float | None
    live_p99_ms: float | None
    live_events: int
    published: int
    rewinds: int
    broker_drops: int
    edge_cpu_s: float = 0.0
    collector_cpu_s: float = 0.0

    @property
    def rate_per_s(self) -> float:
        """Backlog events applied and acknowledged per second (0 without a backlog)."""
        return self.backlog / self.drain_s if self.backlog else 0.0


def queues_broker(workdir: Path) -> PrivateMosquitto:
    """A private Mosquitto with the shipped queue configuration."""
    lines = tuple(
        ln for ln in QUEUES_CONF.read_text().splitlines() if ln.strip() and not ln.startswith("#")
    )
    return PrivateMosquitto(workdir, global_lines=lines)


def real_drain(
    mosquitto: PrivateMosquitto,
    workdir: Path,
    *,
    backlog: int,
    window: int | None,
    live_rate_per_s: float = 0.0,
    live_s: float = 10.0,
    seed: int = 7,
    collector_env: dict[str, str] | None = None,
) -> DrainResult:
    """Start ``collector run``, drain ``backlog`` stored events (and play a live device).

    ``collector_env``: settings for the collector (``COLLECTOR_*``), over the shipped defaults.
    """
    broker = Broker(mosquitto.host, mosquitto.port, mosquitto.pid)
    workdir.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6]
    setup, engine = prepare(workdir, seed, broker, f"sqlite:///{workdir / f'drain-{tag}.db'}")
    log_path = workdir / f"collector-{tag}.log"
    db_url = engine.url.render_as_string(hide_password=False)
    tree = current_tree()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            collector_command(setup, db_url, 500, tree, []),
            stdout=log_file, stderr=subprocess.STDOUT, env={**tree.env(), **(collector_env or {})},
        )  # fmt: skip
    try:
        seed_stock(setup)
        box = _filled_outbox(setup, workdir / f"pi-{tag}.db", backlog)
        cpu_before = (time.process_time(), tree_cpu_s(process.pid))
        result = _drain_with_live(setup, box, window, live_rate_per_s, live_s)
        edge_cpu_s = time.process_time() - cpu_before[0]
        collector_cpu_s = tree_cpu_s(process.pid) - cpu_before[1]
    finally:
        stop_collector(process)
    _check_ledger(engine, {box.device_id: backlog, **result[1]})
    box.close()
    engine.dispose()
    drops = mosquitto.log_text().count("dropped")
    return DrainResult(backlog, *result[0], drops, edge_cpu_s, collector_cpu_s)


def _filled_outbox(setup: Setup, path: Path, backlog: int) -> Outbox:
    """An outbox holding ``backlog`` random stock transactions, as hours offline leave it."""
    box = Outbox(path, device_id=path.stem, max_bytes=2**30)
    now = datetime.now(UTC)
    for start in range(0, backlog, APPEND_CHUNK):
        count = min(APPEND_CHUNK, backlog - start)
        box.append_many(
            [(traffic.random_transaction(setup.catalog, setup.rng), now) for _ in range(count)]
        )
    return box


def _drain_with_live(
    setup: Setup, box: Outbox, window: int | None, live_rate_per_s: float, live_s: float
) -> tuple[tuple[float, float | None, float | None, int, int, int], dict[str, int]]:
    """Drain ``box`` while the live device (if any) publishes; timings and live plans' sizes."""
    live_id = f"live-{uuid.uuid4().hex[:6]}"
    count = int(live_rate_per_s * live_s)
    plan = {live_id: [
        (seq, traffic.make_payload(live_id, seq, traffic.random_transaction(setup.catalog,
                                                                            setup.rng)))
        for seq in range(1, count + 1)
    ]} if count else {}  # fmt: skip
    fleet: list[FleetResult] = []
    live = threading.Thread(
        target=lambda: fleet.append(play(setup.broker, setup.site, plan, 1 / live_rate_per_s))
    )
    delivery = _delivery(setup, box, window)
    start = time.perf_counter()
    delivery.start()
    if plan:
        live.start()
    last = box.last_seq
    while delivery.stats().acked_seq < last:
        if time.perf_counter() - start > DRAIN_TIMEOUT_S:
            raise RuntimeError(f"backlog did not drain: {delivery.stats()}")
        time.sleep(0.01)
    drain_s = time.perf_counter() - start
    stats = delivery.stats()
    if plan:
        live.join()
    delivery.stop()
    p50 = p99 = None
    if fleet:
        latencies, _ = ack_latencies_ms(fleet[0])
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    timing = (drain_s, p50, p99, count, stats.published, stats.rewinds)
    return timing, {d: len(p) for d, p in plan.items()}


def _delivery(setup: Setup, box: Outbox, window: int | None) -> Delivery:
    now = datetime.now(UTC)
    device = box.device_id
    broker = setup.broker
    extra = {} if window is None else {"window": window}
    return Delivery.over_mqtt(
        outbox=box, settings=LinkSettings(host=broker.host, port=broker.port), site=setup.site,
        birth=lambda: online_status(device_id=device, epoch=box.epoch, at=now,
                                    software_version="bench", config_hash="-",
                                    calibration_ids={}),
        on_command=lambda _p: None, monotonic=time.monotonic, **extra,
    )  # fmt: skip


def _check_ledger(engine: sa.Engine, expected: dict[str, int]) -> None:
    """``RuntimeError`` unless every device's events were applied exactly once."""
    found = applied_counts(engine, {d: [] for d in expected})
    wrong = {d: (found.get(d, 0), n) for d, n in expected.items() if found.get(d, 0) != n}
    if wrong:
        raise RuntimeError(f"ledger differs from what was sent (applied, sent): {wrong}")
