"""Generated ledgers kept by their parameters, so a benchmark gets one at once the second time.

SQLite: ``CACHE_DIR/KEY.db`` with its manifest ``KEY.json`` (written last: a file without
a manifest is an interrupted build and is built again). PostgreSQL: the database itself
is the ledger; ``KEY.pg.json`` names it with a fingerprint (highest movement and layer
ids, balance count), and ``--pg-dump`` also keeps ``KEY.pgdump`` (``pg_dump -Fc``), from
which a dropped database is restored instead of generated again.

A cached ledger is shared: a benchmark that writes into it must use a copy
(``GeneratedLedger.copy_to``). A SQLite file whose size or modification time is no longer
what its manifest says is generated again rather than handed out changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.ledger_gen.generate import Figures, build
from benchmarks.ledger_gen.load_postgres import conninfo
from benchmarks.ledger_gen.params import GENERATOR_VERSION, GenParams, schema_head
from benchmarks.ledger_gen.pipeline import Progress

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = ROOT / "var" / "bench-ledgers"


@dataclass(frozen=True, slots=True)
class GeneratedLedger:
    """A generated ledger ready to use: its URL, its file (SQLite), what built it."""

    url: str
    path: Path | None
    key: str
    figures: Figures
    reused: bool
    """True when it came from the cache (nothing was generated)."""

    def copy_to(self, path: Path) -> str:
        """A private copy of a SQLite ledger at ``path`` (for benchmarks that write); its URL."""
        if self.path is None:
            raise ValueError("only a SQLite ledger is a file to copy")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


def ensure_ledger(
    movements: int = 1_000_000,
    *,
    seed: int = 1,
    skus: int = 5_000,
    locations: int = 200,
    owners: int = 3,
    days: int = 365,
    db_url: str | None = None,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    force: bool = False,
    pipelined: bool = True,
    progress: bool = True,
    pg_dump: bool = False,
) -> GeneratedLedger:
    """The ledger of these parameters: the cached one at once, else generated (and cached).

    ``db_url`` None or ``sqlite:///…``: a SQLite file in ``cache_dir`` (copied to the path
    given, if any). ``postgresql+psycopg://…/NAME``: that database, created when missing;
    an existing one is reused only when its marker and fingerprint match, else refused
    unless ``force`` (which drops it).
    """
    params = GenParams(movements, seed, skus, locations, owners, days)
    cache_dir.mkdir(parents=True, exist_ok=True)
    meter = Progress(movements, enabled=progress)
    if db_url is None or sa.make_url(db_url).get_backend_name() == "sqlite":
        ledger = _sqlite(params, cache_dir, force=force, pipelined=pipelined, meter=meter)
        target = Path(sa.make_url(db_url).database or "") if db_url else None
        if target is not None and ledger.path is not None and target.resolve() != ledger.path:
            url = ledger.copy_to(target)
            return GeneratedLedger(url, target, ledger.key, ledger.figures, ledger.reused)
        return ledger
    return _postgres(
        params, db_url, cache_dir, force=force, pipelined=pipelined, meter=meter, dump=pg_dump
    )


def _sqlite(
    params: GenParams, cache_dir: Path, *, force: bool, pipelined: bool, meter: Progress
) -> GeneratedLedger:
    key = params.key("sqlite")
    path, manifest = cache_dir.resolve() / f"{key}.db", cache_dir.resolve() / f"{key}.json"
    if path.exists() and manifest.exists() and not force:
        data = json.loads(manifest.read_text())
        if data.get("file") == file_stamp(path):
            return GeneratedLedger(
                f"sqlite:///{path}", path, key, Figures.from_json(data["figures"]), reused=True
            )
        meter.say(f"{path} changed since it was generated (written to?): generating it again")
    manifest.unlink(missing_ok=True)
    partial = cache_dir / f"{key}.partial.db"
    for stale in (partial, *_sidecars(partial), path, *_sidecars(path)):
        stale.unlink(missing_ok=True)
    meter.say(f"generating {params.describe()} into {partial}")
    figures = build(params, f"sqlite:///{partial}", pipelined=pipelined, progress=meter)
    partial.rename(path)
    _write(manifest, key, figures, {"path": str(path), "file": file_stamp(path)})
    return GeneratedLedger(f"sqlite:///{path}", path, key, figures, reused=False)


def file_stamp(path: Path) -> dict[str, int]:
    """Size and modification time of a ledger file: a cached one must still be as built."""
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _postgres(
    params: GenParams,
    url: str,
    cache_dir: Path,
    *,
    force: bool,
    pipelined: bool,
    meter: Progress,
    dump: bool,
) -> GeneratedLedger:
    key = params.key("postgresql")
    marker, dump_file = cache_dir / f"{key}.pg.json", cache_dir / f"{key}.pgdump"
    shown = sa.make_url(url).render_as_string(hide_password=True)
    if marker.exists() and not force:
        data = json.loads(marker.read_text())
        if data["url"] == shown and _exists(url) and fingerprint(url) == data["fingerprint"]:
            return GeneratedLedger(url, None, key, Figures.from_json(data["figures"]), True)
        if data["url"] == shown and dump_file.exists():
            meter.say(f"restoring {shown} from {dump_file}")
            _recreate(url)
            subprocess.run(
                ["pg_restore", "--no-owner", "-j", "2", "-d", conninfo(url), str(dump_file)],
                check=True,
            )
            if fingerprint(url) == data["fingerprint"]:
                return GeneratedLedger(url, None, key, Figures.from_json(data["figures"]), True)
            raise RuntimeError(f"{dump_file} does not restore the ledger its marker describes")
    marker.unlink(missing_ok=True)
    if _exists(url) and not force and not _is_empty(url):
        raise RuntimeError(f"{shown} holds another ledger: pass force to drop it")
    _recreate(url)
    meter.say(f"generating {params.describe()} into {shown}")
    figures = build(params, url, pipelined=pipelined, progress=meter)
    if dump:
        meter.say(f"dumping to {dump_file}")
        partial = dump_file.with_suffix(".partial")
        subprocess.run(["pg_dump", "-Fc", "-f", str(partial), conninfo(url)], check=True)
        partial.rename(dump_file)
    _write(marker, key, figures, {"url": shown, "fingerprint": fingerprint(url)})
    return GeneratedLedger(url, None, key, figures, reused=False)


def fingerprint(url: str) -> dict[str, int]:
    """What tells a generated PostgreSQL ledger apart, read in milliseconds."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM movements),"
                " (SELECT COALESCE(MAX(id), 0) FROM cost_layers),"
                " (SELECT COUNT(*) FROM balances)"
            ).one()
    finally:
        engine.dispose()
    return {"movements": int(row[0]), "cost_layers": int(row[1]), "balances": int(row[2])}


def _admin(url: str) -> tuple[sa.Engine, str]:
    parsed = sa.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    return admin, parsed.database or ""


def _exists(url: str) -> bool:
    admin, name = _admin(url)
    try:
        with admin.connect() as conn:
            query = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            return conn.execute(query, {"name": name}).first() is not None
    finally:
        admin.dispose()


def _is_empty(url: str) -> bool:
    """No ledger tables, or an empty journal and inbox."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for table in ("movements", "inbox"):
                if conn.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar_one() is None:
                    continue
                if conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None:
                    return False
    finally:
        engine.dispose()
    return True


def _recreate(url: str) -> None:
    """Drop the database (if any) and create it empty."""
    admin, name = _admin(url)
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def _write(path: Path, key: str, figures: Figures, extra: dict[str, Any]) -> None:
    data = {
        "key": key,
        "generator_version": GENERATOR_VERSION,
        "schema_head": schema_head(),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
        "figures": figures.to_json(),
    }
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    partial.rename(path)
