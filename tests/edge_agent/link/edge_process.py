"""A stand-alone edge delivery process for the power-loss test: produce, deliver, exit when drained.

Run as ``python -m tests.edge_agent.link.edge_process HOST PORT SITE DEVICE OUTBOX TOTAL RATE``.
It appends events until the outbox has handed out seq ``TOTAL`` (at ``RATE`` per
second), keeps delivering, and exits 0 once the collector acknowledged them all.
A restarted process on the same outbox file carries on where the killed one stopped.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from edge_agent import wire
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.store import Outbox

DRAIN_TIMEOUT_S = 120


def main(argv: list[str]) -> int:
    host, port, site, device_id, path, total, rate = argv
    outbox = Outbox(path, device_id=device_id, max_bytes=256 * 2**20)
    delivery = Delivery.over_mqtt(
        outbox=outbox,
        settings=LinkSettings(host=host, port=int(port), reconnect_min_s=0.2, reconnect_max_s=1),
        site=site,
        birth=lambda: online_status(
            device_id=device_id,
            epoch=outbox.epoch,
            at=datetime.now(UTC),
            software_version="test",
            config_hash="test",
            calibration_ids={},
        ),
        on_command=lambda _payload: None,
        monotonic=time.monotonic,
        ack_timeout_s=2.0,
    )
    delivery.start()
    period_s = 1 / float(rate)
    while outbox.last_seq < int(total):
        n = outbox.last_seq + 1
        tag = wire.RfidTagSeen(epc=f"{n:016X}", gate="g", direction=wire.GateDirection.IN)
        delivery.append(tag, datetime.now(UTC))
        time.sleep(period_s)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while outbox.unsent_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    drained = outbox.unsent_count() == 0
    delivery.stop()
    return 0 if drained else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
