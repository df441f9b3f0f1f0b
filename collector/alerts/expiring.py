"""The expiry sweep: ``expiry_soon`` alerts for lots on hand that expire within their item's
warning days, cleared once the lot is gone from that position.

``collector run`` starts it beside the parking sweep (``start_expiry_sweep``). Every
``interval_s`` it reads the lots on hand of items with ``expiry_warning_days`` and raises,
refreshes or clears alerts in one transaction; "today" is the books' day (``books_tz``).
The rule itself (``expiry_verdicts``) is pure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo
from decimal import Decimal

import sqlalchemy as sa
import structlog

from collector.alerts.schema import alerts
from collector.alerts.store import apply_verdicts
from collector.clock import Clock
from collector.ledger.schema import items, lot_stock, lots
from collector.reconcile.findings import (
    FIXED_SEVERITY,
    AlertKey,
    AlertType,
    Clearance,
    Finding,
    Verdict,
)
from collector.runtime.ports import StopSignal

log = structlog.get_logger("collector.alerts")

NO_SITE = "-"
"""Lot alerts belong to no device site: the ledger raises them."""


@dataclass(frozen=True, slots=True)
class LotOnHand:
    """Units of one lot at one position, with the lot's expiry and its item's warning days."""

    sku: str
    location: str
    owner: str
    lot: str
    expiry: date
    qty: Decimal
    warning_days: int

    @property
    def key(self) -> AlertKey:
        """One alert per lot and position (the owner joins the subject when not ``own``)."""
        subject = self.lot if self.owner == "own" else f"{self.lot}@{self.owner}"[:64]
        return AlertKey(NO_SITE, AlertType.EXPIRY_SOON, self.location, self.sku, subject)


def expiry_verdicts(
    on_hand: Iterable[LotOnHand], active: Iterable[AlertKey], today: date
) -> list[Verdict]:
    """Findings for lots within their warning days; clearances for active alerts of lots gone."""
    verdicts: list[Verdict] = []
    due: set[AlertKey] = set()
    for lot in on_hand:
        days_left = (lot.expiry - today).days
        if days_left > lot.warning_days:
            continue
        due.add(lot.key)
        verdicts.append(_finding(lot, days_left))
    verdicts.extend(
        Clearance(key, "the lot is no longer on hand there, or no longer due")
        for key in sorted(set(active) - due)
    )
    return verdicts


def _finding(lot: LotOnHand, days_left: int) -> Finding:
    when = (
        f"expired {-days_left} days ago" if days_left < 0
        else "expires today" if days_left == 0
        else f"expires in {days_left} days"
    )  # fmt: skip
    return Finding(
        lot.key,
        f"lot {lot.lot} of {lot.sku} at {lot.location}: {lot.qty.normalize():f} units "
        f"{when} ({lot.expiry.isoformat()}); sell it first, mark it down or write it off",
        FIXED_SEVERITY[AlertType.EXPIRY_SOON],
        owner=lot.owner,
        observed=lot.qty,
        evidence=(lot.expiry.isoformat(),),
    )


def lots_on_hand(conn: sa.Connection, today: date) -> list[LotOnHand]:
    """Lots with stock of items that warn, expiring before the longest warning from today."""
    longest = conn.execute(sa.select(sa.func.max(items.c.expiry_warning_days))).scalar_one()
    if longest is None:
        return []
    query = (
        sa.select(
            lot_stock.c.sku,
            lot_stock.c.location,
            lot_stock.c.owner,
            lot_stock.c.code,
            lot_stock.c.qty,
            lots.c.expiry,
            items.c.expiry_warning_days,
        )
        .join(lots, sa.and_(lots.c.sku == lot_stock.c.sku, lots.c.code == lot_stock.c.code))
        .join(items, items.c.sku == lot_stock.c.sku)
        .where(
            lot_stock.c.qty > 0,
            items.c.expiry_warning_days.is_not(None),
            lots.c.expiry <= today + timedelta(days=int(longest)),
        )
    )
    return [
        LotOnHand(r.sku, r.location, r.owner, r.code, r.expiry, r.qty, r.expiry_warning_days)
        for r in conn.execute(query)
    ]


def _active_keys(conn: sa.Connection) -> list[AlertKey]:
    query = sa.select(alerts.c.site, alerts.c.location, alerts.c.sku, alerts.c.subject).where(
        alerts.c.type == AlertType.EXPIRY_SOON.value, alerts.c.active_key.is_not(None)
    )
    return [
        AlertKey(r.site, AlertType.EXPIRY_SOON, r.location, r.sku, r.subject)
        for r in conn.execute(query)
    ]


def sweep_expiry(engine: sa.Engine, *, clock: Clock, books_tz: tzinfo = UTC) -> list[int]:
    """One pass; the ids of alerts raised, refreshed or cleared."""
    now = clock.now()
    today = now.astimezone(books_tz).date()
    with engine.begin() as conn:
        verdicts = expiry_verdicts(lots_on_hand(conn, today), _active_keys(conn), today)
        return apply_verdicts(conn, verdicts, now=now) if verdicts else []


def run_expiry_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: StopSignal,
    books_tz: tzinfo = UTC,
    interval_s: float = 300.0,
) -> None:
    """Sweep every ``interval_s`` until ``stop`` is set; a failing pass is retried next time."""
    while not stop.wait(interval_s):
        try:
            changed = sweep_expiry(engine, clock=clock, books_tz=books_tz)
        except Exception as err:  # logged, retried next pass; the ledger is unaffected
            log.exception("expiry.sweep_failed", error=repr(err))
            continue
        if changed:
            log.info("expiry.swept", changed=changed)


def start_expiry_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: threading.Event,
    books_tz: tzinfo = UTC,
    interval_s: float = 300.0,
) -> threading.Thread:
    """Start the sweep thread (daemon; join it after setting ``stop``)."""
    thread = threading.Thread(
        target=run_expiry_sweep,
        kwargs={
            "engine": engine,
            "clock": clock,
            "stop": stop,
            "books_tz": books_tz,
            "interval_s": interval_s,
        },
        name="expiry-sweep",
        daemon=True,
    )
    thread.start()
    return thread
