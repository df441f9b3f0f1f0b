"""The summary's explore commands: this collector's script and an alert the day really raised."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from collector.demo.backend import DemoPaths
from collector.demo.faults import Catch, FaultSpec, Injected
from collector.demo.report import collector_command, explore_commands
from collector.demo.snapshot import AlertLine
from collector.demo.summary import Figures, Summary

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
SPEC = FaultSpec("coffee gone", "shrinkage")
SCRIPT = Path(sys.executable).with_name("collector")


def summary(alert_id: int | None) -> Summary:
    alert = None if alert_id is None else AlertLine(alert_id, "shrinkage", "resolved", "demo/a",
                                                    "COFFEE-250", None, "…", T0)  # fmt: skip
    day = Figures(Decimal(0), Decimal(0), Decimal(0), Decimal(0), None)
    return Summary(figures=day, catches=[Catch(Injected(SPEC, T0), alert)], lanes=[],
                   false_alarms=[], dead_letters=[])  # fmt: skip


def test_the_script_is_named_relative_to_a_folder_above_it() -> None:
    assert collector_command(SCRIPT.parents[2]) == f"{SCRIPT.parent.parent.name}/bin/collector"


def test_the_script_is_named_absolute_from_elsewhere() -> None:
    assert collector_command(Path("/nonexistent-folder")) == str(SCRIPT)


def test_alerts_show_names_an_alert_that_caught_a_fault() -> None:
    commands = explore_commands(DemoPaths(Path("var/demo")), summary(7))
    assert any(" alerts show 7 --db sqlite:///var/demo/ledger.db" in c for c in commands)
    assert any(" report cogs --db sqlite:///var/demo/ledger.db" in c for c in commands)


def test_no_alerts_show_when_no_fault_was_caught() -> None:
    commands = explore_commands(DemoPaths(Path("var/demo")), summary(None))
    assert not any("alerts show" in c for c in commands)


def test_a_folder_with_a_space_is_quoted() -> None:
    [stock, *_] = explore_commands(DemoPaths(Path("/tmp/my demo")), summary(None))
    assert stock.endswith(" stock --db 'sqlite:////tmp/my demo/ledger.db'")
