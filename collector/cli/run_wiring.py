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
from collector.ledger.session import SessionOptions
from collector.runtime.ports import Clock
from collector.settings import CollectorSettings, LedgerSettings

if TYPE_CHECKING:
    from collector.alerts.notify import AlertPublisher
    from collector.cluster.fence import LeaseFence
    from collector.devices.watcher import StatusWatcher
    from collector.ledger.ingestor import SqlIngestor
    from collector.reconcile.runtime.wiring import Reconciliation
    from collector.timeseries.runner import WriterHandle

log = structlog.get_logger("collector")

STOP_TIMEOUT_S = 15.0


def load_reconciliation(settings: CollectorSettings) -> Reconciliation | None:
    """Reconciliation for the bound sites, or None without bindings; ``ConfigError`` if bad."""
    if not settings.bindings_files:
        return None
    from collector.reconcile.runtime.wiring import Reconciliation  # noqa: PLC0415

    paths = [Path(path) for path in settings.bindings_files]
    return Reconciliation.from_files(paths)


def posting_observers(settings: LedgerSettings, clock: Clock) -> list[PostingObserver]:
    """Work that commits with every posting session: device heartbeats, receipts matched to
    purchase orders, the InfluxDB outbox."""
    from collector.devices.observer import HeartbeatObserver  # noqa: PLC0415
    from collector.purchasing.receiving import PurchasingObserver  # noqa: PLC0415

    observers: list[PostingObserver] = [HeartbeatObserver(), PurchasingObserver(clock.now)]
    if settings.influx_url:  # without a writer draining it, the outbox would only grow
        from collector.timeseries.observer import OutboxObserver  # noqa: PLC0415

        observers.append(OutboxObserver(clock=clock.now))
    return observers


def ledger_writer(settings: CollectorSettings) -> Ingestor:
    """The ``SqlIngestor`` with its observers, built inside the ledger writer process.

    The parent has migrated the ledger already; bindings were validated there too.
    """
    from collector.clock import SystemClock  # noqa: PLC0415
    from collector.ledger.checkpoint import WalCheckpointer  # noqa: PLC0415
    from collector.ledger.engine import create_ledger_engine  # noqa: PLC0415
    from collector.logs import configure_logging  # noqa: PLC0415

    configure_logging(level=settings.log_level)
    engine = create_ledger_engine(settings.db_url)
    WalCheckpointer(engine).start()  # SQLite: commits sync the WAL only; lives with the process
    return ledger_ingestor(settings, engine, SystemClock())


def ledger_ingestor(settings: CollectorSettings, engine: sa.Engine, clock: Clock) -> SqlIngestor:
    """The ``SqlIngestor`` ``collector run`` posts with: reconciliation of the bound sites,
    the InfluxDB outbox when configured, the parking timeout."""
    from collector.ledger.ingestor import SqlIngestor  # noqa: PLC0415

    reconciliation = load_reconciliation(settings)
    return SqlIngestor(
        engine,
        clock=clock,
        observers=posting_observers(settings, clock),
        sensors=reconciliation.observer if reconciliation is not None else None,
        options=session_options(settings),
        fence=lease_fence(settings),
    )


def lease_fence(settings: CollectorSettings) -> LeaseFence | None:
    """``--cluster``: the check, in every posting transaction, that its leases still hold."""
    if not settings.cluster:
        return None
    from collector.cluster.fence import LeaseFence  # noqa: PLC0415

    return LeaseFence(member_id=settings.mqtt_client_id, partitions=settings.cluster_partitions)


def session_options(settings: LedgerSettings) -> SessionOptions:
    """How posting sessions treat transactions short of stock."""
    return SessionOptions(park_timeout_s=settings.park_timeout_s, books_tz=settings.books_tz)


@dataclass
class SideServices:
    """Threads that run beside the batch loop and never block it."""

    writer: WriterHandle | None = None
    alerts: threading.Thread | None = None
    parking: threading.Thread | None = None
    replenish: threading.Thread | None = None
    expiry: threading.Thread | None = None
    retention: threading.Thread | None = None
    status: StatusWatcher | None = None
    stop_alerts: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """Stop the status watch, the alerts, parking, replenishment, expiry and retention
        threads and the InfluxDB writer."""
        self.stop_alerts.set()
        if self.status is not None:
            self.status.stop()
        for thread in (self.alerts, self.parking, self.replenish, self.expiry, self.retention):
            if thread is not None:
                thread.join(timeout=STOP_TIMEOUT_S)
        if self.writer is not None:
            self.writer.stop(timeout_s=STOP_TIMEOUT_S)


def status_watcher(engine: sa.Engine, settings: CollectorSettings, clock: Clock) -> StatusWatcher:
    """The watch of the devices' retained status topics (births, last wills)."""
    from collector.devices.watcher import StatusWatcher  # noqa: PLC0415
    from collector.mqtt.address import parse_broker_url  # noqa: PLC0415

    address = parse_broker_url(
        settings.mqtt_url, username=settings.mqtt_username, password=settings.mqtt_password,
        ca_file=settings.mqtt_ca_file, cert_file=settings.mqtt_cert_file,
        key_file=settings.mqtt_key_file,
    )  # fmt: skip
    return StatusWatcher(
        address=address, client_id=f"{settings.mqtt_client_id}-status"[:64],
        site=settings.mqtt_site, engine=engine, clock=clock,
        reconnect_max_s=settings.mqtt_reconnect_max_s,
    )  # fmt: skip


def _retention_sweep(
    engine: sa.Engine, settings: CollectorSettings, clock: Clock, stop: threading.Event
) -> threading.Thread | None:
    from collector.retention.policy import RetentionPolicy  # noqa: PLC0415
    from collector.retention.runner import start_retention_sweep  # noqa: PLC0415

    return start_retention_sweep(
        engine, clock=clock, stop=stop, policy=RetentionPolicy.of(settings),
        interval_s=settings.retention_interval_s, batch_rows=settings.retention_batch_rows,
    )  # fmt: skip


def start_side_services(
    engine: sa.Engine,
    settings: CollectorSettings,
    *,
    reconciliation: Reconciliation | None,
    publisher: AlertPublisher,
    clock: Clock,
) -> SideServices:
    """Start the device status watch, the InfluxDB writer (if configured), the parking sweep,
    the replenishment and retention sweeps (unless their interval is 0), and the alerts
    thread: notifications always, reconciler ticks if sites are bound."""
    from collector.alerts.expiring import start_expiry_sweep  # noqa: PLC0415
    from collector.alerts.parked import start_parking_sweep  # noqa: PLC0415
    from collector.alerts.runner import start_alerts  # noqa: PLC0415
    from collector.purchasing.sweep import start_replenish_sweep  # noqa: PLC0415

    services = SideServices()
    if settings.mqtt_watch_status:
        services.status = status_watcher(engine, settings, clock)
        services.status.start()
    charter = None
    if settings.influx_url:
        from collector.timeseries.discrepancies import chart  # noqa: PLC0415
        from collector.timeseries.runner import start_writer  # noqa: PLC0415

        services.writer = start_writer(engine, settings)
        charter = chart
    services.parking = start_parking_sweep(
        engine,
        clock=clock,
        stop=services.stop_alerts,
        observers=posting_observers(settings, clock),
        options=session_options(settings),
    )
    services.replenish = start_replenish_sweep(
        engine, clock=clock, stop=services.stop_alerts, interval_s=settings.replenish_interval_s
    )
    services.expiry = start_expiry_sweep(
        engine, clock=clock, stop=services.stop_alerts, books_tz=settings.books_tz
    )
    services.retention = _retention_sweep(engine, settings, clock, services.stop_alerts)
    services.alerts = start_alerts(
        engine,
        ticker=reconciliation.ticker(engine) if reconciliation is not None else None,
        publisher=publisher,
        clock=clock,
        stop=services.stop_alerts,
        webhook_url=settings.alerts_webhook_url,
        charter=charter,
    )
    log.info(
        "collector.side_services",
        influx=bool(settings.influx_url),
        replenish_interval_s=settings.replenish_interval_s,
        retention_interval_s=settings.retention_interval_s,
        reconciled_sites=sorted(reconciliation.bindings) if reconciliation else [],
    )
    return services
