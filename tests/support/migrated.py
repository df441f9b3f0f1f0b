"""Ledgers already migrated to head, copied from a template this test process builds once.

Migrating a new ledger to head costs ~0.15 s on SQLite and ~0.5 s on PostgreSQL (more
under load), and most tests want one: each process migrates one template per backend
and every test gets a copy (a file copy; ``CREATE DATABASE … TEMPLATE``), which
``open_ledger`` then finds at head. Tests of the migrations themselves take empty ones.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from tests.support.services import (
    POSTGRES_ADMIN_URL,
    fresh_postgres_database,
    require,
    unique_name,
)

_templates: dict[str, str] = {}


def migrated_sqlite_url(path: Path) -> str:
    """A SQLite ledger at head at ``path`` (its folder made), as a URL."""
    template = _templates.get("sqlite")
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="ledger-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = str(folder / "ledger.db")
        open_ledger(f"sqlite:///{template}").dispose()  # the last close checkpoints the WAL
        _templates["sqlite"] = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@contextmanager
def new_ledger_url(backend: str, sqlite_path: Path, *, migrated: bool) -> Iterator[str]:
    """A new ledger database for one test: at head when ``migrated``, else empty.

    ``backend`` is ``sqlite`` or a PostgreSQL name (``postgres``/``postgresql``, as the
    caller's test ids spell it); SQLite's file goes to ``sqlite_path``.
    """
    if backend == "sqlite":
        yield migrated_sqlite_url(sqlite_path) if migrated else f"sqlite:///{sqlite_path}"
        return
    with migrated_postgres_database() if migrated else fresh_postgres_database() as url:
        yield url


@contextmanager
def migrated_postgres_database() -> Iterator[str]:
    """A new PostgreSQL database at head (dropped afterwards), as a URL."""
    with fresh_postgres_database(template=_postgres_template()) as url:
        yield url


def _postgres_template() -> str:
    template = _templates.get("postgresql")
    if template is None:
        template = unique_name("pi_template").replace("-", "_")
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{template}"'))
        except sa.exc.OperationalError as err:
            admin.dispose()
            require(False, f"PostgreSQL at {POSTGRES_ADMIN_URL} ({err.__class__.__name__})")
        atexit.register(_drop, admin, template)
        url = admin.url.set(database=template).render_as_string(hide_password=False)
        open_ledger(url).dispose()  # a template must have no connections when it is copied
        _templates["postgresql"] = template
    return template


def _drop(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
