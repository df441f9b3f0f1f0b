"""The outbox writer: rows leave the outbox only once the server has decided on them."""

from __future__ import annotations

import pytest

from collector.ledger.engine import open_ledger
from collector.timeseries.outbox import list_rejected, outbox_table, read_status, record_lines
from collector.timeseries.writer import OutboxWriter


@pytest.fixture
def writer(outbox_engine, sink, clock):
    return OutboxWriter(engine=outbox_engine, sink=sink, clock=clock, max_lines=100)


def _queue(engine, clock, lines):
    with engine.begin() as conn:
        record_lines(conn, lines, recorded_at=clock())


def _status(engine, clock):
    with engine.connect() as conn:
        return read_status(conn, now=clock())


def test_accepted_lines_leave_the_outbox(outbox_engine, writer, sink, clock):
    for start in range(0, 250, 50):  # five ledger batches of 50 points
        _queue(outbox_engine, clock, [f"m f={i} {i}" for i in range(start, start + 50)])
    assert _status(outbox_engine, clock).backlog_points == 250
    reports = [writer.drain_once() for _ in range(4)]
    assert [r.written for r in reports] == [100, 100, 50, 0]
    assert sink.stored == [f"m f={i} {i}" for i in range(250)]
    assert _status(outbox_engine, clock).backlog_points == 0


def test_a_row_larger_than_a_request_goes_in_several(outbox_engine, writer, sink, clock):
    _queue(outbox_engine, clock, [f"m f={i} {i}" for i in range(250)])
    report = writer.drain_once()
    assert report.written == 250
    assert sink.requests == [100, 100, 50]
    assert _status(outbox_engine, clock).backlog_points == 0


def test_a_half_written_row_resumes_where_it_stopped(outbox_engine, writer, sink, clock):
    _queue(outbox_engine, clock, [f"m f={i} {i}" for i in range(250)])
    real_write = sink.write

    def fail_third_request(lines):
        sink.down = len(sink.requests) == 2
        return real_write(lines)

    sink.write = fail_third_request
    assert writer.drain_once().written == 200
    assert _status(outbox_engine, clock).backlog_points == 250  # the row is not done yet
    assert writer.drain_once().written == 50
    assert sink.stored == [f"m f={i} {i}" for i in range(250)]
    assert _status(outbox_engine, clock).backlog_points == 0


def test_lines_stay_queued_while_the_server_is_down(outbox_engine, writer, sink, clock):
    _queue(outbox_engine, clock, ["m f=1 1", "m f=2 2"])
    sink.down = True
    report = writer.drain_once()
    assert report.failure is not None
    assert report.written == 0
    clock.advance(90)
    status = _status(outbox_engine, clock)
    assert status.backlog_points == 2
    assert status.oldest_age_s == 90


def test_refused_line_is_set_aside_with_the_reason(outbox_engine, writer, sink, clock):
    _queue(outbox_engine, clock, ["m f=1 1", "m,k=BAD f=2 2", "m f=3 3"])
    report = writer.drain_once()
    assert (report.written, report.rejected) == (2, 1)
    with outbox_engine.connect() as conn:
        [rejected] = list_rejected(conn)
    assert rejected["line"] == "m,k=BAD f=2 2"
    assert rejected["reason"] == "unable to parse 'm,k=BAD f=2 2'"
    status = _status(outbox_engine, clock)
    assert (status.backlog_points, status.rejected_points) == (0, 1)


def test_status_report_goes_straight_to_the_sink(outbox_engine, writer, sink, clock):
    _queue(outbox_engine, clock, ["m f=1 1"])
    clock.advance(5)
    writer.report_status()
    [line] = sink.stored
    assert line.startswith("collector_outbox,collector=collector ")
    assert "backlog_points=1i" in line
    assert "oldest_age_s=5" in line


@pytest.mark.postgres
def test_the_outbox_drains_on_postgresql(postgres_url, sink, clock):
    engine = open_ledger(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(outbox_table.delete())
        _queue(engine, clock, ["m f=1 1", "m,k=BAD f=2 2", "m f=3 3"])
        _queue(engine, clock, ["m f=4 4"])
        writer = OutboxWriter(engine=engine, sink=sink, clock=clock, max_lines=100)
        report = writer.drain_once()
        assert (report.written, report.rejected) == (3, 1)
        assert sink.stored == ["m f=1 1", "m f=3 3", "m f=4 4"]
        assert _status(engine, clock).backlog_points == 0
    finally:
        engine.dispose()


def test_many_small_rows_fill_a_request(outbox_engine, writer, sink, clock):
    for i in range(150):  # one-point ledger batches: more rows than one look-up page
        _queue(outbox_engine, clock, [f"m f={i} {i}"])
    assert [writer.drain_once().written for _ in range(3)] == [100, 50, 0]
    assert sink.stored == [f"m f={i} {i}" for i in range(150)]


def _fast_writer(engine, sink, clock):
    return OutboxWriter(engine=engine, sink=sink, clock=clock, max_lines=100, requests_per_drain=3)


def test_one_read_serves_several_requests_of_whole_rows(outbox_engine, sink, clock):
    for start in range(
        0, 300, 60
    ):  # five rows of 60 in one read of 300 lines; whole rows per request
        _queue(outbox_engine, clock, [f"m f={i} {i}" for i in range(start, start + 60)])
    writer = _fast_writer(outbox_engine, sink, clock)
    assert [writer.drain_once().written for _ in range(2)] == [300, 0]
    assert sink.requests == [60, 60, 60, 60, 60]
    assert sink.stored == [f"m f={i} {i}" for i in range(300)]


def test_a_refused_request_is_bisected_and_the_rows_after_it_still_go(outbox_engine, sink, clock):
    _queue(outbox_engine, clock, ["m f=1 1", "m f=2 2"])
    _queue(outbox_engine, clock, ["m f=3 3", "m,k=BAD f=4 4"])
    _queue(outbox_engine, clock, ["m f=5 5"])
    writer = OutboxWriter(
        engine=outbox_engine, sink=sink, clock=clock, max_lines=2, requests_per_drain=3
    )
    reports = [writer.drain_once() for _ in range(3)]
    assert [(r.written, r.rejected) for r in reports] == [(3, 1), (1, 0), (0, 0)]
    assert sink.stored == ["m f=1 1", "m f=2 2", "m f=3 3", "m f=5 5"]
    status = _status(outbox_engine, clock)
    assert (status.backlog_points, status.rejected_points) == (0, 1)


def test_an_outage_mid_read_keeps_only_the_unsent_rows(outbox_engine, sink, clock):
    for start in range(0, 300, 100):
        _queue(outbox_engine, clock, [f"m f={i} {i}" for i in range(start, start + 100)])
    real_write = sink.write

    def fail_second_request(lines):
        sink.down = len(sink.requests) == 1
        return real_write(lines)

    sink.write = fail_second_request
    writer = _fast_writer(outbox_engine, sink, clock)
    report = writer.drain_once()
    assert (report.written, report.failure is not None) == (100, True)
    assert _status(outbox_engine, clock).backlog_points == 200
    assert writer.drain_once().written == 200
    assert sink.stored == [f"m f={i} {i}" for i in range(300)]
