"""A 20,000-event backlog appended while the broker is down, drained after it comes back.

The private broker keeps Mosquitto's default ``max_queued_messages`` (1000): the edge's
window of unacknowledged events keeps the collector's session queue from overflowing,
so every event is applied exactly once with no resend, within a bounded time.
"""

from __future__ import annotations

import time

import pytest

from tests.system.ledger_probe import assert_exactly_once, wait_until_applied
from tests.system.processes import wait_for
from tests.system.rig import Rig

pytestmark = [pytest.mark.mqtt, pytest.mark.slow, pytest.mark.timeout(420)]

TOTAL = 20_000
APPEND_TIMEOUT_S = 90
DRAIN_BOUND_S = 180  # drained in 19-24 s on the 2-core machine; the bound leaves room for load


def test_backlog_of_20k_after_reconnect_is_applied_exactly_once(rig: Rig) -> None:
    spec = rig.spec(TOTAL)
    rig.collector()
    rig.broker.stop()  # the path to the collector is down
    edge = rig.edge(spec, drain_timeout_s=DRAIN_BOUND_S)
    wait_for(lambda: edge.said("produced"), APPEND_TIMEOUT_S, f"{TOTAL} appends", rig.context)
    assert rig.probe.applied(spec.device_id) == 0

    rig.broker.start()
    started = time.monotonic()
    code = rig.wait_edge_done(edge, DRAIN_BOUND_S + 10)
    assert code == 0, f"backlog not drained\n{rig.context()}"
    drain_s = time.monotonic() - started
    wait_until_applied(rig.probe, spec, 10, rig.context)
    assert_exactly_once(rig.probe, spec, edge.appended())
    rig.assert_outbox_empty(spec)
    stats = edge.stats()
    # no ack timeout fired: the broker dropped nothing from the collector's queue
    assert stats.get("rewinds") == 0, f"the backlog needed resends: {stats}"
    print(f"\n20k backlog: drained in {drain_s:.1f} s ({TOTAL / drain_s:.0f} events/s), {stats}")
