"""The collector depends on the edge agent only through the wire contract."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTOR = ROOT / "collector"
# The demo hosts simulated edge agents beside the collector, so it alone may import them;
# it is loaded lazily by `collector demo` and needs the `edge` extra.
DEMO_ONLY = {COLLECTOR / "demo", COLLECTOR / "cli" / "demo_command.py"}


def _edge_imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "edge_agent":
                found.update(f"edge_agent.{alias.name}" for alias in node.names)
            elif node.module.startswith("edge_agent."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("edge_agent"))
    return found


def _is_demo(path: pathlib.Path) -> bool:
    return any(path == d or d in path.parents for d in DEMO_ONLY)


def test_collector_imports_only_the_wire_contract_from_edge_agent() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imports - {"edge_agent.wire"})
        for path in COLLECTOR.rglob("*.py")
        if not _is_demo(path) and (imports := _edge_imports(path)) - {"edge_agent.wire"}
    }
    assert offenders == {}, f"collector modules importing edge_agent beyond wire: {offenders}"


def test_the_check_sees_a_forbidden_import(tmp_path: pathlib.Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from edge_agent.outbox.store import Outbox\nfrom edge_agent import wire\n")
    assert _edge_imports(module) == {"edge_agent.outbox.store", "edge_agent.wire"}
