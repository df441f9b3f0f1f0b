"""Beside the batch loop in ``collector run``: observers, the InfluxDB writer, the alerts thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import structlog

from collector.ledger.observers import PostingObserver
from collector.runtime.ports import Clock
from collector.settings import CollectorSettings
from collector.sites.bindings import SiteBindings

log = structlog.get_logger("collector")

STOP_TIMEOUT_S = 15.0


def load_site_bindings(settings: CollectorSettings) -> dict[str, SiteBindings]:
    """Bindings by site from the configured files; ``ConfigError`` lists every problem."""
    from collector.sites.loader import load_all  # noqa: PLC0415

    return load_all([Path(path) for path in settings.bindings_files])


def posting_observers(
    settings: CollectorSettings, bindings: Mapping[str, SiteBindings], clock: Clock
) -> list[PostingObserver]:
    """Work that commits with each batch: reconciliation (with bindings), the InfluxDB outbox."""
    observers: list[PostingObserver] = []
    if bindings:
        from collector.alerts.observer import ReconcileObserver  # noqa: PLC0415

        observers.append(ReconcileObserver(bindings, clock.now))
    if settings.influx_url:  # without a writer draining it, the outbox would only grow
        from collector.timeseries.observer import OutboxObserver  # noqa: PLC0415

        observers.append(OutboxObserver(clock=clock.now))
    return observers


@dataclass
class SideServices:
    """Threads that run beside the batch loop and never block it."""

    writer: object | None = None
    alerts: threading.Thread | None = None
    stop_alerts: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Stop the alerts thread and the InfluxDB writer (unsent points stay in the outbox)."""
        self.stop_alerts.set()
        if self.alerts is not None:
            self.alerts.join(timeout=STOP_TIMEOUT_S)
        if self.writer is not None:
            self.writer.stop(timeout_s=STOP_TIMEOUT_S)  # type: ignore[attr-defined]


def start_side_services(
    engine: sa.Engine,
    settings: CollectorSettings,
    *,
    bindings: Mapping[str, SiteBindings],
    publisher: object,
    clock: Clock,
) -> SideServices:
    """Start the InfluxDB writer (if configured) and the alerts thread (if sites are bound)."""
    services = SideServices()
    if settings.influx_url:
        from collector.timeseries.runner import start_writer  # noqa: PLC0415

        services.writer = start_writer(engine, settings)
    if bindings:
        from collector.alerts.runner import start_alerts  # noqa: PLC0415

        services.alerts = start_alerts(
            engine,
            bindings=bindings,
            publisher=publisher,  # type: ignore[arg-type]
            clock=clock,
            stop=services.stop_alerts,
            webhook_url=settings.alerts_webhook_url,
        )
    log.info(
        "collector.side_services",
        influx=bool(settings.influx_url),
        reconciled_sites=sorted(bindings),
    )
    return services
