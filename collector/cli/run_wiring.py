"""Beside the batch loop in ``collector run``: the ledger writer, observers, InfluxDB, alerts."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
import structlog

from collector.ingest.ports import Ingestor
from collector.ledger.observers import PostingObserver
from collector.runtime.ports import Clock
from collector.settings import CollectorSettings

if TYPE_CHECKING:
    from collector.alerts.notify import AlertPublisher
    from collector.alerts.wiring import Reconciliation
    from collector.timeseries.runner import WriterHandle

log = structlog.get_logger("collector")

STOP_TIMEOUT_S = 15.0


def load_reconciliation(settings: CollectorSettings, clock: Clock) -> Reconciliation | None:
    """Reconciliation for the bound sites, or None without bindings; ``ConfigError`` if bad."""
    if not settings.bindings_files:
        return None
    from collector.alerts.wiring import Reconciliation  # noqa: PLC0415

    paths = [Path(path) for path in settings.bindings_files]
    return Reconciliation.from_files(paths, clock=clock)


def posting_observers(
    settings: CollectorSettings, reconciliation: Reconciliation | None, clock: Clock
) -> list[PostingObserver]:
    """Work that commits with each batch: reconciliation (with bindings), the InfluxDB outbox."""
    observers: list[PostingObserver] = []
    if reconciliation is not None:
        observers.append(reconciliation.observer)
    if settings.influx_url:  # without a writer draining it, the outbox would only grow
        from collector.timeseries.observer import OutboxObserver  # noqa: PLC0415

        observers.append(OutboxObserver(clock=clock.now))
    return observers


def ledger_writer(settings: CollectorSettings) -> Ingestor:
    """The ``SqlIngestor`` with its observers, built inside the ledger writer process.

    The parent has migrated the ledger already; bindings were validated there too.
    """
    from collector.ledger.checkpoint import WalCheckpointer  # noqa: PLC0415
    from collector.ledger.engine import create_ledger_engine  # noqa: PLC0415
    from collector.ledger.ingestor import SqlIngestor  # noqa: PLC0415
    from collector.logs import configure_logging  # noqa: PLC0415
    from collector.runtime.clock import SystemClock  # noqa: PLC0415

    configure_logging(level=settings.log_level)
    clock = SystemClock()
    observers = posting_observers(settings, load_reconciliation(settings, clock), clock)
    engine = create_ledger_engine(settings.db_url)
    WalCheckpointer(engine).start()  # SQLite: commits sync the WAL only; lives with the process
    return SqlIngestor(engine, clock=clock, observers=observers)


@dataclass
class SideServices:
    """Threads that run beside the batch loop and never block it."""

    writer: WriterHandle | None = None
    alerts: threading.Thread | None = None
    stop_alerts: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Stop the alerts thread and the InfluxDB writer (unsent points stay in the outbox)."""
        self.stop_alerts.set()
        if self.alerts is not None:
            self.alerts.join(timeout=STOP_TIMEOUT_S)
        if self.writer is not None:
            self.writer.stop(timeout_s=STOP_TIMEOUT_S)


def start_side_services(
    engine: sa.Engine,
    settings: CollectorSettings,
    *,
    reconciliation: Reconciliation | None,
    publisher: AlertPublisher,
    clock: Clock,
) -> SideServices:
    """Start the InfluxDB writer (if configured) and the alerts thread (if sites are bound)."""
    services = SideServices()
    if settings.influx_url:
        from collector.timeseries.runner import start_writer  # noqa: PLC0415

        services.writer = start_writer(engine, settings)
    if reconciliation is not None:
        services.alerts = reconciliation.start(
            engine,
            publisher=publisher,
            clock=clock,
            stop=services.stop_alerts,
            webhook_url=settings.alerts_webhook_url,
        )
    log.info(
        "collector.side_services",
        influx=bool(settings.influx_url),
        reconciled_sites=sorted(reconciliation.bindings) if reconciliation else [],
    )
    return services
