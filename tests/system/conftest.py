"""Fixtures of the system fault tests: the rig (private broker, ledger, real processes).

Every process a test starts through the rig is killed (with its whole process group)
at teardown, pass or fail, and the broker with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name
from tests.system.cluster_rig import cluster_rig
from tests.system.ledger_probe import LedgerProbe
from tests.system.rig import LOCATION, Rig, import_items
from tests.system.stream import StreamSpec

__all__ = ["cluster_rig", "rig"]  # cluster_rig: the cluster test's rig (PostgreSQL, members)


@pytest.fixture
def rig(tmp_path: Path, site: str) -> Iterator[Rig]:
    """A private broker and a prepared ledger; kills every process it started at teardown."""
    broker = PrivateMosquitto(tmp_path / "broker")
    broker.start()
    sku = unique_name("SYS").upper()
    ledger_path = tmp_path / "ledger.db"
    db_url = f"sqlite:///{ledger_path}"
    csv_path = tmp_path / "items.csv"
    csv_path.write_text(StreamSpec(site, "-", sku, LOCATION, 0).items_csv())
    probe: LedgerProbe | None = None
    rig: Rig | None = None
    try:
        import_items(db_url, csv_path)
        probe = LedgerProbe(ledger_path)
        rig = Rig(broker, tmp_path, site, sku, db_url, probe)
        yield rig
    finally:
        for child in rig.children if rig else []:
            child.cleanup()
        if probe is not None:
            probe.close()
        broker.kill()
