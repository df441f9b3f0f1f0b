"""Serial sensor tasks on pseudo-terminals: a port missing at start is opened once it appears."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from edge_agent import wire
from edge_agent.config.devices import ScannerStationDevice
from edge_agent.drivers.serial_sim import encode_scan
from edge_agent.runtime.events import EventWriter
from edge_agent.runtime.sensors import serial_task
from edge_agent.runtime.simulation import PtyLine
from tests.edge_agent.runtime.conftest import wait_for
from tests.support.wire_data import event_data


class _Outbox:
    def __init__(self) -> None:
        self.events: list[wire.Event] = []

    def append(self, data: BaseModel, observed_at: datetime) -> wire.Event:
        event = wire.make_event(
            event_id=uuid.uuid4(),
            device_id="st-1",
            epoch=1,
            seq=len(self.events) + 1,
            observed_at=observed_at,
            data=event_data(data),
        )
        self.events.append(event)
        return event


def test_a_scanner_plugged_in_after_start_is_read(tmp_path: Path) -> None:
    by_id = tmp_path / "usb-scanner-if00"  # not there yet, like an unplugged USB scanner
    device = ScannerStationDevice.model_validate(
        {
            "kind": "scanner_station",
            "id": "st-1",
            "location": "main/in",
            "scanners": [{"name": "scanner-1", "port": str(by_id)}],
        }
    )
    outbox, line, stop = _Outbox(), PtyLine(), threading.Event()
    task = serial_task(
        device,
        writer=EventWriter(device_id="st-1", append=outbox.append),
        monotonic=time.monotonic,
        now=lambda: datetime.now(UTC),
    )
    thread = threading.Thread(target=task.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: task.health()[0].errors > 0, 5)  # missing: reported, retried
        by_id.symlink_to(line.path)  # plugged in

        def scanned() -> bool:
            line.write(encode_scan("]E0", "9506000134352"))
            return bool(outbox.events)

        assert wait_for(scanned, 10)
    finally:
        stop.set()
        thread.join(5)
        task.close()
        line.close()
    data = outbox.events[0].data
    assert isinstance(data, wire.BarcodeScanned)
    assert data.gtin == "09506000134352"
    assert [(h.sensor, h.errors) for h in task.health()] == [("scanner-1", 0)]
