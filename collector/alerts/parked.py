"""The parking sweep: transactions that waited too long for stock become dead letters and alerts.

``collector run`` starts it beside the batch loop (``start_parking_sweep``). Every
``interval_s`` it opens a posting session, gives up on what waited past the parking
timeout (``collector.ledger.expiry``) and raises a ``rejected_posting`` alert for each
position, naming the events, in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import sqlalchemy as sa
import structlog

from collector.alerts.store import apply_verdicts
from collector.clock import Clock
from collector.ledger.expiry import expire_parked
from collector.ledger.observers import PostingObserver
from collector.ledger.parking import GivenUp
from collector.ledger.session import SessionOptions, posting_session
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.runtime.ports import StopSignal

log = structlog.get_logger("collector.alerts")

NO_SITE = "-"
"""The alert site of a transaction that came without one (the HTTP API)."""


def sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    observers: Sequence[PostingObserver] = (),
    options: SessionOptions | None = None,
) -> list[GivenUp]:
    """One pass: dead-letter what waited too long, alert on it; returns what was given up."""
    with posting_session(
        engine, now=clock.now(), observers=observers, options=options, what="parking sweep"
    ) as session:
        given_up = expire_parked(session)
        if given_up:
            apply_verdicts(session.conn, [given_up_finding(g) for g in given_up], now=session.now)
    return given_up


def given_up_finding(given_up: GivenUp) -> Finding:
    """The alert of a parked transaction given up on."""
    tx = given_up.parked.tx
    return Finding(
        AlertKey(given_up.site or NO_SITE, AlertType.REJECTED_POSTING, tx.location, tx.sku),
        f"{tx.type.value} of {tx.qty:f} {tx.sku} at {tx.location} from "
        f"{given_up.device_id or 'the API'} was dead-lettered: {given_up.dead_letter_reason}",
        Severity.MAJOR,
        owner=tx.owner,
        device_id=given_up.device_id,
        evidence=(str(given_up.parked.event_id),),
    )


def run_parking_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: StopSignal,
    observers: Sequence[PostingObserver] = (),
    options: SessionOptions | None = None,
    interval_s: float = 5.0,
) -> None:
    """Sweep every ``interval_s`` until ``stop`` is set; a failing pass is retried next time."""
    while not stop.wait(interval_s):
        try:
            given_up = sweep(engine, clock=clock, observers=observers, options=options)
        except Exception as err:  # logged, retried next pass; the ledger is unaffected
            log.exception("parking.sweep_failed", error=repr(err))
            continue
        if given_up:
            log.info("parking.swept", dead_lettered=len(given_up))


def start_parking_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: threading.Event,
    observers: Sequence[PostingObserver] = (),
    options: SessionOptions | None = None,
    interval_s: float = 5.0,
) -> threading.Thread:
    """Start the sweep thread (daemon; join it after setting ``stop``)."""
    thread = threading.Thread(
        target=run_parking_sweep,
        kwargs={
            "engine": engine,
            "clock": clock,
            "stop": stop,
            "observers": observers,
            "options": options,
            "interval_s": interval_s,
        },
        name="parking-sweep",
        daemon=True,
    )
    thread.start()
    return thread
