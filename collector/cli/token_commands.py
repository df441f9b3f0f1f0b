"""``collector tokens create|list|revoke``: API tokens, their roles and owner scopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from collector.cli.alerts_commands import DbOption, ledger
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="tokens",
    no_args_is_help=True,
    help="API tokens: create one (printed once), list them, revoke one.",
)


@app.command()
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses it, e.g. pos-store-12.")],
    role: Annotated[
        str, typer.Option("--role", help="admin, ops, integration or client (see docs/api.md).")
    ],
    owner: Annotated[
        list[str] | None,
        typer.Option("--owner", help="Client tokens: an owner it may see (repeat for more)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a token and print it: store it now, it is never shown again."""
    from collector.api.access import Role  # noqa: PLC0415
    from collector.api.tokens import create_token  # noqa: PLC0415

    try:
        chosen = Role(role)
    except ValueError:
        typer.echo(f"error: --role {role!r}: one of {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(2) from None
    with ledger(db, write=True) as conn:
        token = create_token(
            conn, name=name, role=chosen, owners=owner or [], now=datetime.now(UTC)
        )
    typer.echo(token)
    typer.echo(f"token {name!r} ({chosen.value}) created: send it as `Authorization: Bearer "
               "<token>`; it is shown only this once", err=True)  # fmt: skip


@app.command("list")
def list_tokens(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Every token (never its secret): name, role, owners, created, revoked."""
    from collector.api.tokens import list_tokens as read  # noqa: PLC0415

    with ledger(db) as conn:
        records = [
            {
                "name": t.name,
                "role": t.role.value,
                "owners": ",".join(t.owners),
                "created_at": t.created_at,
                "revoked_at": t.revoked_at,
            }
            for t in read(conn)
        ]
    if as_json:
        print_json(records)
        return
    print_table(
        "API tokens", records, ["name", "role", "owners", "created_at", "revoked_at"], wide=wide
    )


@app.command()
def revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")], db: DbOption = None
) -> None:
    """Revoke a token: every request with it is refused from now on."""
    from collector.api.tokens import revoke_token  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        revoke_token(conn, name, now=datetime.now(UTC))
    typer.echo(f"token {name!r} revoked")
