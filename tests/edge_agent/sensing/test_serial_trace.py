"""Serial traces: the format, and the committed recordings replayed through the live pipeline."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from edge_agent.config.devices import RfidGateDevice
from edge_agent.config.loader import load_config
from edge_agent.sensing.records import Rejection, SerialOutput, TimedEvent
from edge_agent.sensing.serial_devices import HealthTally, build_serial_pipeline
from edge_agent.sensing.serial_trace import (
    SerialTraceError,
    TraceChunk,
    dump_records,
    read_serial_trace,
    replay_serial_trace,
)
from edge_agent.wire import BarcodeScanned, GateDirection, RfidTagSeen, StationMode

ROOT = Path(__file__).resolve().parents[3]
TRACES = ROOT / "tests" / "fixtures" / "serial_traces"
CONFIGS = ROOT / "firmware_configs"


def replay(trace: str, config: Path) -> list[SerialOutput]:
    device = load_config(config).device
    pipeline = build_serial_pipeline(device)  # type: ignore[arg-type]
    chunks = read_serial_trace((TRACES / trace).read_text().splitlines(), source=trace)
    return replay_serial_trace(chunks, pipeline)


def events(outputs: list[SerialOutput]) -> list[TimedEvent]:
    return [o for o in outputs if isinstance(o, TimedEvent)]


def test_gate_trace_gives_in_out_and_unknown_and_counts_the_stray_tag() -> None:
    outputs = replay("gate-dock-1.jsonl", CONFIGS / "gate-dock-1.yaml")
    tags = [(e.t_s, e.data) for e in events(outputs)]
    assert all(isinstance(d, RfidTagSeen) for _, d in tags)
    summary = [(t, d.epc[-4:], d.direction, d.gtin, d.serial) for t, d in tags]  # type: ignore[union-attr]
    assert summary == [
        (0.45, "1A85", GateDirection.IN, "80614141123458", "6789"),
        (3.2, "1A86", GateDirection.OUT, "80614141123458", "6790"),
        (8.6, "1A87", GateDirection.UNKNOWN, "80614141123458", "6791"),
    ]
    assert tags[0][1].gate == "dock-1"  # type: ignore[union-attr]


def test_gate_trace_reports_the_noise_line() -> None:
    outputs = replay("gate-dock-1.jsonl", CONFIGS / "gate-dock-1.yaml")
    [rejection] = [o for o in outputs if isinstance(o, Rejection)]
    assert (rejection.t_s, rejection.port) == (0.7, "uhf")
    assert "not ASCII" in rejection.reason


def test_scanner_trace_gives_scans_in_mode_with_quantity() -> None:
    outputs = replay("receiving-1.jsonl", CONFIGS / "receiving-1.yaml")
    scans = [e.data for e in events(outputs)]
    assert all(isinstance(s, BarcodeScanned) for s in scans)
    accepted = [s for s in scans if not s.rejected_reason]  # type: ignore[union-attr]
    assert [(s.mode, s.gtin, s.sku, s.quantity) for s in accepted] == [  # type: ignore[union-attr]
        (StationMode.RECEIVE, "09506000134352", "TEA-100", Decimal(12)),
        (StationMode.RECEIVE, "09506000134369", "COFFEE-250", Decimal(1)),
        (StationMode.PICK, "09506000134352", "TEA-100", Decimal(1)),
    ]
    first, _, last = accepted
    assert (first.lot, first.expiry, first.count) == ("10A1B2C3", date(2027, 11, 30), 12)  # type: ignore[union-attr]
    assert (last.lot, last.expiry) == ("LOT7", date(2028, 1, 31))  # type: ignore[union-attr]


def test_scanner_trace_rejects_bad_check_digit_and_noise() -> None:
    outputs = replay("receiving-1.jsonl", CONFIGS / "receiving-1.yaml")
    rejected = [e for e in events(outputs) if e.data.rejected_reason]  # type: ignore[union-attr]
    assert [e.t_s for e in rejected] == [5.1, 6.0]
    reasons = [e.data.rejected_reason or "" for e in rejected]  # type: ignore[union-attr]
    assert "check digit" in reasons[0]
    assert "noise" in reasons[1]


def test_rdm6300_presence_trace(tmp_path: Path) -> None:
    device = RfidGateDevice.model_validate(
        {
            "kind": "rfid_gate",
            "id": "desk-1",
            "location": "main/desk",
            "readers": [{"name": "desk", "port": "/dev/ttyAMA0", "protocol": "rdm6300"}],
            "presence_timeout_s": 0.5,
            "dedup_window_s": 2,
        }
    )
    chunks = read_serial_trace((TRACES / "desk-rdm6300.jsonl").read_text().splitlines())
    outputs = replay_serial_trace(chunks, build_serial_pipeline(device))
    seen = [(e.t_s, e.data.epc, e.data.direction) for e in events(outputs)]  # type: ignore[union-attr]
    assert seen == [
        (0.0, "67003B51C6", GateDirection.PRESENT),
        (5.0, "0415AB6C9E", GateDirection.PRESENT),
    ]
    reasons = [o.reason for o in outputs if isinstance(o, Rejection)]
    assert len(reasons) == 3
    assert sum("truncated" in r for r in reasons) == 2
    assert sum("bad checksum" in r for r in reasons) == 1


def test_replay_output_is_json_lines_parsed_by_the_wire_models() -> None:
    outputs = replay("receiving-1.jsonl", CONFIGS / "receiving-1.yaml")
    records = [json.loads(line) for line in dump_records(outputs).splitlines()]
    assert {r["kind"] for r in records} == {"barcode.scanned"}
    for record in records:
        BarcodeScanned.model_validate(record["data"])


def test_text_payload_is_the_same_bytes_as_hex() -> None:
    as_text = TraceChunk.model_validate_json('{"t_s": 1, "port": "s", "text": "]E0\\u001d\\r\\n"}')
    as_hex = TraceChunk(t_s=1, port="s", hex=b"]E0\x1d\r\n".hex())
    assert as_text.data == as_hex.data == b"]E0\x1d\r\n"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"t_s": 1, "port": "a"}', "exactly one"),
        ('{"t_s": 1, "port": "a", "hex": "0", "text": "x"}', "hex"),
        ('{"t_s": -1, "port": "a", "hex": "00"}', "t_s"),
        ('{"t_s": 1, "port": "a", "hex": "00", "extra": 1}', "extra"),
        ("not json", "line 1"),
    ],
)
def test_bad_trace_lines_are_reported(line: str, problem: str) -> None:
    with pytest.raises(SerialTraceError, match=problem):
        read_serial_trace([line], source="t.jsonl")


def test_time_going_back_is_reported_with_all_problems() -> None:
    lines = [
        '{"t_s": 2, "port": "a", "hex": "00"}',
        "# comment",
        "",
        '{"t_s": 1, "port": "a", "hex": "00"}',
        '{"t_s": 3, "port": "a"}',
    ]
    with pytest.raises(SerialTraceError, match=r"2 bad line\(s\): line 4: t_s 1.0 goes back"):
        read_serial_trace(lines, source="t.jsonl")


def test_health_tally_reports_rejections_per_interval() -> None:
    device = load_config(CONFIGS / "receiving-1.yaml").device
    pipeline = build_serial_pipeline(device)  # type: ignore[arg-type]
    tally = HealthTally(pipeline)
    pipeline.feed("scanner-1", 1.0, b"]E09506000134353\r\n\x07\r\n")
    assert [(h.sensor, h.rejected) for h in tally.take()] == [("scanner-1", 2)]
    pipeline.feed("scanner-1", 2.0, b"]E09506000134352\r\n")
    assert [(h.sensor, h.rejected) for h in tally.take()] == [("scanner-1", 0)]


def test_gate_trace_counts_what_it_filtered() -> None:
    device = load_config(CONFIGS / "gate-dock-1.yaml").device
    pipeline = build_serial_pipeline(device)  # type: ignore[arg-type]
    chunks = read_serial_trace((TRACES / "gate-dock-1.jsonl").read_text().splitlines())
    replay_serial_trace(chunks, pipeline)
    counts = pipeline.gate.counts  # type: ignore[union-attr]
    assert (counts["below_rssi_floor"], counts["one_side_only"]) == (1, 1)
    assert pipeline.rejected_by_port["uhf"] == 1
