"""The journal from a period's flows: the accounts by hand, balanced, rounded on running totals."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.domain.journal import (
    CONTRA,
    CSV_COLUMNS,
    Account,
    ChartOfAccounts,
    DayFlows,
    Flow,
    account_totals,
    cents,
    flow_of,
    journal_csv,
    owner_journal,
)
from collector.domain.model import MovementType
from collector.domain.money import ZERO

D = Decimal
CHART = ChartOfAccounts()
CODE = CHART.codes
DAY_1, DAY_2 = date(2026, 11, 2), date(2026, 11, 3)


def journal(days, beginning=ZERO):
    return owner_journal("own", days, beginning_value=D(beginning), chart=CHART, reference="r")


def rows(lines):
    return [(x.day, x.account, x.debit, x.credit) for x in lines]


def test_a_period_by_hand_receipts_sales_a_return_a_vendor_return_counts_and_shrinkage() -> None:
    lines = journal([
        DayFlows(DAY_1, {Flow.RECEIPT: D(50), Flow.SALE: D(-30)}),
        DayFlows(DAY_2, {
            Flow.RETURN: D(6), Flow.VENDOR_RETURN: D(-10), Flow.COUNT: D(-2),
            Flow.SHRINKAGE: D(-1), Flow.TRANSFER: ZERO,
        }),
    ], beginning=100)  # fmt: skip
    assert rows(lines) == [
        (DAY_1, CODE[Account.INVENTORY], D(20), ZERO),
        (DAY_1, CODE[Account.GRNI], ZERO, D(50)),
        (DAY_1, CODE[Account.COGS], D(30), ZERO),
        (DAY_2, CODE[Account.INVENTORY], ZERO, D(7)),
        (DAY_2, CODE[Account.PURCHASE_RETURNS], D(10), ZERO),
        (DAY_2, CODE[Account.COGS], ZERO, D(6)),
        (DAY_2, CODE[Account.SHRINKAGE], D(1), ZERO),
        (DAY_2, CODE[Account.COUNT_VARIANCE], D(2), ZERO),
    ]
    assert {x.journal for x in lines} == {"INV-20261102-own", "INV-20261103-own"}
    assert lines[3].memo == "Inventory: vendor_return, return, count, shrinkage"


def test_each_account_is_rounded_on_its_running_total_and_a_rounding_line_balances() -> None:
    lines = journal([DayFlows(DAY_1, {Flow.RECEIPT: D("0.003")})], beginning="0.004")
    assert rows(lines) == [
        (DAY_1, CODE[Account.INVENTORY], D("0.01"), ZERO),
        (DAY_1, CODE[Account.ROUNDING], ZERO, D("0.01")),
    ]
    assert lines[1].memo == "Inventory rounding: rounding to the cent"


def test_every_movement_type_has_its_accounts() -> None:
    assert {flow_of(kind) for kind in MovementType} | {Flow.COUNT} == set(Flow)
    assert flow_of(MovementType.ADJUSTMENT, is_count=True) is Flow.COUNT
    assert flow_of(MovementType.SALE, is_count=True) is Flow.SALE


def test_the_csv_has_the_documented_columns_and_blank_zero_sides() -> None:
    text = journal_csv(journal([DayFlows(DAY_1, {Flow.RECEIPT: D("12.5")})]))
    header, first, second, end = text.split("\r\n")
    assert header == ",".join(CSV_COLUMNS)
    assert first == "2026-11-02,INV-20261102-own,1300,Inventory,12.50,,own,Inventory: receipt,r"
    assert second.startswith("2026-11-02,INV-20261102-own,2150,Goods received not invoiced,,12.50,")
    assert end == ""


money = st.decimals(min_value="-999", max_value="999", places=6)
day_flows = st.dictionaries(st.sampled_from(list(Flow)), money, max_size=8)


@settings(max_examples=200, deadline=None)
@given(money, st.lists(day_flows, max_size=12))
def test_every_journal_balances_and_the_accounts_match_the_exact_totals_to_the_cent(
    beginning, flows
) -> None:
    days = [DayFlows(DAY_1 + timedelta(days=n), f) for n, f in enumerate(flows)]
    lines = journal(days, beginning=beginning)
    per_journal: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for x in lines:
        assert (x.debit == ZERO) != (x.credit == ZERO)
        assert min(x.debit, x.credit) == ZERO
        per_journal[x.journal] += x.debit - x.credit
    assert set(per_journal.values()) <= {ZERO}
    exact: dict[Account, Decimal] = defaultdict(lambda: ZERO)
    for f in flows:
        for flow, value in f.items():
            exact[Account.INVENTORY] += value
            exact[CONTRA[flow]] -= value
    totals = account_totals(lines)
    inventory = cents(D(beginning) + exact[Account.INVENTORY]) - cents(D(beginning))
    assert totals.get(CODE[Account.INVENTORY], ZERO) == inventory
    for account in (Account.GRNI, Account.PURCHASE_RETURNS, Account.COGS, Account.SHRINKAGE,
                    Account.COUNT_VARIANCE):  # fmt: skip
        assert totals.get(CODE[account], ZERO) == cents(exact[account])
