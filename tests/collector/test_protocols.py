"""One concept, one protocol: no two collector modules declare a Protocol of the same name."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _protocols() -> dict[str, list[str]]:
    declared: dict[str, list[str]] = defaultdict(list)
    for path in sorted((ROOT / "collector").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", getattr(base, "attr", None)) == "Protocol"
                for base in node.bases
            ):
                declared[node.name].append(str(path.relative_to(ROOT)))
    return declared


def test_each_protocol_is_declared_once() -> None:
    twice = {name: where for name, where in _protocols().items() if len(where) > 1}
    assert twice == {}


def test_the_clock_and_the_connection_are_declared_where_everyone_finds_them() -> None:
    declared = _protocols()
    assert declared["Clock"] == ["collector/clock.py"]
    assert declared["Connection"] == ["collector/runtime/ports.py"]
