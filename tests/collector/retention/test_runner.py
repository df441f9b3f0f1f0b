"""The periodic prune beside ``collector run``: it prunes, stops when told, is off at 0."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from collector.cli.run_wiring import start_side_services
from collector.ledger.schema import inbox
from collector.retention.policy import RetentionPolicy
from collector.retention.runner import start_retention_sweep
from collector.settings import load_settings
from tests.collector.ledger.messages import heartbeat_message
from tests.collector.retention.conftest import LATER


class _At:
    def now(self):
        return LATER


def _inbox_rows(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one())


def test_the_sweep_prunes_on_its_interval_until_stopped(ingestor, engine):
    ingestor.ingest([heartbeat_message(1), heartbeat_message(2)])
    stop = threading.Event()
    thread = start_retention_sweep(engine, clock=_At(), stop=stop, policy=RetentionPolicy(),
                                   interval_s=0.05, batch_rows=100)  # fmt: skip
    assert thread is not None
    deadline = time.monotonic() + 10
    while _inbox_rows(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert (_inbox_rows(engine), thread.is_alive()) == (0, False)


def test_collector_run_starts_the_sweep_only_with_an_interval(tmp_path):
    from collector.ledger.engine import open_ledger  # noqa: PLC0415

    class _Quiet:
        def publish(self, topic: str, payload: bytes) -> None:
            pass

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    on, off = (
        start_side_services(engine, load_settings(db_url=url, retention_interval_s=interval,
                                                  mqtt_watch_status=False),
                            reconciliation=None, publisher=_Quiet(), clock=_At())
        for interval in (3600, 0)
    )  # fmt: skip
    try:
        assert on.retention is not None
        assert on.retention.is_alive()
        assert off.retention is None
    finally:
        on.stop()
        off.stop()
        engine.dispose()
    assert not on.retention.is_alive()
