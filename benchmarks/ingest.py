"""Ingest benchmark: devices → Mosquitto → collector → SQLite ledger (not a test).

Reports, in the same run and as medians of several runs:
  * raw paho QoS 1 publish-to-subscriber rate (the baseline: broker + client cost alone);
  * the shipped ``collector run`` process (the headline): sustained events/s committed
    into SQLite, its ratio to the baseline, p50/p99 publish→ack latency flat out and
    paced (default 1,000/s), each run checked against the ledger (``ingest_shipped``);
  * the same with site bindings (``collector run --bindings``): one event in five a
    resolved ``shelf.weight_changed`` at a ``post`` lane, which posts a movement through
    the reconcile observer (``ingest_bindings``); its events/s over the plain run's of
    the same round, and its paced latency;
  * the same batch loop and ledger writer inside the benchmark, timing each commit, and
    a no-op ledger, MQTT and runtime alone (``ingest_inbench``); the ``SqlIngestor``
    alone (no MQTT), plain and with the reconcile observer on the bindings traffic; the
    shipped process into PostgreSQL.

``--baseline-tree DIR`` also runs, in every round, the plain and bindings ``collector run``
of another checkout (``ingest_trees``) for paired new/old ratios; ``--only NAME,...``
runs only some variants (names in ``--help``).

Publishers run in a child process so they do not share the collector's GIL. Every
process reads CLOCK_MONOTONIC, so publish, commit and ack times are comparable.

    .venv/bin/python benchmarks/ingest.py --runs 3 --write
    git worktree add --detach ../baseline COMMIT
    .venv/bin/python benchmarks/ingest.py --baseline-tree ../baseline \
        --only shipped,old_shipped,bindings,old_bindings
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_bindings import BindingsTraffic  # noqa: E402
from benchmarks.ingest_fleet import (  # noqa: E402
    QUEUES_CONF,
    Broker,
    RunResult,
    Setup,
    make_seed_plan,
    prepare,
)
from benchmarks.ingest_inbench import collector_run  # noqa: E402
from benchmarks.ingest_report import report, write_section  # noqa: E402
from benchmarks.ingest_shipped import PlainTraffic, shipped_run  # noqa: E402
from benchmarks.ingest_trees import baseline_tree, current_tree, prepare_in  # noqa: E402
from collector.demo import traffic  # noqa: E402
from collector.ingest.ports import (  # noqa: E402
    InboundMessage,
)
from collector.logs import configure_logging  # noqa: E402
from edge_agent import wire  # noqa: E402
from tests.support.mosquitto_private import PrivateMosquitto  # noqa: E402
from tests.support.services import fresh_postgres_database  # noqa: E402

# --------------------------------------------------------------------------- baseline


def _raw_publisher(broker: Broker, topic: str, count: int, payload: bytes, out: mp.Queue) -> None:
    """Child process: publish ``count`` QoS 1 messages as fast as paho allows."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}")
    client.connect(broker.host, broker.port)
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


def raw_paho_rate(broker: Broker, count: int, payload: bytes) -> tuple[float, int]:
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
    sub.connect(broker.host, broker.port, properties=props)
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    time.sleep(0.3)
    queue: mp.Queue = mp.Queue()
    child = mp.Process(target=_raw_publisher, args=(broker, topic, count, payload, queue))
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


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=20_000, help="per in-bench flat-out run")
    parser.add_argument(
        "--sustained-events", type=int, default=60_000, help="per flat-out `collector run`"
    )
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--batch-max", type=int, default=500)
    parser.add_argument("--paced-rate", type=int, default=1_000)
    parser.add_argument("--paced-seconds", type=int, default=10)
    parser.add_argument("--baseline-messages", type=int, default=50_000)
    parser.add_argument(
        "--baseline-tree",
        metavar="DIR",
        help="another checkout (e.g. a git worktree of an older commit): every round also runs "
        "its `collector run` (old_shipped, old_bindings) for new/old ratios",
    )
    parser.add_argument(
        "--only",
        metavar="NAME,...",
        help=f"run only these variants, of: {', '.join(variant_names(with_baseline=True))}",
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    args.tree = baseline_tree(args.baseline_tree) if args.baseline_tree else None
    known = variant_names(with_baseline=args.tree is not None)
    args.selected = args.only.split(",") if args.only else known
    unknown = [name for name in args.selected if name not in known]
    if any(name.startswith("old_") for name in unknown) and args.tree is None:
        parser.error("--only: the old_* variants need --baseline-tree DIR")
    if unknown:
        parser.error(f"--only: unknown variant(s) {', '.join(unknown)} (known: {', '.join(known)})")
    if args.write and args.only and not args.tree:
        parser.error(
            "--write records full runs (the ingest section) or paired runs against "
            "--baseline-tree (the ingest-paired section): not --only alone"
        )
    return args


def ingest_only_rate(
    args: argparse.Namespace, tmp: Path, seed: int, broker: Broker, *, bindings: bool = False
) -> float:
    """Events/s of the SqlIngestor alone on the same kind of traffic: no MQTT, no other process.

    With ``bindings``, the bindings traffic through the reconcile observer, as the
    ledger writer of ``collector run --bindings`` builds it. The ledger is checked after.
    """
    setup, engine = prepare(tmp, seed, broker)
    try:
        kind = BindingsTraffic if bindings else PlainTraffic
        traffic_ = kind(setup, args.devices)
        ingestor = traffic_.ingestor(engine)
        now = datetime.now(UTC)
        seed_messages = [
            InboundMessage(wire.events_topic(setup.site, "seed"), payload, now)
            for _, payload in make_seed_plan(setup, "seed", traffic_.seed_extra())
        ]
        ingestor.ingest(seed_messages)
        plans = traffic_.plans(args.devices, args.events)
        # devices publish concurrently: interleave them, each in its own seq order
        messages = [
            InboundMessage(wire.events_topic(setup.site, device), plan[index][1], now)
            for index in range(args.events // args.devices)
            for device, plan in plans.items()
        ]
        start = time.monotonic()
        for first in range(0, len(messages), args.batch_max):
            ingestor.ingest(messages[first : first + args.batch_max])
        rate = len(messages) / (time.monotonic() - start)
        traffic_.check(engine, plans)
        return rate
    finally:
        engine.dispose()


def one_collector_run(
    args: argparse.Namespace,
    tmp: Path,
    seed: int,
    broker: Broker,
    *,
    paced: bool,
    shipped: bool = False,
    null_ledger: bool = False,
    postgres: bool = False,
    bindings: bool = False,
    baseline: bool = False,
) -> RunResult:
    """A fresh ledger, then a flat-out or paced run of one collector variant into it.

    ``bindings``: the bindings traffic and ``--bindings``; ``baseline``: the collector
    of ``--baseline-tree`` (its ledger made by its own code, under a file name of its own).
    """
    with contextlib.ExitStack() as stack:
        db_url = stack.enter_context(fresh_postgres_database()) if postgres else None
        if baseline:
            setup, engine = prepare_in(args.tree, tmp, seed, broker, tag="-baseline")
        else:
            setup, engine = prepare(tmp, seed, broker, db_url)
        stack.callback(engine.dispose)
        if not shipped:
            return _in_bench(args, setup, engine, paced=paced, null=null_ledger)
        return shipped_run(
            setup,
            engine,
            traffic=(BindingsTraffic if bindings else PlainTraffic)(setup, args.devices),
            tree=args.tree if baseline else current_tree(),
            **_fleet_options(args, paced=paced, flat_events=args.sustained_events),
        )


def _fleet_options(args: argparse.Namespace, *, paced: bool, flat_events: int) -> dict:
    return {
        "devices": args.devices,
        "events": args.paced_rate * args.paced_seconds if paced else flat_events,
        "rate_per_s": args.paced_rate if paced else None,
        "batch_max": args.batch_max,
    }


def _in_bench(args: argparse.Namespace, setup: Setup, engine, *, paced: bool, null: bool):
    """The batch loop and writer inside the benchmark (``ingest_inbench``)."""
    options = _fleet_options(args, paced=paced, flat_events=args.events)
    return collector_run(setup, engine, null_ledger=null, **options)


SHIPPED = {"paced": False, "shipped": True}
PACED = {"paced": True, "shipped": True}
BINDINGS = {"bindings": True}
OLD = {"baseline": True}
RUNS = (
    # (series, label, seed offset, keyword arguments of one_collector_run); old_* only with
    # --baseline-tree, with the same seed (so the same traffic) as the run they pair with
    ("shipped", "flat out, `collector run`", 0, SHIPPED),
    ("old_shipped", "flat out, baseline `collector run`", 0, SHIPPED | OLD),
    ("bindings", "flat out, `collector run --bindings`", 90, SHIPPED | BINDINGS),
    ("old_bindings", "flat out, baseline `collector run --bindings`", 90, SHIPPED | BINDINGS | OLD),
    ("shipped_paced", "paced, `collector run`", 10, PACED),
    ("bindings_paced", "paced, `collector run --bindings`", 95, PACED | BINDINGS),
    ("shipped_pg", "flat out, `collector run`, PostgreSQL", 70, SHIPPED | {"postgres": True}),
    ("shipped_pg_paced", "paced, `collector run`, PostgreSQL", 80, PACED | {"postgres": True}),
    ("flat", "flat out, in-bench writer process", 20, {"paced": False}),
    ("paced", "paced, in-bench writer process", 30, {"paced": True}),
    ("null", "no-op ledger", 40, {"paced": False, "null_ledger": True}),
    ("null_paced", "no-op ledger, paced", 50, {"paced": True, "null_ledger": True}),
)
"""The runs of each round: the shipped ``collector run`` process (the headline), plain and
with site bindings; the same batch loop and writer process inside the benchmark, which
times each commit; a no-op ledger."""
ALONE = (("alone", 60, False), ("alone_bindings", 65, True))
"""``SqlIngestor`` alone: (series, seed offset, bindings traffic)."""


def variant_names(*, with_baseline: bool) -> list[str]:
    """Everything ``--only`` can name, in round order."""
    runs = [name for name, *_ in RUNS if with_baseline or not name.startswith("old_")]
    return ["paho", *runs, *(name for name, *_ in ALONE)]


def private_broker(workdir: Path) -> PrivateMosquitto:
    """A Mosquitto of the benchmark's own, with the queue sizing a deployment installs."""
    queues = tuple(
        line for line in QUEUES_CONF.read_text().splitlines() if line and not line.startswith("#")
    )
    return PrivateMosquitto(workdir, global_lines=queues)


def round_order(args: argparse.Namespace, run: int) -> list[tuple]:
    """The round's selected runs; in odd rounds each baseline run goes before its pair."""
    order = [entry for entry in RUNS if entry[0] in args.selected]
    if run % 2:
        for index in range(len(order) - 1):
            if order[index + 1][0] == f"old_{order[index][0]}":
                order[index], order[index + 1] = order[index + 1], order[index]
    return order


def one_round(args: argparse.Namespace, tmp: Path, run: int, broker: Broker, series: dict) -> None:
    """Baseline, every selected collector variant once, the ledger alone; into ``series``."""
    if "paho" in args.selected:
        rng = random.Random(0)
        sample = traffic.random_transaction(traffic.Catalog.make(1, rng), rng)
        payload = traffic.make_payload("till0-bench", 1, sample)
        rate, got = raw_paho_rate(broker, args.baseline_messages, payload)
        series["paho"].append(rate)
        print(f"run {run + 1}: raw paho {rate:,.0f} msg/s ({got:,} received)", flush=True)
    for name, label, offset, kwargs in round_order(args, run):
        series[name].append(one_collector_run(args, tmp, 100 * run + offset, broker, **kwargs))
        print(f"run {run + 1}: {label} {series[name][-1]}", flush=True)
    for name, offset, bindings in ALONE:
        if name in args.selected:
            rate = ingest_only_rate(args, tmp, 100 * run + offset, broker, bindings=bindings)
            series[name].append(rate)
            print(f"run {run + 1}: SqlIngestor alone ({name}) {rate:,.0f} ev/s", flush=True)


def main() -> None:
    """Baseline, flat-out and paced runs, medians, optional RESULTS.md update."""
    args = parse_args()
    configure_logging(level="WARNING")  # per-event debug lines would dominate the timings
    series: dict[str, list] = {name: [] for name in variant_names(with_baseline=True)}
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp,
        private_broker(Path(tmp) / "broker") as mosquitto,
    ):
        broker = Broker(mosquitto.host, mosquitto.port, mosquitto.pid)
        for run in range(args.runs):
            one_round(args, Path(tmp), run, broker, series)
    trees = {"new": current_tree(), "old": args.tree}
    text = report(args, load=(load_before, os.getloadavg()), series=series, trees=trees)
    print(text)
    if args.write:
        write_section(text, paired=args.tree is not None)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
