"""CR/LF line framing shared by the UHF reader and barcode decoders."""

from __future__ import annotations

from edge_agent.sensing.framing import FrameError, LineFramer


def test_cr_lf_and_crlf_all_end_lines() -> None:
    assert LineFramer().feed(b"a\rb\nc\r\nd") == [b"a", b"b", b"c"]


def test_partial_line_is_kept_until_terminator() -> None:
    framer = LineFramer()
    assert framer.feed(b"abc") == []
    assert framer.pending == b"abc"
    assert framer.feed(b"def\r\n") == [b"abcdef"]


def test_overlong_line_is_rejected_not_buffered_forever() -> None:
    framer = LineFramer(max_line_bytes=8)
    [error] = framer.feed(b"x" * 9)
    assert isinstance(error, FrameError)
    assert error.raw == b"x" * 9
    assert framer.feed(b"ok\n") == [b"ok"]
