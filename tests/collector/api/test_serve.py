"""``collector api`` serves on the port it is given, and refuses bad settings at start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from collector.api.app import create_app
from collector.api.serve import server_config

ROOT = Path(__file__).resolve().parents[3]
COLLECTOR = str(Path(sys.executable).with_name("collector"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_collector_api_serves_health_and_openapi_then_stops_on_sigterm(tmp_path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [COLLECTOR, "api", "--db", f"sqlite:///{tmp_path / 'ledger.db'}",
         "--listen", f"127.0.0.1:{port}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "collector api did not start within 30 s"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        spec = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).json()
        assert spec["openapi"].startswith("3.1")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(20)
    assert code == 0


def test_bad_settings_are_all_reported_at_start(tmp_path) -> None:
    result = subprocess.run(
        [COLLECTOR, "api", "--db", "mysql://x", "--listen", "nowhere"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLLECTOR_API_PAGE_MAX": "1"},
    )  # fmt: skip
    assert result.returncode == 2
    for field in ("db_url", "api_listen", "api_page_max"):
        assert field in result.stderr, result.stderr


def test_the_server_parses_http_with_httptools_on_uvloop() -> None:
    """The C parser and loop cost about a millisecond less CPU per request than h11 on asyncio."""
    config = server_config(create_app(None), "127.0.0.1", 0)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    new_loop = config.get_loop_factory()
    assert new_loop is not None
    loop = new_loop()
    try:
        assert type(loop).__module__.startswith("uvloop"), type(loop)
    finally:
        loop.close()
