"""The ledger writer in its own process: the batch loop's ``Ingestor``, one pipe away.

In one process, paho's network thread and the ledger's decoding and posting take turns
on one GIL, so the collector used about one core of two (see ``docs/collector.md``).
``WriterProcess`` runs the real ingestor in a child process and hands it one batch at a
time. ``ingest`` returns only after the child's transaction committed, so the loop's
order (commit → PUBACK → ``EventAck``) is unchanged, while the network thread goes on
receiving the next batch.

If the child dies, ``ingest`` raises ``LedgerError`` (nothing is acknowledged; the loop
retries the batch) and the next call starts a new child. If the parent dies, even by
``kill -9``, the child reads end-of-file on its pipe and exits; a batch it committed but
could not report is redelivered by the broker and recognised as duplicates.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Sequence
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

import structlog

from collector.errors import CollectorError, LedgerError
from collector.ingest.ports import BatchOutcome, InboundMessage, Ingestor

log = structlog.get_logger("collector.runtime")

IngestorFactory = Callable[[], Ingestor]
"""Builds the real ingestor inside the child; must pickle (a module-level function or a
``functools.partial`` of one), since the child is spawned, not forked."""

_READY, _START_FAILED, _OK, _LEDGER_ERROR, _BUG = "ready", "start_failed", "ok", "ledger", "bug"
_Wire = list[tuple[str, bytes, datetime, int | None]]
"""A batch on the pipe: (topic, payload, received_at, lease) per message, cheaper than objects."""


class WriterProcessError(CollectorError):
    """The ledger writer process failed in a way that is a bug, not a database outage."""


class WriterProcess:
    """A ``PipelinedIngestor``: each batch commits in a child process; ``ingest`` waits for it,
    ``submit`` + ``result`` let the batch loop gather the next batch meanwhile."""

    def __init__(self, factory: IngestorFactory, *, start_timeout_s: float = 120.0) -> None:
        """Nothing starts until ``start`` (or the first ``ingest``)."""
        self._factory = factory
        self._start_timeout_s = start_timeout_s
        self._context = mp.get_context("spawn")  # forking a process with threads is unsafe
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._awaiting = False

    @property
    def pid(self) -> int | None:
        """The writer's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Spawn the writer and wait until its ingestor is built; ``LedgerError`` if it cannot."""
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=serve_writer, args=(self._factory, child_end), name="ledger-writer", daemon=True
        )
        process.start()
        child_end.close()
        self._process, self._conn = process, parent_end
        if not parent_end.poll(self._start_timeout_s):
            self._discard()
            raise LedgerError(f"the ledger writer did not start within {self._start_timeout_s} s")
        kind, detail = self._reply(process, parent_end)
        if kind != _READY:
            self._discard()
            raise LedgerError(f"the ledger writer could not start: {detail}")
        log.info("ledger_writer.started", pid=process.pid)

    def ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        """Commit ``batch`` in the writer; returns once committed, raises if it was not."""
        self.submit(batch)
        return self.result()

    def submit(self, batch: Sequence[InboundMessage]) -> None:
        """Hand ``batch`` to the writer, which starts committing it; ``result`` waits for it."""
        if self._awaiting:
            raise WriterProcessError("a batch is still committing: call result() first")
        _process, conn = self._running()
        wire: _Wire = [(m.topic, m.payload, m.received_at, m.lease) for m in batch]
        try:
            conn.send(wire)
        except OSError as err:
            self._discard()
            raise LedgerError(f"the ledger writer is gone ({err}); the batch was not sent") from err
        self._awaiting = True

    def result(self) -> BatchOutcome:
        """The submitted batch's outcome once committed; ``LedgerError`` if it was not."""
        process, conn = self._process, self._conn
        if not self._awaiting or process is None or conn is None:
            raise WriterProcessError("no batch was submitted")
        self._awaiting = False
        kind, detail = self._reply(process, conn)
        if kind == _OK:
            return detail
        if kind == _LEDGER_ERROR:
            raise LedgerError(detail)
        raise WriterProcessError(f"the ledger writer failed on a batch: {detail}")

    def committing(self) -> bool:
        """True while the submitted batch is unanswered and the writer is alive (no blocking)."""
        process, conn = self._process, self._conn
        if not self._awaiting or process is None or conn is None:
            return False
        return not wait([conn, process.sentinel], timeout=0)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Ask the writer to exit after its batch in hand; kill it if it does not."""
        process, conn = self._process, self._conn
        if process is None or conn is None:
            return
        with contextlib.suppress(OSError):  # already gone
            conn.send(None)
        process.join(timeout_s)
        if process.is_alive():
            log.warning("ledger_writer.killed", pid=process.pid, waited_s=timeout_s)
        self._discard()

    def __enter__(self) -> WriterProcess:
        """Start the writer."""
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        """Stop the writer."""
        self.stop()

    def _running(self) -> tuple[BaseProcess, Connection]:
        """The live child and its pipe, starting one when there is none."""
        if self._process is None or self._conn is None:
            self.start()
        if self._process is None or self._conn is None:
            raise LedgerError("the ledger writer is not running")
        return self._process, self._conn

    def _reply(self, process: BaseProcess, conn: Connection) -> tuple[str, Any]:
        """The child's answer; ``LedgerError`` (and a fresh child next time) if it died."""
        wait([conn, process.sentinel])  # whichever comes first: an answer, or its death
        try:
            if conn.poll():
                return conn.recv()
        except (EOFError, OSError):
            pass
        process.join(1.0)
        code = process.exitcode
        self._discard()
        raise LedgerError(
            f"the ledger writer process exited (code {code}) before answering; nothing of "
            "this batch was acknowledged, it is retried in a new writer"
        )

    def _discard(self) -> None:
        """Forget the current child, ending it if it still runs."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self._awaiting = False
        if conn is not None:
            conn.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(5.0)


# --------------------------------------------------------------------------- the child


def serve_writer(factory: IngestorFactory, conn: Connection) -> None:
    """Child process: build the ingestor, then commit batches until told to stop or orphaned."""
    # The parent decides when to stop (after its batch in hand); a Ctrl-C or a service
    # manager's SIGTERM to the whole process group must not cut a batch short here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        ingestor = factory()
    except Exception as err:  # reported to the parent, which exits with the reason
        conn.send((_START_FAILED, f"{err.__class__.__name__}: {err}"))
        return
    conn.send((_READY, os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone (even kill -9): nothing is waiting for answers
        if request is None:
            return
        reply = _commit(ingestor, request)
        try:
            conn.send(reply)
        except OSError:
            return


def _commit(ingestor: Ingestor, wire: _Wire) -> tuple[str, Any]:
    messages = [InboundMessage(*fields) for fields in wire]
    try:
        return _OK, ingestor.ingest(messages)
    except LedgerError as err:
        return _LEDGER_ERROR, str(err)
    except Exception as err:  # a bug: the parent must not ack; the traceback is logged here
        log.exception("ledger_writer.unexpected_error", error=repr(err))
        return _BUG, repr(err)
