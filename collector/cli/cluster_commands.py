"""``collector cluster …``: who owns which partition since when, lease expiry, lag; the members."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from collector.cli.json_output import JsonOption, jsonable, print_json
from collector.errors import ConfigError
from collector.settings import CollectorSettings, load_settings

app = typer.Typer(
    name="cluster",
    no_args_is_help=True,
    help="Several `collector run --cluster` on one ledger: partition leases and members.",
)
EXIT_CONFIG = 2
OWNER_CHARS = 24

DbOption = Annotated[
    str | None, typer.Option("--db", help="Ledger URL (default: COLLECTOR_DB_URL or ./var).")
]


def _settings(**overrides: Any) -> CollectorSettings:
    try:
        return load_settings(**overrides)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err


def _read(db: str | None) -> Any:
    from collector.cluster.status import read_status  # noqa: PLC0415 - SQL stack on demand
    from collector.ledger.engine import open_ledger  # noqa: PLC0415

    settings = _settings(db_url=db)
    engine = open_ledger(settings.db_url)
    try:
        with engine.connect() as conn:
            return read_status(conn, ttl_s=settings.cluster_lease_ttl_s)
    finally:
        engine.dispose()


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Each partition: owner, since when, fencing token, seconds to lease expiry, lag."""
    partitions = _read(db).partitions
    rows = [
        {
            "partition": p.partition,
            "owner": p.owner if p.live else None,
            "since": p.since if p.live else None,
            "token": p.token,
            "expires_in_s": p.expires_in_s if p.live else None,
            "lag_events": p.lag_events if p.live else 0,
            "lag_s": p.lag_s if p.live else None,
        }
        for p in partitions
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no cluster on this ledger: start `collector run --cluster` members")
        return
    table = Table("part", "owner", "since (UTC)", "token", "expires", "lag", "lag s")
    for row in rows:
        since = row["since"].strftime("%m-%d %H:%M:%S") if row["since"] else None
        owner = row["owner"][:OWNER_CHARS] if row["owner"] else "(free)"
        table.add_row(
            str(row["partition"]), owner, _text(since), str(row["token"]),
            _text(row["expires_in_s"]), str(row["lag_events"]), _text(row["lag_s"]),
        )  # fmt: skip
    Console(width=80).print(table)


@app.command()
def members(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Each member: host, pid, seconds since its heartbeat, alive, partitions it holds."""
    rows = [
        {
            "member": m.member_id,
            "host": m.host,
            "pid": m.pid,
            "started_at": m.started_at,
            "heartbeat_age_s": m.heartbeat_age_s,
            "alive": m.alive,
            "holding": m.holding,
        }
        for m in _read(db).members
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("member", "host", "pid", "heartbeat s ago", "alive", "holding")
    for row in rows:
        table.add_row(
            row["member"][:OWNER_CHARS], str(row["host"])[:20], str(row["pid"]),
            str(jsonable(row["heartbeat_age_s"])), "yes" if row["alive"] else "no",
            str(row["holding"]),
        )  # fmt: skip
    Console(width=80).print(table)
