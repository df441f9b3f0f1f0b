"""The period report and turnover over a real ledger: groups, subtrees, scopes, time zones."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from collector.domain.report import Grouping
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import movements
from collector.views.reports import (
    ReportQuery,
    abc_report,
    day_bounds,
    period_report,
    turnover_report,
)
from collector.views.scope import Scope
from tests.collector.ledger.messages import tx_message

D = Decimal
EVERYONE = Scope.everyone()
MARCH_1 = date(2026, 3, 1)
DAY = 1440  # minutes: tx_message(seq) is observed seq minutes after 09:00 UTC, 1 March


def march(first: int, last: int) -> dict:
    start, end = day_bounds(date(2026, 3, first), date(2026, 3, last), ZoneInfo("UTC"))
    return {"start": start, "end": end}


def by_group(lines) -> dict:
    return {line.group: line for line in lines}


def test_lines_per_location_subtree_show_the_transfers_between_them(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=10, location="main/a1"),  # 10 at 2.00
            tx_message(2, "transfer", 4, location="main/a1", to_location="back/b1/bin-2"),
            tx_message(3, "sale", 1, location="back/b1/bin-2"),
        ]
    )
    query = ReportQuery(grouping=Grouping.LOCATION, depth=1)
    with engine.connect() as conn:
        lines = by_group(period_report(conn, EVERYONE, **march(1, 1), query=query))
    assert list(lines) == ["back", "main", "*"]
    assert (lines["main"].purchases, lines["main"].transfers, lines["main"].ending_value) == (
        D(20), D(-8), D(12),
    )  # fmt: skip
    assert (lines["back"].transfers, lines["back"].cogs, lines["back"].ending_value) == (
        D(8), D(2), D(6),
    )  # fmt: skip
    assert (lines["*"].transfers, lines["*"].ending_value) == (D(0), D(18))


def test_a_location_filter_takes_the_subtree_and_not_a_sibling_with_the_same_prefix(
    engine, clock
) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=1, location="main/a1"),
            tx_message(2, qty=2, location="main/a1/bin-1"),
            tx_message(3, qty=4, location="main/a10"),
        ]
    )
    query = ReportQuery(grouping=Grouping.TOTAL, location="main/a1")
    with engine.connect() as conn:
        (total,) = period_report(conn, EVERYONE, **march(1, 1), query=query)
    assert total.purchases == D(6)  # 3 units at 2.00; main/a10 is not under main/a1


def test_a_client_scope_sees_only_its_owners_even_when_it_asks_for_another(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [tx_message(1, qty=3, owner="client-a"), tx_message(2, qty=50, owner="client-b")]
    )
    scope = Scope(frozenset({"client-a"}))
    with engine.connect() as conn:
        mine = period_report(conn, scope, **march(1, 1), query=ReportQuery(grouping=Grouping.OWNER))
        theirs = period_report(conn, scope, **march(1, 1), query=ReportQuery(owner="client-b"))
        turnover = turnover_report(conn, scope, first_day=MARCH_1, last_day=MARCH_1)
    assert [(line.group, line.purchases) for line in mine] == [("client-a", D(6)), ("*", D(6))]
    assert [(line.group, line.purchases) for line in theirs] == [("*", D(0))]
    assert [(line.group, line.closing_value) for line in turnover] == [
        ("SKU-1", D(6)), ("*", D(6)),
    ]  # fmt: skip


def test_days_are_the_days_of_the_time_zone_asked_for(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [tx_message(1, qty=10), tx_message(870, "sale", 1)]  # 23:30 UTC: 00:30 in Berlin
    )
    berlin = ZoneInfo("Europe/Berlin")
    with engine.connect() as conn:
        start, end = day_bounds(MARCH_1, MARCH_1, berlin)
        on_the_1st = period_report(conn, EVERYONE, start=start, end=end)[-1]
        start, end = day_bounds(date(2026, 3, 2), date(2026, 3, 2), berlin)
        on_the_2nd = period_report(conn, EVERYONE, start=start, end=end)[-1]
        utc_1st = period_report(conn, EVERYONE, **march(1, 1))[-1]
    assert (on_the_1st.cogs, on_the_2nd.cogs, utc_1st.cogs) == (D(0), D(2), D(2))
    assert on_the_2nd.beginning_value == D(20)


def test_a_day_of_the_clock_change_is_as_long_as_the_zone_says() -> None:
    start, end = day_bounds(date(2026, 3, 29), date(2026, 3, 29), ZoneInfo("Europe/Berlin"))
    assert end - start == timedelta(hours=23)


def closing_values(engine, sku: str, days: list[date]) -> list[Decimal]:
    """Brute force: the value of every movement effective up to the end of each UTC day."""
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(movements.c.effective_at, movements.c.value)
                                 .where(movements.c.sku == sku)))  # fmt: skip
    return [sum((v for at, v in rows if at.date() <= day), D(0)) for day in days]


def test_turnover_averages_the_daily_closing_values_of_the_journal(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=10),  # 1 March, at 2.00
            tx_message(DAY + 1, "sale", 3),  # 2 March
            tx_message(3 * DAY + 1, qty=5, unit_cost="3.00"),  # 4 March
            tx_message(5 * DAY + 1, "sale", 9),  # 6 March: 7 at 2.00, 2 at 3.00
            tx_message(9 * DAY + 1, "sale", 1),  # 10 March, after the period
        ]
    )
    days = [date(2026, 3, d) for d in range(2, 8)]  # 2 to 7 March
    with engine.connect() as conn:
        (line, _total) = turnover_report(conn, EVERYONE, first_day=days[0], last_day=days[-1])
    expected_average = sum(closing_values(engine, "SKU-1", days), D(0)) / len(days)
    assert line.average_value == expected_average.quantize(D("0.000001"))
    assert (line.days, line.opening_value, line.closing_value, line.cogs) == (
        6, D(20), D(9), D(6) + D(20),  # 3 left at 3.00
    )  # fmt: skip
    assert line.turnover == (line.cogs / expected_average).quantize(D("0.000001"))
    assert line.days_of_inventory == (6 / (line.cogs / expected_average)).quantize(D("0.000001"))


def test_turnover_cogs_is_net_of_returns_as_the_period_report_is(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [tx_message(1, qty=10), tx_message(2, "sale", 4), tx_message(3, "return", 1)]
    )
    with engine.connect() as conn:
        (line, total) = turnover_report(conn, EVERYONE, first_day=MARCH_1, last_day=MARCH_1)
        report = period_report(conn, EVERYONE, **march(1, 1))[-1]
    assert line.cogs == total.cogs == report.cogs == D(6)  # 4 sold at 2.00, 1 back


def test_the_beginning_value_is_the_same_summed_before_or_taken_back_from_the_balances(
    engine, clock
) -> None:
    """Days 1-3 (an early start: the lines before it are summed) and day 9 (a late start:
    the balances less the lines since) give the same opening stock as the journal says."""
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=10, location="main/a1"),  # 1 March: 10 at 2.00
            tx_message(2, qty=5, sku="SKU-2", location="main/b1"),  # 5 at 2.00
            tx_message(2 * DAY, "sale", 4, location="main/a1"),  # 3 March: -8
            tx_message(2 * DAY + 1, "sale", 5, sku="SKU-2", location="main/b1"),  # sold out
            tx_message(9 * DAY, qty=1, location="main/a1"),  # 10 March: +2
        ]
    )
    with engine.connect() as conn:
        early = by_group(period_report(conn, EVERYONE, **march(2, 3)))
        late = by_group(period_report(conn, EVERYONE, **march(10, 10)))
        journal = by_group(period_report(conn, EVERYONE, **march(1, 9)))
    assert (early["SKU-1"].beginning_value, early["SKU-2"].beginning_value) == (D(20), D(10))
    assert late["SKU-1"].beginning_value == journal["SKU-1"].ending_value == D(12)
    assert "SKU-2" not in late  # worth nothing and not moved: no line, whichever way summed
    assert (late["SKU-1"].purchases, late["*"].ending_value) == (D(2), D(14))


def receipts_and_sales_over_four_days(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=10),  # 1 March: 10 at 2.00, before the period
            tx_message(DAY + 1, "sale", 4),  # 2 March: 4 × 2.00 = 8
            tx_message(2 * DAY + 1, qty=5, unit_cost="4.00"),  # 3 March: +20
            tx_message(3 * DAY + 1, "sale", 6),  # 4 March: 6 × 2.00 = 12
            tx_message(4 * DAY + 1, "sale", 2),  # 5 March: 2 × 4.00 = 8
            tx_message(2, qty=10, sku="SKU-2", unit_cost="1.00"),  # 1 March
            tx_message(2 * DAY + 2, "sale", 2, sku="SKU-2"),  # 3 March: 2 × 1.00
        ]
    )


def test_turnover_and_days_of_inventory_by_hand(engine, clock) -> None:
    receipts_and_sales_over_four_days(engine, clock)
    query = ReportQuery(sku="SKU-1")
    with engine.connect() as conn:
        (line, _) = turnover_report(conn, EVERYONE, first_day=date(2026, 3, 2),
                                    last_day=date(2026, 3, 5), query=query)  # fmt: skip
    # Opening 20. Closing values: 2 March 12, 3 March 32, 4 March 20, 5 March 12.
    # Average (12 + 32 + 20 + 12) ÷ 4 = 19; COGS 8 + 12 + 8 = 28.
    # Turnover 28 ÷ 19 = 1.473684…; days of inventory 4 ÷ (28/19) = 76/28 = 2.714285…
    assert (line.days, line.opening_value, line.closing_value) == (4, D(20), D(12))
    assert (line.average_value, line.cogs) == (D(19), D(28))
    assert (line.turnover, line.days_of_inventory) == (D("1.473684"), D("2.714286"))


def test_abc_classes_by_the_cogs_of_the_period(engine, clock) -> None:
    receipts_and_sales_over_four_days(engine, clock)
    with engine.connect() as conn:
        lines = abc_report(conn, EVERYONE, first_day=date(2026, 3, 2), last_day=date(2026, 3, 5))
        client = abc_report(conn, Scope(frozenset({"client-a"})),
                            first_day=date(2026, 3, 2), last_day=date(2026, 3, 5))  # fmt: skip
    # COGS 28 and 2 of 30: SKU-1 is A; 28/30 = 93.3 % comes before SKU-2: B.
    assert [(x.sku, x.cogs, x.abc_class) for x in lines] == [
        ("SKU-1", D(28), "A"), ("SKU-2", D(2), "B"),
    ]  # fmt: skip
    assert lines[1].share == D("0.066667")
    assert client == []
