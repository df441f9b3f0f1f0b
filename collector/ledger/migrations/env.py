"""Alembic environment: runs on the connection ``upgrade_to_head`` hands over (no ini file)."""

from __future__ import annotations

from alembic import context

from collector.ledger.schema import metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run ledger migrations through collector.ledger.engine.upgrade_to_head(engine)"
        )
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


_run()
