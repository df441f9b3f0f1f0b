"""Bulk ingest throughput of SqlIngestor alone (no MQTT): not a test, a measurement.

    python -m tests.collector.ledger.measure_ingest [--events 20000] [--batch 500] [--runs 3]
        [--postgres]   # into a fresh PostgreSQL database (TEST_POSTGRES_URL) instead of SQLite

Feeds pre-built messages (20 devices, 50 SKUs half FIFO half moving average, 20
locations: 20% receipts, 65% sales, 7% returns, 5% adjustments, 3% transfers) through
``ingest()`` into a fresh SQLite file per run, and prints wall-clock and CPU events/s
(median of the runs). CPU time is reported because the machine is shared.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import structlog

from collector.clock import SystemClock
from collector.ingest.ports import InboundMessage
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from edge_agent.wire import (
    StockTransaction,
    TransactionType,
    dump_event,
    events_topic,
    make_event,
)
from tests.support.services import fresh_postgres_database

SKUS = [f"SKU-{i}" for i in range(50)]


def _transaction(rng: random.Random) -> StockTransaction:
    sku = rng.choice(SKUS)
    place = f"main/aisle-{rng.randint(1, 5)}/shelf-{rng.randint(1, 4)}"
    roll = rng.random()
    if roll < 0.20:
        cost = Decimal(f"{rng.randint(100, 999) / 100}")
        return StockTransaction(
            type=TransactionType.RECEIPT,
            sku=sku,
            qty=Decimal(rng.randint(5, 15)),
            location=place,
            unit_cost=cost,
        )
    if roll < 0.85:
        return StockTransaction(
            type=TransactionType.SALE,
            sku=sku,
            qty=Decimal(rng.randint(1, 5)),
            location=place,
            unit_price=Decimal("12.5"),
        )
    if roll < 0.92:
        return StockTransaction(
            type=TransactionType.RETURN, sku=sku, qty=Decimal(1), location=place
        )
    if roll < 0.97:
        return StockTransaction(
            type=TransactionType.ADJUSTMENT,
            sku=sku,
            qty=Decimal(rng.choice([-1, 1])),
            location=place,
        )
    return StockTransaction(
        type=TransactionType.TRANSFER,
        sku=sku,
        qty=Decimal(1),
        location=place,
        to_location="back/overflow",
    )


def build_messages(count: int, seed: int = 1) -> list[InboundMessage]:
    """The same stream for every run."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    seqs: dict[str, int] = {}
    messages = []
    for i in range(count):
        device = f"dev-{i % 20}"
        seqs[device] = seqs.get(device, 0) + 1
        event = make_event(
            event_id=uuid.uuid4(),
            device_id=device,
            epoch=1,
            seq=seqs[device],
            observed_at=start + timedelta(seconds=i),
            data=_transaction(rng),
        )
        messages.append(InboundMessage(events_topic("bench", device), dump_event(event), start))
    return messages


def run_once(messages: list[InboundMessage], batch: int, url: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to ingest every message into a fresh ledger at ``url``."""
    engine = open_ledger(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            items.insert(),
            [
                {"sku": s, "name": s, "valuation": "fifo" if i % 2 else "moving_average",
                 "allow_negative": True, "updated_at": now}
                for i, s in enumerate(SKUS)
            ],
        )  # fmt: skip
    ingestor = SqlIngestor(engine, clock=SystemClock())
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(messages), batch):
        ingestor.ingest(messages[start : start + batch])
    result = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    return result


@contextmanager
def _fresh_database(*, postgres: bool) -> Iterator[str]:
    if postgres:
        with fresh_postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder)}/ledger.db"


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    messages = build_messages(args.events)
    walls, cpus = [], []
    for _ in range(args.runs):
        with _fresh_database(postgres=args.postgres) as url:
            wall, cpu = run_once(messages, args.batch, url)
        walls.append(args.events / wall)
        cpus.append(args.events / cpu)
    print(
        f"{'postgresql' if args.postgres else 'sqlite'}: {args.events} events, "
        f"batches of {args.batch}, {args.runs} runs: "
        f"median {statistics.median(walls):,.0f} events/s wall-clock "
        f"(runs: {', '.join(f'{w:,.0f}' for w in walls)}), "
        f"{statistics.median(cpus):,.0f} events per CPU-second"
    )


if __name__ == "__main__":
    main()
