"""``collector run`` SIGKILLed in the middle of a stream and restarted with the same client id.

The broker keeps the collector's persistent session (unacknowledged and queued events);
the restarted collector gets them again and the ledger recognises what it already
committed. Every receipt is in the ledger exactly once; the edge outbox ends empty.
"""

from __future__ import annotations

import time

import pytest

from tests.system.ledger_probe import assert_exactly_once, wait_until_applied
from tests.system.processes import pid_running, wait_for
from tests.system.rig import Rig

pytestmark = [pytest.mark.mqtt, pytest.mark.slow, pytest.mark.timeout(150)]

TOTAL = 1200
RATE_PER_S = 250
COLLECTOR_DOWN_S = 1.5
FINISH_TIMEOUT_S = 90


def test_collector_sigkill_mid_stream_then_restart_posts_every_event_once(rig: Rig) -> None:
    spec = rig.spec(TOTAL)
    first = rig.collector()
    edge = rig.edge(spec, rate=RATE_PER_S)
    quarter = lambda: rig.probe.applied(spec.device_id) >= TOTAL // 4  # noqa: E731
    wait_for(quarter, 30, f"{TOTAL // 4} events applied before the kill", rig.context)

    writer_pid = first.writer_pid()
    first.sigkill()
    applied_at_kill = rig.probe.applied(spec.device_id)
    assert applied_at_kill < TOTAL, "the stream was applied before the kill; raise TOTAL"
    # the ledger writer child must notice its parent is gone and exit by itself
    assert writer_pid is not None, f"no ledger_writer.started line\n{first.logs()}"
    wait_for(lambda: not pid_running(writer_pid), 10, "the orphaned ledger writer exiting")
    time.sleep(COLLECTOR_DOWN_S)  # the edge keeps producing with no collector

    second = rig.collector()
    assert rig.wait_edge_done(edge, FINISH_TIMEOUT_S) == 0, f"edge did not drain\n{rig.context()}"
    wait_until_applied(rig.probe, spec, 10, rig.context)
    assert_exactly_once(rig.probe, spec, edge.appended())
    rig.assert_outbox_empty(spec)
    assert second.terminate() == 0, f"collector did not stop cleanly\n{second.logs()}"
