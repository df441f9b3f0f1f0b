"""Site-level settings every device of a site shares; device files may override any of them."""

from __future__ import annotations

from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge_agent.link.files import TextFile
from edge_agent.link.settings import TlsSettings
from edge_agent.outbox.store import MIN_CAP_BYTES
from edge_agent.wire import SiteId


class _Config(BaseModel):
    """Base of every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSettings(_Config):
    """Where a site's devices send their events and how they keep them until acknowledged."""

    site_id: SiteId = Field(description="Site id, the second MQTT topic level (e.g. 'berlin-dc').")
    mqtt_url: str = Field(
        description="Broker URL: mqtt://host[:port] or mqtts://host[:port] for TLS."
    )
    mqtt_username: str | None = Field(
        default=None, min_length=1, description="Broker user name; the device id if unset."
    )
    mqtt_password_file: TextFile | None = Field(
        default=None,
        description="File holding the broker password (kept out of the config on purpose).",
    )
    tls: TlsSettings | None = Field(default=None, description="TLS files; only with mqtts://.")
    outbox_path: str = Field(
        default="/var/lib/edge-agent/{device_id}.outbox.sqlite3",
        min_length=1,
        description="SQLite file of events not yet confirmed; {device_id} becomes the device id.",
    )
    outbox_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=MIN_CAP_BYTES,
        description="Disk cap of the outbox; when full, new events are refused, never dropped.",
    )
    heartbeat_interval_s: float = Field(
        default=30.0, ge=5, le=3600, description="Seconds between device.heartbeat events."
    )

    @field_validator("mqtt_url")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
            raise ValueError(f"{value!r} is not mqtt://host[:port] or mqtts://host[:port]")
        return value

    @field_validator("outbox_path")
    @classmethod
    def _only_device_id_placeholder(cls, value: str) -> str:
        try:
            value.format(device_id="x")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"the only placeholder allowed is {{device_id}} ({err!r})") from err
        return value

    def outbox_file(self, device_id: str) -> Path:
        """The outbox file of one device."""
        return Path(self.outbox_path.format(device_id=device_id))

    @model_validator(mode="after")
    def _tls_only_with_mqtts(self) -> Self:
        """TLS files on a plain mqtt:// URL would be silently unused."""
        if self.tls is not None and not self.mqtt_url.startswith("mqtts://"):
            raise ValueError("tls is set but mqtt_url is not mqtts://; use mqtts:// or drop tls")
        return self
