"""TLS, passwords and ACLs against a private Mosquitto with a CA and certificates made here."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from pydantic import SecretStr

from edge_agent import wire
from edge_agent.link.settings import LinkSettings, TlsSettings
from tests.edge_agent.link.conftest import rfid, wait_for
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import require

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]

COLLECTOR_USER, COLLECTOR_PASSWORD = "collector", "collector-secret"
DEVICE_PASSWORD = "pi-secret"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_pki(d: Path) -> None:
    """A CA, a broker certificate for 127.0.0.1 and one client certificate, all signed by it."""
    require(shutil.which("openssl") is not None, "openssl")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        cwd=d,
    )
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "")):
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={name}",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            cwd=d,
        )
        ext = d / f"{name}.ext"
        ext.write_text(extra + "\n" if extra else "basicConstraints=CA:FALSE\n")
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            ext.name,
            "-out",
            f"{name}.pem",
            cwd=d,
        )


def _passwords(path: Path, users: dict[str, str]) -> None:
    for i, (user, password) in enumerate(users.items()):
        flags = ["-c"] if i == 0 else []
        subprocess.run(["mosquitto_passwd", *flags, "-b", str(path), user, password], check=True)


@pytest.fixture
def tls_broker(tmp_path: Path, device_id: str):
    """A TLS-only broker: client certificates required, passwords required, per-device ACL."""
    pki = tmp_path / "pki"
    pki.mkdir()
    _make_pki(pki)
    _passwords(
        tmp_path / "passwd",
        {
            device_id: DEVICE_PASSWORD,
            "pi-other": DEVICE_PASSWORD,
            COLLECTOR_USER: COLLECTOR_PASSWORD,
        },
    )
    (tmp_path / "acl").write_text(
        f"user {COLLECTOR_USER}\ntopic readwrite inventory/v1/#\n\n"
        "pattern readwrite inventory/v1/+/%u/#\n"
    )
    broker = PrivateMosquitto(
        tmp_path / "broker",
        listener_lines=(
            f"cafile {pki}/ca.pem",
            f"certfile {pki}/server.pem",
            f"keyfile {pki}/server.key",
            "require_certificate true",
        ),
        global_lines=(f"password_file {tmp_path}/passwd", f"acl_file {tmp_path}/acl"),
        allow_anonymous=False,
    )
    broker.start()
    yield broker, pki
    broker.kill()


def _tls(pki: Path) -> TlsSettings:
    return TlsSettings(
        ca_file=pki / "ca.pem", cert_file=pki / "client.pem", key_file=pki / "client.key"
    )


def _collector_tls(pki: Path):
    def configure(client: mqtt.Client) -> None:
        client.tls_set(
            ca_certs=str(pki / "ca.pem"),
            certfile=str(pki / "client.pem"),
            keyfile=str(pki / "client.key"),
            cert_reqs=ssl.CERT_REQUIRED,
        )
        client.username_pw_set(COLLECTOR_USER, COLLECTOR_PASSWORD)

    return configure


def test_events_flow_over_tls_with_password_and_client_certificate(
    tls_broker, site, device_id, fake_collector, delivery_factory
) -> None:
    broker, pki = tls_broker
    collector = fake_collector(broker.host, broker.port, site=site, configure=_collector_tls(pki))
    settings = LinkSettings(
        host=broker.host,
        port=broker.port,
        username=device_id,
        password=SecretStr(DEVICE_PASSWORD),
        tls=_tls(pki),
    )
    delivery = delivery_factory(
        broker.host, broker.port, site=site, device_id=device_id, settings=settings
    )
    delivery.start()
    for n in range(20):
        delivery.append(rfid(n), datetime.now(UTC))
    epoch = delivery.outbox.epoch
    assert wait_for(lambda: delivery.outbox.unsent_count() == 0, 15)
    assert collector.applied(device_id, epoch) == list(range(1, 21))


def test_wrong_password_never_connects_and_keeps_every_event(
    tls_broker, site, device_id, delivery_factory
) -> None:
    broker, pki = tls_broker
    settings = LinkSettings(
        host=broker.host,
        port=broker.port,
        username=device_id,
        password=SecretStr("wrong"),
        tls=_tls(pki),
        reconnect_min_s=0.2,
        reconnect_max_s=0.5,
    )
    delivery = delivery_factory(
        broker.host, broker.port, site=site, device_id=device_id, settings=settings
    )
    delivery.start()
    delivery.append(rfid(1), datetime.now(UTC))
    time.sleep(2)
    assert not delivery.link.is_connected
    assert delivery.outbox.unsent_count() == 1


def test_untrusted_broker_certificate_is_refused(
    tls_broker, tmp_path: Path, site, device_id, delivery_factory
) -> None:
    broker, pki = tls_broker
    other = tmp_path / "other-pki"
    other.mkdir()
    _make_pki(other)  # a different CA: the broker's certificate does not chain to it
    tls = TlsSettings(
        ca_file=other / "ca.pem", cert_file=pki / "client.pem", key_file=pki / "client.key"
    )
    settings = LinkSettings(
        host=broker.host,
        port=broker.port,
        username=device_id,
        password=SecretStr(DEVICE_PASSWORD),
        tls=tls,
        reconnect_min_s=0.2,
        reconnect_max_s=0.5,
    )
    delivery = delivery_factory(
        broker.host, broker.port, site=site, device_id=device_id, settings=settings
    )
    delivery.start()
    time.sleep(2)
    assert not delivery.link.is_connected


def test_acl_stops_a_device_posing_as_another_and_nothing_is_lost(
    tls_broker, site, device_id, fake_collector, delivery_factory
) -> None:
    broker, pki = tls_broker
    collector = fake_collector(broker.host, broker.port, site=site, configure=_collector_tls(pki))
    # logs in as pi-other but publishes on device_id's topics: the ACL drops it silently
    settings = LinkSettings(
        host=broker.host,
        port=broker.port,
        username="pi-other",
        password=SecretStr(DEVICE_PASSWORD),
        tls=_tls(pki),
    )
    delivery = delivery_factory(
        broker.host, broker.port, site=site, device_id=device_id, settings=settings
    )
    delivery.start()
    assert wait_for(lambda: delivery.link.is_connected, 10)
    for n in range(5):
        delivery.append(rfid(n), datetime.now(UTC))
    assert wait_for(lambda: delivery.stats().published >= 5, 10)
    time.sleep(1)
    assert collector.received == 0
    assert delivery.outbox.unsent_count() == 5  # never acked, so never dropped


def test_missing_tls_files_fail_at_start_with_every_file_named(tmp_path: Path, device_id) -> None:
    from edge_agent.errors import LinkError  # noqa: PLC0415
    from edge_agent.link.mqtt import MqttLink  # noqa: PLC0415

    tls = TlsSettings(
        ca_file=tmp_path / "ca.pem", cert_file=tmp_path / "c.pem", key_file=tmp_path / "k.pem"
    )
    with pytest.raises(LinkError, match=r"ca_file.*cert_file.*key_file"):
        MqttLink(
            LinkSettings(tls=tls),
            site="s",
            device_id=device_id,
            birth=lambda: wire.DeviceStatus(device_id=device_id, state=wire.DeviceState.ONLINE),
            on_ack=lambda _a: None,
            on_command=lambda _c: None,
        )
