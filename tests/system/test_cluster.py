"""Three ``collector run --cluster`` on one PostgreSQL ledger share twenty devices.

20 devices × 1,000 receipts (20,000 events) at 33 per second each (30 s of stream).
Early in the stream one member is SIGKILLed: its partitions' leases lapse and the
others take them over (the time is measured and bounded). Then, while events still
flow, another member is restarted (SIGTERM: it releases its leases at once) and the
killed one comes back, so the partitions rebalance again and both take part. The
devices wait at seq 750 until the rejoin is seen, so that the last quarter of the
stream always flows through the rejoined members, however slow the machine. At the
end every device's receipts are in the ledger exactly once, in seq order, every outbox
is empty, and each member holds its fair share.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.system.cluster_rig import PARTITIONS, ClusterRig
from tests.system.processes import wait_for

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

PER_DEVICE = 1_000
RATE_PER_DEVICE_S = 33.0
FINISH_TIMEOUT_S = 120.0
HOLD_AT = 750
MEMBERS = ("c1", "c2", "c3")


def _balanced(rig: ClusterRig, members: tuple[str, ...]) -> bool:
    holding = rig.holding()
    return sum(holding.values()) == PARTITIONS and all(holding.get(m, 0) >= 10 for m in members)


def test_three_members_share_twenty_devices_through_a_kill_and_a_restart(
    cluster_rig: ClusterRig,
) -> None:
    rig = cluster_rig
    members = {name: rig.member(name) for name in MEMBERS}
    for process in members.values():
        process.wait_subscribed()
    wait_for(lambda: _balanced(rig, MEMBERS), 30, "3 members sharing 32 partitions", rig.context)
    fleet = rig.fleet(PER_DEVICE, RATE_PER_DEVICE_S, hold_at=HOLD_AT)
    total = PER_DEVICE * len(rig.devices)
    wait_for(lambda: rig.applied() >= total // 8, 60, "an eighth applied", rig.context)

    orphaned = {p for p, owner in rig.owners().items() if owner == "c1"}
    devices = rig.devices_of(orphaned)
    assert devices, f"c1's partitions {sorted(orphaned)} hold none of the devices"
    killed_at = time.monotonic()
    members["c1"].sigkill()
    rig.measure_takeover(orphaned, since_s=killed_at, applied_before=rig.applied(devices),
                         new_owner=lambda owner: owner not in (None, "c1"))  # fmt: skip

    members["c1"] = rig.member("c1")  # the killed one comes back: same id, same MQTT session
    assert members["c2"].terminate() == 0, f"c2 did not stop cleanly\n{rig.context()}"
    members["c2"] = rig.member("c2")  # and another is restarted
    rejoined = lambda: all(rig.holding().get(m, 0) > 0 for m in ("c1", "c2"))  # noqa: E731
    wait_for(rejoined, 40, "c1 and c2 holding partitions again", rig.context)
    fleet.release()  # the rest of the stream goes through the rejoined members
    fleet.wait_drained(FINISH_TIMEOUT_S, rig.context)

    rig.assert_every_stream_exact(PER_DEVICE)
    wait_for(lambda: _balanced(rig, MEMBERS), 30, "the partitions rebalanced", rig.context)
    _check_status_command(rig)
    for name, process in members.items():
        assert process.terminate() == 0, f"{name} did not stop cleanly\n{process.logs()}"
        # the rejoined members posted events themselves
        assert _batches(process.log_path.read_text()) > 0, f"{name} never committed a batch"


def _batches(log: str) -> int:
    found = re.findall(r"collector\.stopped\W+batches=(\d+)", log)
    return int(found[-1]) if found else 0


def _check_status_command(rig: ClusterRig) -> None:
    """``collector cluster status``: every partition with a member, in 80 columns and JSON."""
    table = rig.cli("cluster", "status")
    assert table.returncode == 0, table.stderr
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    listed = rig.cli("cluster", "status", "--json")
    rows = json.loads(listed.stdout)
    assert [row["partition"] for row in rows] == list(range(PARTITIONS))
    assert {row["owner"] for row in rows} == set(MEMBERS)
    assert all(row["token"] >= 1 and row["expires_in_s"] > 0 for row in rows)
