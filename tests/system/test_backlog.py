"""A 20,000-event backlog appended while the path to the collector is down, drained after.

The private broker keeps Mosquitto's default ``max_queued_messages`` (1000). Either the
broker itself is down while the edge appends (both sides reconnect when it starts), or
the broker is up and only the collector is down, so the edge's window goes into the
collector's persistent session and is resent on ack timeouts. Either way every event
is applied exactly once within a bounded time; with the broker down, the edge's window
keeps the session queue from overflowing, so nothing needs resending.
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
COLLECTOR_AWAY_AFTER_APPENDS_S = 2.0


@pytest.mark.parametrize("down", ["broker", "collector"])
def test_backlog_of_20k_after_reconnect_is_applied_exactly_once(rig: Rig, down: str) -> None:
    spec = rig.spec(TOTAL)
    first = rig.collector()  # its persistent session exists from here on
    if down == "broker":
        rig.broker.stop()
    else:
        assert first.terminate() == 0, f"collector did not stop cleanly\n{first.logs()}"
    edge = rig.edge(spec, drain_timeout_s=DRAIN_BOUND_S)
    wait_for(lambda: edge.said("produced"), APPEND_TIMEOUT_S, f"{TOTAL} appends", rig.context)
    assert rig.probe.applied(spec.device_id) == 0

    if down == "broker":
        rig.broker.start()
    else:
        time.sleep(COLLECTOR_AWAY_AFTER_APPENDS_S)  # the edge's window waits in the session
        rig.collector()
    started = time.monotonic()
    code = rig.wait_edge_done(edge, DRAIN_BOUND_S + 10)
    assert code == 0, f"backlog not drained\n{rig.context()}"
    drain_s = time.monotonic() - started
    wait_until_applied(rig.probe, spec, 10, rig.context)
    assert_exactly_once(rig.probe, spec, edge.appended())
    rig.assert_outbox_empty(spec)
    stats = edge.stats()
    if down == "broker":  # no ack timeout fired: the broker dropped nothing from the queue
        assert stats.get("rewinds") == 0, f"the backlog needed resends: {stats}"
    print(f"\n20k backlog, {down} down: drained in {drain_s:.1f} s "
          f"({TOTAL / drain_s:.0f} events/s), {stats}")  # fmt: skip
