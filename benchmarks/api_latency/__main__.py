"""HTTP API latency under MQTT ingest, on a generated 1,000,000-movement ledger (not a test).

    .venv/bin/python -m benchmarks.api_latency --write
    .venv/bin/python -m benchmarks.api_latency \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_ledger_1m --write
    .venv/bin/python -m benchmarks.api_latency --quick      # 100k ledger, short phases

``collector run`` ingests 1,000 events/s from simulated devices over Mosquitto
127.0.0.1:1883 while ``collector api`` is driven open loop: the stock of one SKU at
100 requests/s, one sale per POST at 200 requests/s, and ``/health`` at each rate as the
baseline, in the same run. ``--write`` records the medians in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks.api_latency import report, services, workload  # noqa: E402
from benchmarks.api_latency.openloop import percentile  # noqa: E402
from benchmarks.api_latency.rounds import Rates, Round, Target, one_round, warm_up  # noqa: E402
from benchmarks.ingest_fleet import Broker, new_setup, seed_stock  # noqa: E402
from collector.logs import configure_logging  # noqa: E402

QUICK_MOVEMENTS, QUICK_SECONDS = 100_000, 3.0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--db", help="where the generated ledger lives: none for the SQLite cache, or "
        "postgresql+psycopg://…/NAME (the run writes into a copy, NAME_api_run)")  # fmt: skip
    add("--seconds", type=float, help="per phase (default 20; --quick 3)")
    add("--repeats", type=int, help="rounds (default 3; --quick 1)")
    add("--movements", type=int, help="ledger size (default 1,000,000; --quick 100,000)")
    add("--read-rate", type=float, default=100.0, help="GET /stock requests/s")
    add("--write-rate", type=float, default=200.0, help="POST /transactions requests/s")
    add(
        "--ingest-rate",
        type=float,
        default=1000.0,
        help="MQTT events/s (0: no ingest, the API alone)",
    )
    add("--quick", action="store_true", help="a small smoke run (not for RESULTS.md)")
    add("--write", action="store_true", help="record the run in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick and args.write:
        parser.error("--write records full runs, not --quick")
    args.seconds = args.seconds or (QUICK_SECONDS if args.quick else 20.0)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.movements = args.movements or (QUICK_MOVEMENTS if args.quick else 1_000_000)
    return args


def _measure(args: argparse.Namespace, workdir: Path) -> tuple[report.Context, list[Round]]:
    tree = services.this_tree()
    url, ledger = services.private_copy(args.movements, args.db, workdir)
    broker = Broker("127.0.0.1", 1883, services.mosquitto_pid())
    setup = new_setup(workdir, 1, broker)
    rates = Rates(args.read_rate, args.write_rate, args.ingest_rate, args.seconds)
    collector = api = None
    try:
        sku = services.prepare_ledger(url, setup)
        token = services.create_token(tree, url)
        collector = services.start_collector(setup, url, tree)
        seed_stock(setup)  # acked: collector run is subscribed and committing
        api, base = services.start_api(url, tree, workdir)
        sales = int(args.write_rate * args.seconds * args.repeats) + 200
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            workload.receive(client, setup.catalog, sales)
        target = Target(base, token, setup, sku, url, api.pid, collector.pid)
        load_before = os.getloadavg()
        warm_up(target)
        rounds = []
        for repeat in range(args.repeats):
            rounds.append(one_round(target, rates, repeat))
            print(_progress(repeat, rounds[-1]), flush=True)
        load = (load_before, os.getloadavg())
    finally:
        for service in (api, collector):
            if service is not None and service.stop() != 0:
                print(f"{service.name} exited {service.process.returncode}:\n{service.logs()}")
        services.drop_copy(url)
    backend = sa.make_url(url).get_backend_name()
    backend = "postgresql" if backend == "postgresql" else "sqlite"
    measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ctx = report.Context(backend, args.movements, ledger.key, sku, rates, args.repeats, load,
                         measured_at)  # fmt: skip
    return ctx, rounds


def _progress(repeat: int, done: Round) -> str:
    parts = []
    for phase in done.phases:
        r = phase.result
        parts.append(
            f"{r.name} p50 {percentile(r.latencies_ms, 0.5):.1f} ms "
            f"p99 {percentile(r.latencies_ms, 0.99):.1f} ms, "
            f"{r.answered}/{r.sent} ok, {phase.ingested / phase.wall_s:,.0f} ev/s"
        )
    check = f" INGEST: {done.ingest_check}" if done.ingest_check else ""
    return f"round {repeat + 1}: " + "; ".join(parts) + check


def main(argv: list[str] | None = None) -> int:
    """Measure, print the section, and with ``--write`` put it into RESULTS.md."""
    args = _arguments(argv)
    configure_logging(level="WARNING")
    (ROOT / "var").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-latency-", dir=ROOT / "var"))
    try:
        ctx, rounds = _measure(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report.render(ctx, rounds)
    print(text)
    if args.write:
        report.write(ctx, text)
        print("written to benchmarks/RESULTS.md")
    return 0


if __name__ == "__main__":
    mp.set_start_method("spawn")
    sys.exit(main())
