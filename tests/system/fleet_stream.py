"""Many real edge devices in one process: an outbox and a Delivery each, paced receipts.

Run as ``python -m tests.system.fleet_stream --host H --port P --site S --workdir DIR
--devices D1,D2,… --sku-prefix PFX --location LOC --total N --rate R``.

Device ``Dk`` appends receipts of SKU ``PFX-Dk`` (``tests.system.stream.receipt``) at
``R`` per second until its outbox handed out seq ``N``; each device answers the
collector's RESEND commands as a real agent does (``Delivery.resend_from``). It prints
``produced`` once every device appended its last seq, then ``drained`` and exits 0 once
the collectors acknowledged everything (exit 1 if ``--drain-timeout-s`` passes first).
With ``--hold-at H --release-file F`` every device stops at seq ``H``, prints ``holding``
and goes on only once ``F`` exists: a test can then be sure events still flow after the
steps it takes mid-stream, however slow the machine is.
One process for the fleet: twenty agent processes would not fit beside the collectors on
the two cores of a development machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from edge_agent import wire
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.sender import DEFAULT_ACK_TIMEOUT_S
from edge_agent.outbox.store import Outbox
from tests.system.stream import receipt

TICK_S = 0.1
OUTBOX_CAP_BYTES = 64 * 2**20


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fleet_stream")
    for name in ("host", "site", "workdir", "devices", "sku_prefix", "location"):
        parser.add_argument(f"--{name.replace('_', '-')}", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="appends per second per device")
    parser.add_argument("--ack-timeout-s", type=float, default=DEFAULT_ACK_TIMEOUT_S)
    parser.add_argument("--drain-timeout-s", type=float, default=120.0)
    parser.add_argument("--hold-at", type=int, default=0, help="seq to wait at for the file")
    parser.add_argument("--release-file", type=Path, default=None)
    return parser.parse_args(argv)


def sku_of(prefix: str, device_id: str) -> str:
    """The SKU device ``device_id`` receives (one per device: its stock is its stream's sum)."""
    return f"{prefix}-{device_id}".upper()


def _device(args: argparse.Namespace, device_id: str) -> Delivery:
    outbox = Outbox(Path(args.workdir) / f"{device_id}.outbox.sqlite3", device_id=device_id,
                    max_bytes=OUTBOX_CAP_BYTES)  # fmt: skip
    settings = LinkSettings(host=args.host, port=args.port, client_id=device_id,
                            reconnect_min_s=0.2, reconnect_max_s=1)  # fmt: skip
    holder: list[Delivery] = []

    def on_command(payload: bytes) -> None:
        command = wire.COMMAND_ADAPTER.validate_json(payload)
        if isinstance(command, wire.ResendCommand) and holder:
            holder[0].resend_from(command.epoch, command.from_seq)

    delivery = Delivery.over_mqtt(
        outbox=outbox, settings=settings, site=args.site,
        birth=lambda: online_status(
            device_id=device_id, epoch=outbox.epoch, at=datetime.now(UTC),
            software_version="system-test", config_hash="system-test", calibration_ids={},
        ),
        on_command=on_command, monotonic=time.monotonic, ack_timeout_s=args.ack_timeout_s,
    )  # fmt: skip
    holder.append(delivery)
    return delivery


def _produce(args: argparse.Namespace, fleet: dict[str, Delivery], upto: int) -> None:
    """Every device appends its share of each tick until it reached ``upto``."""
    started = time.monotonic()
    begin = min(d.outbox.last_seq for d in fleet.values())
    while any(d.outbox.last_seq < upto for d in fleet.values()):
        due = min(upto, begin + int((time.monotonic() - started) * args.rate) + 1)
        now = datetime.now(UTC)
        for device_id, delivery in fleet.items():
            outbox = delivery.outbox
            first, sku = outbox.last_seq + 1, sku_of(args.sku_prefix, device_id)
            if first <= due:
                body = [(receipt(n, sku=sku, location=args.location), now)
                        for n in range(first, due + 1)]  # fmt: skip
                outbox.append_many(body)
                delivery.forwarder.wake()
        time.sleep(TICK_S)


def _hold(release_file: Path) -> None:
    """Wait (delivering all the while) until the test creates ``release_file``."""
    print("holding", flush=True)
    while not release_file.exists():
        time.sleep(TICK_S)


def main(argv: list[str]) -> int:
    """Produce every device's stream, deliver it, exit 0 once all of it was acknowledged."""
    args = _arguments(argv)
    fleet = {device_id: _device(args, device_id) for device_id in args.devices.split(",")}
    for delivery in fleet.values():
        delivery.start()
    if args.release_file is not None and 0 < args.hold_at < args.total:
        _produce(args, fleet, args.hold_at)
        _hold(args.release_file)
    _produce(args, fleet, args.total)
    print("produced", flush=True)
    deadline = time.monotonic() + args.drain_timeout_s
    unsent = lambda: sum(d.outbox.unsent_count() for d in fleet.values())  # noqa: E731
    while unsent() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = unsent()
    for delivery in fleet.values():
        delivery.stop()
        delivery.outbox.close()
    print("drained" if left == 0 else f"not drained: {left} unsent", flush=True)
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
