"""``collector demo --fast``: the simulated shop's day through the embedded broker, checked."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from collector.cli.demo_command import DEMO_CONFIGS
from collector.demo.report import print_summary
from collector.demo.runner import DemoOptions, run_demo
from collector.demo.view import PlainDisplay

pytestmark = pytest.mark.timeout(180)


def test_the_fast_demo_catches_every_fault_and_its_ledger_equals_the_shelves(tmp_path) -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    options = DemoOptions(var_dir=tmp_path / "demo", config_dir=DEMO_CONFIGS, fast=True)

    result = run_demo(options, make_display=lambda _stage: PlainDisplay(console, 10))

    summary = result.summary
    assert summary.failures == [], out.getvalue()
    assert {c.alert.type for c in summary.catches if c.alert} == {
        "shrinkage", "unknown_code", "sensor_fault"
    }  # fmt: skip
    assert all(c.latency_s is not None and c.latency_s < 60 for c in summary.catches)
    assert len(summary.lanes) == 7
    assert all(lane.ledger == lane.physical for lane in summary.lanes)
    assert all(d["device_id"] == "receiving-1" for d in summary.dead_letters)
    assert len(summary.dead_letters) <= 1
    assert summary.false_alarms == []
    assert summary.figures.cogs > 0
    assert summary.figures.turnover > 0
    assert result.paths.ledger.is_file()
    assert result.paths.log.stat().st_size > 0
    print_summary(console, summary, result.paths)
    assert "All checks passed" in out.getvalue()
