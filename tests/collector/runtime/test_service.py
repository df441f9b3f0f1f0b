"""The service starts the connection, runs the loop until stopped, and always disconnects."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from collector.runtime.loop import BatchPolicy
from collector.runtime.service import run_service
from collector.runtime.signals import stop_on_signals

from .conftest import FakeTransport, make_delivery


class FakeConnection(FakeTransport):
    """A transport with the lifecycle calls recorded in the journal."""

    def start(self) -> None:
        self.journal.append(("start", None))

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        self.journal.append(("stop", flush_timeout_s))


def test_runs_batches_until_stopped_then_disconnects(clock, journal, ingestor, stop) -> None:
    connection = FakeConnection(clock=clock, journal=journal)
    connection.queued.extend(make_delivery(mid) for mid in (1, 2))
    original = ingestor.ingest

    def ingest_then_signal(batch):
        stop.is_stopped = True
        return original(batch)

    ingestor.ingest = ingest_then_signal
    stats = run_service(
        connection=connection, ingestor=ingestor, clock=clock, stop=stop, policy=BatchPolicy()
    )
    kinds = [kind for kind, _ in journal]
    assert kinds[0] == "start"
    assert kinds[-1] == "stop"
    assert kinds.index("commit") < kinds.index("ack") < kinds.index("stop")
    assert stats.messages == 2


def test_disconnects_even_when_the_loop_fails(clock, journal, ingestor, stop) -> None:
    class Exploding(FakeConnection):
        def receive(self, timeout_s: float):
            raise OSError("socket gone")

    connection = Exploding(clock=clock, journal=journal)
    with pytest.raises(OSError, match="socket gone"):
        run_service(
            connection=connection, ingestor=ingestor, clock=clock, stop=stop, policy=BatchPolicy()
        )
    assert journal[-1][0] == "stop"


def test_sigterm_sets_the_stop_event_instead_of_killing() -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    stop = threading.Event()
    try:
        stop_on_signals(stop)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(2)
        with pytest.raises(SystemExit):  # a second signal means: stop now
            os.kill(os.getpid(), signal.SIGINT)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
