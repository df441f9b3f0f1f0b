"""The ledger writer process: answers after its commit, survives its own death, dies with us."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from collector.errors import LedgerError
from collector.ingest.ports import Disposition, InboundMessage
from collector.runtime.writer_process import WriterProcess, WriterProcessError
from tests.collector.runtime import writer_fakes

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def message(payload: bytes) -> InboundMessage:
    return InboundMessage("inventory/v1/s/d/events", payload, T0)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal"


@pytest.fixture
def writer(journal: Path):
    with WriterProcess(partial(writer_fakes.scripted, str(journal))) as running:
        yield running


def test_a_batch_is_committed_in_the_child_before_the_outcome_returns(writer, journal):
    outcome = writer.ingest([message(b"a"), message(b"b")])
    assert [o.disposition for o in outcome.outcomes] == [Disposition.APPLIED] * 2
    assert journal.read_bytes() == b"a\nb\n"
    assert writer.pid != os.getpid()


def test_a_ledger_error_in_the_child_is_a_ledger_error_here(writer, journal):
    with pytest.raises(LedgerError, match="database is down"):
        writer.ingest([message(b"down")])
    writer.ingest([message(b"after")])  # the same child goes on
    assert journal.read_bytes() == b"after\n"


def test_a_bug_in_the_child_is_not_mistaken_for_an_outage(writer):
    with pytest.raises(WriterProcessError, match="ZeroDivisionError"):
        writer.ingest([message(b"bug")])


def test_a_writer_that_dies_mid_batch_is_replaced_and_the_batch_can_be_retried(writer, journal):
    first_pid = writer.pid
    with pytest.raises(LedgerError, match="exited \\(code 3\\)"):
        writer.ingest([message(b"x"), message(b"die")])
    writer.ingest([message(b"x")])  # the loop's retry: a new child commits it
    assert writer.pid not in {None, first_pid}
    assert journal.read_bytes() == b"x\n"


def test_a_writer_that_cannot_start_says_why():
    with pytest.raises(LedgerError, match="could not start: LedgerError: cannot open the ledger"):
        WriterProcess(writer_fakes.broken).start()


def test_the_writer_exits_when_its_parent_is_killed(journal):
    parent = subprocess.Popen(
        [sys.executable, "-m", "tests.collector.runtime.writer_fakes", str(journal)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid), "the orphaned writer kept running"


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"
