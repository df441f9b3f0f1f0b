"""The journal over a real ledger: by hand, balanced, and matching the period report."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from collector.domain.journal import Account, ChartOfAccounts, account_totals
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.owners import set_on_books
from collector.ledger.reversing import reverse_in_ledger
from collector.views.journal import JournalQuery, OffBooksError, journal_report
from collector.views.scope import Scope
from tests.collector.ledger.messages import tx_message

D = Decimal
CHART = ChartOfAccounts()
CODE = CHART.codes
DAY = 1440  # minutes: tx_message(seq) is observed seq minutes after 09:00 UTC, 1 March
MARCH_2, MARCH_3 = date(2026, 3, 2), date(2026, 3, 3)
COUNT = "cycle count 7 by dana: counted 9, book 10"


def book_a_period(engine, clock) -> None:
    """1 March: 10 in at 2.00 (the opening value). 2 March: 5 in at 3.00, 4 sold (8.00), 1 of
    them back (2.00), 2 of the 3.00 receipt sent back (6.00), a count 1 short and 1 lost to
    shrinkage (2.00 each). 3 March: 2 sold (4.00). A client's goods beside them, off the books."""
    sale, receipt = uuid.uuid4(), uuid.uuid4()
    SqlIngestor(engine, clock=clock).ingest([
        tx_message(1, qty=10),
        tx_message(DAY + 1, qty=5, unit_cost="3.00", event_id=receipt),
        tx_message(DAY + 2, "sale", 4, event_id=sale),
        tx_message(DAY + 3, "return", 1, returns_event_id=sale),
        tx_message(DAY + 4, "vendor_return", 2, returns_event_id=receipt),
        tx_message(DAY + 5, "adjustment", -1, reference=COUNT),
        tx_message(DAY + 6, "adjustment", -1, reference="scale drift at lane 3"),
        tx_message(2 * DAY + 1, "sale", 2, unit_price="5.00"),
        tx_message(DAY + 7, qty=5, unit_cost="1.00", owner="client"),
        tx_message(DAY + 8, "sale", 2, owner="client"),
    ])  # fmt: skip


EVERYONE = Scope.everyone()


def journal(engine, scope=EVERYONE, **query):
    query = {"first_day": MARCH_2, "last_day": MARCH_3, **query}
    with engine.connect() as conn:
        return journal_report(conn, scope, JournalQuery(**query), books_tz=UTC, chart=CHART)


def rows(found):
    return [(x.day, x.journal, x.account, x.debit, x.credit) for x in found.lines]


@pytest.fixture
def booked(engine, clock):
    with engine.begin() as conn:
        set_on_books(conn, "client", on_books=False, now=datetime(2026, 3, 1, tzinfo=UTC))
    book_a_period(engine, clock)
    return engine


def test_a_period_by_hand(booked) -> None:
    found = journal(booked)
    two, three = "INV-20260302-own", "INV-20260303-own"
    assert rows(found) == [
        (MARCH_2, two, CODE[Account.INVENTORY], D(0), D(1)),
        (MARCH_2, two, CODE[Account.GRNI], D(0), D(15)),
        (MARCH_2, two, CODE[Account.PURCHASE_RETURNS], D(6), D(0)),
        (MARCH_2, two, CODE[Account.COGS], D(6), D(0)),
        (MARCH_2, two, CODE[Account.SHRINKAGE], D(2), D(0)),
        (MARCH_2, two, CODE[Account.COUNT_VARIANCE], D(2), D(0)),
        (MARCH_3, three, CODE[Account.INVENTORY], D(0), D(4)),
        (MARCH_3, three, CODE[Account.COGS], D(4), D(0)),
    ]
    assert {x.owner for x in found.lines} == {"own"}  # the client's goods are off the books


def test_debits_equal_credits_and_the_accounts_match_the_period_report_to_the_cent(
    booked,
) -> None:
    found = journal(booked)
    for number in {x.journal for x in found.lines}:
        mine = [x for x in found.lines if x.journal == number]
        assert sum(x.debit for x in mine) == sum(x.credit for x in mine)
    report = found.report["own"]
    totals = account_totals(found.lines)
    assert totals[CODE[Account.INVENTORY]] == report.ending_value - report.beginning_value == D(-5)
    assert totals[CODE[Account.GRNI]] == -report.purchases
    assert totals[CODE[Account.PURCHASE_RETURNS]] == report.purchase_returns
    assert totals[CODE[Account.COGS]] == report.cost_of_sales + report.true_ups - report.returns
    losses = totals[CODE[Account.SHRINKAGE]] + totals[CODE[Account.COUNT_VARIANCE]]
    assert losses == -report.adjustments
    assert totals[CODE[Account.COGS]] + losses == report.cogs == D(14)


def test_a_journal_per_period_has_the_same_totals_on_its_last_day(booked) -> None:
    found = journal(booked, per_day=False)
    assert {(x.day, x.journal) for x in found.lines} == {(MARCH_3, "INV-20260303-own")}
    assert account_totals(found.lines) == account_totals(journal(booked).lines)


def test_an_owner_off_the_books_has_no_journal(booked) -> None:
    with pytest.raises(OffBooksError, match="off the warehouse's books"):
        journal(booked, owner="client")
    assert journal(booked, scope=Scope(frozenset({"client"}))).lines == []


def test_the_reversal_of_a_counts_adjustment_is_a_count_variance_too(booked, clock) -> None:
    with booked.connect() as conn:
        from collector.ledger.schema import movements  # noqa: PLC0415

        event = conn.execute(
            movements.select().with_only_columns(movements.c.event_id)
            .where(movements.c.reason == COUNT)
        ).scalar_one()  # fmt: skip
    at = datetime(2026, 3, 3, 12, tzinfo=UTC)
    reverse_in_ledger(booked, event_id=event, reason="counted the wrong bin", now=at,
                      reversal_event_id=uuid.uuid4())  # fmt: skip
    totals = account_totals(journal(booked).lines)
    assert (totals[CODE[Account.COUNT_VARIANCE]], totals[CODE[Account.SHRINKAGE]]) == (D(0), D(2))
