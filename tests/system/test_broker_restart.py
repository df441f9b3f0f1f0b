"""The private broker stopped (SIGTERM) or killed (SIGKILL) in the middle of a stream.

Real edge process → private Mosquitto → ``collector run`` → SQLite ledger. The edge
keeps appending while the broker is away; afterwards every receipt is in the ledger
exactly once (by seq, qty, value and event id) and the edge outbox is empty.
"""

from __future__ import annotations

import time

import pytest

from tests.system.ledger_probe import assert_exactly_once, wait_until_applied
from tests.system.processes import wait_for
from tests.system.rig import Rig

pytestmark = [pytest.mark.mqtt, pytest.mark.slow, pytest.mark.timeout(150)]

TOTAL = 1200
RATE_PER_S = 250  # ~5 s of stream, so the outage lands in the middle of it
BROKER_DOWN_S = 1.5
FINISH_TIMEOUT_S = 90


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_broker_outage_mid_stream_posts_every_event_once(rig: Rig, how: str) -> None:
    spec = rig.spec(TOTAL)
    rig.collector()
    edge = rig.edge(spec, rate=RATE_PER_S)
    quarter = lambda: rig.probe.applied(spec.device_id) >= TOTAL // 4  # noqa: E731
    wait_for(quarter, 30, f"{TOTAL // 4} events applied before the outage", rig.context)

    getattr(rig.broker, how)()  # stop: SIGTERM saves the sessions; kill: they are lost
    appended_at_outage = len(edge.appended())
    time.sleep(BROKER_DOWN_S)  # the shelf keeps producing while the broker is away
    appended_during_outage = len(edge.appended()) - appended_at_outage
    rig.broker.start()

    assert appended_at_outage < TOTAL, "the stream ended before the outage; raise TOTAL"
    assert appended_during_outage > 0, f"nothing was produced during the outage\n{rig.context()}"
    assert rig.wait_edge_done(edge, FINISH_TIMEOUT_S) == 0, f"edge did not drain\n{rig.context()}"
    wait_until_applied(rig.probe, spec, 10, rig.context)
    assert_exactly_once(rig.probe, spec, edge.appended())
    rig.assert_outbox_empty(spec)
