"""Read points back from VictoriaMetrics, and run a private instance the test may stop and start."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx


def export(base_url: str, match: str) -> list[dict]:
    """Every series matching ``match`` with its values and timestamps (``/api/v1/export``)."""
    response = httpx.post(f"{base_url}/api/v1/export", data={"match[]": match}, timeout=30)
    response.raise_for_status()
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def sample_count(series: list[dict]) -> int:
    """Samples across all series."""
    return sum(len(s["timestamps"]) for s in series)


def wait_for_samples(base_url: str, match: str, expected: int, timeout_s: float = 30) -> list[dict]:
    """Poll until ``expected`` samples are readable (VictoriaMetrics flushes every second or so)."""
    deadline = time.monotonic() + timeout_s
    while True:
        series = export(base_url, match)
        if sample_count(series) >= expected or time.monotonic() > deadline:
            return series
        time.sleep(0.5)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateVictoria:
    """A victoria-metrics process of the test's own, on a free port with its own storage."""

    def __init__(self, storage: Path, *extra_flags: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._storage, self._flags = storage, extra_flags
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """True when the binary is installed."""
        return shutil.which("victoria-metrics") is not None

    def start(self, timeout_s: float = 20) -> None:
        """Start (or restart) on the same port and storage; wait until it answers."""
        log = (self._storage.parent / f"victoria-{self.port}.log").open("ab")
        self._process = subprocess.Popen(
            [
                "victoria-metrics",
                f"-httpListenAddr=127.0.0.1:{self.port}",
                f"-storageDataPath={self._storage}",
                "-retentionPeriod=100y",
                *self._flags,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while not self._healthy():
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"private victoria-metrics did not start on {self.url}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop gracefully (it flushes what it accepted), killing it after 15 s."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False
