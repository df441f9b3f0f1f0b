"""``collector run``: the composition root that wires the real ledger, broker and batch loop."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import structlog
import typer

from collector.errors import CollectorError, ConfigError
from collector.logs import configure_logging
from collector.runtime.loop import LoopStats
from collector.runtime.signals import stop_on_signals
from collector.settings import CollectorSettings, load_settings

if TYPE_CHECKING:
    from collector.cluster.wiring import ClusterMember
    from collector.mqtt.consumer import MqttConsumer
    from collector.runtime.ports import Clock

log = structlog.get_logger("collector")

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def serve(settings: CollectorSettings, *, stop: threading.Event) -> LoopStats:
    """Build the real adapters from settings and run until ``stop`` is set."""
    # Imported here: only the running collector needs the SQL and paho stacks loaded.
    from collector.cli.run_wiring import (  # noqa: PLC0415
        ledger_writer,
        load_reconciliation,
        start_side_services,
    )
    from collector.clock import SystemClock  # noqa: PLC0415
    from collector.ledger.engine import open_ledger  # noqa: PLC0415
    from collector.mqtt.factory import consumer_from_settings  # noqa: PLC0415
    from collector.runtime.service import policy_from_settings, run_service  # noqa: PLC0415
    from collector.runtime.writer_process import WriterProcess  # noqa: PLC0415
    from collector.sequencing.wiring import options_from_settings, sequenced  # noqa: PLC0415

    clock = SystemClock()
    reconciliation = load_reconciliation(settings)  # config first: ConfigError exits 2
    engine = open_ledger(settings.db_url)
    try:
        consumer = consumer_from_settings(settings, clock=clock)
        member = _cluster_member(engine, settings, consumer, clock)
        # each device's events in seq order: reorder window, resends of gaps; a cluster
        # member seeds a device's stream when it takes the device over, not at start
        connection = sequenced(
            member.connection if member is not None else consumer,
            clock=clock,
            options=options_from_settings(settings),
            engine=None if member is not None else engine,
        )
        # the ledger commits in its own process: paho's thread keeps this one's GIL
        with WriterProcess(functools.partial(ledger_writer, settings)) as writer:
            side = start_side_services(
                engine, settings, reconciliation=reconciliation, publisher=consumer, clock=clock
            )
            _log_start(settings, engine)
            try:
                if member is not None:
                    member.start(connection)
                return run_service(
                    connection=connection,
                    ingestor=writer,
                    clock=clock,
                    stop=stop,
                    policy=policy_from_settings(settings),
                )
            finally:
                if member is not None:
                    member.stop()
                side.stop()
    finally:
        engine.dispose()


def _cluster_member(
    engine: sa.Engine, settings: CollectorSettings, consumer: MqttConsumer, clock: Clock
) -> ClusterMember | None:
    """``--cluster``: the lease coordinator and the connection that admits held partitions."""
    if not settings.cluster:
        return None
    from collector.cluster.wiring import cluster_member  # noqa: PLC0415

    return cluster_member(engine, settings, consumer, clock)


def _log_start(settings: CollectorSettings, engine: sa.Engine) -> None:
    """One line with what this collector is about to do."""
    log.info(
        "collector.starting",
        db=engine.url.render_as_string(hide_password=True),
        client_id=settings.mqtt_client_id,
        site=settings.mqtt_site,
        batch_max=settings.batch_max_messages,
        cluster=settings.cluster,
        partitions=settings.cluster_partitions if settings.cluster else None,
    )


def run(
    *,
    mqtt: Annotated[
        str | None, typer.Option("--mqtt", help="Broker URL: mqtt://host:port (mqtts:// for TLS).")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Ledger URL, sqlite:///PATH or postgresql+psycopg://…"),
    ] = None,
    bindings: Annotated[
        list[str] | None,
        typer.Option("--bindings", help="Site bindings YAML (repeatable): reconciliation, alerts."),
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Consume only this site's events (default: all).")
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Fixed MQTT client id (persistent session).")
    ] = None,
    batch_max: Annotated[
        int | None, typer.Option("--batch-max", help="Most messages committed per transaction.")
    ] = None,
    batch_wait_ms: Annotated[
        int | None, typer.Option("--batch-wait-ms", help="Longest wait for a batch to fill.")
    ] = None,
    mqtt_protocol: Annotated[
        str | None, typer.Option("--mqtt-protocol", help="5 (default) or 3.1.1.")
    ] = None,
    log_level: Annotated[
        str | None, typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR.")
    ] = None,
    cluster: Annotated[
        bool | None,
        typer.Option(
            "--cluster/--no-cluster",
            help="Share the devices with other members on one PostgreSQL ledger "
            "(partition leases; docs/deploy-ha.md). Each member needs its own --client-id.",
        ),
    ] = None,
) -> None:
    """Consume device events from MQTT into the ledger until SIGTERM or Ctrl-C."""
    try:
        settings = load_settings(
            mqtt_url=mqtt,
            db_url=db,
            mqtt_client_id=client_id,
            mqtt_site=site,
            bindings_files=bindings or None,
            batch_max_messages=batch_max,
            batch_max_wait_ms=batch_wait_ms,
            mqtt_protocol=mqtt_protocol,
            log_level=log_level,
            cluster=cluster,
        )
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    configure_logging(level=settings.log_level)
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        serve(settings, stop=stop)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    except CollectorError as err:
        log.error("collector.failed", error=str(err))
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_FAILURE) from err
