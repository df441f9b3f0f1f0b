"""Property: over any lossy, duplicating, reordering network, every event ends up applied once.

The network and the collector are modelled in memory; the outbox is a real SQLite
file and the clock is fake. Whatever is lost on the way (events or acks),
timeouts, reconnects and resends must get every seq 1..N applied, and the outbox
must end empty, with nothing deleted before the collector applied it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent import wire
from edge_agent.outbox.forwarder import Forwarder
from edge_agent.outbox.store import Outbox
from tests.edge_agent.outbox.conftest import DEVICE, T0, FakeClock, weight_change


class LossyNetwork:
    """Publisher plus broker plus collector: messages wait in flight until the test moves them."""

    def __init__(self) -> None:
        self.is_connected = True
        self.in_flight: list[bytes] = []
        self.applied: set[int] = set()
        self.contiguous = 0

    def publish_events(self, payloads: Sequence[bytes]) -> int:
        if not self.is_connected:
            return 0
        self.in_flight.extend(payloads)
        return len(payloads)

    def deliver(self, index: int, *, duplicate: bool) -> int | None:
        """Hand one in-flight event to the collector; returns the ack seq it sends."""
        if not self.in_flight:
            return None
        payload = self.in_flight[index % len(self.in_flight)]
        if not duplicate:
            self.in_flight.remove(payload)
        self.applied.add(wire.parse_event(payload).seq)
        while self.contiguous + 1 in self.applied:
            self.contiguous += 1
        return self.contiguous


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["append", "deliver", "duplicate", "drop", "lose_ack", "tick", "flap"]),
        st.integers(0, 1000),
    ),
    max_size=120,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_every_event_is_applied_whatever_the_network_does(actions) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Outbox(Path(tmp) / "o.db", device_id=DEVICE, max_bytes=2**22)
        net, clock = LossyNetwork(), FakeClock()
        fwd = Forwarder(outbox=box, publisher=net, monotonic=clock, window=8, ack_timeout_s=5)
        for action, n in actions:
            _act(action, n, box=box, net=net, clock=clock, fwd=fwd)
            fwd.step()
            assert box.acked_through() <= net.contiguous, "deleted before the collector applied"
        _heal(box, net, clock, fwd)
        assert net.applied == set(range(1, box.last_seq + 1))
        assert box.unsent_count() == 0
        box.close()


def _act(action: str, n: int, *, box: Outbox, net: LossyNetwork, clock: FakeClock, fwd) -> None:
    if action == "append":
        box.append_many([(weight_change(i), T0) for i in range(1 + n % 4)])
    elif action in {"deliver", "duplicate", "lose_ack"}:
        ack = net.deliver(n, duplicate=action == "duplicate")
        if ack is not None and action != "lose_ack":
            fwd.on_ack(wire.EventAck(device_id=DEVICE, epoch=box.epoch, seq=ack))
    elif action == "drop" and net.in_flight:
        net.in_flight.pop(n % len(net.in_flight))
    elif action == "tick":
        clock.advance(n % 30)
    elif action == "flap":
        net.is_connected = not net.is_connected
        fwd.on_connection_change(net.is_connected)


def _heal(box: Outbox, net: LossyNetwork, clock: FakeClock, fwd: Forwarder) -> None:
    """A good network from now on: deliver everything, ack everything, let timeouts fire."""
    if not net.is_connected:
        net.is_connected = True
        fwd.on_connection_change(True)
    for _ in range(box.last_seq * 4 + 20):
        fwd.step()
        while net.in_flight:
            ack = net.deliver(0, duplicate=False)
            fwd.on_ack(wire.EventAck(device_id=DEVICE, epoch=box.epoch, seq=ack or 0))
        fwd.step()
        if box.unsent_count() == 0:
            return
        clock.advance(121)  # past the longest backed-off ack timeout
