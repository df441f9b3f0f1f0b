"""``edge-agent validate CONFIG``: check config files and print a summary or every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edge_agent.config.validation import FileResult, summary_row, validate_path

_HEADINGS = ("file", "kind", "id", "site", "details")


def validate(
    config: Annotated[
        Path, typer.Argument(help="A device file, a site.yaml, or a folder of them.")
    ],
    files: Annotated[
        bool,
        typer.Option(
            "--files/--no-files",
            help="Check that the files the configs name (TLS, password) exist and are readable "
            "by this user (default); --no-files checks the configs alone, e.g. off the device.",
        ),
    ] = True,
) -> None:
    """Validate device configs; print "ok" and a summary, or every problem (exit code 1)."""
    results = validate_path(config, check_files=files)
    errors = [r.error for r in results if r.error is not None]
    if errors:
        for error in errors:
            typer.echo(error, err=True)
        typer.echo(f"{len(errors)} file(s) with problems", err=True)
        raise typer.Exit(code=1)
    typer.echo("ok")
    typer.echo(render_table(results))


def render_table(results: list[FileResult]) -> str:
    """Plain-text table of the valid files, one row each."""
    rows = [_HEADINGS, *(summary_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADINGS) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )
