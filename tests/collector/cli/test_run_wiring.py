"""``collector run`` adds reconciliation and the InfluxDB outbox only when they are configured."""

from __future__ import annotations

import pytest

from collector.alerts.observer import ReconcileObserver
from collector.cli.run_wiring import load_reconciliation, posting_observers
from collector.errors import ConfigError
from collector.runtime.clock import SystemClock
from collector.settings import load_settings
from collector.timeseries.observer import OutboxObserver

BINDINGS = "firmware_configs/bindings.yaml"


def test_nothing_configured_means_no_observers() -> None:
    settings = load_settings()
    assert load_reconciliation(settings, SystemClock()) is None
    assert posting_observers(settings, None, SystemClock()) == []


def test_an_influx_url_adds_the_outbox_observer() -> None:
    settings = load_settings(influx_url="http://127.0.0.1:8428")
    (observer,) = posting_observers(settings, None, SystemClock())
    assert isinstance(observer, OutboxObserver)


def test_bindings_add_the_reconcile_observer_for_their_sites() -> None:
    settings = load_settings(bindings_files=[BINDINGS])
    reconciliation = load_reconciliation(settings, SystemClock())
    (observer,) = posting_observers(settings, reconciliation, SystemClock())
    assert isinstance(observer, ReconcileObserver)
    assert set(reconciliation.bindings) == {"main-dc"}


def test_bad_bindings_are_a_config_error(tmp_path) -> None:
    broken = tmp_path / "bindings.yaml"
    broken.write_text("site_id: x\nlanes: [{device_id: 1}]\n")
    settings = load_settings(bindings_files=[str(broken)])
    with pytest.raises(ConfigError, match="bindings"):
        load_reconciliation(settings, SystemClock())
