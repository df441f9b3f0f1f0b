"""``device_status`` rows: written by status messages and heartbeats, as its migration made it."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector.devices.observer import HeartbeatObserver
from collector.devices.schema import device_status, metadata
from collector.devices.store import record_heartbeat, record_status
from collector.devices.watcher import StatusWatcher
from collector.ledger.observers import Posted, StoredEvent
from collector.mqtt.address import BrokerAddress
from collector.views.devices import DeviceFilter, device_page, find_device
from edge_agent import wire
from tests.support.clock import T0, FakeClock

BIRTH = wire.DeviceStatus(
    device_id="pi-1", state=wire.DeviceState.ONLINE, epoch=3, software_version="1.2.0",
    calibration_ids={"lane-1": "cal-1"},
)  # fmt: skip
WILL = wire.DeviceStatus(device_id="pi-1", state=wire.DeviceState.OFFLINE)


def beat(depth: int) -> wire.DeviceHeartbeat:
    return wire.DeviceHeartbeat(
        uptime_s=5, software_version="1.2.0", outbox_depth=depth,
        sensors=[wire.SensorHealth(sensor="lane-1", errors=1)],
    )  # fmt: skip


def test_the_table_matches_its_migration(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    assert [d for d in diffs if _ours(d)] == []


def _ours(diff: object) -> bool:
    """Differences about this table (the ledger database holds others too)."""
    if isinstance(diff, tuple) and diff[0] in {"remove_table", "remove_index"}:
        table = diff[1] if diff[0] == "remove_table" else diff[1].table
        return table.name in metadata.tables
    return True


def test_a_birth_then_a_will_leave_the_device_offline_with_its_birth_details(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        record_status(conn, "shop-1", BIRTH, received_at=T0)
        record_status(conn, "shop-1", WILL, received_at=T0 + timedelta(seconds=9))
    with engine.connect() as conn:
        found = find_device(conn, "pi-1")
    assert found is not None
    assert (found.state, found.state_changed_at) == ("offline", T0 + timedelta(seconds=9))
    assert (found.epoch, found.software_version, found.calibration_ids) == (
        3, "1.2.0", {"lane-1": "cal-1"},
    )  # fmt: skip


def test_an_older_heartbeat_resent_later_changes_nothing(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        record_heartbeat(conn, "shop-1", "pi-1", beat(5), observed_at=T0)
        record_heartbeat(conn, "shop-1", "pi-1", beat(9), observed_at=T0 - timedelta(seconds=30))
    with engine.connect() as conn:
        found = find_device(conn, "pi-1")
    assert found is not None
    assert (found.outbox_depth, found.last_heartbeat_at, found.state) == (5, T0, None)
    assert found.sensors == [wire.SensorHealth(sensor="lane-1", errors=1)]


def test_the_observer_records_the_heartbeats_a_batch_stored(engine: sa.Engine) -> None:
    event = wire.make_event(event_id=uuid4(), device_id="pi-1", epoch=1, seq=4,
                            observed_at=T0, data=beat(12))  # fmt: skip
    stored = (StoredEvent("shop-1", "pi-1", event),)
    posted = Posted(movements=(), balances=(), stored_events=stored)
    with engine.begin() as conn:
        HeartbeatObserver().on_posted(conn, posted)
    with engine.connect() as conn:
        found = find_device(conn, "pi-1")
    assert found is not None
    assert found.outbox_depth == 12


def test_the_watcher_records_a_status_and_skips_a_bad_one(engine: sa.Engine) -> None:
    watcher = StatusWatcher(address=BrokerAddress("127.0.0.1", 1), client_id="t",
                            site="+", engine=engine, clock=FakeClock())  # fmt: skip
    watcher.handle("inventory/v1/shop-1/pi-1/status", b"{not json")
    watcher.handle("inventory/v1/shop-1/pi-1/status", BIRTH.model_dump_json(by_alias=True).encode())
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(device_status)).scalar() == 1
        found = find_device(conn, "pi-1")
    assert found is not None
    assert found.is_online


def test_lists_filter_by_site_and_online_and_page_on(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for site, device, status in [("a", "pi-1", BIRTH), ("a", "pi-2", WILL),
                                     ("b", "pi-3", BIRTH)]:  # fmt: skip
            renamed = status.model_copy(update={"device_id": device})
            record_status(conn, site, renamed, received_at=T0)
    with engine.connect() as conn:
        online = device_page(conn, DeviceFilter(online=True), limit=10)
        not_online = device_page(conn, DeviceFilter(online=False), limit=10)
        site_a = device_page(conn, DeviceFilter(site="a"), limit=1)
        rest = device_page(conn, DeviceFilter(site="a"), limit=10, after=("a", "pi-1"))
    assert [d.device_id for d in online] == ["pi-1", "pi-3"]
    assert [d.device_id for d in not_online] == ["pi-2"]
    assert [d.device_id for d in site_a + rest] == ["pi-1", "pi-2"]
