"""Rate cards and bills in the ledger database: add cards, compute, close and invoice bills.

An open bill is computed whenever it is read; closing one stores its lines as they are
(under the ledger lock, so it is one snapshot of the journal) and they never change again.
A journal line recorded after a close but effective in a closed month is a late event:
the next open bill carries a correction line for it (docs/billing.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.billing import readings
from collector.billing.calculate import (
    BillLine,
    charge_lines,
    correction_lines,
    month_days,
    month_of,
    next_month,
    total_of,
)
from collector.billing.errors import BillingError, NotFoundError, StateError
from collector.billing.rates import Charge, RateCard
from collector.billing.schema import bill_lines, bills, rate_cards
from collector.domain.money import q6
from collector.ledger.engine import lock_ledger
from collector.ledger.schema import items
from collector.views.reports import day_bounds
from collector.views.scope import Scope

RATE_COLUMNS: dict[Charge, str] = {
    Charge.UNIT_DAYS: "unit_day", Charge.LOCATION_DAYS: "location_day",
    Charge.M3_DAYS: "m3_day", Charge.RECEIPT_LINES: "receipt_line", Charge.PICKS: "pick",
    Charge.RETURNS: "return_line", Charge.COUNT_LINES: "count_line",
}  # fmt: skip
"""The rate card's column of each charge."""
OPEN_MONTHS_LISTED = 6


@dataclass(frozen=True, slots=True)
class Bill:
    """A client's bill of one month: ``open`` (computed now), ``closed`` or ``invoiced``."""

    owner: str
    month: str
    status: str
    lines: tuple[BillLine, ...]
    total: Decimal
    through_movement_id: int | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    invoiced_at: datetime | None = None
    invoiced_by: str | None = None
    invoice_ref: str | None = None
    notes: tuple[str, ...] = field(default=())


def _card(row: Any) -> RateCard:
    rates = {charge: row._mapping[column] for charge, column in RATE_COLUMNS.items()}
    return RateCard(row.id, row.owner, row.effective_from, rates)


def cards_of(conn: sa.Connection, owner: str) -> list[RateCard]:
    """The client's cards, oldest first."""
    query = sa.select(rate_cards).where(rate_cards.c.owner == owner)
    return [_card(r) for r in conn.execute(query.order_by(rate_cards.c.effective_from))]


def card_list(conn: sa.Connection, scope: Scope, owner: str | None = None) -> list[RateCard]:
    """Cards the scope may see (of one owner, or all), by owner and day."""
    c = rate_cards.c
    query = sa.select(rate_cards).where(scope.where(c.owner))
    if owner is not None:
        query = query.where(c.owner == owner)
    return [_card(r) for r in conn.execute(query.order_by(c.owner, c.effective_from))]


def add_card(
    conn: sa.Connection, owner: str, effective_from: date, rates: Mapping[Charge, Decimal],
    *, by: str, now: datetime,
) -> RateCard:  # fmt: skip
    """A new card from ``effective_from`` on; refused in a closed month or on a taken day."""
    if any(rate < 0 for rate in rates.values()):
        raise BillingError("rates cannot be negative")
    last = _last_closed(conn, owner)
    if last is not None and month_of(effective_from) <= last.month:
        raise StateError(
            f"{owner}'s bills are closed through {last.month}: a new card may start on "
            f"{next_month(last.month)}-01 or later (closed bills keep their cards)"
        )
    taken = sa.select(rate_cards.c.id).where(
        rate_cards.c.owner == owner, rate_cards.c.effective_from == effective_from
    )
    if conn.execute(taken).first() is not None:
        raise StateError(f"{owner} already has a card from {effective_from.isoformat()}")
    values = {column: rates.get(charge, Decimal(0)) for charge, column in RATE_COLUMNS.items()}
    card_id = conn.execute(
        sa.insert(rate_cards).values(owner=owner, effective_from=effective_from,
                                     created_at=now, created_by=by, **values)
    ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    return RateCard(int(card_id), owner, effective_from, dict(rates))


def _last_closed(conn: sa.Connection, owner: str) -> Any:
    query = sa.select(bills).where(bills.c.owner == owner).order_by(bills.c.month.desc())
    return conn.execute(query.limit(1)).first()


def _stored(conn: sa.Connection, owner: str, month: str) -> Bill | None:
    row = conn.execute(
        sa.select(bills).where(bills.c.owner == owner, bills.c.month == month)
    ).first()
    if row is None:
        return None
    c = bill_lines.c
    query = sa.select(bill_lines).where(c.bill_id == row.id).order_by(c.line_no)
    lines = tuple(
        BillLine(Charge(r.charge), r.first_day, r.last_day, r.quantity, r.rate, r.amount,
                 r.card_id, r.original_day, r.corrects_month)
        for r in conn.execute(query)
    )  # fmt: skip
    return Bill(owner, month, row.status, lines, row.total, row.through_movement_id,
                row.closed_at, row.closed_by, row.invoiced_at, row.invoiced_by,
                row.invoice_ref)  # fmt: skip


def bill_of(
    conn: sa.Connection, scope: Scope, owner: str, month: str, tz: tzinfo, *, today: date
) -> Bill:
    """The month's bill: as stored once closed, else computed now (the current month through
    ``today``); another client's is not found."""
    if not scope.sees(owner):
        raise NotFoundError(f"there is no bill of {owner} for {month}")
    stored = _stored(conn, owner, month)
    return stored if stored is not None else _computed(conn, owner, month, tz, today)


def _computed(conn: sa.Connection, owner: str, month: str, tz: tzinfo, today: date) -> Bill:
    days = [d for d in month_days(month) if d <= today]
    if not days:
        return Bill(owner, month, "open", (), total_of([]))
    cards = cards_of(conn, owner)
    series = readings.closing_by_position(conn, owner, days)
    uses = readings.uses_of(conn, series, len(days))
    events = readings.handling_events(conn, owner, days, tz)
    lines = charge_lines(days, uses, events, cards)
    last = _last_closed(conn, owner)
    if last is not None and month == next_month(last.month):
        lines += _corrections(conn, owner, last, cards, tz)
    notes = _volume_notes(conn, series, cards, days)
    return Bill(owner, month, "open", tuple(lines), total_of(lines), notes=notes)


def _corrections(
    conn: sa.Connection, owner: str, last: Any, cards: Sequence[RateCard], tz: tzinfo
) -> list[BillLine]:
    """Correction lines for the late lines recorded since ``last`` (the newest closed bill)."""
    last_days = month_days(last.month)
    _, end = day_bounds(last_days[0], last_days[-1], tz)
    late = readings.late_lines(conn, owner, after_id=last.through_movement_id, before=end, tz=tz)
    if not late:
        return []
    closed = set(conn.execute(sa.select(bills.c.month).where(bills.c.owner == owner)).scalars())
    late_days = sorted({line.day for line in late})
    found: list[BillLine] = []
    month = max(month_of(late_days[0]), min(closed))
    while month <= last.month:
        days = month_days(month)
        now = readings.closing_by_position(conn, owner, days)
        then = readings.without_late(now, late, days)
        events = [ln.event for ln in late if ln.event is not None and month_of(ln.day) == month]
        found += correction_lines(
            days, readings.uses_of(conn, now, len(days)), readings.uses_of(conn, then, len(days)),
            events, [d for d in late_days if d <= days[-1]], cards,
        )  # fmt: skip
        month = next_month(month)
    return found


def _volume_notes(
    conn: sa.Connection, series: readings.Series, cards: Sequence[RateCard], days: list[date]
) -> tuple[str, ...]:
    """A note naming the items stored without a volume when the month bills m³-days."""
    if not any(c.rate(Charge.M3_DAYS) and c.effective_from <= days[-1] for c in cards):
        return ()
    skus = sorted({sku for sku, _ in series})
    query = sa.select(items.c.sku).where(items.c.sku.in_(skus), items.c.unit_volume_cm3.is_(None))
    missing = list(conn.execute(query).scalars())
    if not missing:
        return ()
    return (f"no volume (unit_volume_cm3), so no m³-days, for: {', '.join(missing)}",)


def set_volume(conn: sa.Connection, sku: str, volume_cm3: int | None) -> None:
    """Set one unit's volume of an item in whole cubic centimetres (None: unknown)."""
    if volume_cm3 is not None and volume_cm3 < 0:
        raise BillingError("a volume cannot be negative")
    done = conn.execute(sa.update(items).where(items.c.sku == sku)
                        .values(unit_volume_cm3=volume_cm3))  # fmt: skip
    if done.rowcount == 0:
        raise NotFoundError(f"there is no item {sku!r}")


def close_bill(
    conn: sa.Connection, owner: str, month: str, tz: tzinfo, *, now: datetime, by: str
) -> Bill:
    """Store the month's bill as it is now; it never changes after. Months close in order,
    once they have ended; takes the ledger lock so no posting slips in between."""
    lock_ledger(conn)
    if _stored(conn, owner, month) is not None:
        raise StateError(f"the bill of {owner} for {month} is already closed")
    if month_days(month)[-1] >= now.astimezone(tz).date():
        raise StateError(f"{month} has not ended yet: close it from its next day on")
    last = _last_closed(conn, owner)
    if last is not None and month != next_month(last.month):
        raise StateError(
            f"{owner}'s bills are closed through {last.month}: close {next_month(last.month)} next"
        )
    through = readings.newest_movement_id(conn)
    bill = _computed(conn, owner, month, tz, now.astimezone(tz).date())
    bill_id = conn.execute(
        sa.insert(bills).values(owner=owner, month=month, status="closed",
                                through_movement_id=through, total=bill.total,
                                closed_at=now, closed_by=by)
    ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    if bill.lines:
        conn.execute(sa.insert(bill_lines), [_line_row(bill_id, n, ln)
                                             for n, ln in enumerate(bill.lines, 1)])  # fmt: skip
    stored = _stored(conn, owner, month)
    assert stored is not None
    return stored


def _line_row(bill_id: int, line_no: int, line: BillLine) -> dict[str, Any]:
    return {
        "bill_id": bill_id, "line_no": line_no, "charge": line.charge.value,
        "first_day": line.first_day, "last_day": line.last_day, "quantity": q6(line.quantity),
        "rate": line.rate, "amount": line.amount, "card_id": line.card_id,
        "original_day": line.original_day, "corrects_month": line.corrects_month,
    }  # fmt: skip


def invoice_bill(
    conn: sa.Connection, owner: str, month: str, reference: str, *, now: datetime, by: str
) -> Bill:
    """Mark a closed bill invoiced with the invoice's reference (its lines stay as they are)."""
    stored = _stored(conn, owner, month)
    if stored is None or stored.status != "closed":
        state = "open" if stored is None else stored.status
        raise StateError(f"the bill of {owner} for {month} is {state}: only a closed bill "
                         "can be invoiced")  # fmt: skip
    if not reference.strip():
        raise BillingError("give the invoice's reference")
    conn.execute(
        sa.update(bills).where(bills.c.owner == owner, bills.c.month == month)
        .values(status="invoiced", invoiced_at=now, invoiced_by=by, invoice_ref=reference)
    )  # fmt: skip
    found = _stored(conn, owner, month)
    assert found is not None
    return found


def list_bills(
    conn: sa.Connection, scope: Scope, tz: tzinfo, *, today: date, owner: str | None = None
) -> list[Bill]:
    """The bills the scope may see, newest month first: every stored one, and the open
    months since each client's last closed bill (or first card), at most six."""
    owners = {c.owner for c in card_list(conn, scope, owner)}
    query = sa.select(bills.c.owner, bills.c.month).where(scope.where(bills.c.owner))
    if owner is not None:
        query = query.where(bills.c.owner == owner)
    stored = [tuple(r) for r in conn.execute(query)]
    found = [b for o, m in stored if (b := _stored(conn, o, m)) is not None]
    for client in sorted(owners | {o for o, _ in stored}):
        found += [_computed(conn, client, m, tz, today) for m in _open_months(conn, client, today)]
    return sorted(found, key=lambda b: (b.month, b.owner), reverse=True)


def _open_months(conn: sa.Connection, owner: str, today: date) -> list[str]:
    last = _last_closed(conn, owner)
    cards = cards_of(conn, owner)
    if last is not None:
        month = next_month(last.month)
    elif cards:
        month = month_of(cards[0].effective_from)
    else:
        return []
    found = []
    while month <= month_of(today):
        found.append(month)
        month = next_month(month)
    return found[-OPEN_MONTHS_LISTED:]
