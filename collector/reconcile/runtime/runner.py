"""The alerts thread: every ``tick_s`` the reconciler ticks and queued notifications go out.

``start_alerts(...)`` is what ``collector run`` calls next to the batch loop; it
returns the thread, which stops when ``stop`` is set.  A failing pass is logged
and retried on the next tick: alerts never stop the ledger, nor each other.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import sqlalchemy as sa
import structlog

from collector.alerts.notify import AlertPublisher, HttpxWebhook, NotificationPump
from collector.clock import Clock
from collector.reconcile.runtime.ticker import ReconcileTicker
from collector.runtime.ports import StopSignal
from collector.sites.bindings import SiteBindings

log = structlog.get_logger("collector.alerts")


def run_alerts_loop(
    *,
    ticker: ReconcileTicker,
    pump: NotificationPump,
    clock: Clock,
    stop: StopSignal,
    tick_s: float = 1.0,
) -> None:
    """Tick and drain until ``stop`` is set."""
    while not stop.wait(tick_s):
        now = clock.now()
        try:
            changed = ticker.tick(now)
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
    bindings: Mapping[str, SiteBindings],
    publisher: AlertPublisher | None,
    clock: Clock,
    stop: StopSignal,
    webhook_url: str | None = None,
    tick_s: float = 1.0,
) -> threading.Thread:
    """Start the alerts thread (daemon; join it after setting ``stop``)."""
    webhook = HttpxWebhook(webhook_url) if webhook_url else None
    pump = NotificationPump(engine, publisher=publisher, webhook=webhook)
    thread = threading.Thread(
        target=run_alerts_loop,
        kwargs={
            "ticker": ReconcileTicker(engine, bindings=bindings),
            "pump": pump,
            "clock": clock,
            "stop": stop,
            "tick_s": tick_s,
        },
        name="alerts",
        daemon=True,
    )
    thread.start()
    return thread
