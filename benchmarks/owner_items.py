"""What resolving owners' codes costs the ingest path: not a test, a measurement.

    python -m benchmarks.owner_items [--events 10000] [--batch 500] [--runs 3]

The stream of ``tests.collector.ledger.measure_ingest`` (50 shared SKUs, SQLite, one fresh
file per run) ingested three ways, interleaved run by run:

- ``baseline``: ``PostingSession.resolved`` replaced by the identity (main's path);
- ``no owner items``: the code as shipped, no owner has items (one query per session);
- ``owner items in use``: 50 owner items exist (of owner ``acme``), so every (owner, SKU)
  a session sees is looked up once in ``item_codes`` and ``items``.

Prints median events/s (CPU) of each and their ratio to the baseline, and the load average.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import sqlalchemy as sa
import structlog

from collector.clock import SystemClock
from collector.ingest.ports import InboundMessage
from collector.ledger.catalog import ItemRow
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.item_codes import create_owner_item
from collector.ledger.schema import items
from collector.ledger.session import PostingSession
from edge_agent.wire import StockTransaction
from tests.collector.ledger.measure_ingest import SKUS, build_messages


def _seed(engine: sa.Engine, *, owner_items: bool) -> None:
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
    if owner_items:
        for index in range(50):
            create_owner_item(engine, "acme", ItemRow(sku=f"A-{index}", name="a"), now=now)


def run_once(messages: list[InboundMessage], batch: int, *, owner_items: bool) -> float:
    """CPU seconds to ingest every message into a fresh SQLite ledger."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_ledger(f"sqlite:///{Path(folder)}/ledger.db")
        _seed(engine, owner_items=owner_items)
        ingestor = SqlIngestor(engine, clock=SystemClock())
        cpu = time.process_time()
        for start in range(0, len(messages), batch):
            ingestor.ingest(messages[start : start + batch])
        spent = time.process_time() - cpu
        engine.dispose()
    return spent


def _identity(_session: PostingSession, tx: StockTransaction) -> StockTransaction:
    return tx


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    messages = build_messages(args.events)
    rates: dict[str, list[float]] = {"baseline": [], "no owner items": [], "owner items": []}
    for _ in range(args.runs):
        with mock.patch.object(PostingSession, "resolved", _identity):
            rates["baseline"].append(
                args.events / run_once(messages, args.batch, owner_items=False)
            )
        rates["no owner items"].append(
            args.events / run_once(messages, args.batch, owner_items=False)
        )
        rates["owner items"].append(args.events / run_once(messages, args.batch, owner_items=True))
    base = statistics.median(rates["baseline"])
    for name, found in rates.items():
        median = statistics.median(found)
        print(f"{name:>15}: median {median:,.0f} events per CPU-second, ratio {median / base:.3f}")
    print("load average:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
