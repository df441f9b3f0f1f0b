"""Demand history and a SKU's forecast read from a real ledger: sales only, scoped, zero-filled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from collector.ledger.ingestor import SqlIngestor
from collector.views.demand import NoHistoryError, demand_history, report_of, sku_forecast
from collector.views.scope import Scope
from tests.collector.ledger.messages import tx_message

EVERYONE = Scope.everyone()
DAY = 1440  # minutes: tx_message(seq) is observed seq minutes after 09:00 UTC, 1 March
MARCH_6 = date(2026, 3, 6)


@pytest.fixture
def sold(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=100),  # 1 March
            tx_message(2, "sale", 2),
            tx_message(DAY + 1, "transfer", 10, to_location="back/b1"),  # 2 March: no demand
            tx_message(DAY + 2, qty=10, owner="client-a"),
            tx_message(DAY + 3, "sale", 7, owner="client-a"),
            tx_message(2 * DAY + 1, "sale", 2),  # 3 March: 2 + 3
            tx_message(2 * DAY + 2, "sale", 3),
            tx_message(3 * DAY + 1, "sale", 1, location="back/b1"),  # 4 March
            tx_message(5 * DAY + 1, "sale", 4),  # 6 March: today, not yet history
        ]
    )


def daily(history) -> list[float]:
    return history.daily.tolist()


@pytest.mark.usefixtures("sold")
def test_demand_is_sales_per_day_to_yesterday_without_transfers_or_receipts(engine) -> None:
    with engine.connect() as conn:
        history = demand_history(conn, EVERYONE, sku="SKU-1", location=None, today=MARCH_6)
    assert history.first_day == date(2026, 3, 1)
    assert daily(history) == [2, 7, 5, 1, 0]  # 5 March: no sale, a zero


@pytest.mark.usefixtures("sold")
def test_a_location_takes_its_subtree_and_a_client_its_owners(engine) -> None:
    with engine.connect() as conn:
        main = demand_history(conn, EVERYONE, sku="SKU-1", location="/Main/", today=MARCH_6)
        back = demand_history(conn, EVERYONE, sku="SKU-1", location="back", today=MARCH_6)
        client = demand_history(
            conn, Scope(frozenset({"client-a"})), sku="SKU-1", location=None, today=MARCH_6
        )
    assert (main.location, daily(main)) == ("main", [2, 7, 5, 0, 0])
    assert (back.first_day, daily(back)) == (date(2026, 3, 2), [0, 0, 1, 0])  # from its transfer
    assert (client.first_day, daily(client)) == (date(2026, 3, 2), [7, 0, 0, 0])


@pytest.mark.usefixtures("sold")
def test_another_owners_or_an_unknown_sku_has_no_history(engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(NoHistoryError, match="SKU-1 has no stock history before 2026-03-06"):
            demand_history(
                conn, Scope(frozenset({"client-b"})), sku="SKU-1", location=None, today=MARCH_6
            )
        with pytest.raises(NoHistoryError, match="SKU-9 has no stock history under main"):
            demand_history(conn, EVERYONE, sku="SKU-9", location="main", today=MARCH_6)


@pytest.mark.usefixtures("sold")
def test_the_forecast_covers_the_stock_on_hand(engine) -> None:
    with engine.connect() as conn:
        found = sku_forecast(conn, EVERYONE, sku="SKU-1", location=None, today=MARCH_6,
                             horizon_days=7)  # fmt: skip
        before = sku_forecast(conn, EVERYONE, sku="SKU-1", location=None, today=MARCH_6,
                              horizon_days=7,
                              stock_at=datetime(2026, 3, 5, 23, 59, tzinfo=UTC))  # fmt: skip
    # 5 days of history, too short to backtest: the mean, 15 ÷ 5 = 3 a day.
    assert (found.forecast.method, found.forecast.daily.tolist()) == ("trend_seasonal", [3.0] * 7)
    # On hand now: 100 − 2 − 5 − 1 − 4 (own) + 10 − 7 (client-a) = 91: 91 ÷ 3 days
    assert found.on_hand == Decimal(91)
    assert found.cover.days_of_cover == pytest.approx(91 / 3)
    assert found.cover.stock_out_date == date(2026, 4, 5)  # 6 March + 30 days
    assert before.on_hand == Decimal(95)  # before today's sale of 4
    report = report_of(found)
    assert (report.on_hand, report.days_of_cover, report.mean_per_day) == (
        Decimal(91), Decimal("30.333333"), Decimal("3.000000"),
    )  # fmt: skip
    assert [(d.day.day, d.qty) for d in report.history][:2] == [(1, Decimal(2)), (2, Decimal(7))]
    assert (report.forecast[0].day, len(report.forecast)) == (MARCH_6, 7)
