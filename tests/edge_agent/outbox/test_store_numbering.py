"""Numbering never repeats or skips, whatever mix of appends, acks, reopens and SIGKILLs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from edge_agent.outbox.store import Outbox
from tests.edge_agent.outbox.conftest import DEVICE, T0, weight_change

CAP = 8 * 2**20


class OutboxNumbering(RuleBasedStateMachine):
    """Model: seqs 1..appended were handed out; (acked, appended] are still stored."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "o.db"
        self.box = Outbox(self.path, device_id=DEVICE, max_bytes=CAP)
        self.epoch = self.box.epoch
        self.appended = 0
        self.acked = 0

    @rule(n=st.integers(1, 5))
    def append(self, n: int) -> None:
        events = self.box.append_many([(weight_change(i), T0) for i in range(n)])
        assert [e.seq for e in events] == list(range(self.appended + 1, self.appended + n + 1))
        self.appended += n

    @precondition(lambda self: self.appended > 0)
    @rule(data=st.data())
    def acknowledge(self, data: st.DataObject) -> None:
        seq = data.draw(st.integers(0, self.appended))
        self.box.acknowledge(self.epoch, seq)
        self.acked = max(self.acked, seq)

    @rule()
    def reopen(self) -> None:
        self.box.close()
        self.box = Outbox(self.path, device_id=DEVICE, max_bytes=CAP)
        assert self.box.epoch == self.epoch

    @invariant()
    def stored_seqs_are_exactly_the_unacked_ones(self) -> None:
        stored = [e.seq for e in self.box.next_to_send(0, 10_000)]
        assert stored == list(range(self.acked + 1, self.appended + 1))
        assert self.box.last_seq == self.appended
        assert self.box.acked_through() == self.acked

    def teardown(self) -> None:
        self.box.close()
        self.dir.cleanup()


TestOutboxNumbering = OutboxNumbering.TestCase
TestOutboxNumbering.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)

_APPENDER = """
import sys
from datetime import UTC, datetime
from edge_agent import wire
from edge_agent.outbox.store import Outbox
box = Outbox(sys.argv[1], device_id="shelf-pi-1", max_bytes=64 * 2**20)
data = wire.RfidTagSeen(epc="3034F87E", gate="dock-1", direction="in")
while True:
    event = box.append(data, datetime.now(UTC))
    print(event.seq, event.event_id, flush=True)
"""


_REPORTED = re.compile(r"(\d+) ([0-9a-f]{8}-[0-9a-f-]{27})")


def _append_then_kill(path: Path, run_s: float) -> list[tuple[int, str]]:
    """Run an appender process, SIGKILL it mid-write, return what it reported as committed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _APPENDER, str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )  # fmt: skip
    time.sleep(run_s)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    # a complete line only: the kill may cut the last one short
    matches = (_REPORTED.fullmatch(line) for line in out.splitlines())
    return [(int(m[1]), m[2]) for m in matches if m]


def test_sigkill_during_appends_loses_no_committed_event_and_reuses_no_seq(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    reported: dict[int, str] = {}
    for _ in range(3):
        committed = _append_then_kill(path, run_s=1.5)
        assert committed, "the appender reported nothing; is the outbox importable?"
        for seq, event_id in committed:
            assert seq not in reported, f"seq {seq} handed out twice"
            reported[seq] = event_id
    box = Outbox(path, device_id=DEVICE, max_bytes=64 * 2**20)
    stored = {e.seq: e.payload for e in box.next_to_send(0, 1_000_000)}
    assert list(stored) == list(range(1, box.last_seq + 1)), "a seq was skipped"
    for seq, event_id in reported.items():
        assert event_id.encode() in stored[seq], f"committed event {seq} lost or replaced"
