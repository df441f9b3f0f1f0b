"""A real edge delivery process (outbox + Delivery over MQTT) sending the system tests' stream.

Run as ``python -m tests.system.edge_stream --host H --port P --site S --device D
--outbox FILE --sku SKU --location LOC --total N (--rate R | --burst)``.

It appends receipts (``tests.system.stream.receipt``) until the outbox has handed out
seq ``N``, printing ``appended SEQ EVENT_ID`` after each append returned (so the test
knows what was durably produced even if this process is SIGKILLed), then
``produced``; it keeps delivering and prints ``drained`` and exits 0 once the
collector acknowledged everything (exit 1 if ``--drain-timeout-s`` passes first).
A process restarted on the same outbox file carries on from its last seq.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.store import Outbox
from tests.system.stream import receipt

BURST_CHUNK = 1000
OUTBOX_CAP_BYTES = 256 * 2**20


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="edge_stream")
    for name in ("host", "site", "device", "outbox", "sku", "location"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--total", type=int, required=True)
    pace = parser.add_mutually_exclusive_group(required=True)
    pace.add_argument("--rate", type=float, help="appends per second, one event each")
    pace.add_argument("--burst", action="store_true", help="append_many in chunks of 1000")
    parser.add_argument("--ack-timeout-s", type=float, default=3.0)
    parser.add_argument("--drain-timeout-s", type=float, default=120.0)
    return parser.parse_args(argv)


def _delivery(args: argparse.Namespace, outbox: Outbox) -> Delivery:
    # short reconnect bounds: a test waits for the restarted broker seconds, not a minute
    settings = LinkSettings(host=args.host, port=args.port, reconnect_min_s=0.2, reconnect_max_s=1)
    return Delivery.over_mqtt(
        outbox=outbox, settings=settings, site=args.site,
        birth=lambda: online_status(
            device_id=args.device, epoch=outbox.epoch, at=datetime.now(UTC),
            software_version="system-test", config_hash="system-test", calibration_ids={},
        ),
        on_command=lambda _payload: None, monotonic=time.monotonic,
        ack_timeout_s=args.ack_timeout_s,
    )  # fmt: skip


def _report(events: list) -> None:
    sys.stdout.write("".join(f"appended {e.seq} {e.event_id}\n" for e in events))
    sys.stdout.flush()


def _produce(args: argparse.Namespace, delivery: Delivery) -> None:
    outbox = delivery.outbox
    body = lambda n: receipt(n, sku=args.sku, location=args.location)  # noqa: E731
    while outbox.last_seq < args.total:
        first = outbox.last_seq + 1  # one producer: the next seq is known before the append
        if args.burst:
            last = min(args.total, first + BURST_CHUNK - 1)
            now = datetime.now(UTC)
            _report(outbox.append_many([(body(n), now) for n in range(first, last + 1)]))
            delivery.forwarder.wake()
        else:
            _report([delivery.append(body(first), datetime.now(UTC))])
            time.sleep(1 / args.rate)
    print("produced", flush=True)


def main(argv: list[str]) -> int:
    """Produce the stream, deliver it, exit 0 once the collector acknowledged all of it."""
    args = _arguments(argv)
    outbox = Outbox(args.outbox, device_id=args.device, max_bytes=OUTBOX_CAP_BYTES)
    delivery = _delivery(args, outbox)
    delivery.start()
    _produce(args, delivery)
    deadline = time.monotonic() + args.drain_timeout_s
    while outbox.unsent_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    drained = outbox.unsent_count() == 0
    delivery.stop()
    outbox.close()
    s = delivery.stats()
    print(f"stats epoch={s.epoch} published={s.published} rewinds={s.rewinds}", flush=True)
    print("drained" if drained else "not drained", flush=True)
    return 0 if drained else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
