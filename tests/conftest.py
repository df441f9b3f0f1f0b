"""Fixtures shared by every test: the real servers, and names that keep test runs apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog
from argon2 import PasswordHasher, profiles

from collector import secret_hashing
from tests.support.services import (
    MOSQUITTO_HOST,
    MOSQUITTO_PORT,
    fresh_postgres_database,
    is_listening,
    require,
    unique_name,
)


@pytest.fixture(autouse=True)
def _default_structlog() -> Iterator[None]:
    """Each test starts on structlog's defaults: a CLI test's configure_logging (level
    WARNING) would otherwise filter the info events a later test captures."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(autouse=True, scope="session")
def _cheap_secret_hashing() -> Iterator[None]:
    """argon2's CHEAPEST profile: its default costs ~100 ms a hash by design, and the tests
    check who gets in, not what guessing costs (subprocesses keep the default)."""
    previous = secret_hashing.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
    secret_hashing.use_hasher(previous)


@pytest.fixture
def site() -> str:
    """A site id of its own, so concurrent tests never share MQTT topics."""
    return unique_name("site")


@pytest.fixture(scope="session")
def mosquitto() -> tuple[str, int]:
    """The system Mosquitto broker (host, port); skip without it, fail under CI."""
    require(is_listening(MOSQUITTO_HOST, MOSQUITTO_PORT), f"Mosquitto at {MOSQUITTO_HOST}:1883")
    return MOSQUITTO_HOST, MOSQUITTO_PORT


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of an empty PostgreSQL database for this session."""
    with fresh_postgres_database() as url:
        yield url
