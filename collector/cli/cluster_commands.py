"""``collector cluster …``: who owns which partition since when, lease expiry, lag; the members."""

from __future__ import annotations

from typing import Any

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import DbOption, settings_or_exit
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="cluster",
    no_args_is_help=True,
    help="Several `collector run --cluster` on one ledger: partition leases and members.",
)


def _read(db: str | None) -> Any:
    from collector.cluster.status import read_status  # noqa: PLC0415 - SQL stack on demand
    from collector.ledger.engine import open_ledger  # noqa: PLC0415

    settings = settings_or_exit(db_url=db)
    engine = open_ledger(settings.db_url)
    try:
        with engine.connect() as conn:
            return read_status(conn, ttl_s=settings.cluster_lease_ttl_s)
    finally:
        engine.dispose()


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
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
    shown = [
        {"part": r["partition"], "owner": r["owner"] or "(free)", "since": r["since"],
         "token": r["token"], "expires_s": r["expires_in_s"], "lag": r["lag_events"],
         "lag_s": r["lag_s"]}
        for r in rows
    ]  # fmt: skip
    columns = ["part", "owner", "since", "token", "expires_s", "lag", "lag_s"]
    print_table("Cluster partitions (times UTC)", shown, columns, wide=wide)


@app.command()
def members(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
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
    shown = [{**r, "beat_s_ago": r["heartbeat_age_s"], "alive": "yes" if r["alive"] else "no"}
             for r in rows]  # fmt: skip
    columns = ["member", "host", "pid", "beat_s_ago", "alive", "holding"]
    print_table("Cluster members", shown, columns, wide=wide)
