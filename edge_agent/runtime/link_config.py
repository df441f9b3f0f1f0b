"""The link's settings from the site config: broker URL, user, password file and TLS files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr, ValidationError

from edge_agent.config.site import SiteSettings
from edge_agent.errors import ConfigError
from edge_agent.link.settings import LinkSettings

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


def link_settings(site: SiteSettings, *, device_id: str) -> LinkSettings:
    """Broker settings for one device; ``ConfigError`` naming the file when a secret is unreadable.

    The user name is ``mqtt_username``, else one in the URL, else the device id
    when a password is configured (brokers map one account per device).
    """
    parts = urlsplit(site.mqtt_url)
    password = _password(site.mqtt_password_file) or _url_password(parts.password)
    username = site.mqtt_username or (unquote(parts.username) if parts.username else None)
    if password is not None and username is None:
        username = device_id
    try:
        return LinkSettings(
            host=parts.hostname or "",
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            client_id=device_id,
            username=username,
            password=password,
            tls=site.tls,
        )
    except ValidationError as err:
        raise ConfigError(f"site.mqtt_url {site.mqtt_url!r}: {err}") from err


def _password(path: Path | None) -> SecretStr | None:
    """The first line of the password file (kept out of the config so the config can be shared)."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            f"site.mqtt_password_file {path}: cannot read it ({err.strerror}); it must be "
            "readable by the edge-agent user (chmod 640, group edge-agent)"
        ) from err
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"site.mqtt_password_file {path} is not UTF-8 text: write the broker password on "
            "its first line as plain text"
        ) from err
    line = text.splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise ConfigError(f"site.mqtt_password_file {path} is empty")
    return SecretStr(line)


def _url_password(password: str | None) -> SecretStr | None:
    return SecretStr(unquote(password)) if password else None
