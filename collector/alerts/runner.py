"""The alerts thread: every ``tick_s`` the reconciler ticks (with bound sites) and queued
notifications go out (always: parked transactions given up on raise alerts too).

``start_alerts(...)`` is what ``collector run`` calls next to the batch loop; it
returns the thread, which stops when ``stop`` is set.  A failing pass is logged
and retried on the next tick: alerts never stop the ledger, nor each other.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
import structlog

from collector.alerts.notify import AlertCharter, AlertPublisher, HttpxWebhook, NotificationPump
from collector.clock import Clock
from collector.runtime.ports import StopSignal

log = structlog.get_logger("collector.alerts")


class Ticker(Protocol):
    """A periodic pass that raises and clears alerts (``ReconcileTicker``)."""

    def tick(self, now: datetime) -> list[int]:
        """One pass at ``now``; the ids of alerts that changed."""
        ...


def run_alerts_loop(
    *,
    pump: NotificationPump,
    clock: Clock,
    stop: StopSignal,
    ticker: Ticker | None = None,
    tick_s: float = 1.0,
) -> None:
    """Tick (when there is a ticker) and drain until ``stop`` is set."""
    while not stop.wait(tick_s):
        now = clock.now()
        try:
            changed = ticker.tick(now) if ticker is not None else []
            report = pump.drain(now)
        except Exception as err:  # logged, retried next tick; the ledger is unaffected
            log.exception("alerts.pass_failed", error=repr(err))
            continue
        if changed or report.failed:
            log.info(
                "alerts.pass",
                changed=changed,
                published=report.published,
                posted=report.posted,
                failed=report.failed,
            )


def start_alerts(
    engine: sa.Engine,
    *,
    publisher: AlertPublisher | None,
    clock: Clock,
    stop: StopSignal,
    ticker: Ticker | None = None,
    webhook_url: str | None = None,
    charter: AlertCharter | None = None,
    tick_s: float = 1.0,
) -> threading.Thread:
    """Start the alerts thread (daemon; join it after setting ``stop``)."""
    webhook = HttpxWebhook(webhook_url) if webhook_url else None
    pump = NotificationPump(engine, publisher=publisher, webhook=webhook, charter=charter)
    thread = threading.Thread(
        target=run_alerts_loop,
        kwargs={"ticker": ticker, "pump": pump, "clock": clock, "stop": stop, "tick_s": tick_s},
        name="alerts",
        daemon=True,
    )
    thread.start()
    return thread
