"""The edge process SIGKILLed (power loss) mid-stream and restarted on the same outbox file.

Every append that returned before the kill, and every one after the restart, is in the
ledger exactly once under its own seq; the restart keeps the epoch and neither reuses
nor skips a seq; the outbox ends empty.
"""

from __future__ import annotations

import pytest

from edge_agent.outbox.store import Outbox
from tests.system.edge_stream import OUTBOX_CAP_BYTES
from tests.system.ledger_probe import assert_exactly_once, wait_until_applied
from tests.system.processes import wait_for
from tests.system.rig import Rig

pytestmark = [pytest.mark.mqtt, pytest.mark.slow, pytest.mark.timeout(150)]

TOTAL = 1200
RATE_PER_S = 250
FINISH_TIMEOUT_S = 90


def test_edge_sigkill_mid_stream_resumes_and_posts_every_event_once(rig: Rig) -> None:
    spec = rig.spec(TOTAL)
    rig.collector()
    first = rig.edge(spec, rate=RATE_PER_S)
    a_third = lambda: len(first.appended()) >= TOTAL // 3  # noqa: E731
    wait_for(a_third, 30, f"{TOTAL // 3} appends before the power cut", rig.context)
    first.sigkill()
    before = first.appended()
    assert max(before) < TOTAL, "the stream ended before the kill; raise TOTAL"
    outbox = Outbox(rig.outbox_path(spec), device_id=spec.device_id, max_bytes=OUTBOX_CAP_BYTES)
    last_seq_after_cut, epoch = outbox.last_seq, outbox.epoch
    outbox.close()
    # an append may have committed without being reported, never the other way round
    assert last_seq_after_cut in {max(before), max(before) + 1}, (last_seq_after_cut, max(before))

    second = rig.edge(spec, rate=RATE_PER_S)
    assert rig.wait_edge_done(second, FINISH_TIMEOUT_S) == 0, f"edge did not drain\n{rig.context()}"
    after = second.appended()
    assert min(after) == last_seq_after_cut + 1, "the restart reused or skipped a seq"
    wait_until_applied(rig.probe, spec, 10, rig.context)
    assert rig.probe.epochs(spec.device_id) == [epoch], "a restart must keep the outbox epoch"
    assert_exactly_once(rig.probe, spec, {**before, **after})
    rig.assert_outbox_empty(spec)
