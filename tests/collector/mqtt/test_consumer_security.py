"""The consumer logs in with a password and speaks TLS with a client certificate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from collector.clock import SystemClock
from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.runtime.backoff import Backoff
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name

pytestmark = pytest.mark.mqtt


def consumer_for(url: str, **tls: str) -> MqttConsumer:
    return MqttConsumer(
        address=parse_broker_url(url, **tls),
        client_id=unique_name("collector-sec"),
        clock=SystemClock(),
        reconnect=Backoff(initial_s=0.1, max_s=0.3),
        session_expiry_s=60,
    )


@pytest.fixture
def password_broker(tmp_path: Path):
    passwords = tmp_path / "passwd"
    passwords.touch()
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "collector", "s3cret"], check=True)
    passwords.chmod(0o600)
    with PrivateMosquitto(
        tmp_path / "broker", global_lines=(f"password_file {passwords}",), allow_anonymous=False
    ) as broker:
        yield broker


def test_right_password_from_the_url_gets_subscribed(password_broker) -> None:
    consumer = consumer_for(f"mqtt://collector:s3cret@127.0.0.1:{password_broker.port}")
    consumer.start()
    try:
        assert consumer.wait_connected(5)
    finally:
        consumer.stop()


def test_wrong_password_is_refused_and_retried_without_crashing(password_broker) -> None:
    consumer = consumer_for(f"mqtt://collector:wrong@127.0.0.1:{password_broker.port}")
    with capture_logs() as logs:
        consumer.start()
        try:
            assert not consumer.wait_connected(1.5)
        finally:
            consumer.stop()
    refusals = [entry for entry in logs if entry["event"] == "mqtt.connect_refused"]
    assert len(refusals) >= 2, "it keeps trying (with backoff) instead of giving up or crashing"


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pki(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all PEM."""
    names = ("ca", "ca_key", "srv", "srv_key", "cli", "cli_key")
    pki = {name: folder / f"{name}.pem" for name in names}
    subject = "/CN=test-ca"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", subject,
            "-keyout", str(pki["ca_key"]), "-out", str(pki["ca"]))  # fmt: skip
    extensions = {"srv": "subjectAltName=IP:127.0.0.1\n", "cli": "basicConstraints=CA:FALSE\n"}
    for who, cn in (("srv", "127.0.0.1"), ("cli", "collector")):
        csr, ext = folder / f"{who}.csr", folder / f"{who}.ext"
        ext.write_text(extensions[who])
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                "-keyout", str(pki[f"{who}_key"]), "-out", str(csr))  # fmt: skip
        openssl("x509", "-req", "-in", str(csr), "-CA", str(pki["ca"]),
                "-CAkey", str(pki["ca_key"]), "-CAcreateserial", "-days", "1",
                "-extfile", str(ext), "-out", str(pki[who]))  # fmt: skip
    return pki


def test_tls_with_a_client_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    listener = (
        f"cafile {pki['ca']}",
        f"certfile {pki['srv']}",
        f"keyfile {pki['srv_key']}",
        "require_certificate true",
    )
    with PrivateMosquitto(tmp_path / "broker", listener_lines=listener) as broker:
        consumer = consumer_for(
            f"mqtts://127.0.0.1:{broker.port}",
            ca_file=str(pki["ca"]),
            cert_file=str(pki["cli"]),
            key_file=str(pki["cli_key"]),
        )
        consumer.start()
        try:
            assert consumer.wait_connected(5), broker.log_text()
        finally:
            consumer.stop()


def test_tls_without_the_client_certificate_is_refused(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    listener = (
        f"cafile {pki['ca']}",
        f"certfile {pki['srv']}",
        f"keyfile {pki['srv_key']}",
        "require_certificate true",
    )
    with PrivateMosquitto(tmp_path / "broker", listener_lines=listener) as broker:
        consumer = consumer_for(f"mqtts://127.0.0.1:{broker.port}", ca_file=str(pki["ca"]))
        consumer.start()
        try:
            assert not consumer.wait_connected(1.5)
        finally:
            consumer.stop()
