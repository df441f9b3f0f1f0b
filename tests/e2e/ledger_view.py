"""Read back what the ledger holds, straight from its tables, for end-to-end assertions."""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from collector.ledger import schema
from collector.ledger.catalog import import_items as import_items_rows
from collector.ledger.catalog import parse_items_csv


def import_items(engine: sa.Engine, csv_path: Path) -> None:
    """Load an items CSV through the ledger's own importer (``collector items import``)."""
    import_items_rows(engine, parse_items_csv(csv_path.read_text()), now=datetime.now(UTC))


def positions(engine: sa.Engine, skus: Collection[str]) -> dict[tuple[str, str], Decimal]:
    """Units on hand per (sku, location) from the balances projection."""
    balances = schema.balances
    query = sa.select(balances.c.sku, balances.c.location, balances.c.qty).where(
        balances.c.sku.in_(list(skus))
    )
    with engine.connect() as conn:
        return {(sku, loc): qty for sku, loc, qty in conn.execute(query)}


def values(engine: sa.Engine, skus: Collection[str]) -> dict[tuple[str, str], Decimal]:
    """Stock value per (sku, location) from the balances projection."""
    balances = schema.balances
    query = sa.select(balances.c.sku, balances.c.location, balances.c.value).where(
        balances.c.sku.in_(list(skus))
    )
    with engine.connect() as conn:
        return {(sku, loc): value for sku, loc, value in conn.execute(query)}


def journal_totals(engine: sa.Engine, skus: Collection[str]) -> dict[tuple[str, str], Decimal]:
    """Units per (sku, location) summed over the movement journal itself."""
    movements = schema.movements
    query = (
        sa.select(movements.c.sku, movements.c.location, sa.func.sum(movements.c.qty))
        .where(movements.c.sku.in_(list(skus)))
        .group_by(movements.c.sku, movements.c.location)
    )
    with engine.connect() as conn:
        return {(sku, loc): Decimal(str(total)) for sku, loc, total in conn.execute(query)}


def applied_events(engine: sa.Engine, device_ids: Collection[str]) -> int:
    """Events of these devices the inbox marks as applied (each event id appears once)."""
    inbox = schema.inbox
    query = sa.select(sa.func.count()).where(
        inbox.c.device_id.in_(list(device_ids)), inbox.c.disposition == "applied"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def movement_event_count(engine: sa.Engine, skus: Collection[str]) -> int:
    """Distinct events that produced movements for these SKUs."""
    movements = schema.movements
    query = sa.select(sa.func.count(sa.distinct(movements.c.event_id))).where(
        movements.c.sku.in_(list(skus))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def dead_letter_count(engine: sa.Engine, site: str) -> int:
    """Dead letters that came in on this site's topics."""
    dead = schema.dead_letters
    query = sa.select(sa.func.count()).where(dead.c.site == site)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def dead_letter_deliveries(engine: sa.Engine, site: str) -> int:
    """How often this site's dead letters arrived, repeats (``times_seen``) included."""
    dead = schema.dead_letters
    query = sa.select(sa.func.coalesce(sa.func.sum(dead.c.times_seen), 0)).where(
        dead.c.site == site
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def wait_until_applied(
    engine: sa.Engine, device_ids: Collection[str], expected: int, timeout_s: float = 30.0
) -> int:
    """Poll until the inbox holds ``expected`` applied events of these devices (or time runs out).

    Devices finish when acked; on a shared broker another collector's acks could end
    them before this test's collector has drained its session, so the test waits for
    its own ledger rather than trusting the acks alone.
    """
    deadline = time.monotonic() + timeout_s
    applied = applied_events(engine, device_ids)
    while applied < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        applied = applied_events(engine, device_ids)
    return applied
