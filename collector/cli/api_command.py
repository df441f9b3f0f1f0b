"""``collector api``: serve the HTTP API and the web console over the ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from collector.errors import CollectorError, ConfigError

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def api(
    db: Annotated[str | None, typer.Option("--db", help="Ledger URL (COLLECTOR_DB_URL).")] = None,
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen", help="HOST:PORT to serve on (COLLECTOR_API_LISTEN; 127.0.0.1:8080)."
        ),
    ] = None,
    mqtt: Annotated[
        str | None,
        typer.Option(
            "--mqtt",
            help="Broker URL for device commands (COLLECTOR_MQTT_URL; mqtt://127.0.0.1:1883).",
        ),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR.")
    ] = None,
    print_openapi: Annotated[
        bool,
        typer.Option("--print-openapi", help="Print the OpenAPI document and exit (no ledger)."),
    ] = False,
) -> None:
    """Serve /api/v1 and the console at / until SIGTERM or Ctrl-C (settings checked at start)."""
    if print_openapi:
        import json  # noqa: PLC0415

        from collector.api.app import openapi_document  # noqa: PLC0415

        typer.echo(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
        return
    from collector.settings import load_api_settings  # noqa: PLC0415

    try:
        settings = load_api_settings(
            db_url=db, api_listen=listen, mqtt_url=mqtt, log_level=log_level
        )
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    from collector.api.serve import serve  # noqa: PLC0415 - the web stack on demand

    try:
        serve(settings)
    except CollectorError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_FAILURE) from err
