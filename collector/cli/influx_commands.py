"""``collector influx …``: the time-series outbox's backlog, rejected points, backfill and drain."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import EXIT_CONFIG, DbOption, settings_or_exit
from collector.cli.tables import WideOption, print_table
from collector.errors import ConfigError
from collector.settings import CollectorSettings

app = typer.Typer(
    name="influx",
    no_args_is_help=True,
    help="Time series in InfluxDB: outbox backlog, rejected points, backfill, drain.",
)


def _engine(settings: CollectorSettings) -> Any:
    from collector.ledger.engine import open_ledger  # noqa: PLC0415 - SQL stack on demand

    return open_ledger(settings.db_url)


def _day(value: str, flag: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    except ValueError as err:
        typer.echo(f"error: {flag} {value!r} is not a date like 2026-11-25", err=True)
        raise typer.Exit(EXIT_CONFIG) from err


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Points waiting for InfluxDB, the age of the oldest, and how many were rejected."""
    from collector.timeseries.outbox import read_status  # noqa: PLC0415

    engine = _engine(settings_or_exit(db_url=db))
    try:
        with engine.connect() as conn:
            now = datetime.now(UTC)
            st = read_status(conn, now=now)
    finally:
        engine.dispose()
    row = {
        "backlog_points": st.backlog_points,
        "oldest_recorded_at": st.oldest_recorded_at,
        "oldest_age_s": round(st.oldest_age_s, 3) if st.oldest_age_s is not None else None,
        "rejected_points": st.rejected_points,
    }
    if as_json:
        print_json([row])
        return
    print_table("InfluxDB outbox", [row], list(row), wide=wide)


@app.command()
def rejected(
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N.")] = 50,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Lines the server refused (or no point could be built from), with the reason."""
    from collector.timeseries.outbox import list_rejected  # noqa: PLC0415

    engine = _engine(settings_or_exit(db_url=db))
    try:
        with engine.connect() as conn:
            rows = list_rejected(conn, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        print_json(rows)
        return
    print_table("Rejected points", rows, ["id", "rejected_at", "reason", "line"], wide=wide)


@app.command()
def backfill(
    from_day: Annotated[str, typer.Option("--from", help="First day (UTC), e.g. 2026-11-01.")],
    to_day: Annotated[
        str | None, typer.Option("--to", help="Last day included (UTC); default: up to now.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Rewrite history from the ledger into the outbox (after a bucket was lost)."""
    from collector.timeseries.backfill import backfill as run_backfill  # noqa: PLC0415

    start = _day(from_day, "--from")
    end = _day(to_day, "--to") + timedelta(days=1) if to_day else None
    engine = _engine(settings_or_exit(db_url=db))
    try:
        report = run_backfill(engine, start=start, end=end, now=datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo(
        f"queued {report.total_points} points ({report.movement_points} from movements, "
        f"{report.sensor_points} from sensor events); the writer sends them to InfluxDB"
    )
    if report.unreadable_events:
        typer.echo(f"warning: {report.unreadable_events} stored events could not be parsed")
    for problem in report.balance_mismatches:
        typer.echo(f"warning: {problem}", err=True)


@app.command()
def drain(
    db: DbOption = None,
    influx_url: Annotated[str | None, typer.Option("--influx-url", help="http://host:8086")] = None,
    influx_org: Annotated[str | None, typer.Option("--influx-org")] = None,
    influx_bucket: Annotated[str | None, typer.Option("--influx-bucket")] = None,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Stop once the outbox is empty.")
    ] = False,
) -> None:
    """Send the outbox to InfluxDB in the foreground (token from COLLECTOR_INFLUX_TOKEN)."""
    from collector.timeseries.runner import Backoff, build_writer, drain_until_empty  # noqa: PLC0415

    settings = settings_or_exit(
        db_url=db, influx_url=influx_url, influx_org=influx_org, influx_bucket=influx_bucket
    )
    engine = _engine(settings)
    try:
        writer = build_writer(engine, settings)
        if until_empty:
            report = drain_until_empty(writer, backoff=Backoff(cap_s=settings.influx_retry_max_s))
            typer.echo(f"written {report.written}, rejected {report.rejected}")
            return
        _drain_forever(writer, settings)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    finally:
        engine.dispose()


def _drain_forever(writer: Any, settings: CollectorSettings) -> None:
    from collector.runtime.signals import stop_on_signals  # noqa: PLC0415
    from collector.timeseries.runner import Backoff, LoopTiming, run_writer_loop  # noqa: PLC0415

    stop = threading.Event()
    stop_on_signals(stop)
    run_writer_loop(
        writer,
        stop=stop,
        backoff=Backoff(cap_s=settings.influx_retry_max_s),
        timing=LoopTiming(idle_wait_s=settings.influx_flush_interval_s),
    )
