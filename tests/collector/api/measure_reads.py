"""Latency of the API's read endpoints over a large journal: not a test, a measurement.

    python -m tests.collector.api.measure_reads [--events 200000] [--requests 30] [--postgres]
        [--db URL]   # a ledger this script filled before (no fill; its tokens are added)

Posts ``--events`` transactions (200 SKUs, 3 owners, 60 shelves; receipts, sales,
adjustments, transfers over a year) through ``SqlIngestor`` into a fresh ledger, then
times each request through the ASGI app in process (token check, SQL, JSON; no socket)
and prints the median and 90th percentile in milliseconds, for an admin and a client
token. CPU is shared on this machine: compare rows of one run, not runs. A fresh
PostgreSQL database has no planner statistics until autovacuum analyzes it, so the
script runs ANALYZE after filling.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import structlog
from fastapi.testclient import TestClient

from collector.api.access import Role
from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier, create_token
from collector.clock import SystemClock
from collector.ingest.ports import InboundMessage
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from edge_agent.wire import StockTransaction, TransactionType, dump_event, events_topic, make_event
from tests.collector.ledger.measure_ingest import _fresh_database
from tests.support.clock import FakeClock

SKUS = [f"SKU-{i:03d}" for i in range(200)]
OWNERS = ["client-a", "client-b", "client-c"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def _transaction(rng: random.Random) -> StockTransaction:
    sku, owner = rng.choice(SKUS), rng.choice(OWNERS)
    place = f"main/aisle-{rng.randint(1, 6)}/shelf-{rng.randint(1, 10)}"
    roll = rng.random()
    if roll < 0.3:
        cost = Decimal(f"{rng.randint(100, 999) / 100}")
        return StockTransaction(type=TransactionType.RECEIPT, sku=sku,
                                qty=Decimal(rng.randint(5, 20)), location=place, owner=owner,
                                unit_cost=cost)  # fmt: skip
    if roll < 0.9:
        return StockTransaction(type=TransactionType.SALE, sku=sku,
                                qty=Decimal(rng.randint(1, 3)), location=place, owner=owner,
                                unit_price=Decimal("12.5"))  # fmt: skip
    if roll < 0.97:
        return StockTransaction(type=TransactionType.ADJUSTMENT, sku=sku,
                                qty=Decimal(rng.choice([-1, 1])), location=place,
                                owner=owner)  # fmt: skip
    return StockTransaction(type=TransactionType.TRANSFER, sku=sku, qty=Decimal(1),
                            location=place, owner=owner, to_location="back/overflow")  # fmt: skip


def fill(engine, count: int) -> None:
    """The items, then ``count`` events over a year, through the ingestor."""
    with engine.begin() as conn:
        conn.execute(items.insert(), [
            {"sku": s, "name": f"Item {s}", "valuation": "fifo" if i % 2 else "moving_average",
             "allow_negative": True, "updated_at": START} for i, s in enumerate(SKUS)
        ])  # fmt: skip
    rng, step = random.Random(1), 365 * 86400 / count
    ingestor = SqlIngestor(engine, clock=SystemClock())
    for first in range(0, count, 1000):
        batch = []
        for i in range(first, min(count, first + 1000)):
            device = f"dev-{i % 20}"
            event = make_event(event_id=uuid.uuid4(), device_id=device, epoch=1,
                               seq=i // 20 + 1, observed_at=START + timedelta(seconds=i * step),
                               data=_transaction(rng))  # fmt: skip
            batch.append(InboundMessage(events_topic("bench", device), dump_event(event), START))
        ingestor.ingest(batch)


REQUESTS = [
    ("one SKU's stock", "/api/v1/stock", {"sku": "SKU-042"}),
    ("one SKU's stock as of an instant", "/api/v1/stock",
     {"sku": "SKU-042", "as_of": "2026-07-01T00:00:00Z"}),
    ("a shelf's stock", "/api/v1/stock", {"location": "main/aisle-3/shelf-4"}),
    ("all stock, first page of 100, with totals", "/api/v1/stock", {}),
    ("all stock as of an instant (no SKU), page of 100", "/api/v1/stock",
     {"as_of": "2026-07-01T00:00:00Z"}),
    ("newest 100 movements", "/api/v1/movements", {}),
    ("one SKU's newest 100 movements", "/api/v1/movements", {"sku": "SKU-042"}),
    ("the location tree with totals", "/api/v1/locations", {}),
    ("item search", "/api/v1/items", {"q": "item sku-04"}),
]  # fmt: skip


def measure(client: TestClient, headers: dict[str, str], url: str, params: dict, runs: int):
    """(median ms, p90 ms) of ``runs`` requests after one warm-up."""
    client.get(url, params=params, headers=headers).raise_for_status()
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        client.get(url, params=params, headers=headers).raise_for_status()
        times.append((time.perf_counter() - begin) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def _tokens(engine, clock: FakeClock) -> dict[str, str]:
    """An admin and a client (client-a) token, named anew for each run."""
    suffix = uuid.uuid4().hex[:8]
    with engine.begin() as conn:
        return {
            "admin": create_token(conn, name=f"bench-admin-{suffix}", role=Role.ADMIN,
                                  owners=[], now=clock.now()),
            "client": create_token(conn, name=f"bench-client-{suffix}", role=Role.CLIENT,
                                   owners=["client-a"], now=clock.now()),
        }  # fmt: skip


def main() -> None:
    """Fill, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--db", help="measure this ledger as it is")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with contextlib.ExitStack() as stack:
        url = args.db or stack.enter_context(_fresh_database(postgres=args.postgres))
        engine = open_ledger(url)
        if not args.db:
            began = time.perf_counter()
            fill(engine, args.events)
            print(f"{engine.dialect.name}: {args.events:,} events posted in "
                  f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        clock = FakeClock()
        context = ApiContext(engine=engine, clock=clock, verifier=TokenVerifier(),
                             idempotency=IdempotencyStore())  # fmt: skip
        tokens = _tokens(engine, clock)
        with TestClient(create_app(context)) as client:
            health = measure(client, {}, "/api/v1/health", {}, args.requests)
            print(f"{'GET /api/v1/health (no token, no SQL)':<52} {health[0]:7.1f} ms")
            for what, path, params in REQUESTS:
                for role in ("admin", "client"):
                    headers = {"Authorization": f"Bearer {tokens[role]}"}
                    median, p90 = measure(client, headers, path, params, args.requests)
                    print(f"{what + f' ({role})':<52} {median:7.1f} ms  p90 {p90:7.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
