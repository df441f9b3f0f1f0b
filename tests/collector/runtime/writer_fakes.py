"""Ingestors the writer-process tests build inside the child (spawned: they must import)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from collector.errors import LedgerError
from collector.ingest.ports import BatchOutcome, Disposition, InboundMessage, MessageOutcome


class ScriptedIngestor:
    """Applies every message; payloads ``die``, ``down`` and ``bug`` misbehave on purpose."""

    def __init__(self, journal: Path) -> None:
        self._journal = journal

    def ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        payloads = [message.payload for message in batch]
        if b"die" in payloads:
            os._exit(3)  # the writer process vanishes mid-batch
        if b"down" in payloads:
            raise LedgerError("database is down")
        if b"bug" in payloads:
            raise ZeroDivisionError("a bug")
        with self._journal.open("ab") as out:  # what "committed" means for this fake
            out.write(b"".join(p + b"\n" for p in payloads))
        return BatchOutcome(
            outcomes=[MessageOutcome(Disposition.APPLIED, device_id=m.topic) for m in batch]
        )


def scripted(journal: str) -> ScriptedIngestor:
    """Factory run in the child."""
    return ScriptedIngestor(Path(journal))


def broken() -> ScriptedIngestor:
    """A factory that fails, as opening a bad database would."""
    raise LedgerError("cannot open the ledger")


def orphan_main(journal: str) -> None:
    """A parent that starts a writer, prints its pid, then waits to be killed."""
    from functools import partial  # noqa: PLC0415

    from collector.logs import configure_logging  # noqa: PLC0415
    from collector.runtime.writer_process import WriterProcess  # noqa: PLC0415

    configure_logging(level="WARNING")  # stdout carries only the pid
    writer = WriterProcess(partial(scripted, journal))
    writer.start()
    print(writer.pid, flush=True)
    sys.stdin.read()  # until killed


if __name__ == "__main__":
    orphan_main(sys.argv[1])
