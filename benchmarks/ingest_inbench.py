"""The collector's batch loop and ledger writer run inside the benchmark, timing each commit.

Beside the shipped ``collector run`` (``ingest_shipped``): the same loop and writer
process built in this process, so every commit's time is known (publish→commit, not
→ack), and a no-op ledger that isolates the cost of MQTT and the runtime.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid

from benchmarks.ingest_fleet import (
    RunResult,
    Setup,
    make_plans,
    percentile,
    play,
    proc_cpu_s,
    seed_stock,
)
from collector.cli.run_wiring import ledger_writer
from collector.clock import SystemClock
from collector.ingest.ports import (
    BatchOutcome,
    DeviceProgress,
    Disposition,
    MessageOutcome,
)
from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchPolicy
from collector.runtime.service import run_service
from collector.runtime.writer_process import WriterProcess
from collector.settings import load_settings
from edge_agent import wire


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


def collector_run(
    setup: Setup,
    engine,
    *,
    devices: int,
    events: int,
    rate_per_s: float | None,
    batch_max: int,
    null_ledger: bool = False,
) -> RunResult:
    """The batch loop in this process, the ledger writer process as ``collector run`` builds it.

    It times each commit (publish→commit, not →ack); ``null_ledger`` commits nothing.
    """
    clock = SystemClock()
    writer = None
    if null_ledger:
        timing: TimingIngestor = TimingIngestor(NullIngestor())
    else:
        settings = load_settings(
            db_url=engine.url.render_as_string(hide_password=False), log_level="WARNING"
        )
        writer = WriterProcess(functools.partial(ledger_writer, settings))
        writer.start()
        timing = PipelinedTimingIngestor(writer)
    consumer = bench_consumer(setup, clock, batch_max)
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
        plans = make_plans(setup, devices, events)
        writer_pid = writer.pid if writer is not None else None
        broker = setup.broker
        before = (time.process_time(), proc_cpu_s(writer_pid), proc_cpu_s(broker.pid))
        fleet = play(broker, setup.site, plans, devices / rate_per_s if rate_per_s else 0.0)
        after = (time.process_time(), proc_cpu_s(writer_pid), proc_cpu_s(broker.pid))
    finally:
        stop.set()
        service.join(timeout=30)
        if writer is not None:
            writer.stop()
    main_cpu_s, writer_cpu_s, broker_cpu_s = (b - a for a, b in zip(before, after, strict=True))
    result = summarise(fleet.sent, timing.committed_at, fleet.resent, stats[0].batches)
    _add_cpu(result, main_cpu_s, writer_cpu_s, fleet.cpu_s, broker_cpu_s)
    return result


def bench_consumer(setup: Setup, clock: SystemClock, batch_max: int) -> MqttConsumer:
    """The collector's MQTT consumer, subscribed to this run's site only."""
    return MqttConsumer(
        address=parse_broker_url(f"mqtt://{setup.broker.host}:{setup.broker.port}"),
        client_id=f"bench-collector-{uuid.uuid4().hex[:8]}",
        clock=clock,
        reconnect=Backoff(initial_s=0.2, max_s=2.0),
        session_expiry_s=60,
        receive_maximum=2 * batch_max,
        subscription=wire.events_topic(setup.site, "+"),
    )


def _add_cpu(
    result: RunResult, main_cpu_s: float, writer_cpu_s: float, devices_cpu_s: float,
    broker_cpu_s: float,
) -> None:  # fmt: skip
    """Cores and CPU µs per event of each part of the run."""
    wall_s = result.events / result.rate_per_s
    per_event_us = 1e6 / max(result.events, 1)
    collector_cpu_s = main_cpu_s + writer_cpu_s
    result.extra.update(
        ledger_cpu_us_per_event=writer_cpu_s * per_event_us,
        collector_cores=collector_cpu_s / wall_s,
        writer_cores=writer_cpu_s / wall_s,
        broker_cores=broker_cpu_s / wall_s,
        devices_cores=devices_cpu_s / wall_s,
        collector_cpu_us_per_event=collector_cpu_s * per_event_us,
        total_cpu_us_per_event=(collector_cpu_s + devices_cpu_s + broker_cpu_s) * per_event_us,
    )


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
