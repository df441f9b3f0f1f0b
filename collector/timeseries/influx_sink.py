"""The one adapter that talks to InfluxDB: influxdb-client's write service, gzip level 1.

Why not the library's batching mode: batching retries for at most
``max_retry_time`` (180 s) and then drops the batch.  Here each call is one POST
to ``/api/v2/write`` (org, bucket, token, precision=ns) through the client's
``WriteService`` on its kept-alive connection pool, with the client's own
retries off; the outbox writer decides what to retry, and nothing leaves the
outbox until the server has said 204.  The body is gzipped here at level 1
rather than by the client (which uses level 9): line protocol still shrinks
about 8×, at a fraction of the CPU, and the collector shares its cores with the
ledger.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from types import TracebackType

import urllib3
from influxdb_client import InfluxDBClient
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.service.write_service import WriteService

from collector.timeseries.sink import ACCEPTED, WriteResult, WriteStatus

REJECTING_STATUSES = frozenset({400, 413, 422})
"""Refusals caused by the lines: malformed (400), too large (413), outside retention (422).

Everything else (401/403/404 misconfiguration, 429, 5xx, network) is retried:
an operator can fix those, and the points must still be there when they do.
"""
MAX_REASON_CHARS = 2_000
GZIP_LEVEL = 1
_GZIP_WBITS = 31  # zlib's gzip container


def gzip_body(text: str, level: int = GZIP_LEVEL) -> bytes:
    """The request body: UTF-8 line protocol in a gzip container."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, _GZIP_WBITS)
    return compressor.compress(text.encode()) + compressor.flush()


class InfluxSink:
    """Writes line protocol to an InfluxDB v2 write API (2.x, 3.x, Cloud, 1.8+, VictoriaMetrics)."""

    def __init__(
        self, *, url: str, org: str, bucket: str, token: str, timeout_s: float = 10.0
    ) -> None:
        """Connect lazily: nothing is sent before the first ``write``."""
        self._org, self._bucket = org, bucket
        self._client = InfluxDBClient(
            url=url, token=token, org=org, timeout=int(timeout_s * 1000), enable_gzip=False
        )
        self._service = WriteService(self._client.api_client)

    def write(self, lines: Sequence[str]) -> WriteResult:
        """POST the lines as one gzip request; never raises for server or network failures."""
        if not lines:
            return ACCEPTED
        try:
            self._service.post_write(
                org=self._org,
                bucket=self._bucket,
                body=gzip_body("\n".join(lines)),
                precision="ns",
                content_encoding="gzip",
                content_type="text/plain; charset=utf-8",
            )
        except InfluxDBError as err:
            return _classify_http_error(err)
        except (urllib3.exceptions.HTTPError, OSError) as err:
            return WriteResult(WriteStatus.RETRYABLE, f"cannot reach the server: {err}")
        return ACCEPTED

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> InfluxSink:
        """Use as a context manager that closes the client."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        self.close()


def _classify_http_error(err: InfluxDBError) -> WriteResult:
    status = getattr(err, "status", None) or getattr(err.response, "status", None)
    message = err.message
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    reason = f"HTTP {status}: {str(message).strip()}"[:MAX_REASON_CHARS]
    if status in REJECTING_STATUSES:
        return WriteResult(WriteStatus.REJECTED, reason)
    return WriteResult(WriteStatus.RETRYABLE, reason, _seconds(err.retry_after))


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header else None
    except ValueError:
        return None  # an HTTP date instead of seconds: fall back to our own backoff
