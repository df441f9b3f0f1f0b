"""``position_days``: the books' days of every position, kept as movements post."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from collector.domain.model import MovementLine, MovementType, PositionKey
from collector.ledger.days import day_changes, rebuild_days
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.schema import position_days
from collector.ledger.session import SessionOptions
from tests.collector.ledger.messages import tx_message

D = Decimal
KEY = PositionKey("SKU-1", "main/a1", "own")


def line(kind: MovementType, qty: str, value: str, at: datetime, **extra) -> MovementLine:
    return MovementLine(1, uuid.uuid4(), kind, KEY, D(qty), D(0), D(value), at, **extra)


def test_lines_are_summed_per_books_day_in_the_books_time_zone() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in Berlin
    changes = day_changes(
        [
            line(MovementType.RECEIPT, "10", "25", late - timedelta(hours=2)),
            line(MovementType.SALE, "-4", "-10", late, cogs=D(10), revenue=D(20)),
        ],
        ZoneInfo("Europe/Berlin"),
    )
    assert changes == {
        (datetime(2026, 3, 1).date(), *KEY): [D(10), D(25), D(0), D(0), D(0)],
        (datetime(2026, 3, 2).date(), *KEY): [D(-4), D(-10), D(4), D(10), D(20)],
    }


def rows(engine) -> list[tuple]:
    cols = (position_days.c.day, position_days.c.qty_change, position_days.c.value_change,
            position_days.c.sold_qty, position_days.c.cogs)  # fmt: skip
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(position_days.c.day))]


def test_postings_add_to_their_days_and_a_late_event_to_its_own_day(engine, clock) -> None:
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([tx_message(1, qty=10), tx_message(2, "sale", 3)])  # T0 + 1, 2 min
    late = tx_message(3, "sale", 1)  # observed T0 + 3 min, i.e. 1 March
    ingestor.ingest([tx_message(1440 * 2, "sale", 2)])  # two days later
    ingestor.ingest([late])
    day1, day3 = datetime(2026, 3, 1).date(), datetime(2026, 3, 3).date()
    assert rows(engine) == [
        (day1, D(6), D(12), D(4), D(8)),
        (day3, D(-2), D(-4), D(2), D(4)),
    ]


def test_a_reversal_nets_out_on_its_own_day(engine, clock) -> None:
    sale = uuid.uuid4()
    SqlIngestor(engine, clock=clock).ingest(
        [tx_message(1, qty=10), tx_message(2, "sale", 3, event_id=sale)]
    )
    reverse_in_ledger(
        engine, event_id=sale, reason="void", now=clock.now(), reversal_event_id=uuid.uuid4()
    )
    total = {r[0]: r[1:] for r in rows(engine)}
    assert sum((r[0] for r in total.values()), D(0)) == D(10)
    assert sum((r[2] for r in total.values()), D(0)) == D(0)  # sold, then unsold


def test_the_books_day_follows_the_time_zone_of_the_settings(engine, clock) -> None:
    tokyo = SessionOptions(books_tz=ZoneInfo("Asia/Tokyo"))
    SqlIngestor(engine, clock=clock, options=tokyo).ingest([tx_message(1, qty=1)])  # 09:01 UTC
    assert rows(engine)[0][0] == datetime(2026, 3, 1).date()  # 18:01 in Tokyo, same day
    SqlIngestor(engine, clock=clock, options=tokyo).ingest([tx_message(900, qty=1)])  # 00:00 UTC
    assert rows(engine)[-1][0] == datetime(2026, 3, 2).date()


def test_a_rebuild_from_the_journal_gives_the_rows_the_postings_wrote(engine, clock) -> None:
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([tx_message(1, qty=10), tx_message(2, "sale", 3, unit_price="4")])
    ingestor.ingest([tx_message(1440 * 2, "sale", 2), tx_message(1440 * 2 + 5, "return", 1)])
    written = rows(engine)
    with engine.begin() as conn:
        assert rebuild_days(conn, UTC) == 4
    assert rows(engine) == written


def test_a_rebuild_in_another_time_zone_moves_lines_to_its_days(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest([tx_message(900, qty=1)])  # 00:00 UTC, 2 March
    assert rows(engine)[0][0] == datetime(2026, 3, 2).date()
    with engine.begin() as conn:
        rebuild_days(conn, ZoneInfo("America/New_York"))  # 19:00 on 1 March there
    assert rows(engine)[0][0] == datetime(2026, 3, 1).date()
