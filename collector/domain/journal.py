"""The accounting journal of a period, from its movements' values: pure, no IO.

Each movement type moves value between the inventory asset and one contra account; a
line of value v (signed: + into stock) is Dr Inventory v / Cr contra v (so a negative v
is Cr Inventory / Dr contra):

==================  ====================================  ==============================
flow                what                                  contra account
==================  ====================================  ==============================
receipt             goods received at their cost          goods received not invoiced
vendor_return       goods sent back to the supplier       purchase returns
sale                the cost of goods sold                COGS
true_up             real − provisional cost of a sale     COGS
return              a customer's goods back               COGS
count               a count's variance (cycle count,      count variances
                    a count that resolved an alert)
shrinkage           any other adjustment (sensors, ops)   shrinkage
transfer            between locations of one owner        inventory (nets to nothing)
ownership           stock changing owner in place at      goods received not invoiced
                    cost (in: bought, the seller's        (a clearing entry)
                    invoice to come; out: to invoice)
==================  ====================================  ==============================

Reversals keep their line's type, so they net inside it. A journal is one owner's day
(or period): a line per account with the day's net, in cents. Each account is rounded
on its running total: inventory from the period's opening value, the others from zero,
so over the period inventory moves by EI − BI and every other account by its exact total,
each rounded to the cent; a rounding line (the ``rounding`` account) balances a day
whose rounded lines do not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from collector.domain.model import MovementType
from collector.domain.money import ZERO

CENT = Decimal("0.01")


class Account(StrEnum):
    """The accounts a journal posts to (their codes: ``ChartOfAccounts``)."""

    INVENTORY = "inventory"
    GRNI = "grni"
    PURCHASE_RETURNS = "purchase_returns"
    COGS = "cogs"
    SHRINKAGE = "shrinkage"
    COUNT_VARIANCE = "count_variance"
    ROUNDING = "rounding"


class Flow(StrEnum):
    """What moved value: a movement type, adjustments split into counts and the rest."""

    RECEIPT = "receipt"
    VENDOR_RETURN = "vendor_return"
    SALE = "sale"
    TRUE_UP = "true_up"
    RETURN = "return"
    COUNT = "count"
    SHRINKAGE = "shrinkage"
    TRANSFER = "transfer"
    OWNERSHIP = "ownership"


CONTRA: Mapping[Flow, Account] = {
    Flow.RECEIPT: Account.GRNI,
    Flow.VENDOR_RETURN: Account.PURCHASE_RETURNS,
    Flow.SALE: Account.COGS,
    Flow.TRUE_UP: Account.COGS,
    Flow.RETURN: Account.COGS,
    Flow.COUNT: Account.COUNT_VARIANCE,
    Flow.SHRINKAGE: Account.SHRINKAGE,
    Flow.TRANSFER: Account.INVENTORY,
    Flow.OWNERSHIP: Account.GRNI,
}
"""The account each flow's value comes from (into stock) or goes to (out of it)."""

_FLOW_OF_TYPE: Mapping[MovementType, Flow] = {
    MovementType.RECEIPT: Flow.RECEIPT,
    MovementType.VENDOR_RETURN: Flow.VENDOR_RETURN,
    MovementType.SALE: Flow.SALE,
    MovementType.TRUE_UP: Flow.TRUE_UP,
    MovementType.RETURN: Flow.RETURN,
    MovementType.ADJUSTMENT: Flow.SHRINKAGE,
    MovementType.TRANSFER: Flow.TRANSFER,
    MovementType.OWNERSHIP: Flow.OWNERSHIP,
}


def flow_of(kind: MovementType, *, is_count: bool = False) -> Flow:
    """The flow of a movement line (an adjustment that a count made: ``Flow.COUNT``).

    A ``KeyError`` for a movement type without a rule: a new type needs its accounts.
    """
    if kind is MovementType.ADJUSTMENT and is_count:
        return Flow.COUNT
    return _FLOW_OF_TYPE[kind]


@dataclass(frozen=True, slots=True)
class ChartOfAccounts:
    """Account codes and names (``COLLECTOR_ACCOUNT_*``; defaults in docs/books.md)."""

    codes: Mapping[Account, str] = field(
        default_factory=lambda: {
            Account.INVENTORY: "1300", Account.GRNI: "2150", Account.PURCHASE_RETURNS: "2160",
            Account.COGS: "5000", Account.SHRINKAGE: "5100", Account.COUNT_VARIANCE: "5110",
            Account.ROUNDING: "5190",
        }
    )  # fmt: skip
    names: Mapping[Account, str] = field(
        default_factory=lambda: {
            Account.INVENTORY: "Inventory", Account.GRNI: "Goods received not invoiced",
            Account.PURCHASE_RETURNS: "Purchase returns", Account.COGS: "Cost of goods sold",
            Account.SHRINKAGE: "Inventory shrinkage", Account.COUNT_VARIANCE: "Count variances",
            Account.ROUNDING: "Inventory rounding",
        }
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DayFlows:
    """One owner's summed movement values of one day (or period), by flow."""

    day: date
    values: Mapping[Flow, Decimal]


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One line of a journal: an account's net for the day, a debit or a credit (cents)."""

    day: date
    journal: str
    account: str
    account_name: str
    debit: Decimal
    credit: Decimal
    owner: str
    memo: str
    reference: str


def cents(amount: Decimal) -> Decimal:
    """``amount`` to the cent, halves away from zero."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def account_changes(values: Mapping[Flow, Decimal]) -> dict[Account, Decimal]:
    """The exact signed change (+ debit) of each account from one day's flows; sums to 0."""
    changes: dict[Account, Decimal] = {}
    for flow, value in values.items():
        changes[Account.INVENTORY] = changes.get(Account.INVENTORY, ZERO) + value
        contra = CONTRA[flow]
        changes[contra] = changes.get(contra, ZERO) - value
    return changes


def owner_journal(
    owner: str,
    days: Sequence[DayFlows],
    *,
    beginning_value: Decimal,
    chart: ChartOfAccounts,
    reference: str,
) -> list[JournalLine]:
    """The owner's journals, one per day of ``days`` (in order), each balanced in cents."""
    exact: dict[Account, Decimal] = {Account.INVENTORY: beginning_value}
    lines: list[JournalLine] = []
    for day in days:
        changes = account_changes(day.values)
        rounded: dict[Account, Decimal] = {}
        for account in Account:
            before = exact.get(account, ZERO)
            after = before + changes.get(account, ZERO)
            exact[account] = after
            rounded[account] = cents(after) - cents(before)
        rounded[Account.ROUNDING] = -sum(
            (v for a, v in rounded.items() if a is not Account.ROUNDING), ZERO
        )
        memo = _memos(day.values)
        lines.extend(
            _lines(owner, day.day, rounded=rounded, memo=memo, chart=chart, reference=reference)
        )
    return lines


def _memos(values: Mapping[Flow, Decimal]) -> dict[Account, str]:
    """Per account, the flows that moved it that day (its line's memo)."""
    flows: dict[Account, list[str]] = {}
    for flow in Flow:
        if values.get(flow, ZERO) != ZERO:
            for account in {Account.INVENTORY, CONTRA[flow]}:
                flows.setdefault(account, []).append(flow.value)
    return {a: ", ".join(f) for a, f in flows.items()}


def _lines(
    owner: str,
    day: date,
    *,
    rounded: Mapping[Account, Decimal],
    memo: Mapping[Account, str],
    chart: ChartOfAccounts,
    reference: str,
) -> Iterable[JournalLine]:
    journal = journal_number(owner, day)
    for account in Account:
        amount = rounded.get(account, ZERO)
        if amount == ZERO:
            continue
        name = chart.names[account]
        yield JournalLine(
            day=day, journal=journal, account=chart.codes[account], account_name=name,
            debit=amount if amount > 0 else ZERO, credit=-amount if amount < 0 else ZERO,
            owner=owner, memo=f"{name}: {memo.get(account, 'rounding to the cent')}",
            reference=reference,
        )  # fmt: skip


def journal_number(owner: str, day: date) -> str:
    """The number that groups one journal's lines: stable, so a re-export is recognisable."""
    return f"INV-{day:%Y%m%d}-{owner}"


def account_totals(lines: Iterable[JournalLine]) -> dict[str, Decimal]:
    """Per account code, debits − credits over ``lines``."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.account] = totals.get(line.account, ZERO) + line.debit - line.credit
    return totals


COUNT_REASONS = ("cycle count ", "count ")
"""How the reasons of a count's adjustments begin: a cycle count's
(``collector.reconcile.runtime.counts``) and an alert resolved with a count
(``collector.alerts.lifecycle``); their value is a count variance, not shrinkage."""

CSV_COLUMNS = (
    "date", "journal", "account", "account_name", "debit", "credit", "owner", "memo", "reference",
)  # fmt: skip
"""The journal CSV's columns, in order (docs/books.md maps them to QuickBooks and Xero)."""


def journal_csv(lines: Iterable[JournalLine]) -> str:
    """The lines as CSV: a header, then a row per line; a blank debit or credit when 0."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for x in lines:
        writer.writerow([
            x.day.isoformat(), x.journal, x.account, x.account_name,
            f"{x.debit:.2f}" if x.debit else "", f"{x.credit:.2f}" if x.credit else "",
            x.owner, x.memo, x.reference,
        ])  # fmt: skip
    return out.getvalue()
