"""Open the ledger database: engine settings per dialect, migrations to head, the writer lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from collector.errors import LedgerError

_LEDGER_LOCK_KEY = 0x1ED6E4
"""PostgreSQL advisory lock serialising ledger writers (SQLite uses BEGIN IMMEDIATE)."""
SQLITE_BUSY_TIMEOUT_S = 30
READ_ONLY = "ledger_read_only"
"""Execution option of a connection that only reads (``read_only_connection``)."""


PG_DEAD_LINK_DEFAULTS: dict[str, int] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
"""libpq settings that turn a silent link to PostgreSQL into an error within about 30 s
(a query's unacknowledged bytes, or 25 s of an idle connection without keepalive answers),
rather than a session that waits for TCP to give up, hours later; any of them in the URL's
query (``?tcp_user_timeout=…``) wins."""


def create_ledger_engine(url: str) -> sa.Engine:
    """An engine for ``sqlite:///PATH`` or ``postgresql+psycopg://…`` tuned for the ledger.

    SQLite: WAL, foreign keys on, ``synchronous=FULL`` (commits are batched, so durability
    is cheap), every transaction ``BEGIN IMMEDIATE`` so writers queue instead of failing,
    except on a ``read_only_connection``.
    The folder of a SQLite file is created when missing. PostgreSQL: ``PG_DEAD_LINK_DEFAULTS``.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        dead_link = {k: v for k, v in PG_DEAD_LINK_DEFAULTS.items() if k not in parsed.query}
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args=dead_link)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so "begin" below decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=FULL",
        # Debian's SQLite zeroes every freed page (SECURE_DELETE), so each delivered outbox
        # row or pruned inbox row was written once more, into the WAL, to be erased; FAST
        # still clears what lies in the pages the delete touches anyway, at no extra I/O
        "PRAGMA secure_delete=FAST",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    # a reader must not queue for the one write lock: in WAL it reads a snapshot beside
    # the writer (a deferred BEGIN); everything else takes the lock up front
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only_connection(engine: sa.Engine) -> sa.Connection:
    """A connection for reads only: on SQLite its transactions take no write lock.

    Writing through it is a mistake: on SQLite a deferred transaction that starts to
    write may fail at once with "database is locked" instead of waiting its turn.
    """
    return engine.connect().execution_options(**{READ_ONLY: True})


WRITER_IDLE_TIMEOUT_S = 5.0
"""How long PostgreSQL lets a bounded writer's transaction sit idle before ending its session.

A writer cut off from the database between two statements (its host frozen, the
network gone) would otherwise hold the ledger lock, and the lease rows it read
``FOR KEY SHARE``, until TCP gives up hours later, and every other writer and cluster
member would wait behind it. A batch's statements follow each other within
milliseconds; within a TTL (5 s by default) another member can then take over.
"""


def lock_ledger(connection: sa.Connection, *, idle_timeout_s: float | None = None) -> None:
    """Make this transaction the only ledger writer until it ends (ids are allocated in order).

    ``idle_timeout_s``: on PostgreSQL, end the session if this transaction idles longer
    (``WRITER_IDLE_TIMEOUT_S`` for the ingest path); None for operator commands and
    migrations, whose Python work between statements may take long on a big ledger.
    """
    if connection.dialect.name != "postgresql":
        return
    lock = sa.func.pg_advisory_xact_lock(_LEDGER_LOCK_KEY)
    if idle_timeout_s is None:
        connection.execute(sa.select(lock))
    else:  # one round trip: the setting and the lock
        connection.execute(sa.select(_idle_timeout(idle_timeout_s), lock))


def bound_idle_in_transaction(
    connection: sa.Connection, idle_timeout_s: float = WRITER_IDLE_TIMEOUT_S
) -> None:
    """On PostgreSQL, end the session if this transaction idles longer than ``idle_timeout_s``."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(_idle_timeout(idle_timeout_s)))


def _idle_timeout(idle_timeout_s: float) -> sa.ColumnElement[object]:
    milliseconds = str(max(int(idle_timeout_s * 1000), 1))
    # set_config(…, true) is SET LOCAL: it ends with the transaction
    return sa.func.set_config("idle_in_transaction_session_timeout", milliseconds, True)


def alembic_config(connection: sa.Connection) -> Config:
    """Alembic configuration for the packaged migrations, bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", "collector.ledger:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: sa.Engine) -> None:
    """Run every pending migration in one transaction; raises ``LedgerError`` on failure."""
    try:
        with engine.begin() as connection:
            lock_ledger(connection)
            command.upgrade(alembic_config(connection), "head")
    except sa.exc.SQLAlchemyError as err:
        raise LedgerError(f"could not migrate the ledger at {engine.url!r}: {err}") from err


def open_ledger(url: str) -> sa.Engine:
    """Create the engine and migrate the database to head: what every command starts with."""
    engine = create_ledger_engine(url)
    upgrade_to_head(engine)
    refresh_planner_statistics(engine)
    return engine


STATISTICS_GROWTH = 10
"""Re-analyse a SQLite ledger once its journal holds this many times the rows it was
analysed with (PostgreSQL's autovacuum keeps its own statistics)."""
STATISTICS_SLACK_ROWS = 1000
"""…plus this many: a small ledger is not analysed at every start."""


def refresh_planner_statistics(engine: sa.Engine) -> bool:
    """``ANALYZE`` a SQLite ledger never analysed, or grown ``STATISTICS_GROWTH``-fold since.

    Without statistics SQLite's planner reads a period's lines by walking an index in SKU
    order through the whole journal (2.7 s for a month's report at 1,000,000 movements);
    with them it seeks each SKU's period (60 ms). Whether it ran.
    """
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        analysed = _analysed_rows(conn)
        rows = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM movements").scalar_one())
    if analysed is not None and rows <= STATISTICS_GROWTH * analysed + STATISTICS_SLACK_ROWS:
        return False
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return True


def _analysed_rows(conn: sa.Connection) -> int | None:
    """The journal's rows when it was last analysed (None: never)."""
    if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        return None
    stat = conn.exec_driver_sql(  # "rows avg-per-key …", per index of the table
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'movements' LIMIT 1"
    ).scalar()
    return None if stat is None else int(str(stat).split()[0])
