"""``edge-agent replay``: serial and weight traces through the live pipeline, as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from edge_agent.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()

SHELF = """\
site: {site_id: t, mqtt_url: "mqtt://127.0.0.1"}
device:
  kind: shelf
  id: shelf-t
  location: main/t
  clock_pin: 5
  lanes:
    - {lane: lane-1, data_pin: 6, sku: TEA, unit_grams: 100,
       calibration: {zero_raw_counts: 0, counts_per_gram: 420}}
"""


def run(config: Path, trace: Path) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["replay", "--config", str(config), "--trace", str(trace)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_gate_trace() -> None:
    records = run(
        ROOT / "firmware_configs" / "gate-dock-1.yaml",
        ROOT / "tests" / "fixtures" / "serial_traces" / "gate-dock-1.jsonl",
    )
    assert [r["kind"] for r in records] == ["rejected"] + ["rfid.tag_seen"] * 3
    assert [r["data"]["direction"] for r in records[1:]] == ["in", "out", "unknown"]


def test_scanner_trace() -> None:
    records = run(
        ROOT / "firmware_configs" / "receiving-1.yaml",
        ROOT / "tests" / "fixtures" / "serial_traces" / "receiving-1.jsonl",
    )
    modes = [(r["data"]["mode"], "rejected_reason" in r["data"]) for r in records]
    assert modes == [
        ("receive", False),
        ("receive", False),
        ("receive", True),
        ("receive", True),
        ("pick", False),
    ]


def test_weight_trace_on_a_shelf(tmp_path: Path) -> None:
    config = tmp_path / "shelf.yaml"
    config.write_text(SHELF)
    grams = [1000.0] * 40 + [940.0, 880.0, 820.0, 760.0, 700.0] + [700.0] * 45
    trace = tmp_path / "pick.csv"
    rows = [f"{i * 0.1:.1f},lane-1,{g}" for i, g in enumerate(grams)]
    trace.write_text("t_s,lane,grams\n" + "\n".join(rows) + "\n")
    [record] = run(config, trace)
    assert record["kind"] == "shelf.weight_changed"
    assert record["data"]["count_change"] == -3


def test_bad_trace_exits_1_with_the_line(tmp_path: Path) -> None:
    trace = tmp_path / "bad.jsonl"
    trace.write_text('{"t_s": 1, "port": "uhf"}\n')
    config = ROOT / "firmware_configs" / "gate-dock-1.yaml"
    result = runner.invoke(app, ["replay", "--config", str(config), "--trace", str(trace)])
    assert result.exit_code == 1
    assert "line 1" in result.output


def test_bad_config_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "x.yaml"
    config.write_text("device: {kind: toaster}\n")
    result = runner.invoke(app, ["replay", "--config", str(config), "--trace", str(config)])
    assert result.exit_code == 1
    assert "invalid config" in result.output
