"""Ingest benchmark: devices → Mosquitto → collector → SQLite ledger (not a test).

Reports, in the same run and as medians of several runs:
  * raw paho QoS 1 publish-to-subscriber rate (the baseline: broker + client cost alone);
  * sustained events/s committed by the collector into SQLite, and its ratio to the baseline;
  * p50/p99 publish-to-commit latency, flat out and paced at a fixed rate (default 1,000/s).

Publishers run in a child process so they do not share the collector's GIL. Both
processes read CLOCK_MONOTONIC, so publish and commit times are comparable.

    .venv/bin/python benchmarks/ingest.py --runs 3 --write
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_report import report, write_section  # noqa: E402
from collector.cli.run_wiring import ledger_writer  # noqa: E402
from collector.demo import traffic  # noqa: E402
from collector.ingest.ports import (  # noqa: E402
    BatchOutcome,
    DeviceProgress,
    Disposition,
    InboundMessage,
    MessageOutcome,
)
from collector.ledger.catalog import import_items, parse_items_csv  # noqa: E402
from collector.ledger.engine import open_ledger  # noqa: E402
from collector.ledger.ingestor import SqlIngestor  # noqa: E402
from collector.logs import configure_logging  # noqa: E402
from collector.mqtt.address import parse_broker_url  # noqa: E402
from collector.mqtt.consumer import MqttConsumer  # noqa: E402
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice  # noqa: E402
from collector.runtime.backoff import Backoff  # noqa: E402
from collector.runtime.clock import SystemClock  # noqa: E402
from collector.runtime.loop import BatchPolicy  # noqa: E402
from collector.runtime.service import run_service  # noqa: E402
from collector.runtime.writer_process import WriterProcess  # noqa: E402
from collector.settings import load_settings  # noqa: E402
from edge_agent import wire  # noqa: E402

HOST, PORT = "127.0.0.1", 1883


# --------------------------------------------------------------------------- measurements


class TimingIngestor:
    """Wraps the real ingestor; notes when each applied (device, seq) was committed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.committed_at: dict[tuple[str, int], float] = {}
        self.busy_s = 0.0
        self.cpu_s = 0.0

    def ingest(self, batch):
        started, cpu_started = time.monotonic(), time.thread_time()
        outcome = self.inner.ingest(batch)
        now = time.monotonic()
        self.busy_s += now - started
        self.cpu_s += time.thread_time() - cpu_started  # on-CPU share of that time
        return self._note(outcome, now)

    def _note(self, outcome, now: float):
        for result in outcome.outcomes:
            if result.disposition is Disposition.APPLIED and result.seq is not None:
                self.committed_at[(str(result.device_id), result.seq)] = now
        return outcome


class PipelinedTimingIngestor(TimingIngestor):
    """The same for the ledger writer process: busy = from submit to the commit's answer."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self._submitted_at = 0.0

    def submit(self, batch) -> None:
        self._submitted_at = time.monotonic()
        self.inner.submit(batch)

    def committing(self) -> bool:
        return self.inner.committing()

    def result(self):
        outcome = self.inner.result()
        now = time.monotonic()
        self.busy_s += now - self._submitted_at
        return self._note(outcome, now)


class NullIngestor:
    """Commits nothing: isolates the MQTT and runtime cost from the ledger's."""

    def ingest(self, batch):
        outcomes, highest = [], {}
        for message in batch:
            event = json.loads(message.payload)
            device, seq = event["device_id"], event["seq"]
            outcomes.append(MessageOutcome(Disposition.APPLIED, device_id=device, epoch=1, seq=seq))
            highest[device] = max(highest.get(device, 0), seq)
        site = wire.parse_topic(batch[0].topic).site
        progress = [DeviceProgress(site, device, 1, seq) for device, seq in highest.items()]
        return BatchOutcome(outcomes=outcomes, progress=progress)


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


# --------------------------------------------------------------------------- baseline


def _raw_publisher(topic: str, count: int, payload: bytes, out: mp.Queue) -> None:
    """Child process: publish ``count`` QoS 1 messages as fast as paho allows."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}")
    client.connect(HOST, PORT)
    client.loop_start()
    start = time.monotonic()
    info = None
    for _ in range(count):
        info = client.publish(topic, payload, qos=1)
    if info is not None:
        info.wait_for_publish(timeout=120)
    out.put(start)
    client.disconnect()
    client.loop_stop()


def raw_paho_rate(count: int, payload: bytes) -> tuple[float, int]:
    """Messages/s from a QoS 1 publisher to a QoS 1 subscriber through Mosquitto, and how many.

    The subscriber is MQTT 5 with a large receive maximum, so Mosquitto sends instead
    of queueing (its queue of 1,000 would drop a burst); ends after 2 s of silence.
    """
    topic = f"bench/raw/{uuid.uuid4().hex}"
    stamps: list[float] = []
    sub = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"bench-sub-{uuid.uuid4().hex[:8]}",
        protocol=paho.MQTTv5,
    )
    sub.on_message = lambda _c, _u, _m: stamps.append(time.monotonic())
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = 65535
    sub.connect(HOST, PORT, properties=props)
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    time.sleep(0.3)
    queue: mp.Queue = mp.Queue()
    child = mp.Process(target=_raw_publisher, args=(topic, count, payload, queue))
    child.start()
    start = queue.get(timeout=180)
    child.join()
    seen = -1
    while len(stamps) < count and len(stamps) != seen:
        seen = len(stamps)
        time.sleep(2.0)
    sub.disconnect()
    sub.loop_stop()
    return len(stamps) / (stamps[-1] - start), len(stamps)


# --------------------------------------------------------------------------- collector runs


def _fleet_process(site: str, plans: dict, interval_s: float, max_outstanding: int, out) -> None:
    """Child process: every device publishes its plan (paced if asked) and awaits its acks."""
    configure_logging(level="WARNING")
    clock = SystemClock()
    devices = {
        device_id: SimulatedDevice(
            host=HOST, port=PORT, site=site, device_id=device_id, clock=clock,
            max_outstanding=max_outstanding,
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
    sent = {d: dict(dev.counters.first_sent_at_s) for d, dev in devices.items()}
    resent = sum(dev.counters.resent for dev in devices.values())
    acked = {d: dev.acked_seq for d, dev in devices.items()}
    for device in devices.values():
        device.close()
    out.put((sent, resent, acked, time.process_time()))


@dataclass
class Setup:
    """One run's ledger, catalogue and site."""

    workdir: Path
    catalog: traffic.Catalog
    site: str
    rng: random.Random


def prepare(workdir: Path, seed: int) -> tuple[Setup, object]:
    """A fresh SQLite ledger with the catalogue imported; returns the engine too."""
    rng = random.Random(seed)
    catalog = traffic.Catalog.make(20, rng, prefix=f"B{seed}")
    engine = open_ledger(f"sqlite:///{workdir / f'bench-{seed}.db'}")
    import_items(engine, parse_items_csv(catalog.items_csv()), now=datetime.now(UTC))
    return Setup(workdir, catalog, f"bench-{uuid.uuid4().hex[:8]}", rng), engine


def make_plans(setup: Setup, devices: int, events: int) -> dict[str, list[tuple[int, bytes]]]:
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


def make_seed_plan(setup: Setup, device_id: str) -> list[tuple[int, bytes]]:
    """Opening receipts for every (sku, location)."""
    return [
        (seq, traffic.make_payload(device_id, seq, tx))
        for seq, tx in enumerate(traffic.seed_transactions(setup.catalog), start=1)
    ]


def seed_stock(setup: Setup) -> None:
    """Opening receipts, published and acked before timing starts."""
    device_id = f"seed-{uuid.uuid4().hex[:6]}"
    plan = [PlannedMessage(seq, payload) for seq, payload in make_seed_plan(setup, device_id)]
    device = SimulatedDevice(
        host=HOST, port=PORT, site=setup.site, device_id=device_id, clock=SystemClock()
    )
    device.connect()
    device.run(plan, timeout_s=60)
    device.close()


def collector_run(
    setup: Setup,
    engine,
    *,
    devices: int,
    events: int,
    rate_per_s: float | None,
    batch_max: int,
    null_ledger: bool = False,
    writer_process: bool = False,
) -> RunResult:
    """Run the real collector in this process while a child process plays the devices.

    ``writer_process``: the ledger commits in its own process, built as ``collector run``
    builds it; otherwise ``SqlIngestor`` runs in this process (the design before it).
    """
    clock = SystemClock()
    writer = None
    if null_ledger:
        ledger = NullIngestor()
    elif writer_process:
        settings = load_settings(db_url=str(engine.url), log_level="WARNING")
        ledger = writer = WriterProcess(functools.partial(ledger_writer, settings))
        writer.start()
    else:
        ledger = SqlIngestor(engine, clock=clock)
    timing = PipelinedTimingIngestor(ledger) if writer else TimingIngestor(ledger)
    consumer = MqttConsumer(
        address=parse_broker_url(f"mqtt://{HOST}:{PORT}"),
        client_id=f"bench-collector-{uuid.uuid4().hex[:8]}",
        clock=clock,
        reconnect=Backoff(initial_s=0.2, max_s=2.0),
        session_expiry_s=60,
        receive_maximum=2 * batch_max,
        subscription=wire.events_topic(setup.site, "+"),  # not other sessions' traffic
    )
    stop = threading.Event()
    stats: list = []
    policy = BatchPolicy(max_messages=batch_max, max_wait_s=0.02)
    service = threading.Thread(
        target=lambda: stats.append(
            run_service(connection=consumer, ingestor=timing, clock=clock, stop=stop, policy=policy)
        )
    )
    service.start()
    try:
        assert consumer.wait_connected(10), "collector did not subscribe"
        seed_stock(setup)
        timing.committed_at.clear()
        timing.busy_s = 0.0
        timing.cpu_s = 0.0
        plans = make_plans(setup, devices, events)
        interval_s = devices / rate_per_s if rate_per_s else 0.0
        broker = broker_pid()
        cpu_before_s, writer_before_s = time.process_time(), process_cpu_s(writer)
        broker_before_s = proc_cpu_s(broker)
        sent, resent, devices_cpu_s = _play(setup.site, plans, interval_s, devices)
        collector_cpu_s = time.process_time() - cpu_before_s
        writer_cpu_s = process_cpu_s(writer) - writer_before_s
        broker_cpu_s = proc_cpu_s(broker) - broker_before_s
    finally:
        stop.set()
        service.join(timeout=30)
        if writer is not None:
            writer.stop()
    result = summarise(sent, timing.committed_at, resent, stats[0].batches if stats else 0)
    result.extra["ledger_busy_share"] = timing.busy_s * result.rate_per_s / max(result.events, 1)
    ledger_cpu_s = writer_cpu_s if writer is not None else timing.cpu_s
    result.extra["ledger_cpu_us_per_event"] = ledger_cpu_s / max(result.events, 1) * 1e6
    result.extra["ledger_on_cpu_share"] = timing.cpu_s / max(timing.busy_s, 1e-9)
    wall_s = result.events / result.rate_per_s
    result.extra["collector_cores"] = (collector_cpu_s + writer_cpu_s) / wall_s
    result.extra["writer_cores"] = writer_cpu_s / wall_s
    result.extra["broker_cores"] = broker_cpu_s / wall_s
    result.extra["collector_cpu_us_per_event"] = (
        (collector_cpu_s + writer_cpu_s) / max(result.events, 1) * 1e6
    )
    result.extra["total_cpu_us_per_event"] = (
        (collector_cpu_s + writer_cpu_s + devices_cpu_s + broker_cpu_s)
        / max(result.events, 1)
        * 1e6
    )
    result.extra["devices_cores"] = devices_cpu_s / wall_s
    return result


def proc_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) process ``pid`` used so far; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_s(writer: WriterProcess | None) -> float:
    """CPU seconds the ledger writer process used so far; 0 without one."""
    return proc_cpu_s(writer.pid if writer is not None else None)


def broker_pid() -> int | None:
    """The shared system Mosquitto (the one on port 1883), for its CPU share."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"mosquitto") and b"/etc/mosquitto/mosquitto.conf" in argv:
            return int(cmdline.parent.name)
    return None


def _play(site: str, plans: dict, interval_s: float, devices: int) -> tuple[dict, int, float]:
    """Run the device fleet in a child process: first-publish times, resends, its CPU seconds."""
    queue: mp.Queue = mp.Queue()
    # keep the broker's queue for the collector under Mosquitto's 1,000-message limit
    max_outstanding = max(20, 1500 // devices)
    child = mp.Process(
        target=_fleet_process, args=(site, plans, interval_s, max_outstanding, queue)
    )
    child.start()
    sent, resent, _acked, cpu_s = queue.get(timeout=600)
    child.join()
    return sent, resent, cpu_s


def summarise(sent: dict, committed: dict, resent: int, batches: int) -> RunResult:
    """Rate from first publish to last commit; latency per event from publish to commit."""
    latencies_ms = [
        (committed[(device, seq)] - t_sent) * 1000
        for device, seqs in sent.items()
        for seq, t_sent in seqs.items()
        if (device, seq) in committed
    ]
    first = min(t for seqs in sent.values() for t in seqs.values())
    last = max(committed.values())
    return RunResult(
        events=len(latencies_ms),
        rate_per_s=len(latencies_ms) / (last - first),
        p50_ms=percentile(latencies_ms, 0.50),
        p99_ms=percentile(latencies_ms, 0.99),
        resent=resent,
        batches=batches,
    )


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--batch-max", type=int, default=500)
    parser.add_argument("--paced-rate", type=int, default=1_000)
    parser.add_argument("--paced-seconds", type=int, default=10)
    parser.add_argument("--baseline-messages", type=int, default=50_000)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    return parser.parse_args()


def ingest_only_rate(args: argparse.Namespace, tmp: Path, seed: int) -> float:
    """Events/s of the SqlIngestor alone on the same kind of traffic: no MQTT, no other process."""
    setup, engine = prepare(tmp, seed=seed)
    try:
        ingestor = SqlIngestor(engine, clock=SystemClock())
        now = datetime.now(UTC)
        seed_messages = [
            InboundMessage(wire.events_topic(setup.site, "seed"), payload, now)
            for _, payload in make_seed_plan(setup, "seed")
        ]
        ingestor.ingest(seed_messages)
        plans = make_plans(setup, args.devices, args.events)
        # devices publish concurrently: interleave them, each in its own seq order
        messages = [
            InboundMessage(wire.events_topic(setup.site, device), plan[index][1], now)
            for index in range(args.events // args.devices)
            for device, plan in plans.items()
        ]
        start = time.monotonic()
        for first in range(0, len(messages), args.batch_max):
            ingestor.ingest(messages[first : first + args.batch_max])
        return len(messages) / (time.monotonic() - start)
    finally:
        engine.dispose()


def one_collector_run(
    args: argparse.Namespace,
    tmp: Path,
    seed: int,
    *,
    paced: bool,
    null_ledger: bool = False,
    writer_process: bool = False,
) -> RunResult:
    """A fresh ledger, then a flat-out or paced collector run into it."""
    setup, engine = prepare(tmp, seed=seed)
    try:
        return collector_run(
            setup,
            engine,
            devices=args.devices,
            events=args.paced_rate * args.paced_seconds if paced else args.events,
            rate_per_s=args.paced_rate if paced else None,
            batch_max=args.batch_max,
            null_ledger=null_ledger,
            writer_process=writer_process,
        )
    finally:
        engine.dispose()


RUNS = (
    # (series, label, seed offset, keyword arguments of one_collector_run)
    ("flat", "flat out, ledger writer process", 0, {"paced": False, "writer_process": True}),
    ("paced", "paced, ledger writer process", 10, {"paced": True, "writer_process": True}),
    ("flat_thread", "flat out, ledger in-process", 20, {"paced": False}),
    ("paced_thread", "paced, ledger in-process", 30, {"paced": True}),
    ("null", "no-op ledger", 40, {"paced": False, "null_ledger": True}),
    ("null_paced", "no-op ledger, paced", 50, {"paced": True, "null_ledger": True}),
)
"""The collector runs of each round: as ``collector run`` builds it (the ledger in its own
process), the earlier design (ledger in the MQTT process), and a no-op ledger."""


def main() -> None:
    """Baseline, flat-out and paced runs, medians, optional RESULTS.md update."""
    args = parse_args()
    configure_logging(level="WARNING")  # per-event debug lines would dominate the timings
    rng = random.Random(0)
    sample = traffic.random_transaction(traffic.Catalog.make(1, rng), rng)
    payload = traffic.make_payload("till0-bench", 1, sample)
    series: dict[str, list] = {"baseline": [], "alone": [], **{name: [] for name, *_ in RUNS}}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for run in range(args.runs):
            rate, got = raw_paho_rate(args.baseline_messages, payload)
            series["baseline"].append(rate)
            print(f"run {run + 1}: raw paho {rate:,.0f} msg/s ({got:,} received)", flush=True)
            for name, label, offset, kwargs in RUNS:
                series[name].append(
                    one_collector_run(args, Path(tmp), 100 * run + offset, **kwargs)
                )
                print(f"run {run + 1}: {label} {series[name][-1]}", flush=True)
            series["alone"].append(ingest_only_rate(args, Path(tmp), 100 * run + 60))
            print(f"run {run + 1}: SqlIngestor alone {series['alone'][-1]:,.0f} ev/s", flush=True)
    text = report(args, load=(load_before, os.getloadavg()), **series)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
