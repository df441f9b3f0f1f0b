"""The headline ingest runs: the shipped ``collector run``, as its own process, fed by the fleet.

Nothing is wrapped or swapped: the command line a deployment uses (reorder window,
ledger writer process, acks) runs against the benchmark's Mosquitto. Latency is publish →
ack as the device sees it; the collector acks only after the commit, so it bounds
publish → commit from above. After each run the ledger is read back: every planned
event must be applied exactly once, or the run fails.

What is published and how the ledger is checked is a ``Traffic``: ``PlainTraffic``
here (stock transactions only), ``ingest_bindings.BindingsTraffic`` with site
bindings. Which checkout's collector runs is a ``Tree`` (``ingest_trees``); it is
started through ``collector_launcher.py``, i.e. ``collector.cli:main`` as the
console script calls it, after the launcher reports which ``collector`` it imported.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from typing import Protocol

import sqlalchemy as sa

from benchmarks.ingest_fleet import (
    FleetResult,
    Plans,
    RunResult,
    Setup,
    ack_latencies_ms,
    children_cpu_s,
    first_publish_s,
    machine_cpu_s,
    make_plans,
    percentile,
    play,
    proc_cpu_s,
    rate_by_thirds,
    seed_stock,
    tree_cpu_s,
)
from benchmarks.ingest_trees import Tree, check_imported, current_tree
from collector.cli.run_wiring import ledger_ingestor
from collector.clock import SystemClock
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import inbox
from collector.settings import load_settings
from edge_agent import wire

STOP_TIMEOUT_S = 30.0


class Traffic(Protocol):
    """What one run publishes, what the collector is told about it, how the ledger is checked."""

    def collector_args(self) -> list[str]:
        """Extra ``collector run`` options (e.g. ``--bindings FILE``)."""
        ...

    def seed_extra(self) -> list[wire.StockTransaction]:
        """Opening receipts beyond every (sku, bin)."""
        ...

    def plans(self, devices: int, events: int) -> Plans:
        """The devices' events, in publish order."""
        ...

    def ingestor(self, engine: sa.Engine) -> SqlIngestor:
        """The ingestor ``collector run`` builds for this traffic (for the in-bench runs)."""
        ...

    def check(self, engine: sa.Engine, plans: Plans) -> None:
        """``RuntimeError`` unless every planned event reached the ledger exactly once."""
        ...


class PlainTraffic:
    """Random stock transactions from every device; no bindings."""

    def __init__(self, setup: Setup, devices: int) -> None:
        self.setup = setup

    def collector_args(self) -> list[str]:
        return []

    def seed_extra(self) -> list[wire.StockTransaction]:
        return []

    def plans(self, devices: int, events: int) -> Plans:
        return make_plans(self.setup, devices, events)

    def ingestor(self, engine: sa.Engine) -> SqlIngestor:
        """The ingestor of a plain ``collector run``: no bindings, no time series."""
        return ledger_ingestor(load_settings(log_level="WARNING"), engine, SystemClock())

    def check(self, engine: sa.Engine, plans: Plans) -> None:
        check_exactly_once(engine, plans)


def collector_command(
    setup: Setup, db_url: str, batch_max: int, tree: Tree, extra: list[str]
) -> list[str]:
    """``collector run`` as an operator would start it, for the run's site."""
    broker = setup.broker
    return tree.command(
        "run",
        "--mqtt", f"mqtt://{broker.host}:{broker.port}", "--db", db_url, "--site", setup.site,
        "--client-id", f"bench-collector-{uuid.uuid4().hex[:8]}",
        "--batch-max", str(batch_max), "--log-level", "WARNING", *extra,
    )  # fmt: skip


def stop_collector(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as systemd stops it; the batch in hand commits first."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError("collector run did not stop within 30 s of SIGTERM") from None


def applied_counts(engine: sa.Engine, plans: Plans) -> dict[str, int]:
    """Applied inbox rows per planned device, read back from the ledger."""
    query = (
        sa.select(inbox.c.device_id, sa.func.count())
        .where(inbox.c.device_id.in_(list(plans)), inbox.c.disposition == "applied")
        .group_by(inbox.c.device_id)
    )
    with engine.connect() as conn:
        return dict(conn.execute(query).tuples().all())


def check_exactly_once(engine: sa.Engine, plans: Plans) -> None:
    """Every planned event applied once; ``RuntimeError`` naming the devices that differ."""
    found = applied_counts(engine, plans)
    wrong = {d: (found.get(d, 0), len(p)) for d, p in plans.items() if found.get(d, 0) != len(p)}
    if wrong:
        raise RuntimeError(f"ledger differs from what was published (applied, planned): {wrong}")


def shipped_run(
    setup: Setup,
    engine: sa.Engine,
    *,
    devices: int,
    events: int,
    rate_per_s: float | None,
    batch_max: int,
    traffic: Traffic | None = None,
    tree: Tree | None = None,
) -> RunResult:
    """Start ``collector run``, seed stock, play the fleet, stop it, check the ledger."""
    traffic = traffic or PlainTraffic(setup, devices)
    tree = tree or current_tree()
    log_path = setup.workdir / f"collector-{setup.site}.log"  # a pipe could fill and block it
    db_url = engine.url.render_as_string(hide_password=False)
    command = collector_command(setup, db_url, batch_max, tree, traffic.collector_args())
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=tree.env()
        )
    try:
        seed_stock(setup, extra=traffic.seed_extra())  # acked: subscribed and committing
        check_imported(log_path.read_text(errors="replace"), tree, "collector run")
        plans = traffic.plans(devices, events)
        started_s, before = time.monotonic(), _cpu_split(process.pid, setup.broker.pid)
        fleet = play(setup.broker, setup.site, plans, devices / rate_per_s if rate_per_s else 0.0)
        after, sampled_s = _cpu_split(process.pid, setup.broker.pid), time.monotonic() - started_s
        collector_cpu_s, writer_cpu_s, broker_cpu_s, machine_s = (
            b - a for a, b in zip(before, after, strict=True)
        )
    finally:
        stop_collector(process)
    if process.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"collector run exited {process.returncode}: {tail}")
    traffic.check(engine, plans)
    result = _result(fleet, collector_cpu_s, writer_cpu_s, broker_cpu_s)
    ours_s = collector_cpu_s + fleet.cpu_s + broker_cpu_s
    # over the whole sampled span (it includes the fleet's start), not only first publish → last ack
    result.extra["other_cores"] = max(machine_s - ours_s, 0.0) / sampled_s
    return result


def _cpu_split(collector_pid: int, broker: int | None) -> tuple[float, float, float, float]:
    """CPU seconds so far: the collector with its writer, the writer alone, the broker, all."""
    return (
        tree_cpu_s(collector_pid),
        children_cpu_s(collector_pid),
        proc_cpu_s(broker),
        machine_cpu_s(),
    )


def _result(
    fleet: FleetResult, collector_cpu_s: float, writer_cpu_s: float, broker_cpu_s: float
) -> RunResult:
    latencies_ms, last_ack_s = ack_latencies_ms(fleet)
    events = len(latencies_ms)
    wall_s = last_ack_s - first_publish_s(fleet)
    result = RunResult(
        events=events,
        rate_per_s=events / wall_s,
        p50_ms=percentile(latencies_ms, 0.50),
        p99_ms=percentile(latencies_ms, 0.99),
        resent=fleet.resent,
    )
    per_event_us = 1e6 / max(events, 1)
    result.extra.update(
        collector_cores=collector_cpu_s / wall_s,
        writer_cores=writer_cpu_s / wall_s,
        ledger_cpu_us_per_event=writer_cpu_s * per_event_us,
        devices_cores=fleet.cpu_s / wall_s,
        broker_cores=broker_cpu_s / wall_s,
        collector_cpu_us_per_event=collector_cpu_s * per_event_us,
        total_cpu_us_per_event=(collector_cpu_s + fleet.cpu_s + broker_cpu_s) * per_event_us,
        wall_s=wall_s,
    )
    result.extra["first_third_per_s"], result.extra["last_third_per_s"] = rate_by_thirds(fleet)
    first_s, last_s = rate_by_thirds(fleet, all_sending=True)
    result.extra["all_sending_first_third_per_s"] = first_s
    result.extra["all_sending_last_third_per_s"] = last_s
    result.extra["all_sending_s"] = min(a[-1][0] for a in fleet.acks.values() if a) - (
        first_publish_s(fleet)
    )
    return result
