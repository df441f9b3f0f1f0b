"""SIGTERM (systemd stop) and SIGINT (Ctrl-C) ask the agent to stop cleanly."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog

log = structlog.get_logger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM/SIGINT (call from the main thread); a second signal exits at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("agent.stop_forced", signal=name)
            raise SystemExit(128 + signum)
        log.info("agent.stop_requested", signal=name)
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)
