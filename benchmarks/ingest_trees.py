"""Which checkout of the project a shipped ``collector run`` comes from: this one, or a baseline.

For before/after comparisons (``--baseline-tree DIR``) the same runs are made with
another checkout's code, e.g. a ``git worktree`` of an older commit. Its sources are
put first on ``PYTHONPATH``, with its own ``.venv``'s Python when it has one (else
this one's). Every process is started through ``collector_launcher.py``, which
prints the ``collector.__file__`` it imported; a run whose collector came from
anywhere else fails. A baseline's ledger is created and migrated by its own
``collector items import``, so a newer schema never meets older code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks.ingest_fleet import Broker, Setup, new_setup, prepare, sqlite_url
from collector.ledger.engine import create_ledger_engine

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = Path(__file__).with_name("collector_launcher.py")
MARK = "bench.collector_file="  # as collector_launcher.MARK, which imports nothing of ours


@dataclass(frozen=True)
class Tree:
    """A checkout whose ``collector`` a run starts, and the interpreter that runs it."""

    root: Path
    python: Path
    on_pythonpath: bool
    """Its sources put first on PYTHONPATH (a baseline); this checkout runs as installed."""
    baseline: bool = False

    def env(self) -> dict[str, str]:
        """The environment of its processes."""
        env = dict(os.environ)
        if self.on_pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(self.root), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        return env

    def command(self, *args: str) -> list[str]:
        """``collector ARGS`` as this checkout runs it."""
        return [str(self.python), str(LAUNCHER), *args]

    def describe(self) -> str:
        """Path, commit and how it is imported, for the report."""
        how = "its sources first on PYTHONPATH" if self.on_pythonpath else "as installed"
        return f"`{self.root}` at {commit_of(self.root)} ({how}, Python `{self.python}`)"


def current_tree() -> Tree:
    """This checkout, with this interpreter (its ``.venv``)."""
    return Tree(ROOT, Path(sys.executable), on_pythonpath=False)


def baseline_tree(path: str) -> Tree:
    """Another checkout: its own ``.venv/bin/python`` if it has one, else this interpreter."""
    root = Path(path).resolve()
    if not (root / "collector" / "__init__.py").is_file():
        raise SystemExit(f"--baseline-tree {path}: no collector/ package there")
    if root == ROOT:
        raise SystemExit(f"--baseline-tree {path} is this checkout")
    own = root / ".venv" / "bin" / "python"
    return Tree(root, own if own.exists() else Path(sys.executable), True, baseline=True)


def commit_of(root: Path) -> str:
    """Short commit of a checkout, with ``+dirty`` if it has uncommitted changes."""
    head = _git(root, "rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty else "")


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def check_imported(output: str, tree: Tree, what: str) -> str:
    """The ``collector.__file__`` a process reported; ``RuntimeError`` unless it is ``tree``'s."""
    found = next((line[len(MARK) :] for line in output.splitlines() if line.startswith(MARK)), "")
    expected = tree.root / "collector"
    if not found or Path(found).resolve().parent != expected:
        raise RuntimeError(f"{what} imported collector from {found or '?'}, not from {expected}")
    return found


def prepare_in(
    tree: Tree, workdir: Path, seed: int, broker: Broker, tag: str = ""
) -> tuple[Setup, sa.Engine]:
    """A fresh SQLite ledger as ``prepare`` makes it, created by ``tree``'s own code.

    The benchmark's engine only reads it back (no migration from this checkout).
    """
    if not tree.baseline:
        return prepare(workdir, seed, broker, sqlite_url(workdir, seed, tag) if tag else None)
    setup = new_setup(workdir, seed, broker)
    url = sqlite_url(workdir, seed, tag)
    csv = workdir / f"items-{seed}{tag}.csv"
    csv.write_text(setup.catalog.items_csv())
    done = subprocess.run(
        tree.command("items", "import", str(csv), "--db", url),
        env=tree.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"baseline `collector items import` failed: {done.stderr[-2000:]}")
    check_imported(done.stderr, tree, "baseline `collector items import`")
    return setup, create_ledger_engine(url)
