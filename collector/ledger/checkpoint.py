"""SQLite WAL checkpoints on a thread beside the ledger writer, so a commit only syncs the WAL.

With ``synchronous=FULL`` every commit fsyncs the WAL. SQLite also checkpoints (copies
the WAL into the database file and fsyncs that) inside whichever commit pushes the WAL
past ``wal_autocheckpoint`` pages: every few batches, one commit took three times as
long. Here a thread with its own connection runs PASSIVE checkpoints every second
instead; they never block the writer, and SQLite releases the GIL while they copy and
sync. Durability is unchanged: a commit is durable once its WAL frames are synced, and a
checkpoint cut short by a crash is redone from the WAL. Should the thread stop, the
writer's own connections still checkpoint at ``FALLBACK_AUTOCHECKPOINT_PAGES``.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog

log = structlog.get_logger("collector.ledger")

INTERVAL_S = 1.0
FALLBACK_AUTOCHECKPOINT_PAGES = 16_000
"""About 64 MB of WAL at 4 KiB pages: the writer checkpoints itself only past this."""


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """What one PASSIVE checkpoint did, as SQLite reports it."""

    busy: bool
    wal_frames: int
    checkpointed_frames: int


class WalCheckpointer:
    """Checkpoints a SQLite ledger's WAL from a daemon thread; a no-op for other databases."""

    def __init__(self, engine: sa.Engine, *, interval_s: float = INTERVAL_S) -> None:
        """Raise the engine's automatic checkpoint threshold for connections opened from now."""
        self._engine = engine
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.enabled = engine.dialect.name == "sqlite"
        if self.enabled:
            sa.event.listen(engine, "connect", _raise_autocheckpoint)

    def run_once(self, dbapi_connection: Any) -> CheckpointResult:
        """One PASSIVE checkpoint on a raw connection in autocommit mode."""
        cursor = dbapi_connection.cursor()
        try:
            busy, wal_frames, done = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            cursor.close()
        return CheckpointResult(bool(busy), int(wal_frames), int(done))

    def start(self) -> None:
        """Start the thread (SQLite only); it runs until ``stop`` or the process ends."""
        if not self.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread after its current checkpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        """Checkpoint every interval; a failure is logged and retried, never raised."""
        try:
            raw = self._engine.raw_connection()
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as err:
            log.warning(
                "ledger.checkpoint_thread_stopped",
                error=str(err),
                hint="the writer checkpoints the WAL itself past the fallback size",
            )
            return
        try:
            while not self._stop.wait(self._interval_s):
                try:
                    self.run_once(raw.driver_connection)
                except sqlite3.Error as err:
                    log.warning("ledger.checkpoint_failed", error=str(err), retry_in_s=1.0)
        finally:
            raw.close()


def _raise_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_AUTOCHECKPOINT_PAGES}")
    cursor.close()
