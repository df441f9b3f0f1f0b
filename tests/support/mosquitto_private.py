"""A private Mosquitto for fault tests: own port, own config, stopped and restarted at will.

Never touch the shared broker on 1883; tests that stop, kill or reconfigure a broker
start one of these instead::

    with PrivateMosquitto(tmp_path) as broker:
        ...  # broker.host, broker.port
        broker.restart()
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from tests.support.services import is_listening, require

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_mosquitto() -> str:
    """Path of the mosquitto binary; skip (or fail under CI) without it."""
    path = shutil.which("mosquitto", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    require(path is not None, "the mosquitto binary")
    assert path is not None
    return path


class PrivateMosquitto:
    """One ``mosquitto -c CONF`` process on 127.0.0.1 and a free port, with persistence on.

    ``listener_lines`` go right after the ``listener`` line (TLS files, require_certificate);
    ``global_lines`` at the end (password_file, acl_file, allow_anonymous overrides).
    The default ``max_queued_messages`` (1000) is kept unless a line changes it.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        listener_lines: tuple[str, ...] = (),
        global_lines: tuple[str, ...] = (),
        allow_anonymous: bool = True,
    ) -> None:
        self.binary = require_mosquitto()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.conf_path = workdir / "mosquitto.conf"
        self.log_path = workdir / "mosquitto.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.conf_path.write_text(self._config(listener_lines, global_lines, allow_anonymous))

    def _config(self, listener: tuple[str, ...], extra: tuple[str, ...], anonymous: bool) -> str:
        lines = [
            f"listener {self.port} {self.host}",
            *listener,
            f"allow_anonymous {'true' if anonymous else 'false'}",
            "persistence true",
            f"persistence_location {self.workdir}/",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            *extra,
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # otherwise it drops to 'mosquitto' and cannot write here
        return "\n".join(lines) + "\n"

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (for CPU accounting)."""
        return self._proc.pid if self.is_running and self._proc is not None else None

    @property
    def is_running(self) -> bool:
        """True while the broker process lives."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the broker and wait until it accepts TCP connections."""
        if self.is_running:
            return
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(self.conf_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                _, err = self._proc.communicate()
                raise RuntimeError(
                    f"private mosquitto exited at start: {err.decode(errors='replace')}\n"
                    f"{self.log_text()}"
                )
            if is_listening(self.host, self.port, timeout_s=0.2):
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"private mosquitto did not listen on {self.port} within 10 s")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM): the broker saves its persistence file first."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Kill abruptly (SIGKILL): whatever was not yet autosaved is gone."""
        self._end(signal.SIGKILL)

    def restart(self, *, down_s: float = 0.0) -> None:
        """Stop, stay down for ``down_s``, start again on the same port."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def log_text(self) -> str:
        """The broker's log so far (for assertion messages)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _end(self, sig: signal.Signals) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(STOP_TIMEOUT_S)
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        self._proc = None
        # the port must really be free before a restart binds it again
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while is_listening(self.host, self.port, timeout_s=0.1) and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> PrivateMosquitto:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()
