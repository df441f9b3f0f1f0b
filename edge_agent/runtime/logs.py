"""Structured logs for the running agent: one ``key=value`` (or JSON) line per event on stderr."""

from __future__ import annotations

import logging
import sys

import structlog

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure_logging(*, level: str = "INFO", json_lines: bool = False) -> None:
    """Route structlog and stdlib logging to stderr as lines greppable by device, lane, event_id."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])
    )
    logging.basicConfig(stream=sys.stderr, level=level, format="%(message)s", force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
