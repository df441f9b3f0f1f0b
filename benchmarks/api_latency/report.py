"""The API latency section of ``benchmarks/RESULTS.md``: medians of the repeats, per phase."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path

from benchmarks.api_latency.openloop import percentile
from benchmarks.api_latency.rounds import Phase, Rates, Round
from benchmarks.ingest_trees import commit_of
from benchmarks.results_file import write_section

ROOT = Path(__file__).resolve().parents[2]
TARGETS_MS = {"stock": 50.0, "sale": 100.0}
"""p99 targets of the issue."""
BASELINE = {"stock": "health@read", "sale": "health@write"}
LABELS = {
    "health@read": "`GET /health` (baseline)",
    "stock": "`GET /stock?sku=…`",
    "health@write": "`GET /health` (baseline)",
    "sale": "`POST /transactions` (one sale)",
}


@dataclass(frozen=True)
class Context:
    """What the run was: backend, ledger, SKU read, rates, machine load before and after."""

    backend: str
    movements: int
    ledger_key: str
    sku: str
    rates: Rates
    repeats: int
    load: tuple[tuple[float, float, float], tuple[float, float, float]]
    measured_at: str


def markers(backend: str) -> tuple[str, str]:
    """Start and end markers of a backend's section."""
    return f"<!-- api-latency-{backend}:start -->", f"<!-- api-latency-{backend}:end -->"


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Summary:
    """One phase's medians over the repeats."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    sent_per_s: float
    answered_per_s: float
    ingest_per_s: float
    api_cpu_ms: float
    lag_p99_ms: float
    errors: str
    p99s: list[float]


def _send_span_s(phase: Phase) -> float:
    """First due time to the last real send, plus one interval."""
    r = phase.result
    return r.last_sent_s - r.started_s + 1 / r.rate_per_s


def _errors(phases: list[Phase]) -> str:
    kinds: dict[str, int] = {}
    for phase in phases:
        for kind, count in phase.result.errors.items():
            kinds[kind] = kinds.get(kind, 0) + count
    total = sum(kinds.values())
    detail = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"{total} ({detail})" if total else "0"


def summarise(phases: list[Phase]) -> Summary:
    """Medians of the per-repeat figures of one phase (errors summed)."""
    return Summary(
        p50_ms=_median([percentile(p.result.latencies_ms, 0.50) for p in phases]),
        p99_ms=_median([percentile(p.result.latencies_ms, 0.99) for p in phases]),
        max_ms=max(max(p.result.latencies_ms, default=0.0) for p in phases),
        sent_per_s=_median([p.result.sent / _send_span_s(p) for p in phases]),
        answered_per_s=_median(
            [p.result.answered * p.result.rate_per_s / max(p.result.sent, 1) for p in phases]
        ),
        ingest_per_s=_median([p.ingested / p.wall_s for p in phases]),
        api_cpu_ms=_median([1000 * p.api_cpu_s / max(p.result.sent, 1) for p in phases]),
        lag_p99_ms=_median([percentile(p.result.lateness_ms, 0.99) for p in phases]),
        errors=_errors(phases),
        p99s=[percentile(p.result.latencies_ms, 0.99) for p in phases],
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _row(name: str, s: Summary, base: Summary | None, rate: float) -> str:
    ratio = (
        f"{s.p50_ms / base.p50_ms:.1f}× / {s.p99_ms / base.p99_ms:.1f}×" if base else "1 (baseline)"
    )
    target = TARGETS_MS.get(name)
    verdict = "" if target is None else (
        f"≤ {target:.0f}: **{'met' if s.p99_ms <= target else 'missed'}**"
    )  # fmt: skip
    spread = ", ".join(f"{v:.1f}" for v in s.p99s)
    return (
        f"| {LABELS[name]} | {rate:.0f} | {s.sent_per_s:.1f} | {s.answered_per_s:.1f} | "
        f"{s.p50_ms:.1f} | {s.p99_ms:.1f} ({spread}) | {s.max_ms:.0f} | {ratio} | {verdict} | "
        f"{s.errors} | {s.ingest_per_s:,.0f} | {s.api_cpu_ms:.2f} | {s.lag_p99_ms:.1f} |"
    )


def render(ctx: Context, rounds: list[Round]) -> str:
    """The section, markers included."""
    by_name: dict[str, list[Phase]] = {}
    for done in rounds:
        for phase in done.phases:
            by_name.setdefault(phase.result.name, []).append(phase)
    summaries = {name: summarise(phases) for name, phases in by_name.items()}
    rate = {"health@read": ctx.rates.read_per_s, "stock": ctx.rates.read_per_s,
            "health@write": ctx.rates.write_per_s, "sale": ctx.rates.write_per_s}  # fmt: skip
    start, end = markers(ctx.backend)
    fleet = _median([r.fleet_events / r.fleet_wall_s for r in rounds if r.fleet_wall_s])
    (a1, a5, _), (b1, b5, _) = ctx.load
    lines = [
        start,
        f"## API latency under ingest, {ctx.backend} (`benchmarks/api_latency`)",
        "",
        f"Measured {ctx.measured_at} on {_cpu_model()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, load average (1/5 min) {a1:.1f}/{a5:.1f} before and "
        f"{b1:.1f}/{b5:.1f} after (other sessions share the machine); commit "
        f"{commit_of(ROOT)}. Ledger: the generated {ctx.movements:,}-movement {ctx.backend} "
        f"ledger `{ctx.ledger_key}` (a private copy). `collector run` ingests "
        f"{ctx.rates.ingest_per_s:,.0f} events/s from 20 simulated devices over Mosquitto "
        f"127.0.0.1:1883 (achieved over each whole round: {fleet:,.0f}/s; every event checked "
        "applied exactly once), while `collector api` (uvicorn, one process) is driven "
        "open loop: request n is due at start + n/rate whatever came back, and latency is "
        "due time → answer, so a server that falls behind shows as latency (no coordinated "
        f"omission). {ctx.repeats} rounds × {ctx.rates.seconds:.0f} s per phase, phases in "
        "the order of the table; figures are medians of the rounds (p99 of each round in "
        f"brackets), errors summed. The stock read is `GET /api/v1/stock?sku={ctx.sku}`, the "
        "generated SKU with the most positions; each sale is one unit with its own "
        "`Idempotency-Key`, its stock received first; the token is `integration`.",
        "",
        "| endpoint | rate/s | sent/s | answered/s | p50 ms | p99 ms (per round) | max ms | "
        "p50 / p99 vs baseline | p99 target ms | errors | ingest ev/s meanwhile | "
        "API CPU ms/request | client lag p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name in ("health@read", "stock", "health@write", "sale"):
        if name in summaries:
            base = summaries.get(BASELINE.get(name, ""))
            lines.append(_row(name, summaries[name], base, rate[name]))
    failed = [f"round {n + 1}: {r.ingest_check}" for n, r in enumerate(rounds) if r.ingest_check]
    lines += [
        "",
        "Ingest check (every published event applied exactly once): "
        + (
            "; ".join(failed) + " (the fleet gave up waiting for acks)"
            if failed
            else "every round exact."
        ),
        "",
        "Before each phase the benchmark waits until `/health` answers within 20 ms again "
        f"(longest wait: {max(p.settle_s for r in rounds for p in r.phases):.1f} s), so an "
        "overload does not spill into the next phase. *answered/s*: answered with the "
        "expected status per second of the schedule. "
        "*client lag*: how late the load generator itself sent (due time → send); it is "
        "part of the latency, so it must stay small for the figures to be the server's. "
        "*API CPU*: CPU seconds of the `collector api` process over the phase per request.",
        "",
        "Run it: `.venv/bin/python -m benchmarks.api_latency --write` (SQLite) or with "
        "`--db postgresql+psycopg://postgres@127.0.0.1:5432/NAME`; `--quick` for a smoke run.",
        end,
    ]
    return "\n".join(lines) + "\n"


def write(ctx: Context, text: str) -> None:
    """Replace this backend's section of RESULTS.md."""
    start, end = markers(ctx.backend)
    write_section(text, start=start, end=end)
