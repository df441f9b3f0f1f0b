"""``collector run`` adds reconciliation and the InfluxDB outbox only when they are configured."""

from __future__ import annotations

import pytest

from collector.cli.run_wiring import load_reconciliation, posting_observers, session_options
from collector.errors import ConfigError
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.runtime.clock import SystemClock
from collector.settings import load_settings
from collector.timeseries.observer import OutboxObserver

BINDINGS = "firmware_configs/bindings.yaml"


def test_nothing_configured_means_no_observers() -> None:
    settings = load_settings()
    assert load_reconciliation(settings) is None
    assert posting_observers(settings, SystemClock()) == []


def test_an_influx_url_adds_the_outbox_observer() -> None:
    settings = load_settings(influx_url="http://127.0.0.1:8428")
    (observer,) = posting_observers(settings, SystemClock())
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
