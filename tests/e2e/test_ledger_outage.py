"""While the ledger refuses commits nothing is acked; once it recovers, all is applied once."""

from __future__ import annotations

import threading
import time

import pytest

from collector.errors import LedgerError
from collector.ingest.ports import Ingestor
from tests.e2e import ledger_view
from tests.e2e.conftest import (
    RUN_TIMEOUT_S,
    Fleet,
    Stream,
    in_process_collector,
    prepared_ledger,
    run_fleet,
    seed_plan,
)
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]

OUTAGE_S = 2.0


class OutageSwitch:
    """Wraps the real ingestor: while ``down`` is set, every commit fails as a dead database."""

    def __init__(self, inner: Ingestor) -> None:
        self.inner = inner
        self.down = threading.Event()
        self.refused = 0

    def ingest(self, batch):
        if self.down.is_set():
            self.refused += 1
            raise LedgerError("database unavailable (simulated outage)")
        return self.inner.ingest(batch)


def test_no_ack_during_a_ledger_outage_and_exact_totals_after(
    mosquitto, site, stream: Stream, tmp_path
) -> None:
    _, port = mosquitto
    engine = prepared_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", stream, tmp_path)
    switch: list[OutageSwitch] = []

    def wrap(inner: Ingestor) -> Ingestor:
        switch.append(OutageSwitch(inner))
        return switch[0]

    with in_process_collector(port, engine, unique_name("collector-outage"), site, wrap):
        run_fleet(port, site, seed_plan(stream), timeout_s=RUN_TIMEOUT_S)
        switch[0].down.set()
        fleet = Fleet(port, site, stream.plans)
        fleet.start(timeout_s=RUN_TIMEOUT_S)
        time.sleep(OUTAGE_S)
        assert fleet.acked_total() == 0, "nothing may be acknowledged while the ledger is down"
        assert switch[0].refused >= 2, "the same batch is retried"
        switch[0].down.clear()
        devices = fleet.join()

    assert all(dev.acked_seq == len(stream.per_device[d]) for d, dev in devices.items())
    skus = stream.catalog.unit_costs
    assert ledger_view.positions(engine, skus) == stream.expected_on_hand()
    assert ledger_view.movement_event_count(engine, skus) == sum(
        len(txs) for txs in stream.per_device.values()
    ) + len(stream.seed)
    engine.dispose()
