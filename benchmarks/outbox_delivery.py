"""Store-and-forward benchmark: outbox append cost, a week's file size, and 20k backlog drains.

Run from the repository root (needs the ``mosquitto`` binary; starts a private one)::

    .venv/bin/python -m benchmarks.outbox_delivery

Writes its own section of ``benchmarks/RESULTS.md`` (between the ``outbox-delivery``
markers). Baselines are measured in the same run: a bare SQLite insert+commit with
the same durability for appends, and a bare paho QoS 1 publish→subscribe stream
(no outbox, no acks) for the drain.

The headline rows drain a 20,000-event backlog into the real ``collector run``
(``benchmarks.outbox_drain``) on a broker with the shipped queue sizing, while
another device publishes live at 50 events/s: drain events/s, the live device's
publish → ack p50/p99 (beside the same live device with no backlog), and every
event of both devices checked exactly once in the ledger afterwards.
"""

from __future__ import annotations

import platform
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks import results_file
from benchmarks.outbox_drain import DrainResult, queues_broker, real_drain
from edge_agent import wire
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.sender import DEFAULT_WINDOW
from edge_agent.outbox.store import Outbox
from tests.support.fake_collector import FakeCollectorAcker
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name

START, END = "<!-- outbox-delivery:start -->", "<!-- outbox-delivery:end -->"
REPEATS = 5
APPENDS = 300
WEEK = 600_000
BACKLOG = 20_000
SLOW_APPLY_S = 0.0003
OLD_WINDOW = 200
LIVE_RATE_PER_S = 50.0
LIVE_S = 10.0
REAL_ROUNDS = 3
TARGET_DRAIN_PER_S = 2_000
TARGET_LIVE_P99_MS = 500
DATA = wire.ShelfWeightChanged(lane="lane-1", sku="SKU-1", grams_before=1200.5,
                               grams_after=950.25, count_change=-1, estimated_count=12,
                               confidence=0.97)  # fmt: skip


def _baseline_appends_per_s(d: Path) -> float:
    conn = sqlite3.connect(d / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, payload BLOB)")
    blob = b"x" * 366
    start = time.perf_counter()
    for _ in range(APPENDS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (blob,))
        conn.execute("COMMIT")
    conn.close()
    return APPENDS / (time.perf_counter() - start)


def _outbox_appends_per_s(d: Path) -> float:
    box = Outbox(d / "box.db", device_id="bench", max_bytes=2**30)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for _ in range(APPENDS):
        box.append(DATA, now)
    rate = APPENDS / (time.perf_counter() - start)
    box.close()
    return rate


def _week(d: Path) -> tuple[float, int]:
    box = Outbox(d / "week.db", device_id="bench", max_bytes=2**30)
    batch = [(DATA, datetime.now(UTC))] * 2000
    start = time.perf_counter()
    for _ in range(WEEK // len(batch)):
        box.append_many(batch)
    elapsed = time.perf_counter() - start
    size = box.size_bytes()
    box.close()
    return elapsed, size


def _raw_stream(broker: PrivateMosquitto) -> tuple[float, int]:
    """Bare paho QoS 1 publish of BACKLOG messages to one subscriber: (msgs/s, received).

    No outbox, no window, no acks: the transport ceiling, and what the broker's
    per-client queue limit does to an unpaced burst (received < BACKLOG).
    """
    topic = f"bench/{unique_name('raw')}"
    last_rx = [0.0]
    count = [0]

    def on_message(*_: object) -> None:
        count[0] += 1
        last_rx[0] = time.perf_counter()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("sub"))
    sub.on_message = on_message
    sub.connect(broker.host, broker.port)
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("pub"))
    pub.connect(broker.host, broker.port)
    pub.loop_start()
    time.sleep(0.5)
    start = time.perf_counter()
    for _ in range(BACKLOG):
        pub.publish(topic, b"x" * 200, qos=1)
    while count[0] < BACKLOG and time.perf_counter() - max(last_rx[0], start) < 3:
        time.sleep(0.05)  # until everything arrived or nothing came for 3 s
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    return count[0] / (last_rx[0] - start), count[0]


def _drain(
    broker: PrivateMosquitto, d: Path, window: int, apply_s: float = 0.0
) -> tuple[float, int, int]:
    """Seconds to drain BACKLOG stored events after connecting; published count, rewinds."""
    site, device = unique_name("bench"), unique_name("pi")
    collector = FakeCollectorAcker(broker.host, broker.port, site=site, apply_s=apply_s).start()
    box = Outbox(d / f"{device}.db", device_id=device, max_bytes=2**30)
    now = datetime.now(UTC)
    for _ in range(BACKLOG // 1000):
        box.append_many([(DATA, now)] * 1000)
    delivery = Delivery.over_mqtt(
        outbox=box, settings=LinkSettings(host=broker.host, port=broker.port), site=site,
        birth=lambda: online_status(device_id=device, epoch=box.epoch, at=now,
                                    software_version="bench", config_hash="-",
                                    calibration_ids={}),
        on_command=lambda _p: None, monotonic=time.monotonic, window=window, ack_timeout_s=5,
    )  # fmt: skip
    start = time.perf_counter()
    delivery.start()
    collector.wait_until(lambda: collector.acked(device, box.epoch) == BACKLOG, 180)
    elapsed = time.perf_counter() - start
    stats = delivery.stats()
    delivery.stop()
    collector.stop()
    box.close()
    assert collector.acked(device, box.epoch) == BACKLOG, "backlog did not drain"
    return elapsed, stats.published, stats.rewinds


def main() -> None:
    """Run every measurement and rewrite this benchmark's RESULTS.md section."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        base = statistics.median(_baseline_appends_per_s(d) for _ in range(REPEATS))
        ours = statistics.median(_outbox_appends_per_s(d) for _ in range(REPEATS))
        week_s, week_bytes = _week(d)
        with PrivateMosquitto(d / "broker") as broker:
            raws = [_raw_stream(broker) for _ in range(3)]
            paced = [_drain(broker, d, window=OLD_WINDOW) for _ in range(3)]
            unpaced = _drain(broker, d, window=BACKLOG)
            slow = [
                _drain(broker, d, window=w, apply_s=SLOW_APPLY_S) for w in (OLD_WINDOW, BACKLOG)
            ]
        real = _real_runs(d)
    _write(_section(base, ours, week_s, week_bytes, raws, paced, unpaced, slow) + _real(real))


UNCAPPED = {"COLLECTOR_BATCH_TARGET_MS": "0"}
REAL_CONFIGS: dict[str, tuple[int, int, dict[str, str]]] = {
    "live alone": (0, DEFAULT_WINDOW, {}),
    f"window {OLD_WINDOW} (the old default)": (BACKLOG, OLD_WINDOW, {}),
    f"window {DEFAULT_WINDOW:,}, batches always up to 500 (`COLLECTOR_BATCH_TARGET_MS=0`)": (
        BACKLOG, DEFAULT_WINDOW, UNCAPPED,
    ),
    f"window {DEFAULT_WINDOW:,} (default)": (BACKLOG, DEFAULT_WINDOW, {}),
}  # fmt: skip


def _real_runs(d: Path) -> dict[str, list[DrainResult]]:
    """Each configuration ``REAL_ROUNDS`` times against ``collector run``, order rotated."""
    runs: dict[str, list[DrainResult]] = {name: [] for name in REAL_CONFIGS}
    names = list(REAL_CONFIGS)
    with queues_broker(d / "real-broker") as broker:
        for n in range(REAL_ROUNDS):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                backlog, window, env = REAL_CONFIGS[name]
                runs[name].append(
                    real_drain(broker, d / f"real-{n}", backlog=backlog, window=window,
                               live_rate_per_s=LIVE_RATE_PER_S, live_s=LIVE_S, seed=n,
                               collector_env=env)
                )  # fmt: skip
    return runs


def _real(runs: dict[str, list[DrainResult]]) -> str:
    """The real-collector rows, appended to the section before its end marker."""
    rows = [
        "",
        f"**Into the real `collector run`** (SQLite ledger, `--batch-max 500`, broker with the "
        f"shipped `deploy/mosquitto/conf.d` queue sizing): a {BACKLOG:,}-event backlog drains "
        f"while another device publishes live at {LIVE_RATE_PER_S:.0f} events/s for "
        f"{LIVE_S:.0f} s; medians of {REAL_ROUNDS} rounds (order rotated); load average "
        f"{_loadavg()} when it finished. Every event of both devices was checked applied "
        "exactly once in the ledger after each run.",
        "",
        f"Target: a drain of ≥ {TARGET_DRAIN_PER_S:,} events/s while the live device's p99 "
        f"stays under {TARGET_LIVE_P99_MS} ms.",
        "",
        "| run | drain events/s | × old default | live publish→ack p50 / p99 (p99 each) | "
        "publishes, rewinds, broker drops | verdict |",
        "|---|---:|---:|---:|---:|---|",
    ]
    old = statistics.median(r.rate_per_s for r in runs[list(runs)[1]])
    for name, results in runs.items():
        rate = statistics.median(r.rate_per_s for r in results)
        p50 = statistics.median(r.live_p50_ms or 0.0 for r in results)
        p99 = statistics.median(r.live_p99_ms or 0.0 for r in results)
        rates = "–" if not results[0].backlog else f"{rate:,.0f} ({_each(results)})"
        ratio = "–" if not results[0].backlog else f"{rate / old:.2f}"
        counts = f"{sum(r.published for r in results):,}, {sum(r.rewinds for r in results)}, " \
                 f"{sum(r.broker_drops for r in results)}"  # fmt: skip
        each_p99 = ", ".join(f"{r.live_p99_ms or 0.0:,.0f}" for r in results)
        verdict = "–" if not results[0].backlog else (
            "met" if rate >= TARGET_DRAIN_PER_S and p99 < TARGET_LIVE_P99_MS else "**missed**"
        )  # fmt: skip
        rows.append(f"| {name} | {rates} | {ratio} | {p50:,.0f} / {p99:,.0f} ms ({each_p99}) | "
                    f"{counts} | {verdict} |")  # fmt: skip
    return "\n".join(rows) + "\n"


def _each(results: list[DrainResult]) -> str:
    return ", ".join(f"{r.rate_per_s:,.0f}" for r in results)


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _section(base, ours, week_s, week_bytes, raws, paced, unpaced, slow) -> str:  # noqa: PLR0917
    raw = statistics.median(r[0] for r in raws)
    paced_s = statistics.median(p[0] for p in paced)
    rate = BACKLOG / paced_s
    lines = [
        START,
        "## Outbox and delivery (store-and-forward)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} / Python "
        f"{platform.python_version()} with `python -m benchmarks.outbox_delivery`; medians of "
        f"{REPEATS} runs (appends) and 3 runs (drain). Broker: private Mosquitto, default "
        "`max_queued_messages` 1000; edge, fake collector and broker share the 2 cores.",
        "",
        "| measurement | value | × baseline |",
        "|---|---:|---:|",
        f"| baseline: bare SQLite insert+commit (WAL, synchronous=FULL) | {base:,.0f} /s | 1.00 |",
        f"| outbox.append (envelope, uuid, compression, fsync) | {ours:,.0f} /s | "
        f"{ours / base:.2f} |",
        f"| 600,000 events via append_many(2000) | {week_s:.1f} s | – |",
        f"| file size at 600,000 events | {week_bytes / 2**20:.1f} MiB "
        f"({week_bytes / WEEK:.0f} B/event) | – |",
        f"| baseline: bare paho QoS 1 burst, {BACKLOG:,} msgs, no outbox/acks | {raw:,.0f} /s; "
        f"received {[r[1] for r in raws]} | 1.00 |",
        f"| drain {BACKLOG:,} backlog, window 200, acked by a fake collector | {rate:,.0f} /s "
        f"({paced_s:.1f} s) | {rate / raw:.2f} |",
        f"| same, window {BACKLOG:,} (unpaced) | {BACKLOG / unpaced[0]:,.0f} /s; "
        f"{unpaced[1]:,} publishes, {unpaced[2]} rewinds | {BACKLOG / unpaced[0] / raw:.2f} |",
        *(
            f"| slower collector ({SLOW_APPLY_S * 1e3:.1f} ms/event), window {w:,} | "
            f"{BACKLOG / r[0]:,.0f} /s; {r[1]:,} publishes, {r[2]} rewinds | "
            f"{BACKLOG / r[0] / raw:.2f} |"
            for w, r in zip((200, BACKLOG), slow, strict=True)
        ),
        "",
        f"Paced runs: publishes {[p[1] for p in paced]}, rewinds {[p[2] for p in paced]} "
        "(a rewind = no ack progress for the ack timeout, so the window was sent again).",
    ]
    return "\n".join(lines) + "\n"


def _write(section: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or append it."""
    section = section.rstrip("\n") + "\n" + END + "\n"
    results_file.write_section(section, start=START, end=END)
    print(section)


if __name__ == "__main__":
    main()
