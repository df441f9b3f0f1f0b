"""``collector run``: settings are checked up front and every problem is reported at once."""

from __future__ import annotations

from typer.testing import CliRunner

from collector.cli import app
from collector.cli.run_command import EXIT_CONFIG


def test_every_invalid_setting_is_reported_with_exit_code_2() -> None:
    result = CliRunner().invoke(
        app,
        ["run", "--mqtt", "http://broker", "--db", "mysql://x/y", "--batch-max", "0"],
        env={"COLLECTOR_MQTT_PROTOCOL": "4"},
    )
    assert result.exit_code == EXIT_CONFIG == 2
    for field in ("mqtt_url", "db_url", "batch_max_messages", "mqtt_protocol"):
        assert field in result.output


def test_flags_win_over_the_environment() -> None:
    result = CliRunner().invoke(
        app, ["run", "--batch-max", "0"], env={"COLLECTOR_BATCH_MAX_MESSAGES": "100"}
    )
    assert result.exit_code == 2
    assert "batch_max_messages" in result.output


def test_a_missing_ca_file_is_named() -> None:
    result = CliRunner().invoke(app, ["run"], env={"COLLECTOR_MQTT_CA_FILE": "/nonexistent/ca.pem"})
    assert result.exit_code == 2
    assert "/nonexistent/ca.pem" in result.output
