"""The reconciliation wiring loads the committed bindings and runs its thread until stopped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from collector.alerts.runner import start_alerts
from collector.errors import ConfigError
from collector.ledger.engine import open_ledger
from collector.reconcile.runtime.wiring import Reconciliation

ROOT = Path(__file__).resolve().parents[4]


def test_demo_bindings_load_and_the_thread_stops(tmp_path, clock) -> None:
    recon = Reconciliation.from_files([ROOT / "firmware_configs/demo/bindings.yaml"])
    assert set(recon.bindings) == {"demo"}
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    stop = threading.Event()
    thread = start_alerts(
        engine, ticker=recon.ticker(engine), publisher=None, clock=clock, stop=stop, tick_s=0.05
    )
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    engine.dispose()


def test_a_missing_bindings_file_is_a_config_error(tmp_path, clock) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        Reconciliation.from_files([tmp_path / "nope.yaml"])
