"""Structured logging for the collector: one line per event, greppable by key=value."""

from __future__ import annotations

import logging
import sys

import structlog


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (a test runner may swap it)."""

    def write(self, text: str) -> int:
        """Write to the current stderr."""
        return sys.stderr.write(text)

    def flush(self) -> None:
        """Flush the current stderr."""
        sys.stderr.flush()


_STDERR = _Stderr()


def configure_logging(*, level: str = "INFO", json_lines: bool = False) -> None:
    """Route structlog and stdlib logging to stderr as ``key=value`` (or JSON) lines."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])
    )
    logging.basicConfig(stream=_STDERR, level=level, format="%(message)s", force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(_STDERR),  # type: ignore[arg-type]  # wants a TextIO; write/flush is all it uses
        cache_logger_on_first_use=False,
    )
