"""2,000 events from 5 devices through Mosquitto into the ledger: exact, once, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import ledger_view
from tests.e2e.conftest import (
    EVENTS,
    MALFORMED,
    RUN_TIMEOUT_S,
    Stream,
    in_process_collector,
    prepared_ledger,
    run_fleet,
    seed_plan,
)
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(180)]


def run_and_check(db_url: str, mosquitto, site: str, stream: Stream, tmp_path: Path) -> None:
    """Seed stock, play the stream, then compare every total with the independent expectation."""
    _, port = mosquitto
    engine = prepared_ledger(db_url, stream, tmp_path)
    skus = stream.catalog.unit_costs
    with in_process_collector(port, engine, unique_name("collector-e2e"), site):
        run_fleet(port, site, seed_plan(stream), timeout_s=RUN_TIMEOUT_S)
        devices = run_fleet(port, site, stream.plans, timeout_s=RUN_TIMEOUT_S)
        all_devices = [*stream.per_device, stream.seed_device]
        ledger_view.wait_until_applied(engine, all_devices, EVENTS + len(stream.seed))

    assert {d: dev.acked_seq for d, dev in devices.items()} == {
        d: len(txs) for d, txs in stream.per_device.items()
    }, "every device got an ack for its last seq"
    expected = stream.expected_on_hand()
    assert ledger_view.positions(engine, skus) == expected
    assert ledger_view.journal_totals(engine, skus) == expected
    assert ledger_view.values(engine, skus) == stream.expected_value()
    assert ledger_view.dead_letter_count(engine, site) == MALFORMED
    assert ledger_view.dead_letter_deliveries(engine, site) == MALFORMED  # nothing redelivered
    assert ledger_view.applied_events(engine, all_devices) == EVENTS + len(stream.seed)
    assert ledger_view.movement_event_count(engine, skus) == EVENTS + len(stream.seed)
    engine.dispose()


def test_stream_into_sqlite_is_exact(mosquitto, site, stream, tmp_path) -> None:
    run_and_check(f"sqlite:///{tmp_path / 'ledger.db'}", mosquitto, site, stream, tmp_path)


@pytest.mark.postgres
def test_stream_into_postgresql_is_exact(mosquitto, site, stream, tmp_path, postgres_url) -> None:
    run_and_check(postgres_url, mosquitto, site, stream, tmp_path)
