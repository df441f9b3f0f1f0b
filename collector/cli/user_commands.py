"""``collector users add|list|disable``: the people who log in to the web console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from collector.cli.alerts_commands import DbOption, ledger
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="users",
    no_args_is_help=True,
    help="Console users: add one (role and owners as API tokens), list them, disable one.",
)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="The log-in name, e.g. alice.")],
    role: Annotated[
        str, typer.Option("--role", help="admin, ops, integration or client (see docs/api.md).")
    ],
    owner: Annotated[
        list[str] | None,
        typer.Option("--owner", help="Client users: an owner it may see (repeat for more)."),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file's first line."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a user; the password comes from --password-file or a prompt (typed twice)."""
    from collector.api.access import Role  # noqa: PLC0415
    from collector.console.users import add_user  # noqa: PLC0415

    try:
        chosen = Role(role)
    except ValueError:
        typer.echo(f"error: --role {role!r}: one of {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2) from None
    password = _password(password_file)
    with ledger(db, write=True) as conn:
        add_user(
            conn, name=name, role=chosen, owners=owner or [], password=password,
            now=datetime.now(UTC),
        )  # fmt: skip
    typer.echo(f"user {name!r} ({chosen.value}) added: log in at the console's /login")


def _password(password_file: Path | None) -> str:
    if password_file is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        typer.echo(f"error: --password-file {password_file}: {err.strerror}", err=True)
        raise typer.Exit(2) from err
    return lines[0] if lines else ""


@app.command("list")
def list_users(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Every user (never its password): name, role, owners, created, disabled, locked."""
    from collector.console.users import list_users as read  # noqa: PLC0415

    with ledger(db) as conn:
        records = [
            {
                "name": u.name,
                "role": u.role.value,
                "owners": ",".join(u.owners),
                "created_at": u.created_at,
                "disabled_at": u.disabled_at,
                "locked_until": u.locked_until,
            }
            for u in read(conn)
        ]
    if as_json:
        print_json(records)
        return
    print_table(
        "Console users", records, ["name", "role", "owners", "created_at", "disabled_at"], wide=wide
    )


@app.command()
def disable(
    name: Annotated[str, typer.Argument(help="The user's name.")], db: DbOption = None
) -> None:
    """Disable a user: its open sessions end, it cannot log in again."""
    from collector.console.users import disable_user  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        disable_user(conn, name, now=datetime.now(UTC))
    typer.echo(f"user {name!r} disabled")
