"""SIGTERM and SIGINT ask for a graceful stop instead of killing the process mid-batch."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog

log = structlog.get_logger("collector.runtime")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM/SIGINT (main thread only); a second signal stops at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("collector.stop_forced", signal=name)
            raise SystemExit(128 + signum)
        log.info("collector.stopping", signal=name, hint="finishing the batch in hand")
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)
