"""Hand chunks to a loader: in this process, or in a child so loading overlaps generating.

The generator is one busy core (the domain is pure Python); the loader and the database
server share the other. ``ProcessSink`` passes chunks through a bounded queue, so at
most ``depth`` chunks wait in memory whichever side is slower.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from benchmarks.ledger_gen.load_postgres import PostgresLoader
from benchmarks.ledger_gen.load_sqlite import SqliteLoader
from benchmarks.ledger_gen.rows import Chunk, FinalRows


class Loader(Protocol):
    """What both loaders do."""

    timings: dict[str, float]

    def begin(self) -> None:
        """Prepare the database for the load."""

    def write(self, chunk: Chunk) -> None:
        """Load one chunk."""

    def finish(self, final: FinalRows) -> None:
        """Load the end-of-book rows and make the database whole again."""

    def abort(self) -> None:
        """Give up (the database is left half-loaded)."""


def open_loader(url: str) -> Loader:
    """The loader for a ``sqlite:///PATH`` or ``postgresql+psycopg://…`` URL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SqliteLoader(Path(parsed.database or ""))
    return PostgresLoader(url)


class InlineSink:
    """Loads each chunk as it is handed over, in this process."""

    def __init__(self, url: str) -> None:
        """A loader for ``url``; nothing is opened yet."""
        self._loader = open_loader(url)
        self.loaded_lines = 0
        self.waited_s = 0.0
        """Time the generator spent handing chunks over (here: loading them)."""

    def begin(self) -> None:
        """Prepare the database."""
        started = time.perf_counter()
        self._loader.begin()
        self.waited_s += time.perf_counter() - started

    def write(self, chunk: Chunk) -> None:
        """Load a chunk now."""
        started = time.perf_counter()
        self._loader.write(chunk)
        self.waited_s += time.perf_counter() - started
        self.loaded_lines += len(chunk.movements)

    def finish(self, final: FinalRows) -> dict[str, float]:
        """Finish the load; its timings (``load_s``: all the time spent loading)."""
        started = time.perf_counter()
        self._loader.finish(final)
        self.waited_s += time.perf_counter() - started
        return {"load_s": self.waited_s, **self._loader.timings}

    def close(self) -> None:
        """Give up on an unfinished load."""
        self._loader.abort()


class ProcessSink:
    """Loads chunks in a child process; ``write`` returns once the chunk is queued."""

    def __init__(self, url: str, *, depth: int = 3) -> None:
        """Start the loader process for ``url``."""
        # fork, not spawn: callers need no ``if __name__ == "__main__"`` guard, and the
        # generator has no connection or thread open yet for the child to inherit
        context = mp.get_context("fork")
        self._queue: Any = context.Queue(maxsize=depth)
        self._results: Any = context.Queue()
        self._loaded: Any = context.Value("q", 0)
        self._process = context.Process(
            target=_serve,
            args=(url, self._queue, self._results, self._loaded),
            name="ledger-gen-loader",
            daemon=True,
        )
        self._process.start()
        self.waited_s = 0.0
        """Time the generator waited for room in the queue (the loader was slower)."""

    @property
    def loaded_lines(self) -> int:
        """Journal lines the loader has written so far."""
        return int(self._loaded.value)

    def begin(self) -> None:
        """Have the loader prepare the database."""
        self._put(("begin", None))

    def write(self, chunk: Chunk) -> None:
        """Queue a chunk (waits while ``depth`` chunks are queued)."""
        self._put(("chunk", chunk))

    def finish(self, final: FinalRows) -> dict[str, float]:
        """Queue the end-of-book rows and wait until the loader is done; its timings."""
        self._put(("finish", final))
        kind, result = self._result(block=True)
        self._process.join(timeout=60)
        if kind != "done":
            raise RuntimeError(f"the loader failed:\n{result}")
        return dict(result)

    def close(self) -> None:
        """Stop the loader (ours, by its process object) if it is still running."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=10)

    def _put(self, message: tuple[str, Any]) -> None:
        started = time.perf_counter()
        while True:
            try:
                self._queue.put(message, timeout=1.0)
                break
            except queue.Full:
                self._raise_if_failed()
        self.waited_s += time.perf_counter() - started

    def _raise_if_failed(self) -> None:
        found = self._result(block=False)
        if found is not None and found[0] == "error":
            raise RuntimeError(f"the loader failed:\n{found[1]}")
        if not self._process.is_alive():
            raise RuntimeError(f"the loader died (exit code {self._process.exitcode})")

    def _result(self, *, block: bool) -> Any:
        while True:
            try:
                return self._results.get(timeout=1.0 if block else 0.01)
            except queue.Empty:
                if not block:
                    return None
                if not self._process.is_alive():
                    raise RuntimeError(
                        f"the loader died (exit code {self._process.exitcode})"
                    ) from None


def _serve(url: str, inbox: Any, results: Any, loaded: Any) -> None:
    """The loader process: load what arrives until ``finish``; report timings or the error."""
    loader = open_loader(url)
    busy_s = 0.0
    try:
        while True:
            kind, payload = inbox.get()
            started = time.perf_counter()
            if kind == "begin":
                loader.begin()
            elif kind == "chunk":
                loader.write(payload)
                loaded.value += len(payload.movements)
            else:
                loader.finish(payload)
                busy_s += time.perf_counter() - started
                results.put(("done", {"load_s": busy_s, **loader.timings}))
                return
            busy_s += time.perf_counter() - started
    except BaseException:
        loader.abort()
        results.put(("error", traceback.format_exc()))
        raise


class Progress:
    """Progress on stderr: one updating line on a terminal, else a line every ``every_s``."""

    def __init__(self, total_lines: int, *, every_s: float = 5.0, enabled: bool = True) -> None:
        """Start the clock."""
        self._total = total_lines
        self._tty = sys.stderr.isatty()
        self._every_s = 0.5 if self._tty else every_s
        self._enabled = enabled
        self._started = time.perf_counter()
        self._last = 0.0
        self._line_open = False

    def update(self, generated: int, loaded: int, *, force: bool = False) -> None:
        """Report ``generated`` and ``loaded`` journal lines (rate-limited unless ``force``)."""
        now = time.perf_counter()
        if not self._enabled or (not force and now - self._last < self._every_s):
            return
        self._last = now
        elapsed = max(now - self._started, 1e-6)
        gen_rate, load_rate = generated / elapsed, loaded / elapsed
        left_s = max(
            (self._total - generated) / gen_rate if gen_rate else 0.0,
            (self._total - loaded) / load_rate if load_rate else 0.0,
        )
        share = 100 * generated / self._total if self._total else 100.0
        text = (
            f"ledger-gen: generated {generated:,}/{self._total:,} lines ({share:.1f}%) "
            f"{gen_rate:,.0f}/s, loaded {loaded:,} {load_rate:,.0f}/s, "
            f"{elapsed:,.0f} s so far, about {left_s:,.0f} s left"
        )
        if self._tty:
            print(f"\r{text}\x1b[K", end="", file=sys.stderr, flush=True)
            self._line_open = True
        else:
            print(text, file=sys.stderr, flush=True)

    def say(self, text: str) -> None:
        """A phase change, on its own line."""
        if self._enabled:
            start = "\n" if self._line_open else ""
            self._line_open = False
            print(f"{start}ledger-gen: {text}", file=sys.stderr, flush=True)
