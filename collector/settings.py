"""Collector settings from flags and ``COLLECTOR_*`` environment, validated once at start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from collector.domain.journal import Account, ChartOfAccounts
from collector.errors import ConfigError

DEFAULT_DB_URL = "sqlite:///var/ledger.db"
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


PAGE_MAX_LIMIT = 10_000
"""The largest page ``COLLECTOR_API_PAGE_MAX`` may set: the documented maximum of ``limit``."""


MIN_REPLENISH_INTERVAL_S = 0.1
"""The shortest sweep interval but 0 (off): tests sweep fast, nothing should sweep busier."""


MIN_RETENTION_INTERVAL_S = 60.0
"""The shortest periodic prune but 0 (off): each pass counts and deletes in every table."""


def _retain_days(default: int, what: str) -> Any:
    return Field(default=default, ge=0, le=36_500, description=f"{what}; 0 keeps them forever.")


class LedgerSettings(BaseSettings):
    """What every process that posts to the ledger needs: `collector run` and `collector api`."""

    model_config = SettingsConfigDict(env_prefix="COLLECTOR_", extra="forbid")

    db_url: str = Field(
        default=DEFAULT_DB_URL,
        description="SQLAlchemy URL of the ledger: sqlite:///PATH or postgresql+psycopg://…",
    )
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    park_timeout_s: float = Field(
        default=600.0,
        ge=0,
        le=7 * 24 * 3600,
        description=(
            "How long a transaction short of stock (a sale before its receipt) waits for it "
            "before it is dead-lettered with an alert; 0 dead-letters it at once."
        ),
    )
    replenish_interval_s: float = Field(
        default=60.0,
        ge=0,
        le=24 * 3600,
        description=(
            "How often the replenishment sweep evaluates every reorder rule (new suggestions, "
            "low_stock alerts); 0 turns it off."
        ),
    )
    books_timezone: str = Field(
        default="UTC",
        description=(
            "IANA time zone of the books' days (daily balances, turnover): e.g. Europe/Berlin."
        ),
    )
    account_inventory: str = Field(
        default="1300",
        min_length=1,
        max_length=32,
        description="Account code of the inventory asset.",
    )
    account_grni: str = Field(
        default="2150",
        min_length=1,
        max_length=32,
        description="Account code of goods received not invoiced.",
    )
    account_purchase_returns: str = Field(
        default="2160", min_length=1, max_length=32, description="Account code of purchase returns."
    )
    account_cogs: str = Field(
        default="5000",
        min_length=1,
        max_length=32,
        description="Account code of the cost of goods sold.",
    )
    account_shrinkage: str = Field(
        default="5100",
        min_length=1,
        max_length=32,
        description="Account code of inventory shrinkage.",
    )
    account_count_variance: str = Field(
        default="5110",
        min_length=1,
        max_length=32,
        description="Account code of stock count variances.",
    )
    account_rounding: str = Field(
        default="5190",
        min_length=1,
        max_length=32,
        description="Account code of the journal's rounding to cents.",
    )
    influx_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+",
        description="InfluxDB v2 write API base URL (http[s]://host:port); unset: no time series.",
    )
    influx_org: str = Field(default="inventory", min_length=1, description="InfluxDB organization.")
    influx_bucket: str = Field(default="inventory", min_length=1, description="Bucket (or db/rp).")
    influx_token: SecretStr = Field(
        default=SecretStr(""), description="API token with write access to the bucket."
    )
    influx_batch_max_lines: int = Field(
        default=5_000, ge=1, le=50_000, description="Most lines in one write request."
    )
    influx_timeout_s: float = Field(default=10.0, gt=0, le=300, description="Per write request.")
    influx_flush_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle writer looks for new points."
    )
    influx_retry_max_s: float = Field(
        default=60.0, ge=1, le=3_600, description="Longest wait between retries while down."
    )

    retain_inbox_days: int = _retain_days(
        90,
        "Days the inbox keeps an event whole: older rows that posted nothing are deleted, older "
        "rows the journal names keep only their identity (docs/retention.md)",
    )
    retain_dead_letters_days: int = _retain_days(
        90, "Days a replayed dead letter is kept after it was last seen"
    )
    retain_open_dead_letters_days: int = _retain_days(
        365, "Days a dead letter nobody replayed (an operator's open work) is kept"
    )
    retain_timeseries_outbox_days: int = _retain_days(
        30,
        "Days a time-series point the writer could not deliver waits; older ones are lost to "
        "the time series (collector influx backfill rebuilds them from the ledger)",
    )
    retain_timeseries_rejected_days: int = _retain_days(
        30, "Days a line the time-series server refused is kept for collector influx rejected"
    )
    retain_gate_exits_days: int = _retain_days(
        30, "Days an RFID gate exit matched by a movement is kept"
    )
    retention_interval_s: float = Field(
        default=0.0,
        ge=0,
        le=7 * 24 * 3600,
        description="How often collector run prunes with the retain_* settings; 0 turns it off.",
    )
    retention_batch_rows: int = Field(
        default=1_000,
        ge=10,
        le=50_000,
        description="Most rows one prune transaction deletes (ledger writers wait for it).",
    )

    @field_validator("retention_interval_s")
    @classmethod
    def _prune_not_busy(cls, value: float) -> float:
        if 0 < value < MIN_RETENTION_INTERVAL_S:
            raise ValueError(
                f"must be 0 (off) or at least {MIN_RETENTION_INTERVAL_S:g} s: each pass reads "
                "every table it prunes"
            )
        return value

    @model_validator(mode="after")
    def _open_dead_letters_kept_longer(self) -> LedgerSettings:
        open_, replayed = self.retain_open_dead_letters_days, self.retain_dead_letters_days
        if open_ and (replayed == 0 or open_ < replayed):
            raise ValueError(
                f"retain_open_dead_letters_days ({open_}) must be 0 (forever) or at least "
                f"retain_dead_letters_days ({replayed or 'forever'}): a dead letter nobody "
                "replayed is an operator's open work"
            )
        return self

    @field_validator("replenish_interval_s")
    @classmethod
    def _sweep_not_busy(cls, value: float) -> float:
        if 0 < value < MIN_REPLENISH_INTERVAL_S:
            raise ValueError(
                f"must be 0 (off) or at least {MIN_REPLENISH_INTERVAL_S} s: each sweep "
                "evaluates every rule"
            )
        return value

    @field_validator("books_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)") from err
        return value

    @property
    def books_tz(self) -> ZoneInfo:
        """``books_timezone`` as a zone."""
        return ZoneInfo(self.books_timezone)

    def chart_of_accounts(self) -> ChartOfAccounts:
        """The journal's account codes (``COLLECTOR_ACCOUNT_*``), with the default names."""
        codes = {a: getattr(self, f"account_{a.value}") for a in Account}
        return ChartOfAccounts(codes=codes)

    @field_validator("db_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
            raise ValueError(f"db_url scheme {scheme!r} is not sqlite or postgresql")
        return value


class BrokerSettings(LedgerSettings):
    """How to reach the MQTT broker (the collector's ingest, the API's device commands)."""

    mqtt_url: str = Field(
        default=DEFAULT_MQTT_URL,
        description="Broker URL: mqtt://[user:password@]host[:port] or mqtts://… for TLS.",
    )
    mqtt_ca_file: str | None = Field(default=None, description="CA bundle for mqtts://.")
    mqtt_cert_file: str | None = Field(default=None, description="Client certificate (PEM).")
    mqtt_key_file: str | None = Field(default=None, description="Client private key (PEM).")
    mqtt_username: str | None = Field(
        default=None, description="Broker user name; overrides the one in mqtt_url."
    )
    mqtt_password: str | None = Field(
        default=None, description="Broker password; overrides the one in mqtt_url."
    )
    mqtt_keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive.")
    mqtt_reconnect_min_s: float = Field(
        default=1.0, gt=0, description="First reconnect delay; doubles, with jitter."
    )
    mqtt_reconnect_max_s: float = Field(default=60.0, gt=0, description="Longest reconnect delay.")

    @field_validator("mqtt_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"} or not parts.hostname:
            raise ValueError(f"mqtt_url {value!r} is not mqtt://host[:port] or mqtts://host[:port]")
        return value

    @field_validator("mqtt_ca_file", "mqtt_cert_file", "mqtt_key_file")
    @classmethod
    def _readable_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"file {value!r} does not exist or is not a file")
        return value


class CollectorSettings(BrokerSettings):
    """Everything the collector needs to run; every field can be set as ``COLLECTOR_<NAME>``."""

    mqtt_client_id: str = Field(
        default="inventory-collector",
        min_length=1,
        max_length=64,
        description="Fixed client id: the broker keeps the persistent session under it.",
    )
    mqtt_site: str = Field(
        default="+",
        pattern=r"^(\+|[A-Za-z0-9][A-Za-z0-9_.\-]{0,63})$",
        description="Consume only this site's events (one collector per site); + for every site.",
    )
    mqtt_protocol: Literal["5", "3.1.1"] = Field(
        default="5",
        description="MQTT 5 (session expiry, receive maximum) or 3.1.1 (clean_session=False).",
    )
    mqtt_session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="MQTT 5: how long the broker keeps the session (and queued events) offline.",
    )
    mqtt_receive_maximum: int = Field(
        default=20_000,
        ge=1,
        le=65_535,
        description="MQTT 5: most unacknowledged events the broker sends ahead; above the "
        "devices that may drain at once × their window, so none waits in the broker's queue.",
    )
    mqtt_watch_status: bool = Field(
        default=True,
        description="Record the devices' retained births and last wills in device_status "
        "(GET /api/v1/devices), over a second, clean-session connection.",
    )
    ledger_retry_max_s: float = Field(
        default=15.0, gt=0, description="Longest wait between retries of a refused batch."
    )
    batch_max_messages: int = Field(
        default=500, ge=1, le=10_000, description="Most messages committed in one transaction."
    )
    batch_max_wait_ms: int = Field(
        default=20, ge=0, le=5_000, description="Longest a message waits for its batch to fill."
    )
    batch_target_ms: int = Field(
        default=150,
        ge=0,
        le=10_000,
        description="Size batches so that a commit lasts about this long (live events wait "
        "about two commits while a backlog drains); 0: always up to batch_max_messages.",
    )
    reorder_window_ms: int = Field(
        default=2_000,
        ge=0,
        le=60_000,
        description="How long an event ahead of its device's next seq waits for the missing ones.",
    )
    reorder_max_held: int = Field(
        default=200, ge=1, le=10_000, description="Most events one device stream may hold back."
    )
    bindings_files: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Site bindings YAML files, comma-separated: enable reconciliation and alerts.",
    )
    alerts_webhook_url: str | None = Field(
        default=None, description="Where alert JSON is also POSTed (with retries)."
    )
    cluster: bool = Field(
        default=False,
        description="Share the devices with other `collector run --cluster` on one PostgreSQL "
        "ledger through partition leases (docs/deploy-ha.md).",
    )
    cluster_partitions: int = Field(
        default=32, ge=1, le=1024, description="Partitions devices hash into; same on every member."
    )
    cluster_lease_ttl_s: float = Field(
        default=5.0, ge=1, le=300, description="A lease not renewed for this long may be taken."
    )
    cluster_heartbeat_s: float = Field(
        default=1.5, gt=0, le=100, description="How often a member renews, rebalances and claims."
    )

    @model_validator(mode="after")
    def _renewals_within_the_lease(self) -> CollectorSettings:
        if self.cluster_heartbeat_s * 2 > self.cluster_lease_ttl_s:
            raise ValueError(
                f"cluster_heartbeat_s ({self.cluster_heartbeat_s}) must be at most half of "
                f"cluster_lease_ttl_s ({self.cluster_lease_ttl_s}): leases would lapse "
                "between renewals"
            )
        return self

    @field_validator("bindings_files", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("bindings_files")
    @classmethod
    def _existing_files(cls, value: list[str]) -> list[str]:
        missing = [path for path in value if not Path(path).is_file()]
        if missing:
            raise ValueError(f"bindings file(s) not found: {', '.join(missing)}")
        return value


class ApiSettings(BrokerSettings):
    """``collector api``: where to listen, how big a request may be, how long keys live."""

    api_listen: str = Field(
        default="127.0.0.1:8080",
        pattern=r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$",
        description="HOST:PORT the API serves on ([::1]:8080 for IPv6).",
    )
    api_max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest request body; a larger one gets a 413 problem.",
    )
    api_idempotency_ttl_s: int = Field(
        default=7 * 24 * 3600,
        ge=24 * 3600,
        description="How long an Idempotency-Key and its response are kept (at least 24 hours).",
    )
    api_page_max: int = Field(
        default=1000, ge=10, le=PAGE_MAX_LIMIT, description="Most rows one page of a list returns."
    )
    api_mqtt_client_id: str = Field(
        default="inventory-api",
        min_length=1,
        max_length=64,
        description="The API's own MQTT client id (device status and commands).",
    )
    api_command_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="How long a device command waits for the device's reply before a 504.",
    )

    @field_validator("api_listen")
    @classmethod
    def _port_in_range(cls, value: str) -> str:
        port = int(value.rsplit(":", 1)[1])
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port} is not between 1 and 65535")
        return value

    @property
    def listen_address(self) -> tuple[str, int]:
        """(host, port) of ``api_listen``."""
        host, port = self.api_listen.rsplit(":", 1)
        return host.strip("[]"), int(port)


def load_settings(**overrides: Any) -> CollectorSettings:
    """Build settings from the environment plus explicit overrides (flags set to non-None).

    Raises ``ConfigError`` listing every invalid setting at once.
    """
    return _load(CollectorSettings, overrides, "collector")


def load_api_settings(**overrides: Any) -> ApiSettings:
    """``collector api``'s settings, the same way as ``load_settings``."""
    return _load(ApiSettings, overrides, "API")


_S = TypeVar("_S", bound=LedgerSettings)


def _load(kind: type[_S], overrides: dict[str, Any], what: str) -> _S:
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return kind(**given)
    except ValidationError as err:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in err.errors()
        ]
        raise ConfigError(
            f"invalid {what} settings (flags or COLLECTOR_* environment):\n" + "\n".join(lines)
        ) from err
