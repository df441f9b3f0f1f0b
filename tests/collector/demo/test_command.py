"""``collector demo`` reports a run that cannot start and exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from collector.cli import app


@pytest.fixture(autouse=True)
def _restore_logging():
    """The demo points structlog at its log file; undo that for the next tests."""
    yield
    structlog.reset_defaults()


def test_a_demo_without_its_config_folder_fails_with_exit_1_and_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-configs"
    result = CliRunner().invoke(
        app,
        ["demo", "--no-live", "--fast", "--var-dir", str(tmp_path / "var"),
         "--config-dir", str(missing)],
        env={"MQTT_URL": None, "INFLUX_URL": None, "COLLECTOR_INFLUX_URL": None},
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "demo failed:" in result.output
    assert "bindings.yaml" in result.output
    assert (tmp_path / "var" / "demo.log").is_file()
