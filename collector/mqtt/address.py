"""Where the broker is and how to log in: parsed once from the mqtt URL and settings."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

TLS_SCHEMES = frozenset({"mqtts", "ssl"})
PLAIN_SCHEMES = frozenset({"mqtt", "tcp"})
DEFAULT_PORTS = {True: 8883, False: 1883}


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Host, port, TLS and credentials of the broker."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @property
    def redacted_url(self) -> str:
        """The address for logs: never the password."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_broker_url(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
) -> BrokerAddress:
    """Parse ``mqtt[s]://[user[:password]@]host[:port]`` plus overrides; ``ValueError`` if bad."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in TLS_SCHEMES | PLAIN_SCHEMES or not parts.hostname:
        raise ValueError(f"broker URL {url!r} is not mqtt://host[:port] or mqtts://host[:port]")
    tls = scheme in TLS_SCHEMES or ca_file is not None or cert_file is not None
    return BrokerAddress(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[tls],
        tls=tls,
        username=username or (unquote(parts.username) if parts.username else None),
        password=password or (unquote(parts.password) if parts.password else None),
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
    )
