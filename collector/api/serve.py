"""Build the real API from settings and run it under uvicorn: the entry point's composition."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog
import uvicorn
from fastapi import FastAPI

from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore, run_key_pruning
from collector.api.tokens import TokenVerifier
from collector.clock import SystemClock
from collector.devices.commands import DeviceCommander, NoBroker
from collector.mqtt.address import parse_broker_url
from collector.mqtt.commander import MqttCommander
from collector.retention.policy import RetentionPolicy
from collector.settings import ApiSettings

log = structlog.get_logger("collector.api")


def commander_from_settings(settings: ApiSettings) -> MqttCommander:
    """The device commander on the broker the settings name (not started)."""
    address = parse_broker_url(
        settings.mqtt_url, username=settings.mqtt_username, password=settings.mqtt_password,
        ca_file=settings.mqtt_ca_file, cert_file=settings.mqtt_cert_file,
        key_file=settings.mqtt_key_file,
    )  # fmt: skip
    return MqttCommander(address=address, client_id=settings.api_mqtt_client_id)


def build_context(settings: ApiSettings, commander: DeviceCommander | None = None) -> ApiContext:
    """The ledger (migrated), the clock, tokens, idempotency keys, observers, the commander."""
    from collector.cli.run_wiring import posting_observers, session_options  # noqa: PLC0415
    from collector.ledger.engine import open_ledger  # noqa: PLC0415

    clock = SystemClock()
    return ApiContext(
        engine=open_ledger(settings.db_url),
        clock=clock,
        verifier=TokenVerifier(),
        idempotency=IdempotencyStore(ttl_s=settings.api_idempotency_ttl_s),
        observers=posting_observers(settings, clock),
        session_options=session_options(settings),
        page_max=settings.api_page_max,
        commander=commander if commander is not None else NoBroker(),
        command_timeout_s=settings.api_command_timeout_s,
        chart=settings.chart_of_accounts(),
        retention=RetentionPolicy.of(settings),
    )


class _Server(uvicorn.Server):
    """uvicorn, ending the console's event streams as soon as a stop is asked."""

    def __init__(self, config: uvicorn.Config, *, app: FastAPI) -> None:
        """Serve ``config``; ``app`` is the API whose console streams a stop ends."""
        super().__init__(config)
        self.api_app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Close the streams (else they hold the stop for the graceful timeout), then stop."""
        from collector.console.app import stop_streams  # noqa: PLC0415

        stop_streams(self.api_app)
        super().handle_exit(sig, frame)


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings: our logging, no access log, httptools and uvloop (installed with
    the collector extra, picked by uvicorn's ``auto``)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,  # a stream that did not end by itself
    )


def serve(settings: ApiSettings) -> None:
    """Serve until SIGTERM or Ctrl-C; the parking and replenishment sweeps run beside, as in
    ``collector run``."""
    from collector.alerts.parked import start_parking_sweep  # noqa: PLC0415
    from collector.logs import configure_logging  # noqa: PLC0415
    from collector.purchasing.sweep import start_replenish_sweep  # noqa: PLC0415

    configure_logging(level=settings.log_level)
    commander = commander_from_settings(settings)
    commander.start()
    context = build_context(settings, commander)
    host, port = settings.listen_address
    app = create_app(context, max_body_bytes=settings.api_max_body_bytes)
    stop = threading.Event()
    sweep = start_parking_sweep(
        context.engine,
        clock=context.clock,
        stop=stop,
        observers=context.observers,
        options=context.session_options,
    )
    replenish = start_replenish_sweep(
        context.engine, clock=context.clock, stop=stop, interval_s=settings.replenish_interval_s
    )
    pruning = threading.Thread(
        target=run_key_pruning,
        args=(context.engine, context.idempotency),
        kwargs={"clock": context.clock, "stop": stop},
        name="idempotency-pruning",
        daemon=True,
    )
    pruning.start()
    log.info("api.started", listen=f"{host}:{port}", db=str(context.engine.url))
    server = _Server(server_config(app, host, port), app=app)
    # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again for the
    # handler it found: a quiet one here, so a requested stop exits 0 like `collector run`
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: None)
    try:
        server.run()
    finally:
        stop.set()
        sweep.join(timeout=15)
        if replenish is not None:
            replenish.join(timeout=15)
        pruning.join(timeout=15)
        commander.stop()
        context.engine.dispose()
        log.info("api.stopped")
