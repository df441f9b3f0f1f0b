"""``collector run`` records heartbeats and matches receipts to purchase orders always;
reconciliation and InfluxDB only when configured."""

from __future__ import annotations

import pytest

from collector.cli.run_wiring import load_reconciliation, posting_observers, session_options
from collector.clock import SystemClock
from collector.devices.observer import HeartbeatObserver
from collector.errors import ConfigError
from collector.purchasing.receiving import PurchasingObserver
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.settings import load_settings
from collector.timeseries.observer import OutboxObserver

BINDINGS = "firmware_configs/bindings.yaml"


def test_nothing_configured_means_only_the_heartbeat_and_purchasing_observers() -> None:
    settings = load_settings()
    assert load_reconciliation(settings) is None
    heartbeats, purchasing = posting_observers(settings, SystemClock())
    assert isinstance(heartbeats, HeartbeatObserver)
    assert isinstance(purchasing, PurchasingObserver)


def test_an_influx_url_adds_the_outbox_observer() -> None:
    settings = load_settings(influx_url="http://127.0.0.1:8428")
    *_, observer = posting_observers(settings, SystemClock())
    assert isinstance(observer, OutboxObserver)


def test_bindings_give_the_reconcile_observer_for_their_sites() -> None:
    settings = load_settings(bindings_files=[BINDINGS])
    reconciliation = load_reconciliation(settings)
    assert reconciliation is not None
    assert isinstance(reconciliation.observer, ReconcileObserver)
    assert set(reconciliation.bindings) == {"main-dc"}


def test_the_parking_timeout_reaches_the_posting_sessions() -> None:
    assert session_options(load_settings(park_timeout_s=30)).park_timeout_s == 30
    assert session_options(load_settings()).park_timeout_s == 600


def test_bad_bindings_are_a_config_error(tmp_path) -> None:
    broken = tmp_path / "bindings.yaml"
    broken.write_text("site_id: x\nlanes: [{device_id: 1}]\n")
    settings = load_settings(bindings_files=[str(broken)])
    with pytest.raises(ConfigError, match="bindings"):
        load_reconciliation(settings)


def test_with_influx_configured_alert_changes_become_discrepancy_points(tmp_path) -> None:
    import time  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    import sqlalchemy as sa  # noqa: PLC0415

    from collector.alerts.store import apply_verdicts  # noqa: PLC0415
    from collector.cli.run_wiring import start_side_services  # noqa: PLC0415
    from collector.ledger.engine import open_ledger  # noqa: PLC0415
    from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity  # noqa: PLC0415
    from collector.timeseries.outbox import outbox_table  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    settings = load_settings(db_url=url, influx_url="http://127.0.0.1:9")  # nothing listens
    clock = SystemClock()
    finding = Finding(
        AlertKey("s1", AlertType.SHRINKAGE, "main/a1", "TEA"), "gone", Severity.MINOR,
        expected=Decimal(3), observed=Decimal(1),
    )  # fmt: skip
    with engine.begin() as conn:
        apply_verdicts(conn, [finding], now=clock.now())
    services = start_side_services(
        engine, settings, reconciliation=None, publisher=_Quiet(), clock=clock
    )
    try:
        deadline = time.monotonic() + 10
        lines: list[str] = []
        while time.monotonic() < deadline and not any("discrepancy," in x for x in lines):
            time.sleep(0.2)
            with engine.connect() as conn:
                lines = list(conn.execute(sa.select(outbox_table.c.lines)).scalars())
    finally:
        services.stop()
        engine.dispose()
    assert any(x.startswith("discrepancy,location=main/a1,site=s1") for x in lines), lines


class _Quiet:
    def publish(self, topic: str, payload: bytes) -> None:
        pass
