"""A shelf edge agent for the devices end-to-end test: real link, real command handling.

Run as ``python -m tests.e2e.device_process HOST PORT SITE DEVICE OUTBOX``.  It connects
with its birth and last will, answers commands with the agent's own ``CommandHandler``
over a live shelf pipeline whose lane-1 holds a 50 g tray, sends one heartbeat through
its outbox, and runs until killed (the
test kills it with SIGKILL, so the broker publishes its last will).
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime

from edge_agent import wire
from edge_agent.control.handler import CommandHandler
from edge_agent.control.lanes import ShelfLaneControl
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.store import Outbox
from edge_agent.sensing.weight.settings import WeightPipelineSettings
from edge_agent.sensing.weight.shelf import ShelfPipeline
from tests.edge_agent.control.conftest import (
    COUNTS_PER_GRAM,
    ZERO_RAW,
    FakeShelf,
    FakeStore,
    lane_settings,
    settle,
)

TRAY_GRAMS = 50
RUN_LIMIT_S = 120
"""Never outlive a test that forgot to kill it."""


def main(argv: list[str]) -> int:
    host, port, site, device_id, path = argv
    outbox = Outbox(path, device_id=device_id, max_bytes=16 * 2**20)
    shelf = FakeShelf(ShelfPipeline([lane_settings("lane-1")], WeightPipelineSettings()))
    settle(shelf, "lane-1", ZERO_RAW + round(COUNTS_PER_GRAM * TRAY_GRAMS))
    lanes = ShelfLaneControl(device_id=device_id, shelf=shelf, store=FakeStore(), overrides={},
                             now=lambda: datetime.now(UTC))  # fmt: skip
    handler = CommandHandler(device_id=device_id, lanes=lanes, resender=NoResend(),
                             epoch=lambda: outbox.epoch)  # fmt: skip
    ready = threading.Event()
    holder: list[Delivery] = []

    def answer(payload: bytes) -> None:
        ready.wait(5)
        holder[0].publish_reply(handler.handle(payload))

    delivery = Delivery.over_mqtt(
        outbox=outbox,
        settings=LinkSettings(
            host=host, port=int(port), client_id=device_id, reconnect_min_s=0.2, reconnect_max_s=1
        ),
        site=site,
        birth=lambda: online_status(
            device_id=device_id,
            epoch=outbox.epoch,
            at=datetime.now(UTC),
            software_version="e2e",
            config_hash="e2e",
            calibration_ids=lanes.calibration_ids(),
        ),
        on_command=answer,
        monotonic=time.monotonic,
    )
    holder.append(delivery)
    ready.set()
    delivery.start()
    # one heartbeat through the outbox, as the agent's reporter sends it every interval
    beat = wire.DeviceHeartbeat(uptime_s=1, software_version="e2e", outbox_depth=0,
                                sensors=[wire.SensorHealth(sensor="lane-1", errors=1)])  # fmt: skip
    delivery.append(beat, datetime.now(UTC))
    time.sleep(RUN_LIMIT_S)
    return 0


class NoResend:
    """Resend is not exercised here: refuse every epoch."""

    def resend_from(self, epoch: int, seq: int) -> bool:
        """Refused."""
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
