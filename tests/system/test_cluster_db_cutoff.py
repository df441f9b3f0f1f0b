"""A member cut off from PostgreSQL loses its devices to another, then rejoins.

Two ``collector run --cluster`` share twenty devices; one reaches the database through
a proxy that goes silent mid-stream (connections open, nothing passing: a frozen host or
a dark link, not a refused connection). Its leases lapse, and the session it left idle
inside a posting transaction (holding the ledger lock and its leases' share locks) is
ended by PostgreSQL after the writer's idle bound, so the other member claims its
partitions within the takeover bound and its devices flow again. When the link comes
back, whatever the cut-off member still sends is refused by the fence, it rejoins and
the partitions rebalance; at the end the ledger is exact and in seq order.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.support.tcp_proxy import PausableProxy
from tests.system.cluster_rig import PARTITIONS, ClusterRig
from tests.system.processes import wait_for

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

PER_DEVICE = 600
RATE_PER_DEVICE_S = 33.0
HOLD_AT = 450
FINISH_TIMEOUT_S = 120.0


def _shared(rig: ClusterRig) -> bool:
    holding = rig.holding()
    return sum(holding.values()) == PARTITIONS and all(holding.get(m, 0) >= 12 for m in ("a", "b"))


def test_a_member_cut_off_from_the_database_is_taken_over_and_rejoins(
    cluster_rig: ClusterRig,
) -> None:
    rig = cluster_rig
    port = sa.make_url(rig.db_url).port or 5432
    with PausableProxy(port) as proxy:
        via_proxy = sa.make_url(rig.db_url).set(port=proxy.port)
        members = {
            "a": rig.member("a"),
            "b": rig.member("b", db_url=via_proxy.render_as_string(hide_password=False)),
        }
        for process in members.values():
            process.wait_subscribed()
        wait_for(lambda: _shared(rig), 30, "2 members sharing the partitions", rig.context)
        fleet = rig.fleet(PER_DEVICE, RATE_PER_DEVICE_S, hold_at=HOLD_AT)
        total = PER_DEVICE * len(rig.devices)
        wait_for(lambda: rig.applied() >= total // 8, 60, "an eighth applied", rig.context)

        orphaned = {p for p, owner in rig.owners().items() if owner == "b"}
        devices = rig.devices_of(orphaned)
        assert devices, f"b's partitions {sorted(orphaned)} hold none of the devices"
        applied_at_cut = rig.applied(devices)
        cut_at = time.monotonic()
        proxy.pause()
        rig.measure_takeover(orphaned, since_s=cut_at, applied_before=applied_at_cut,
                             new_owner=lambda owner: owner == "a")  # fmt: skip

        proxy.resume()
        wait_for(lambda: rig.holding().get("b", 0) > 0, 40, "b holding partitions again",
                 rig.context)  # fmt: skip
        fleet.release()  # the rest of the stream goes through both again
        fleet.wait_drained(FINISH_TIMEOUT_S, rig.context)

        rig.assert_every_stream_exact(PER_DEVICE)
        wait_for(lambda: _shared(rig), 30, "the partitions rebalanced", rig.context)
        for name, process in members.items():
            assert process.terminate() == 0, f"{name} did not stop cleanly\n{process.logs()}"
