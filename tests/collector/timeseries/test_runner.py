"""The writer thread and its backoff."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest

from collector.ledger.engine import open_ledger
from collector.settings import load_settings
from collector.timeseries.outbox import read_status, record_lines
from collector.timeseries.runner import (
    Backoff,
    LoopTiming,
    drain_until_empty,
    start_writer,
    start_writer_thread,
)
from collector.timeseries.writer import OutboxWriter
from tests.collector.timeseries.victoria import wait_for_samples
from tests.support.services import VICTORIA_URL, is_listening, require, unique_name


def test_backoff_grows_to_its_cap_and_resets():
    backoff = Backoff(base_s=1.0, cap_s=8.0, rng=random.Random(1))
    ceilings = []
    for _ in range(6):
        ceilings.append(min(backoff.cap_s, backoff.base_s * 2**backoff.attempt))
        assert 0.1 <= backoff.next_delay_s() <= ceilings[-1]
    assert ceilings == [1, 2, 4, 8, 8, 8]
    backoff.reset()
    assert backoff.next_delay_s() <= 1.0


def test_thread_drains_after_the_server_returns(outbox_engine, sink, clock):
    sink.down = True
    with outbox_engine.begin() as conn:
        record_lines(conn, [f"m f={i} {i}" for i in range(30)], recorded_at=clock())
    writer = OutboxWriter(engine=outbox_engine, sink=sink, clock=clock, max_lines=10)
    backoff = Backoff(base_s=0.02, cap_s=0.05)
    handle = start_writer_thread(writer, backoff=backoff, timing=LoopTiming(idle_wait_s=0.02))
    try:
        time.sleep(0.3)
        assert len(sink.requests) >= 2  # it kept retrying
        sink.down = False
        deadline = time.monotonic() + 5
        while len([s for s in sink.stored if s.startswith("m ")]) < 30:
            assert time.monotonic() < deadline, "backlog not drained within 5 s"
            time.sleep(0.02)
    finally:
        assert handle.stop(timeout_s=5)
    with outbox_engine.connect() as conn:
        assert read_status(conn, now=clock()).backlog_points == 0


def test_drain_until_empty_returns_totals(outbox_engine, sink, clock):
    with outbox_engine.begin() as conn:
        record_lines(conn, ["m f=1 1", "m,k=BAD f=2 2", "m f=3 3"], recorded_at=clock())
    writer = OutboxWriter(engine=outbox_engine, sink=sink, clock=clock, max_lines=2)
    report = drain_until_empty(writer, backoff=Backoff())
    assert (report.fetched, report.written, report.rejected) == (3, 2, 1)


def test_a_bug_in_a_step_does_not_end_the_thread(outbox_engine, sink, clock):
    with outbox_engine.begin() as conn:
        record_lines(conn, ["m f=1 1", "m f=2 2"], recorded_at=clock())
    real_write, calls = sink.write, []

    def broken_once(lines):
        calls.append(len(lines))
        if len(calls) == 1:
            raise RuntimeError("bug")
        return real_write(lines)

    sink.write = broken_once
    writer = OutboxWriter(engine=outbox_engine, sink=sink, clock=clock)
    handle = start_writer_thread(
        writer, backoff=Backoff(base_s=0.02, cap_s=0.05), timing=LoopTiming(idle_wait_s=0.02)
    )
    try:
        deadline = time.monotonic() + 5
        while "m f=2 2" not in sink.stored:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert handle.is_alive()
    finally:
        assert handle.stop(timeout_s=5)


@pytest.mark.influx
def test_start_writer_drains_a_real_ledger_to_the_server(tmp_path):
    require(is_listening("127.0.0.1", 8428), f"VictoriaMetrics at {VICTORIA_URL}")
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    run = unique_name("run")
    now_ns = time.time_ns()
    with engine.begin() as conn:
        record_lines(conn, [f"writer_probe,run={run} n={i} {now_ns + i * 1_000_000}"
                            for i in range(10)], recorded_at=datetime.now(UTC))  # fmt: skip
    settings = load_settings(influx_url=VICTORIA_URL, influx_flush_interval_s=0.05)
    handle = start_writer(engine, settings)
    try:
        series = wait_for_samples(VICTORIA_URL, f'{{__name__="writer_probe_n",run="{run}"}}', 10)
        assert sorted(series[0]["values"]) == list(range(10))
        with engine.connect() as conn:
            assert read_status(conn, now=datetime.now(UTC)).backlog_points == 0
    finally:
        assert handle.stop(timeout_s=15)
        engine.dispose()
