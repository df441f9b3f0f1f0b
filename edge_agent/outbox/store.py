"""The device's durable outbox: a SQLite (WAL) file of events not yet applied by the collector.

Every accepted event is numbered (``epoch``, ``seq``) in the same transaction that
stores it, with ``synchronous=FULL`` so a committed append survives a power cut.
An event leaves the file only through :meth:`Outbox.acknowledge`, which the
delivery code calls on the collector's ``EventAck`` and never on a broker PUBACK.
When the disk cap is reached, :meth:`Outbox.append` refuses the new event with
:class:`~edge_agent.errors.OutboxFullError`; it never deletes an unsent one.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from edge_agent import wire
from edge_agent.errors import EdgeAgentError, EventDataError, OutboxError, OutboxFullError
from edge_agent.outbox.codec import CURRENT_CODEC, PayloadCodec

log = structlog.get_logger(__name__)

SCHEMA_VERSION = "1"
NEAR_CAP_RATIO = 0.8
"""Share of the disk cap above which the heartbeat carries ``outbox_near_cap``."""
MIN_CAP_BYTES = 256 * 1024
_ROW_OVERHEAD_BYTES = 32  # b-tree cell header, rowid and the observed_at column, rounded up
_SQLITE_FULL = 13

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, observed_at_s REAL NOT NULL,"
    " payload BLOB NOT NULL)",
)


def random_epoch() -> int:
    """A fresh epoch: random in 1..2**31-1, so a recreated file never repeats an old epoch.

    A timestamp would repeat on a Pi without a real-time clock (fake-hwclock
    restores the last saved time), and a repeated epoch would make the collector
    discard the new file's events as duplicates.
    """
    return secrets.randbelow(2**31 - 1) + 1


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One outbox row: its number and the exact JSON bytes to publish."""

    epoch: int
    seq: int
    payload: bytes


class Outbox:
    """Durable, numbered, capped store of events waiting for the collector's acknowledgement.

    Thread-safe: sensor pipelines append while the forwarder reads and acknowledges.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        device_id: str,
        max_bytes: int,
        near_cap_ratio: float = NEAR_CAP_RATIO,
        new_epoch: Callable[[], int] = random_epoch,
    ) -> None:
        """Open (or create, with a new epoch) the outbox file at ``path`` for ``device_id``."""
        if max_bytes < MIN_CAP_BYTES:
            raise OutboxError(
                f"outbox disk cap {max_bytes} bytes is below the minimum {MIN_CAP_BYTES}; "
                "raise outbox max_bytes in the device config"
            )
        self.path = Path(path)
        self.device_id = device_id
        self.max_bytes = max_bytes
        self._near_cap_bytes = int(max_bytes * near_cap_ratio)
        self._lock = threading.Lock()
        self._conn = _connect(self.path)
        self._codec = PayloadCodec(CURRENT_CODEC)
        try:
            self.epoch, self._last_seq = self._load_or_create(new_epoch)
        except BaseException:
            self._conn.close()
            raise
        log.info(
            "outbox.opened", path=str(self.path), device=device_id, epoch=self.epoch,
            last_seq=self._last_seq, unsent=self.unsent_count(),
        )  # fmt: skip

    # ------------------------------------------------------------------ writing

    def append(self, data: BaseModel, observed_at: datetime) -> wire.Event:
        """Number, wrap and durably store one event; ``OutboxFullError`` at the disk cap."""
        return self.append_many([(data, observed_at)])[0]

    def append_many(self, items: Iterable[tuple[BaseModel, datetime]]) -> list[wire.Event]:
        """Store several events in one transaction (all or none), numbered consecutively."""
        with self._lock:
            first_seq = self._last_seq + 1
            events = [
                self._envelope(seq, data, observed_at)
                for seq, (data, observed_at) in enumerate(items, start=first_seq)
            ]
            if not events:
                return []
            rows = [
                (e.seq, e.observed_at.timestamp(), self._codec.encode(wire.dump_event(e)))
                for e in events
            ]
            self._check_cap(sum(len(r[2]) + _ROW_OVERHEAD_BYTES for r in rows))
            last_seq = events[-1].seq
            with self._write_txn():
                self._conn.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
                self._conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'last_seq'", (str(last_seq),)
                )
            self._last_seq = last_seq
            return events

    def acknowledge(self, epoch: int, seq: int) -> int:
        """Delete every event of ``epoch`` up to ``seq``; returns how many rows left the file.

        Call this only for the collector's ``EventAck``: the events are in the ledger.
        """
        if epoch != self.epoch:
            log.warning("outbox.ack_other_epoch", device=self.device_id, epoch=epoch,
                        outbox_epoch=self.epoch, seq=seq)  # fmt: skip
            return 0
        with self._lock:
            if seq > self._last_seq:
                # The collector claims events this file never produced: keep ours, shout.
                log.error("outbox.ack_beyond_last_seq", device=self.device_id, epoch=epoch,
                          seq=seq, last_seq=self._last_seq)  # fmt: skip
                seq = self._last_seq
            # A delete need not wait for the disk: if a power cut undoes it, those events are
            # sent again and the collector de-duplicates them. Appends stay fully synced, and
            # the next one makes this delete durable too. 10x fewer fsyncs on a busy drain.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._write_txn():
                    cursor = self._conn.execute("DELETE FROM events WHERE seq <= ?", (seq,))
            finally:
                self._conn.execute("PRAGMA synchronous=FULL")
            return cursor.rowcount

    # ------------------------------------------------------------------ reading

    @property
    def last_seq(self) -> int:
        """The highest seq ever given out in this epoch (0 before the first event)."""
        return self._last_seq

    def next_to_send(self, after_seq: int, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` stored events with seq greater than ``after_seq``, in seq order."""
        rows = self._query(
            "SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        decode = self._codec.decode
        return [StoredEvent(self.epoch, int(seq), decode(blob)) for seq, blob in rows]

    def acked_through(self) -> int:
        """Highest seq known to be acknowledged: everything below the oldest stored event."""
        rows = self._query("SELECT MIN(seq) FROM events", ())
        oldest = rows[0][0]
        return self._last_seq if oldest is None else oldest - 1

    def unsent_count(self) -> int:
        """How many events wait for the collector's acknowledgement."""
        return int(self._query("SELECT COUNT(*) FROM events", ())[0][0])

    def oldest_unsent_age_s(self, now: datetime) -> float | None:
        """Seconds since the oldest waiting event was observed; ``None`` when none waits."""
        rows = self._query("SELECT observed_at_s FROM events ORDER BY seq LIMIT 1", ())
        if not rows:
            return None
        return max(0.0, now.timestamp() - float(rows[0][0]))

    def size_bytes(self) -> int:
        """Bytes the outbox holds on disk: the database file plus its write-ahead log."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def used_bytes(self) -> int:
        """Bytes of database pages in use; the disk cap is checked against this."""
        with self._lock:
            return self._used_bytes()

    @property
    def is_near_cap(self) -> bool:
        """True above the warning share of the cap (80% by default): say so in the heartbeat."""
        return self.used_bytes() >= self._near_cap_bytes

    def close(self) -> None:
        """Close the file; every committed event is already on disk."""
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ internals

    def _envelope(self, seq: int, data: BaseModel, observed_at: datetime) -> wire.Event:
        try:
            return wire.make_event(
                event_id=wire.new_event_id(), device_id=self.device_id, epoch=self.epoch, seq=seq,
                observed_at=observed_at, data=data,  # type: ignore[arg-type]
            )  # fmt: skip
        except (StopIteration, ValidationError) as err:
            # nothing was stored and no seq was used: the caller's bug, reported as such
            raise EventDataError(
                f"cannot store {type(data).__name__} observed at {observed_at!r} for device "
                f"{self.device_id}: not a wire event body with a timezone-aware time ({err})"
            ) from err

    def _used_bytes(self) -> int:
        page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
        free = self._conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * page_size)

    def _check_cap(self, incoming_bytes: int) -> None:
        used = self._used_bytes()
        if used + incoming_bytes > self.max_bytes:
            log.error("outbox.full", device=self.device_id, epoch=self.epoch,
                      used_bytes=used, max_bytes=self.max_bytes)  # fmt: skip
            raise OutboxFullError(
                f"outbox {self.path} is full ({used} of {self.max_bytes} bytes used); the "
                "event was not stored. It drains as the collector acknowledges; check the "
                "broker and collector, or raise outbox max_bytes"
            )

    def _query(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        with self._lock, _translated(self.path):
            return self._conn.execute(sql, params).fetchall()

    @contextmanager
    def _write_txn(self) -> Iterator[None]:
        with _translated(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _load_or_create(self, new_epoch: Callable[[], int]) -> tuple[int, int]:
        with self._lock, _translated(self.path):
            tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            return self._create(new_epoch()), 0
        meta = dict(self._query("SELECT key, value FROM meta", ()))
        if meta.get("device_id") != self.device_id:
            raise OutboxError(
                f"outbox {self.path} belongs to device {meta.get('device_id')!r}, not "
                f"{self.device_id!r}; point outbox path elsewhere or fix device_id"
            )
        self._codec = PayloadCodec(str(meta.get("codec", "missing")))
        return int(str(meta["epoch"])), int(str(meta["last_seq"]))

    def _create(self, epoch: int) -> int:
        meta = {"schema": SCHEMA_VERSION, "device_id": self.device_id, "epoch": str(epoch),
                "last_seq": "0", "codec": self._codec.name}  # fmt: skip
        with self._lock, self._write_txn():
            for statement in _SCHEMA:
                self._conn.execute(statement)
            self._conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        log.info("outbox.created", path=str(self.path), device=self.device_id, epoch=epoch)
        return epoch


def _connect(path: Path) -> sqlite3.Connection:
    """Open the file in WAL mode with a full fsync on every commit."""
    with _translated(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise OutboxError(f"outbox {path}: the file system refused WAL mode ({mode})")
            conn.execute("PRAGMA synchronous=FULL")
        except BaseException:
            conn.close()
            raise
        return conn


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """Turn sqlite3 and OS errors into the edge agent's own, naming the file."""
    try:
        yield
    except EdgeAgentError:
        raise
    except sqlite3.Error as err:
        if getattr(err, "sqlite_errorcode", None) == _SQLITE_FULL:
            raise OutboxFullError(f"outbox {path}: the disk is full ({err})") from err
        raise OutboxError(
            f"outbox {path}: {err}; if the file is corrupt, move it aside and restart "
            "(a new file starts a new epoch)"
        ) from err
    except OSError as err:
        raise OutboxError(f"outbox {path}: {err}") from err
