"""The real collector and edge processes of the system tests, started, killed and cleaned up.

Each runs in its own session (process group), so cleanup can end the collector's
ledger-writer child too, even after the parent was SIGKILLed. Logs go to files in
the test's tmp folder and their tails are put into failure messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.system.stream import StreamSpec

ROOT = Path(__file__).resolve().parents[2]
COLLECTOR = str(Path(sys.executable).with_name("collector"))
READY_TIMEOUT_S = 30.0
EXIT_TIMEOUT_S = 20.0
LOG_TAIL_CHARS = 3000


def tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    """The end of a log file, for assertion messages."""
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


class Child:
    """A subprocess in its own session, logging to files; ``cleanup`` kills its whole group."""

    def __init__(self, name: str, command: list[str], log_dir: Path) -> None:
        self.name = name
        self.ended_on_purpose = False
        self.out_path = log_dir / f"{name}.out"
        self.log_path = log_dir / f"{name}.log"
        with self.out_path.open("wb") as out, self.log_path.open("wb") as err:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=out, stderr=err, start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(ROOT), **self.extra_env()},
            )  # fmt: skip

    def extra_env(self) -> dict[str, str]:
        return {}

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        """True while the main process runs."""
        return self.process.poll() is None

    def sigkill(self) -> None:
        """SIGKILL the main process only, as a power cut or the OOM killer would."""
        self.ended_on_purpose = True
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(EXIT_TIMEOUT_S)

    def terminate(self) -> int:
        """SIGTERM and wait for the exit code."""
        self.ended_on_purpose = True
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(EXIT_TIMEOUT_S)

    def cleanup(self) -> None:
        """Kill whatever is left of this child's process group (safe to call twice)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(EXIT_TIMEOUT_S)

    def logs(self) -> str:
        """Both output files' tails, for assertion messages."""
        out, err = tail(self.out_path), tail(self.log_path)
        return f"--- {self.name} stdout ---\n{out}\n--- {self.name} stderr ---\n{err}"


class CollectorProcess(Child):
    """``collector run`` on a SQLite ledger, subscribed to one site of one broker."""

    def __init__(self, *, port: int, db_url: str, site: str, client_id: str, log_dir: Path,
                 name: str, extra_args: Sequence[str] = ()) -> None:  # fmt: skip
        command = [COLLECTOR, "run", "--mqtt", f"mqtt://127.0.0.1:{port}", "--db", db_url]
        command += ["--client-id", client_id, "--site", site, *extra_args]
        super().__init__(name, command, log_dir)

    def extra_env(self) -> dict[str, str]:
        # reconnect within a second of a broker restart instead of up to a minute
        return {"COLLECTOR_MQTT_RECONNECT_MIN_S": "0.2", "COLLECTOR_MQTT_RECONNECT_MAX_S": "1"}

    def wait_subscribed(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Block until the collector logged its subscription (it then receives events)."""
        deadline = time.monotonic() + timeout_s
        while b"mqtt.subscribed" not in self.log_path.read_bytes():
            assert self.alive(), f"collector exited at start:\n{self.logs()}"
            assert time.monotonic() < deadline, (
                f"collector did not subscribe within {timeout_s} s:\n{self.logs()}"
            )
            time.sleep(0.05)

    def writer_pid(self) -> int | None:
        """The ledger-writer child's pid, from its start log line."""
        found = re.findall(rb"ledger_writer\.started\W+pid=(\d+)", self.log_path.read_bytes())
        return int(found[-1]) if found else None


class EdgeProcess(Child):
    """``tests.system.edge_stream``: a real outbox and Delivery sending a StreamSpec."""

    def __init__(self, spec: StreamSpec, *, port: int, outbox: Path, log_dir: Path, name: str,
                 rate: float | None = None, drain_timeout_s: float = 120.0) -> None:  # fmt: skip
        command = [sys.executable, "-m", "tests.system.edge_stream", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--site", spec.site, "--device", spec.device_id]
        command += ["--outbox", str(outbox), "--sku", spec.sku, "--location", spec.location]
        command += ["--total", str(spec.total), "--drain-timeout-s", str(drain_timeout_s)]
        command += ["--rate", str(rate)] if rate is not None else ["--burst"]
        self.spec = spec
        super().__init__(name, command, log_dir)

    def appended(self) -> dict[int, str]:
        """seq -> event id of every append this process reported as returned."""
        pairs = re.findall(r"^appended (\d+) (\S+)$", self.out_path.read_text(), re.MULTILINE)
        return {int(seq): event_id for seq, event_id in pairs}

    def said(self, word: str) -> bool:
        """True once the process printed ``word`` on a line of its own."""
        return f"\n{word}\n" in "\n" + self.out_path.read_text()

    def stats(self) -> dict[str, int]:
        """The delivery counters the process printed at its end (epoch, published, rewinds)."""
        found = re.findall(r"^stats (.*)$", self.out_path.read_text(), re.MULTILINE)
        pairs = (pair.split("=") for pair in found[-1].split()) if found else ()
        return {key: int(value) for key, value in pairs}


def wait_for(
    condition: Callable[[], bool],
    timeout_s: float,
    what: str,
    context: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``condition`` until true; fail naming ``what`` did not happen within the time."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s\n{context()}")
        time.sleep(0.05)


def pid_running(pid: int) -> bool:
    """True while ``pid`` is a live (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in {"Z", "X"}
