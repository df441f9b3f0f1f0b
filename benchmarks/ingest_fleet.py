"""The simulated device fleet of the ingest benchmark, and what one run measured.

The fleet runs in a child process so its paho clients do not share the collector's
GIL. Every process reads CLOCK_MONOTONIC, so publish, commit and ack times compare.
"""

from __future__ import annotations

import bisect
import multiprocessing as mp
import os
import random
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from collector.clock import SystemClock
from collector.demo import traffic
from collector.ledger.catalog import import_items, parse_items_csv
from collector.ledger.engine import open_ledger
from collector.logs import configure_logging
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from edge_agent import wire
from edge_agent.outbox.sender import DEFAULT_WINDOW

ROOT = Path(__file__).resolve().parents[1]
QUEUES_CONF = ROOT / "deploy/mosquitto/conf.d/10-inventory-queues.conf"
"""The broker queue sizing a deployment installs; the benchmark's broker runs with it."""


@dataclass(frozen=True)
class Broker:
    """The benchmark's Mosquitto: where it listens and its process (for its CPU share)."""

    host: str
    port: int
    pid: int | None


Plans = dict[str, list[tuple[int, bytes]]]
"""Per device id: (seq, payload) in publish order."""


@dataclass
class Setup:
    """One run's ledger, catalogue and site."""

    workdir: Path
    catalog: traffic.Catalog
    site: str
    rng: random.Random
    broker: Broker


def new_setup(workdir: Path, seed: int, broker: Broker) -> Setup:
    """A run's catalogue, site and random stream (the same seed gives the same traffic)."""
    rng = random.Random(seed)
    catalog = traffic.Catalog.make(20, rng, prefix=f"B{seed}")
    return Setup(workdir, catalog, f"bench-{uuid.uuid4().hex[:8]}", rng, broker)


def sqlite_url(workdir: Path, seed: int, tag: str = "") -> str:
    """A fresh SQLite ledger file for one run (``tag`` tells apart runs of the same seed)."""
    return f"sqlite:///{workdir / f'bench-{seed}{tag}.db'}"


def prepare(
    workdir: Path, seed: int, broker: Broker, db_url: str | None = None
) -> tuple[Setup, sa.Engine]:
    """A fresh ledger (SQLite under ``workdir`` unless ``db_url``), catalogue imported."""
    setup = new_setup(workdir, seed, broker)
    engine = open_ledger(db_url or sqlite_url(workdir, seed))
    import_items(engine, parse_items_csv(setup.catalog.items_csv()), now=datetime.now(UTC))
    return setup, engine


def make_plans(setup: Setup, devices: int, events: int) -> Plans:
    """``events`` random transactions spread over ``devices`` devices."""
    per_device = events // devices
    token = uuid.uuid4().hex[:6]
    return {
        f"till{n}-{token}": [
            (seq, traffic.make_payload(f"till{n}-{token}", seq,
                                       traffic.random_transaction(setup.catalog, setup.rng)))
            for seq in range(1, per_device + 1)
        ]
        for n in range(devices)
    }  # fmt: skip


def make_seed_plan(
    setup: Setup, device_id: str, extra: Sequence[wire.StockTransaction] = ()
) -> list[tuple[int, bytes]]:
    """Opening receipts for every (sku, location), then ``extra`` (e.g. shelf lanes' stock)."""
    opening = [*traffic.seed_transactions(setup.catalog), *extra]
    return [
        (seq, traffic.make_payload(device_id, seq, tx)) for seq, tx in enumerate(opening, start=1)
    ]


def seed_stock(
    setup: Setup, timeout_s: float = 60.0, extra: Sequence[wire.StockTransaction] = ()
) -> None:
    """Opening receipts, published and acked before timing starts (resent until acked)."""
    device_id = f"seed-{uuid.uuid4().hex[:6]}"
    plan = [
        PlannedMessage(seq, payload) for seq, payload in make_seed_plan(setup, device_id, extra)
    ]
    device = SimulatedDevice(
        host=setup.broker.host, port=setup.broker.port, site=setup.site, device_id=device_id,
        clock=SystemClock(),
        resend_after_s=1.0,
    )  # fmt: skip
    device.connect()
    device.run(plan, timeout_s=timeout_s)
    device.close()


@dataclass
class FleetResult:
    """What the devices saw: first publish per seq, ack rises, resends, their CPU seconds."""

    sent: dict[str, dict[int, float]]
    acks: dict[str, list[tuple[float, int]]]
    resent: int
    cpu_s: float


@dataclass
class RunResult:
    """One flat-out or paced run."""

    events: int
    rate_per_s: float
    p50_ms: float
    p99_ms: float
    resent: int
    batches: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _fleet_process(
    broker: Broker, site: str, plans: Plans, interval_s: float, out: mp.Queue
) -> None:
    """Child process: every device publishes its plan (paced if asked) and awaits its acks."""
    configure_logging(level="WARNING")
    clock = SystemClock()
    devices = {
        device_id: SimulatedDevice(
            host=broker.host, port=broker.port, site=site, device_id=device_id, clock=clock,
            max_outstanding=DEFAULT_WINDOW,
        )
        for device_id in plans
    }  # fmt: skip
    for device in devices.values():
        device.connect()
    threads = [
        threading.Thread(
            target=devices[d].run,
            args=([PlannedMessage(seq, payload) for seq, payload in plans[d]],),
            kwargs={"timeout_s": 300, "interval_s": interval_s},
        )
        for d in plans
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = FleetResult(
        sent={d: dict(dev.counters.first_sent_at_s) for d, dev in devices.items()},
        acks={d: list(dev.counters.acks_at_s) for d, dev in devices.items()},
        resent=sum(dev.counters.resent for dev in devices.values()),
        cpu_s=time.process_time(),
    )
    for device in devices.values():
        device.close()
    out.put(result)


def play(broker: Broker, site: str, plans: Plans, interval_s: float) -> FleetResult:
    """Run the device fleet in a child process until every event is acked.

    Each device keeps up to the edge agent's default window unacknowledged, as a real
    agent's outbox does; the broker's queue is sized for that (``QUEUES_CONF``).
    """
    queue: mp.Queue = mp.Queue()
    child = mp.Process(target=_fleet_process, args=(broker, site, plans, interval_s, queue))
    child.start()
    result = queue.get(timeout=600)
    child.join()
    return result


def ack_latencies_ms(fleet: FleetResult) -> tuple[list[float], float]:
    """Publish→ack latency of every acked event, and the time of the last ack.

    An event's ack is the first rise of its device's acked seq to or past its seq.
    """
    latencies_ms: list[float] = []
    last_ack_s = 0.0
    for device, sent in fleet.sent.items():
        acks = fleet.acks.get(device, [])
        if not acks:
            continue
        seqs = [seq for _, seq in acks]
        last_ack_s = max(last_ack_s, acks[-1][0])
        for seq, sent_s in sent.items():
            index = bisect.bisect_left(seqs, seq)
            if index < len(acks):
                latencies_ms.append((acks[index][0] - sent_s) * 1000)
    return latencies_ms, last_ack_s


def rate_by_thirds(fleet: FleetResult, *, all_sending: bool = False) -> tuple[float, float]:
    """Events/s acked in the first and in the last third of the run: does it hold up?

    With ``all_sending``, the run ends when the first device got its last ack: the tail
    where fewer devices are left (the load generator thinning out, not the collector
    slowing down) is left out.
    """
    rises = sorted(
        (at_s, seq - previous)
        for acks in fleet.acks.values()
        for (at_s, seq), previous in zip(acks, [0] + [seq for _, seq in acks], strict=False)
    )
    start_s, end_s = first_publish_s(fleet), rises[-1][0]
    if all_sending:
        end_s = min(acks[-1][0] for acks in fleet.acks.values() if acks)
    third_s = (end_s - start_s) / 3
    first = sum(count for at_s, count in rises if at_s <= start_s + third_s)
    last = sum(count for at_s, count in rises if end_s - third_s < at_s <= end_s)
    return first / third_s, last / third_s


def first_publish_s(fleet: FleetResult) -> float:
    """When the first event of the run went out."""
    return min(t for seqs in fleet.sent.values() for t in seqs.values())


def proc_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) process ``pid`` used so far; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """CPU seconds all processes of the machine spent so far (busy time, every core)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the collector's ledger writer)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def children_cpu_s(pid: int) -> float:
    """CPU seconds of the direct children of ``pid`` that still run."""
    return sum(proc_cpu_s(child) for child in children(pid))


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of ``pid`` and its direct children (those still running)."""
    return proc_cpu_s(pid) + children_cpu_s(pid)
