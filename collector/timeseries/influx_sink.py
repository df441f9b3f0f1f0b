"""The one adapter that talks to InfluxDB: influxdb-client's synchronous write API, gzip on.

Why the synchronous ``WriteApi`` and not the library's batching mode: batching
retries for at most ``max_retry_time`` (180 s) and then drops the batch.  Here
each call is one POST to ``/api/v2/write`` (org, bucket, token, precision=ns)
with the client's own retries off; the outbox writer decides what to retry, and
nothing leaves the outbox until the server has said 204.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import urllib3
from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.write_api import SYNCHRONOUS

from collector.timeseries.sink import ACCEPTED, WriteResult, WriteStatus

REJECTING_STATUSES = frozenset({400, 413, 422})
"""Refusals caused by the lines: malformed (400), too large (413), outside retention (422).

Everything else (401/403/404 misconfiguration, 429, 5xx, network) is retried:
an operator can fix those, and the points must still be there when they do.
"""
MAX_REASON_CHARS = 2_000


class InfluxSink:
    """Writes line protocol to an InfluxDB v2 write API (2.x, 3.x, Cloud, 1.8+, VictoriaMetrics)."""

    def __init__(
        self, *, url: str, org: str, bucket: str, token: str, timeout_s: float = 10.0
    ) -> None:
        """Connect lazily: nothing is sent before the first ``write``."""
        self._org, self._bucket = org, bucket
        self._client = InfluxDBClient(
            url=url, token=token, org=org, timeout=int(timeout_s * 1000), enable_gzip=True
        )
        self._api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, lines: Sequence[str]) -> WriteResult:
        """POST the lines as one gzip request; never raises for server or network failures."""
        if not lines:
            return ACCEPTED
        try:
            self._api.write(
                bucket=self._bucket,
                org=self._org,
                record="\n".join(lines),
                # the client annotates the parameter as its WritePrecision class, whose
                # members are plain strings such as "ns"; a string is what it expects
                write_precision=WritePrecision.NS,  # type: ignore[arg-type]
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
