"""Working copies of the generated ledgers (a benchmark that writes must not change them),
empty ledgers of the same schema, and their sizes."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from collector.ledger.engine import open_ledger


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def pg_database(url: str, *, template: str | None) -> Iterator[str]:
    """A database at ``url``: a file copy of ``template`` (or empty), dropped afterwards."""
    admin = _admin(url)
    name = sa.make_url(url).database or ""
    copy = f" TEMPLATE {_quoted(template)} STRATEGY FILE_COPY" if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {_quoted(name)}{copy}"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"))
        admin.dispose()


@contextlib.contextmanager
def sqlite_file(path: Path, *, source: Path | None) -> Iterator[str]:
    """A SQLite ledger at ``path``: a copy of ``source`` (or empty), removed afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    if source is not None:
        shutil.copyfile(source, path)
    try:
        yield f"sqlite:///{path}"
    finally:
        for done in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            done.unlink(missing_ok=True)


def migrated(url: str) -> tuple[sa.Engine, float]:
    """``open_ledger`` (migrations to head: on a copy, the indexes added since it was made)."""
    started = time.perf_counter()
    engine = open_ledger(url)
    return engine, time.perf_counter() - started


def size_bytes(engine: sa.Engine) -> int:
    """The database's size on disk (SQLite: the file with its WAL)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            )
    path = Path(engine.url.database or "")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def movement_count(engine: sa.Engine) -> int:
    """Journal lines."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM movements").scalar_one())
