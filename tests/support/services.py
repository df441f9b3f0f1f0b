"""Reach the real servers the end-to-end tests use, and skip or fail clearly without them."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

MOSQUITTO_HOST = "127.0.0.1"
MOSQUITTO_PORT = 1883
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
VICTORIA_URL = os.environ.get("TEST_INFLUX_URL", "http://127.0.0.1:8428")


def is_listening(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """True when a TCP server accepts connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def require(available: bool, what: str) -> None:
    """Skip when a server is missing on a developer machine; fail under CI, where it must exist."""
    if available:
        return
    message = f"{what} is not reachable; `make services` starts it"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message} (CI=true: a missing server is a failure, not a skip)")
    pytest.skip(message)


def unique_name(prefix: str) -> str:
    """A short name no other test run uses: keeps topics and databases apart."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """Create a PostgreSQL database (empty, or a copy of ``template``) and drop it afterwards."""
    import sqlalchemy as sa  # noqa: PLC0415 - only the PostgreSQL tests need it

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = unique_name("pi_test").replace("-", "_")
    try:
        with admin.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    except sa.exc.OperationalError as err:
        admin.dispose()
        require(False, f"PostgreSQL at {POSTGRES_ADMIN_URL} ({err.__class__.__name__})")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
